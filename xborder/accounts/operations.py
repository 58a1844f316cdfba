"""Writes on accounts: authentication and tokens. They flush, never commit."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask import current_app

from xborder.accounts.models import ApiToken, User, hash_token
from xborder.core.timeutil import utcnow
from xborder.extensions import db


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with this email and password, or None (the same answer for every failure)."""
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.strip().lower()))
    if user is None:
        # Hash anyway so that response time does not tell which emails exist.
        User(password_hash="").set_password(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def issue_token(user: User, ttl: dt.timedelta | None = None) -> tuple[str, ApiToken]:
    """Create a bearer token for `user`; the clear token is returned once and only its hash is stored."""
    if ttl is None:
        ttl = dt.timedelta(hours=current_app.config["XBORDER"].token_ttl_hours)
    token = secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=hash_token(token), expires_at=utcnow() + ttl)
    db.session.add(row)
    db.session.flush()
    return token, row


def revoke_token(row: ApiToken) -> None:
    """Revoke a token from now on."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    db.session.flush()
