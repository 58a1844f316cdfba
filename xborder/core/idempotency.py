"""Idempotency-Key on the API's unsafe methods (draft-ietf-httpapi-idempotency-key-header, as Stripe does it): a
retry with the key gets the first response again, marked `Idempotent-Replayed: true`, instead of doing the work twice.

The key is reserved first, in its own small committed transaction, so that a concurrent request with the same key
finds it in progress (409). The view's `commit()` then only flushes; the response is stored on the key's row and
committed in the same transaction as the view's writes, so "committed" and "remembered" cannot diverge. A request
that fails (raises, or answers an error without having committed) releases its key: nothing is remembered and a
retry runs afresh — 4xx answers included, since they changed nothing and may depend on state that changes.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
from collections.abc import Callable
from typing import Any, Optional, cast

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from xborder.core.audit import canonical
from xborder.core.errors import ApiError, Conflict, Unprocessable, field_error
from xborder.core.timeutil import as_utc, utcnow
from xborder.extensions import JSONType, db

log = logging.getLogger("xborder")

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_PREFIX = "/api/v1/"
# /assess stores nothing. /auth/token: a replay would have to keep the issued token in clear text (tokens are stored
# hashed) and the caller has no bearer token to scope the key by; revoking needs no key (a second revoke is 401).
EXEMPT_PATHS = frozenset({"/api/v1/assess", "/api/v1/auth/token"})
KEPT_HEADERS = ("Content-Type", "Location", "ETag")
MAX_KEY_LENGTH = 255
# An in-progress key older than this lost its request (a worker is killed after serve.py's 60 s): a retry takes it.
ABANDONED_AFTER = dt.timedelta(minutes=2)
RETRY_AFTER_SECONDS = 1


Reservation = tuple[int, dt.datetime]  # the key's row id and the time this request took it


def _rowcount(result: sa.Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched: its result is a CursorResult, though `Session.execute` is typed
    with the general Result."""
    return cast(sa.CursorResult[Any], result).rowcount


# mypy cannot see `db.Model` (a class made at run time by Flask-SQLAlchemy) as a base: python/mypy#8603.
class IdempotencyKey(db.Model):  # type: ignore[name-defined]
    """A caller's key, the request it was first used for, and once that committed, the response to replay."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(sa.String(MAX_KEY_LENGTH))
    method: Mapped[str] = mapped_column(sa.String(10))
    path: Mapped[str] = mapped_column(sa.Text)
    request_sha256: Mapped[str] = mapped_column(sa.String(64))
    # NULL while the first request is in progress.
    status_code: Mapped[Optional[int]]  # noqa: UP045
    response_headers: Mapped[Optional[dict]] = mapped_column(JSONType)  # noqa: UP045
    response_body: Mapped[Optional[bytes]] = mapped_column(sa.LargeBinary)  # noqa: UP045
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), index=True)

    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)


def parse_key(raw: str) -> str:
    """The key from the header: 1–255 visible ASCII characters, bare (Stripe) or as the draft's quoted sf-string."""
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"' and not any(c in value[1:-1] for c in '"\\'):
        value = value[1:-1]
    if not value or len(value) > MAX_KEY_LENGTH or not all("!" <= c <= "~" for c in value):
        raise ApiError(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} visible ASCII characters, e.g. a UUID", [field_error(
            HEADER, "format", f"1 to {MAX_KEY_LENGTH} visible ASCII characters (no spaces), e.g. a UUID",
            f"须为 1 至 {MAX_KEY_LENGTH} 个可见 ASCII 字符（不含空格），例如 UUID")], status=400)
    return value


def fingerprint() -> tuple[str, str, str]:
    """What a retry must repeat: the method, the path with its query, and the SHA-256 of the body (of its fields
    and files for a form upload, whose multipart boundary a client may choose afresh on each try)."""
    path = request.full_path.rstrip("?")
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        files = []
        for name, upload in request.files.items(multi=True):
            digest = hashlib.sha256()
            for chunk in iter(functools.partial(upload.stream.read, 65536), b""):
                digest.update(chunk)
            upload.stream.seek(0)  # the view reads the file after us
            files.append([name, upload.filename, upload.mimetype, digest.hexdigest()])
        body = canonical({"form": sorted(request.form.items(multi=True)), "files": sorted(files)})
    else:
        body = request.get_data(cache=True)
    return request.method, path, hashlib.sha256(body).hexdigest()


def _insert(values: dict[str, Any]):
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return (dialect.insert(IdempotencyKey).values(**values)
            .on_conflict_do_nothing(index_elements=["user_id", "key"]).returning(IdempotencyKey.id))


def _retention() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config["XBORDER"].idempotency_hours)


