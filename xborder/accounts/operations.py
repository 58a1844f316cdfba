"""Writes on accounts: authentication and tokens. They flush, never commit."""

from __future__ import annotations

import datetime as dt
import functools
import secrets

import sqlalchemy as sa
from flask import current_app, session
from sqlalchemy.orm import joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import generate_password_hash

from xborder.accounts.models import PASSWORD_METHOD, ApiToken, Organisation, User, UserSession, hash_token
from xborder.core.auth import SESSION_ID_KEY
from xborder.core.database import driver_execute
from xborder.core.timeutil import utcnow
from xborder.extensions import db


def load_session_user(user_id: str) -> User | None:
    """The active user of a web session whose server-side row still exists, or None (Flask-Login's user loader):
    signing out, a new password or deactivation deletes the row, so a saved copy of the cookie signs nobody in."""
    sid = session.get(SESSION_ID_KEY)
    if not user_id.isdigit() or not isinstance(sid, str) or not sid:
        return None
    row = db.session.scalar(sa.select(UserSession).where(UserSession.token_hash == hash_token(sid))
                            .options(joinedload(UserSession.user).joinedload(User.organisation)))
    if row is None or row.user_id != int(user_id) or not row.is_valid() or not row.user.active:
        return None
    return row.user


@functools.cache
def _token_statement() -> sa.Select:
    # Built once (at the first request, when the mappers are complete): its cache key is then memoised, so a
    # request binds the hash and neither builds the statement nor computes its key.
    return (sa.select(ApiToken).where(ApiToken.token_hash == sa.bindparam("token_hash"))
            .options(joinedload(ApiToken.user).joinedload(User.organisation)))


def find_token(secret: str) -> ApiToken | None:
    """The token row for a bearer secret, with its user and the user's organisation, or None."""
    # One round trip for the token, its user and the user's organisation: every scoped query needs all three.
    token_hash = hash_token(secret)
    session = db.session()
    if session.get_bind().dialect.name == "postgresql":
        return _find_token_by_driver(session, token_hash)
    return session.scalar(_token_statement(), {"token_hash": token_hash})


_TOKEN_ROW = (ApiToken, User, Organisation)


@functools.cache
def _token_row_sql() -> tuple[str, tuple[tuple[str, ...], ...]]:
    # The same row as `_token_statement`'s joined load, its columns named from the mappers (no second schema).
    keys, columns = [], []
    for alias, model in zip("tuo", _TOKEN_ROW, strict=True):
        props = sa.inspect(model).column_attrs
        keys.append(tuple(prop.key for prop in props))
        columns += [f"{alias}.{prop.columns[0].name}" for prop in props]
    sql = (f"SELECT {', '.join(columns)} FROM api_tokens t JOIN users u ON u.id = t.user_id "
           "JOIN organisations o ON o.id = u.organisation_id WHERE t.token_hash = %s")
    return sql, tuple(keys)


def _find_token_by_driver(session: sa.orm.Session, token_hash: str):
    """`find_token` on PostgreSQL through psycopg itself: the one statement every API request makes cost 400 µs of
    CPU through the ORM's joined load and ~200 µs this way (bench/PROFILE.md). The row becomes the same three
    persistent objects the joined load gives, attached to the session (lazy loads and writes work on them as on any
    loaded object). `driver_execute` raises a DBAPI error as SQLAlchemy does, so `core.auth`'s retry on a dead pooled
    connection holds."""
    sql, keys = _token_row_sql()
    rows = driver_execute(session.connection(), sql, (token_hash,))
    row = rows[0] if rows else None
    if row is None:
        return None
    values, start = [], 0
    for names in keys:
        values.append(dict(zip(names, row[start:start + len(names)], strict=True)))
        start += len(names)
    token, user, organisation = (_loaded(session, model, found) for model, found in zip(_TOKEN_ROW, values,
                                                                                        strict=True))
    for instance, key, value in ((user, "organisation", organisation), (token, "user", user)):
        if key in sa.inspect(instance).unloaded:
            set_committed_value(instance, key, value)
    return token


def _loaded(session: sa.orm.Session, model: type, values: dict):
    # What a query's loading does with a row: an object the session already holds stays as it is, but for the
    # attributes it has not loaded (expired ones, say), which the row fills in; any other is attached.
    existing = session.identity_map.get(sa.inspect(model).identity_key_from_primary_key((values["id"],)))
    if existing is None:
        return _attach(session, model, values)
    for key in sa.inspect(existing).unloaded & values.keys():
        set_committed_value(existing, key, values[key])
    return existing


def _attach(session: sa.orm.Session, model: type, values: dict):
    # What a query's loading does with a row, through public API: a new instance whose attributes are the row's
    # committed values (no history, so nothing to flush), made detached with its identity, then added (persistent).
    instance = sa.inspect(model).class_manager.new_instance()
    instance.__dict__.update(values)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with this email and password, or None (the same answer for every failure)."""
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.strip().lower()))
    if user is None:
        # Hash anyway so that response time does not tell which emails exist.
        User(password_hash="").set_password(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    if user.password_hash.split("$", 1)[0] != PASSWORD_METHOD:
        # Hashed with older or weaker parameters: re-hash now that the password is at hand (nothing is revoked).
        user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
        db.session.flush()
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


def start_session(user: User) -> str:
    """Open a web session for `user` (its expired sessions are dropped); the clear id goes into the session cookie
    and only its hash is stored."""
    now = utcnow()
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at <= now)
                       .execution_options(synchronize_session=False))
    sid = secrets.token_urlsafe(32)
    hours = current_app.config["XBORDER"].session_hours
    db.session.add(UserSession(user_id=user.id, token_hash=hash_token(sid), expires_at=now + dt.timedelta(hours=hours)))
    db.session.flush()
    return sid


def session_row(sid: str | None) -> UserSession | None:
    """The live session row a cookie's session id names, or None."""
    if not sid:
        return None
    row = db.session.scalar(sa.select(UserSession).where(UserSession.token_hash == hash_token(sid)))
    return row if row is not None and row.is_valid() else None


def end_session(sid: str | None) -> None:
    """End the web session a cookie's session id names (signing out)."""
    if sid:
        db.session.execute(sa.delete(UserSession).where(UserSession.token_hash == hash_token(sid))
                           .execution_options(synchronize_session=False))


def change_password(user: User, current_password: str, new_password: str, keep_token: ApiToken | None = None,
                    keep_session: UserSession | None = None) -> bool:
    """Set a new password if `current_password` is right (False otherwise); every other token and session ends."""
    if not user.check_password(current_password):
        return False
    user.set_password(new_password, keep_token=keep_token, keep_session=keep_session)
    db.session.flush()
    return True
