"""One commit per request: views call `commit()` once; side effects registered with `after_commit` run after it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from flask import g
from sqlalchemy.orm.exc import StaleDataError

from xborder.core.errors import Conflict
from xborder.extensions import db


def after_commit(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run `fn` once this request's commit succeeds (enqueueing a job before it would race the commit)."""
    g.setdefault("after_commit", []).append((fn, args, kwargs))


STALE = "The case was changed by someone else; reload it and try again"


def flush() -> None:
    """Flush inside a request's work; a concurrent change to the same case becomes 409 and the work is rolled back
    (the UPDATE carries "AND version = <seen>": the loser matches no row on PostgreSQL, or finds SQLite locked)."""
    with conflicts():
        db.session.flush()


@contextlib.contextmanager
def conflicts() -> Iterator[None]:
    """Inside the block, a stale version (StaleDataError) or SQLite's lock under a concurrent writer rolls the work
    back and becomes 409, as in `flush`; a versioned UPDATE written as a statement raises `stale()` itself."""
    try:
        yield
    except StaleDataError:
        db.session.rollback()
        raise Conflict(STALE) from None
    except sa.exc.OperationalError as exc:
        if "locked" not in str(exc).lower():
            raise
        db.session.rollback()
        raise Conflict("The case is being changed by someone else; try again") from None


def stale() -> Conflict:
    """Roll the work back and give the 409 of a versioned UPDATE that matched no row (raise it)."""
    db.session.rollback()
    return Conflict(STALE)


def commit(*, expire: bool = True) -> None:
    """Commit the request's work; a concurrent change to the same case becomes 409 and nothing is written.

    `expire=False` keeps the loaded objects as they were written, for a view that answers with what it just wrote
    (reloading would read the same rows back, a round trip per object)."""
    if g.get("defer_commit"):  # an Idempotency-Key request: committed with its stored response (core/idempotency.py)
        flush()
        g.commit_requested = True
        return
    session = db.session()
    try:
        if expire:
            session.commit()
        else:
            session.expire_on_commit = False
            try:
                session.commit()
            finally:
                session.expire_on_commit = True
    except StaleDataError:
        db.session.rollback()
        g.pop("after_commit", None)
        raise Conflict(STALE) from None
    except sa.exc.OperationalError as exc:
        db.session.rollback()
        g.pop("after_commit", None)
        # SQLite's "database is locked" under a concurrent writer is the same situation for the caller.
        if "locked" in str(exc).lower():
            raise Conflict("The case is being changed by someone else; try again") from None
        raise
    except Exception:
        db.session.rollback()
        g.pop("after_commit", None)
        raise
    for fn, args, kwargs in g.pop("after_commit", []):
        fn(*args, **kwargs)
