"""Writes on accounts: authentication and tokens. They flush, never commit."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from xborder.accounts.models import ApiToken, User, hash_token
from xborder.core.timeutil import utcnow
from xborder.extensions import db


def load_session_user(user_id: str) -> User | None:
    """The active user a login session names by id, or None (Flask-Login's user loader)."""
    user = (db.session.get(User, int(user_id), options=[joinedload(User.organisation)])
            if user_id.isdigit() else None)
    return user if user is not None and user.active else None


def find_token(secret: str) -> ApiToken | None:
    """The token row for a bearer secret, with its user and the user's organisation, or None."""
    # One round trip for the token, its user and the user's organisation: every scoped query needs all three.
    return db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(secret))
                             .options(joinedload(ApiToken.user).joinedload(User.organisation)))


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