def reserve(user_id: int, key: str, request_print: tuple[str, str, str]) -> Reservation | Response:
    """Take the key for this request (committed, in progress) and return the reservation; or the stored response
    to replay; or raise 422 (the key was used for another request) or 409 (its first request is still running)."""
    method, path, body_sha256 = request_print
    values = {"user_id": user_id, "key": key, "method": method, "path": path, "request_sha256": body_sha256}
    db.session.commit()  # end this request's reads first: SQLite cannot turn an older read snapshot into a write
    for _ in range(3):  # a row that vanishes or is taken over between our statements sends us round again
        now = utcnow()
        row_id = db.session.scalar(_insert({**values, "created_at": now}))
        if row_id is not None:
            db.session.commit()
            return row_id, now
        row = db.session.scalar(sa.select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                                 IdempotencyKey.key == key))
        if row is None:
            continue
        created = as_utc(row.created_at)
        expired = created < now - _retention()
        if expired or (row.status_code is None and created < now - ABANDONED_AFTER):
            # Conditional on what we saw, so that of two takers (or a taker and a late finisher) only one wins.
            still = sa.true() if expired else IdempotencyKey.status_code.is_(None)
            taken = db.session.execute(sa.update(IdempotencyKey).where(
                IdempotencyKey.id == row.id, IdempotencyKey.created_at == row.created_at, still).values(
                **values, created_at=now, status_code=None, response_headers=None, response_body=None)
                .execution_options(synchronize_session=False))
            if _rowcount(taken) == 1:
                db.session.commit()
                return row.id, now
            continue
        db.session.expunge(row)  # keep what we read; the rollback ends the transaction (SQLite's write lock)
        db.session.rollback()
        if (row.method, row.path, row.request_sha256) != request_print:
            first = f"{row.method} {row.path}"
            other_body = (row.method, row.path) == (method, path)
            raise Unprocessable(f"{HEADER} was already used for a different request", [field_error(
                HEADER, "reused", f"This key was first used for {first}{' with another body' if other_body else ''}"
                                  "; use a new key for a new request",
                f"该幂等键已用于 {first}{'（请求内容不同）' if other_body else ''}；新请求请使用新的键")])
        if row.status_code is None:
            raise Conflict(f"A request with this {HEADER} is still in progress; retry once it has finished", [
                field_error(HEADER, "in_progress", "The first request with this key has not finished yet",
                            "使用该幂等键的首个请求尚未完成，请稍后重试")],
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        return replay(row)
    raise Conflict(f"The {HEADER} is being taken by a concurrent request; retry", [field_error(
        HEADER, "in_progress", "Another request is taking this key", "另一请求正在使用该幂等键，请重试")],
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def replay(row: IdempotencyKey) -> Response:
    """The stored response, as first sent, marked as a replay."""
    response = current_app.response_class(row.response_body or b"", status=row.status_code)
    del response.headers["Content-Type"]
    for name, value in (row.response_headers or {}).items():
        response.headers[name] = value
    response.headers[REPLAYED] = "true"
    return response


def _ours(reservation: Reservation) -> sa.ColumnElement[bool]:
    row_id, reserved_at = reservation
    return sa.and_(IdempotencyKey.id == row_id, IdempotencyKey.created_at == reserved_at)


def _release(reservation: Reservation) -> None:
    """Forget an unfinished reservation after the request failed, so that a retry runs again."""
    try:
        db.session.rollback()
        db.session.execute(sa.delete(IdempotencyKey).where(_ours(reservation), IdempotencyKey.status_code.is_(None))
                           .execution_options(synchronize_session=False))
        db.session.commit()
    except Exception:  # e.g. the database went away: the row is abandoned and retaken after ABANDONED_AFTER
        db.session.rollback()
        log.warning("idempotency key %s not released (request %s)", reservation[0], getattr(g, "request_id", "-"))


def run_once(reservation: Reservation, view: Callable[..., Any], *args: Any, **kwargs: Any) -> Response:
    """Run the view with its commit deferred, then store its response and commit both together."""
    from xborder.core.unit_of_work import commit

    g.defer_commit, g.commit_requested = True, False
    try:
        response = current_app.make_response(view(*args, **kwargs))
        g.defer_commit = False
        if response.status_code >= 400 and not g.commit_requested:
            _release(reservation)
            return response
        stored = db.session.execute(sa.update(IdempotencyKey).where(_ours(reservation)).values(
            status_code=response.status_code, response_body=response.get_data(),
            response_headers={name: response.headers[name] for name in KEPT_HEADERS if name in response.headers})
            .execution_options(synchronize_session=False))
        if _rowcount(stored) != 1:  # taken over as abandoned while we ran: the retry that took it does the work
            raise Conflict(f"This request outlived its {HEADER}; retry with the same key", [field_error(
                HEADER, "in_progress", "A retry took this key over", "该幂等键已被重试请求接管")],
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        callbacks = g.pop("after_commit", [])
        commit()
    except BaseException:
        g.defer_commit = False
        _release(reservation)
        raise
    for fn, fn_args, fn_kwargs in callbacks:  # as commit() would: side effects only once both are durable
        fn(*fn_args, **fn_kwargs)
    return response


def _guarded(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if request.method not in UNSAFE or HEADER not in request.headers:
            return view(*args, **kwargs)
        from xborder.core.auth import api_user

        user = api_user()  # first, as the view would: an anonymous caller learns nothing about keys
        outcome = reserve(user.id, parse_key(request.headers[HEADER]), fingerprint())
        if isinstance(outcome, Response):
            return outcome
        return run_once(outcome, view, *args, **kwargs)

    return guarded


def init_app(app: Flask) -> None:
    """Guard every API view that answers an unsafe method (once the blueprints are registered)."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(API_PREFIX) and rule.rule not in EXEMPT_PATHS and (rule.methods or set()) & UNSAFE:
            view = app.view_functions[rule.endpoint]
            if not getattr(view, "idempotency_guarded", False):
                guarded = _guarded(view)
                guarded.idempotency_guarded = True  # type: ignore[attr-defined]  # a mark on the function object
                app.view_functions[rule.endpoint] = guarded


def purge_expired() -> int:
    """Delete the keys older than the retention (XBORDER_IDEMPOTENCY_HOURS); returns how many. Run by the sweep."""
    cutoff = utcnow() - _retention()
    deleted = _rowcount(db.session.execute(sa.delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff)
                                           .execution_options(synchronize_session=False)))
    db.session.commit()
    return deleted
