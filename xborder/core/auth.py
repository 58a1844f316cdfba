"""Who is calling: bearer tokens for the API, the login session for the web pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import request, session
from flask_login import current_user
from sqlalchemy.orm import joinedload

from xborder.core.errors import ApiError, Forbidden
from xborder.extensions import db, login_manager

F = TypeVar("F", bound=Callable[..., Any])


class Unauthorised(ApiError):
    """No token, a bad one, an expired or revoked one, or an inactive user."""

    status = 401

    def __init__(self, detail: str = "A valid bearer token is required"):
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="xborder"'})


# The session cookie's key for the server-side session id (accounts.models.UserSession).
SESSION_ID_KEY = "_sid"


@login_manager.user_loader
def _load_session_user(user_id: str):
    """The user of a web session whose server-side row still exists: signing out, a new password or deactivation
    deletes the row, so a saved copy of the cookie no longer signs anyone in."""
    from xborder.accounts.models import User, UserSession, hash_token

    sid = session.get(SESSION_ID_KEY)
    if not user_id.isdigit() or not isinstance(sid, str) or not sid:
        return None
    row = db.session.scalar(sa.select(UserSession).where(UserSession.token_hash == hash_token(sid))
                            .options(joinedload(UserSession.user).joinedload(User.organisation)))
    if row is None or row.user_id != int(user_id) or not row.is_valid() or not row.user.active:
        return None
    return row.user


def user_from_bearer():
    """Resolve the Authorization header to an active user, or raise Unauthorised."""
    from xborder.accounts.models import ApiToken, User, hash_token

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorised()
    # One round trip for the token, its user and the user's organisation: every scoped query needs all three.
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token.strip()))
                            .options(joinedload(ApiToken.user).joinedload(User.organisation)))
    if row is None or not row.is_valid():
        raise Unauthorised("The token is unknown, expired or revoked")
    if not row.user.active:
        raise Unauthorised("The account is deactivated")
    request.environ["xborder.api_token"] = row
    return row.user


def api_user():
    """The authenticated API caller of this request (resolved once per request)."""
    # Cached in the WSGI environ rather than `g`: an app context may outlive one request (tests, jobs).
    if "xborder.api_user" not in request.environ:
        request.environ["xborder.api_user"] = user_from_bearer()
    return request.environ["xborder.api_user"]


def api_token():
    """The ApiToken row this request authenticated with."""
    api_user()
    return request.environ["xborder.api_token"]


def token_required(*roles: str) -> Callable[[F], F]:
    """Require a bearer token, and one of `roles` when given (403 otherwise)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = api_user()
            if roles and user.role not in roles:
                raise Forbidden(f"This action is for the role(s): {', '.join(roles)}")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def web_user():
    """The logged-in user of the web session (Flask-Login's current_user)."""
    return current_user
