"""Engine set-up that differs by database: SQLite needs help to be a good citizen with several workers.

- A SQLite transaction of a request that may write begins IMMEDIATE. A deferred BEGIN that later writes must
  upgrade its read lock, and SQLite never waits for that upgrade (its snapshot would be stale by then): it fails at
  once with "database is locked" — the busy timeout never gets a chance. BEGIN IMMEDIATE takes the write lock up
  front and waits on the busy timeout instead, so concurrent writers queue rather than fail. GET, HEAD and OPTIONS
  requests keep the deferred BEGIN, so pages are read beside a writer (WAL) rather than queueing behind it.
- The database file, and with it its -wal and -shm files (SQLite gives them the database file's mode), is created
  readable by the owner only, like the secrets next to it.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import threading
from collections.abc import Iterator

import sqlalchemy as sa
from flask import Flask, has_request_context, request

from xborder.extensions import db

PRIVATE = 0o600


def _sqlite_connect(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the pysqlite driver, emit BEGIN: otherwise SAVEPOINT and transactional DDL misbehave.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer across gunicorn workers
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
WRITES = "xborder.sqlite_writes"  # set in the WSGI environ by `will_write`


_thread = threading.local()


def _writing_request() -> bool:
    if getattr(_thread, "writer", False):
        return True
    return has_request_context() and (request.method not in SAFE_METHODS or bool(request.environ.get(WRITES)))


@contextlib.contextmanager
def writer_thread() -> Iterator[None]:
    """Mark the current thread as a writer (a job on a background thread of the embedded default): its SQLite
    transactions begin IMMEDIATE, so they wait on the busy timeout instead of failing when the request that started
    them, or another, is still writing."""
    _thread.writer = True
    try:
        yield
    finally:
        _thread.writer = False


def _sqlite_begin(connection) -> None:
    # A request that writes (and the jobs it runs in-process after its commit, in the same request context) queues
    # for the write lock from the start. A page or GET reads beside the writer (WAL). Outside requests (the CLI,
    # the scheduler, tests' fixtures) the deferred BEGIN stays: a long read there must not hold the write lock.
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing_request() else "BEGIN")


def will_write() -> None:
    """Declare that this GET request writes after all (a download records itself in the audit trail): the reads so
    far are ended, and the next transaction queues for SQLite's write lock instead of failing at the upgrade."""
    if not has_request_context() or request.environ.get(WRITES):
        return
    request.environ[WRITES] = True
    if request.method in SAFE_METHODS and db.engine.dialect.name == "sqlite":
        db.session.commit()  # nothing is pending in a GET so far; this only ends the deferred read transaction


def sqlite_file(url: sa.URL) -> pathlib.Path | None:
    """The file a SQLite URL names, or None for an in-memory database."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:"):
        return None
    return pathlib.Path(url.database)


def make_private(path: pathlib.Path) -> None:
    """Create the SQLite file `path` with mode 0600 if it is missing, and take group and other access away from it
    and its -wal and -shm files if they exist (a file made by an earlier version was 0644)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            if file.stat().st_mode & 0o077:
                file.chmod(PRIVATE)


def init_app(app: Flask) -> None:
    """Attach per-dialect engine events once the engine exists."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite" and not sa.event.contains(engine, "connect", _sqlite_connect):
            path = sqlite_file(engine.url)
            if path is not None:
                make_private(path)
            sa.event.listen(engine, "connect", _sqlite_connect)
            sa.event.listen(engine, "begin", _sqlite_begin)
