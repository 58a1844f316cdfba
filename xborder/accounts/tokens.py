"""API tokens people manage: named tokens made on a page (the secret shown once), their revocation, and when each
was last used. They flush, never commit — but `note_use`, which commits its own one-row write."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm.attributes import set_committed_value

from xborder.accounts.models import ApiToken, User
from xborder.accounts.operations import find_token, issue_token
from xborder.accounts.records import audit
from xborder.core.database import SAFE_METHODS, WRITES
from xborder.core.errors import NotFound, Unprocessable, field_error
from xborder.core.text import check_text
from xborder.core.timeutil import as_utc, utcnow
from xborder.extensions import db

# "Last used" is shown to the hour: a busy token writes its row once an hour, not once a request.
USE_RESOLUTION = dt.timedelta(hours=1)
LIFETIMES_DAYS = (30, 90, 365)


def resolve_token(secret: str) -> ApiToken | None:
    """The token row for a bearer secret (one indexed query, `find_token`), its use noted when valid."""
    row = find_token(secret)
    if row is not None and row.is_valid() and row.user.active:
        note_use(row)
    return row


def note_use(row: ApiToken) -> None:
    """Record that the token is being used, if its recorded use is an hour old or more: one conditional UPDATE (two
    requests at once write at most once), no read. Committed at once when the request has written nothing yet (the
    token is resolved before a view's work), so a read-only request keeps it too."""
    now = utcnow()
    if row.last_used_at is not None and as_utc(row.last_used_at) > now - USE_RESOLUTION:
        return
    session = db.session()
    alone = not (session.new or session.dirty or session.deleted)
    # SQLite: a page's deferred read transaction cannot be upgraded to write under a concurrent writer; end it and
    # let this one write begin IMMEDIATE (queueing on the busy timeout), then the request reads on as before.
    sqlite_read = (alone and has_request_context() and db.engine.dialect.name == "sqlite"
                   and request.method in SAFE_METHODS and not request.environ.get(WRITES))
    if sqlite_read:
        _commit_keeping_objects(session)
        request.environ[WRITES] = True
    try:
        session.execute(sa.update(ApiToken).where(ApiToken.id == row.id, sa.or_(
            ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - USE_RESOLUTION))
            .values(last_used_at=now).execution_options(synchronize_session=False))
        set_committed_value(row, "last_used_at", now)
        if alone:
            _commit_keeping_objects(session)
    finally:
        if sqlite_read:
            request.environ.pop(WRITES, None)


def _commit_keeping_objects(session) -> None:
    # The token, its user and organisation stay loaded for the request (no reload after the commit).
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def tokens_of(user: User) -> list[ApiToken]:
    """The user's usable tokens (neither revoked nor expired), newest first."""
    return list(db.session.scalars(sa.select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def create(user: User, name: str, days: int) -> tuple[str, ApiToken]:
    """A named token for `user`, valid `days` days (one of LIFETIMES_DAYS); the secret is returned once."""
    name = (name or "").strip()
    errors = []
    if not name or len(name) > 100:
        errors.append(field_error("name", "required", "A name of 1 to 100 characters, to recognise the token by",
                                  "请填写令牌名称（1 至 100 个字符），便于识别"))
    else:
        errors += check_text(name, "name", multiline=False)
    if days not in LIFETIMES_DAYS:
        errors.append(field_error("days", "one_of", "30, 90 or 365 days", "有效期须为 30、90 或 365 天"))
    if errors:
        raise Unprocessable("The token is invalid", errors)
    secret, row = issue_token(user, dt.timedelta(days=days))
    row.name = name
    db.session.flush()
    audit("api_token_created", {"token_id": row.id, "user_id": user.id, "name": name, "days": days}, user)
    return secret, row


def revoke_own(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (404 for anyone else's)."""
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if row is None:
        raise NotFound("No such token of yours")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.flush()
        audit("api_token_revoked", {"token_id": row.id, "user_id": user.id}, user)
    return row
