"""Who is calling: bearer tokens for the API, the login session for the web pages."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, request

from xborder.core import database
from xborder.core.errors import ApiError, Forbidden
from xborder.extensions import db, login_manager

F = TypeVar("F", bound=Callable[..., Any])


class Unauthorised(ApiError):
    """No token, a bad one, an expired or revoked one, or an inactive user."""

    status = 401

    def __init__(self, detail: str = "A valid bearer token is required"):
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="xborder"'})


_FIND_TOKEN = "xborder.find_token"
# The session cookie's key for the server-side session id (accounts.models.UserSession).
SESSION_ID_KEY = "_sid"


def init_app(app: Flask, *, load_user: Callable[[str], Any], find_token: Callable[[str], Any]) -> None:
    """Tell authentication how to find the session's user by id and a bearer token's row by its secret (the
    accounts package does, in its `init_app`: `core` knows no feature package)."""
    login_manager.user_loader(load_user)
    app.extensions[_FIND_TOKEN] = find_token


def user_from_bearer():
    """Resolve the Authorization header to an active user, or raise Unauthorised."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorised()
    row = _find_token(token.strip())
    if row is None or not row.is_valid():
        raise Unauthorised("The token is unknown, expired or revoked")
    if not row.user.active:
        raise Unauthorised("The account is deactivated")
    request.environ["xborder.api_token"] = row
    return row.user


def _find_token(secret: str):
    find = current_app.extensions[_FIND_TOKEN]
    reading = bool(request.environ.get(database.READS_ONLY))
    first = reading or not db.session().in_transaction()
    try:
        return find(secret)
    except sa.exc.DBAPIError as exc:
        # The request's first statement found its pooled connection dead (a backend terminated a moment before,
        # after the pool's checkout check looked): nothing of the request is lost, so it runs once more on a new one.
        if not (first and exc.connection_invalidated):
            raise
        db.session.rollback()
        if reading:
            request.environ.pop(database.READS_ONLY)
            database.reads_only()
        return find(secret)


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


def token_required(*roles: str, reads_only: bool = False) -> Callable[[F], F]:
    """Require a bearer token, and one of `roles` when given (403 otherwise); `reads_only` for a view that writes
    nothing (core.database.reads_only)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if reads_only:
                database.reads_only()
            user = api_user()
            if roles and user.role not in roles:
                raise Forbidden(f"This action is for the role(s): {', '.join(roles)}")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
