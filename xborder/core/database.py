"""Engine set-up that differs by database: SQLite needs help to be a good citizen with several workers.

- Every SQLite transaction begins IMMEDIATE. A deferred BEGIN that later writes must upgrade its read lock, and in
  WAL mode that upgrade fails at once with "database is locked" when another writer committed meanwhile — the
  busy timeout never gets a chance. BEGIN IMMEDIATE takes the write lock up front and waits on the busy timeout
  instead, so concurrent writers queue rather than fail (readers outside a transaction are never blocked in WAL).
- The database file, and with it its -wal and -shm files (SQLite gives them the database file's mode), is created
  readable by the owner only, like the secrets next to it.
"""

from __future__ import annotations

import contextlib
import os
import pathlib

import sqlalchemy as sa
from flask import Flask

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


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


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
