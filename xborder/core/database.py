"""Engine set-up that differs by database: SQLite needs help to be a good citizen with several workers.

- A SQLite transaction of a request that may write begins IMMEDIATE. A deferred BEGIN that later writes must
  upgrade its read lock, and SQLite never waits for that upgrade (its snapshot would be stale by then): it fails at
  once with "database is locked" — the busy timeout never gets a chance. BEGIN IMMEDIATE takes the write lock up
  front and waits on the busy timeout instead, so concurrent writers queue rather than fail. GET, HEAD and OPTIONS
  requests keep the deferred BEGIN, so pages are read beside a writer (WAL) rather than queueing behind it.
- The database file, and with it its -wal and -shm files (SQLite gives them the database file's mode), is created
  readable by the owner only, like the secrets next to it.
- A PostgreSQL connection taken from the pool is checked without a round trip (`check_out_for`): a backend that was
  terminated, or a server that restarted, has written its last message or closed the socket, so the idle socket is
  readable. Only a connection idle for `IDLE_PING_SECONDS` or more is also pinged with `SELECT 1` (a peer that
  vanished without a word, such as a firewall dropping idle connections). SQLAlchemy's `pool_pre_ping` paid that
  round trip on every checkout, i.e. on every request.
- A request whose transaction only read ends it with COMMIT, not ROLLBACK (`end_reads_with_commit`):
  psycopg forgets every prepared statement of a connection at a ROLLBACK (and sends DEALLOCATE ALL, a round trip),
  so one reading request per connection kept every statement of every other request parsed and planned anew.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import select
import threading
import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import Flask, has_request_context, request

from xborder.core import jsoncodec
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


READS_ONLY = "xborder.reads_only"  # set in the WSGI environ by `reads_only`


def reads_only() -> None:
    """Declare, before its first statement, that this request only reads (a list, the tallies): on PostgreSQL its
    statements then run each on its own (autocommit), with no BEGIN and no ROLLBACK — two of a list's five round
    trips. Under READ COMMITTED each statement of a transaction takes its own snapshot anyway, so the reads see
    what they saw in one; a write the request still makes (a token's hourly last use) commits on its own, as it did.
    SQLite keeps its transaction (its BEGIN is local)."""
    session = db.session()
    # A session bound to a Connection (the tests' savepoint per test) runs inside that connection's transaction.
    if session.in_transaction() or not isinstance(session.get_bind(), sa.Engine) \
            or db.engine.dialect.name != "postgresql":
        return
    request.environ[READS_ONLY] = True
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


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


IDLE_PING_SECONDS = 30.0
_IDLE_SINCE = "xborder.idle_since"  # in the pool's record of a connection: when it was made or last returned


def _mark_idle(_dbapi_connection, record) -> None:
    record.info[_IDLE_SINCE] = time.monotonic()


def said_something(dbapi_connection) -> bool:
    """Whether the server wrote to (or closed) a connection nobody is using: an idle PostgreSQL connection receives
    nothing unless its backend was terminated (the FATAL message, then end of file) or the server went away."""
    if dbapi_connection.closed:
        return True
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def check_out_for(dialect: sa.Dialect):
    """The pool's checkout check for an engine of `dialect`."""

    def check_out(dbapi_connection, record, _proxy) -> None:
        """Refuse a pooled connection the server has given up on, as pre-ping did, without a round trip for one used
        within the last `IDLE_PING_SECONDS`; the pool then replaces it with a new one (DisconnectionError)."""
        if said_something(dbapi_connection):
            raise sa.exc.DisconnectionError("The server closed the connection while it was in the pool")
        if time.monotonic() - record.info.get(_IDLE_SINCE, 0.0) < IDLE_PING_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise sa.exc.DisconnectionError(f"The pooled connection did not answer: {exc}") from exc

    return check_out


def _utf8_json(dbapi_connection, _record) -> None:
    # After the dialect's own connect step, which gave psycopg the engine's `json_serializer` (text, which SQLAlchemy
    # also uses to render JSON literals): parameters are written as orjson's UTF-8 bytes, not text encoded again.
    from psycopg.types.json import set_json_dumps

    set_json_dumps(jsoncodec.dumps_utf8, dbapi_connection)


# psycopg's conversion of a statement (`%(name)s` placeholders to `$n`, by a regular expression over its text, and
# its parameters put in that order) is cached for statements up to these sizes (psycopg/_queries.py).
CACHED_STATEMENT_LENGTH = 16_384
CACHED_STATEMENT_PARAMS = 256


def cache_long_statements() -> None:
    """Let psycopg cache the conversion of statements longer than its defaults, 4,096 characters and 50 parameters.

    A creation's one statement on PostgreSQL (cases/intake.py) is ~4,400 characters with 57 parameters, so each
    creation converted it anew: 1.9% of the workers' CPU under the mixed load (py-spy, issue 20). xborder's
    statements come from SQLAlchemy's compiled statements, a bounded set, and psycopg's cache stays a least recently
    used one of 128 entries. The limits are module settings of psycopg's (not public API):
    tests/core/test_database_statements.py fails if psycopg stops reading them."""
    from psycopg import _queries

    _queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, CACHED_STATEMENT_LENGTH)
    _queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, CACHED_STATEMENT_PARAMS)


# admin_shutdown, crash_shutdown, cannot_connect_now: the server ended (or will not yet start) the backend.
ENDED_BACKEND = frozenset({"57P01", "57P02", "57P03"})


def ended_backend(context: sa.engine.ExceptionContext) -> None:
    """SQLAlchemy's `handle_error`: a backend the server ended (a restart, `pg_terminate_backend`) answers FATAL
    before psycopg has read the end of the socket, so the driver does not call the connection broken yet. It is
    gone all the same, and so, likely, are its pool-mates: counted as a disconnect, SQLAlchemy invalidates the
    connection and the pool, and the request's retry (core.auth) gets a new one."""
    if getattr(context.original_exception, "sqlstate", None) in ENDED_BACKEND:
        context.is_disconnect = True


_TUPLES_OK = 2  # psycopg.pq.ExecStatus.TUPLES_OK, libpq's PGRES_TUPLES_OK (a test holds the two equal)


def driver_execute(connection: sa.Connection, sql: str, parameters: Any) -> list[tuple]:
    """Run `sql` (psycopg's placeholders) on the connection's DBAPI cursor and return its rows: SQLAlchemy's
    execution context, result object and row processing skipped, for the hottest statements, whose columns need no
    conversion (bench/PROFILE.md: ~0.1 ms of Python a statement, issue 20).

    The engine's cursor events see the statement as any other (statement counters, `_note_write`), as SQLAlchemy
    calls them: a listener may hand back the statement and parameters to run. A DBAPI error is raised as SQLAlchemy
    raises its own (a DBAPIError, the connection invalidated when the server went away), so `core.auth`'s retry on
    a dead pooled connection holds."""
    driver = connection.connection.driver_connection
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        for listener in connection.dispatch.before_cursor_execute:
            sql, parameters = listener(connection, cursor, sql, parameters, None, False)
        cursor.execute(sql, parameters)
        for listener in connection.dispatch.after_cursor_execute:
            listener(connection, cursor, sql, parameters, None, False)
        # The result's status, not `cursor.description`: that builds a Column object per column on every call (2.3%
        # of the workers' Python in the mix, bench/PROFILE.md "Sixth pass"). Rows come back exactly when psycopg's
        # fetchall would give them (TUPLES_OK); a statement without rows (an UPDATE) answers COMMAND_OK.
        result = cursor.pgresult
        return cursor.fetchall() if result is not None and result.status == _TUPLES_OK else []
    except connection.dialect.loaded_dbapi.Error as exc:
        # As SQLAlchemy's own statements classify it (with `ended_backend`), and as it then does: on a disconnect
        # every pooled connection made before now is replaced at its next checkout (they all died with the server,
        # likely), and this one is invalidated. The pool's `_invalidate` is what SQLAlchemy's own
        # `_handle_dbapi_exception` calls; no public method invalidates a pool's older connections.
        gone = (connection.dialect.is_disconnect(exc, driver, cursor)
                or getattr(exc, "sqlstate", None) in ENDED_BACKEND)
        if gone:
            connection.engine.pool._invalidate(connection.connection, exc)
            connection.invalidate(exc)
        raise sa.exc.DBAPIError.instance(sql, parameters, exc, connection.dialect.loaded_dbapi.Error,
                                         connection_invalidated=gone, dialect=connection.dialect) from exc
    finally:
        cursor.close()


class DriverStatement:
    """A Core statement compiled once for `driver_execute` (PostgreSQL): its SQL text, the values of the parameters
    it carries itself, and whether its rows are what SQLAlchemy would hand back. `rows` runs it on the session's
    connection, or through the session as usual where the driver cannot stand in (another database; a parameter or
    column SQLAlchemy converts; an expanding IN, rendered per call)."""

    def __init__(self, statement: sa.Select, dialect: sa.Dialect):
        self.statement = statement
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        # The values the statement carries itself (a literal compared with, say), by the names its text uses.
        self.defaults = {compiled.bind_names[bind]: bind.effective_value for bind in compiled.binds.values()
                         if not bind.required}
        converts = [bind.type.dialect_impl(dialect).bind_processor(dialect) for bind in compiled.binds.values()] + [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in statement.selected_columns]
        self.direct = (dialect.name == "postgresql" and dialect.driver == "psycopg" and not any(converts)
                       and "POSTCOMPILE" not in self.sql)

    def rows(self, session: sa.orm.Session, parameters: dict[str, Any]) -> list:
        """The statement's rows for `parameters` (tuples, or SQLAlchemy's rows where the session ran it)."""
        if not self.direct:
            return session.execute(self.statement, parameters).all()  # type: ignore[return-value]
        return driver_execute(session.connection(), self.sql, {**self.defaults, **parameters})


def install_pool_checks(engine: sa.Engine) -> None:
    """Check each connection the engine's pool hands out (`check_out_for`), once per engine."""
    if not sa.event.contains(engine, "connect", _mark_idle):
        sa.event.listen(engine, "connect", _mark_idle)
        sa.event.listen(engine, "checkin", _mark_idle)
        sa.event.listen(engine, "checkout", check_out_for(engine.dialect))
        sa.event.listen(engine, "handle_error", ended_backend)


_WROTE = "xborder.wrote"  # in a connection's info: a statement other than a SELECT ran in its transaction


def _begun(conn: sa.Connection) -> None:
    conn.info.pop(_WROTE, None)


def _note_write(conn: sa.Connection, _cursor, statement: str, *_args) -> None:
    if statement.lstrip()[:6].upper() not in _READS:
        conn.info[_WROTE] = True


_READS = frozenset({"SELECT", "BEGIN", "BEGIN "})  # the first six characters (SQLite's BEGIN [IMMEDIATE] included)


def _joined(session: sa.orm.Session, _transaction, connection: sa.Connection) -> None:
    session.info[_CONNECTION] = connection


def _ended(session: sa.orm.Session, transaction: sa.orm.SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CONNECTION, None)


_CONNECTION = "xborder.connection"  # in a session's info: the connection its current transaction runs on


def end_reads_with_commit(exc: BaseException | None) -> None:
    """After a request that raised nothing, end its session's transaction with COMMIT when it only read: nothing
    pending in the session and no statement but SELECTs on its connection (the same outcome as the ROLLBACK the
    session's close would send, minus psycopg's forgetting its prepared statements). Anything else, and a COMMIT
    that fails (the database went away), is left to the close, which rolls back; a teardown never raises."""
    if exc is not None or not db.session.registry.has():
        return
    if has_request_context() and request.environ.get(READS_ONLY):
        # Its statements ran each on its own (autocommit): there is no transaction to end, and the close's
        # rollback sends nothing (psycopg ends no transaction that is not open, and keeps its statements).
        return
    session = db.session()
    connection = session.info.get(_CONNECTION)
    if (connection is None or connection.invalidated or connection.closed or not session.in_transaction()
            or session.new or session.dirty or session.deleted):
        return
    try:
        if not connection.info.get(_WROTE):
            session.commit()
    except sa.exc.SQLAlchemyError:
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            session.rollback()


def init_app(app: Flask) -> None:
    """Attach per-dialect engine events once the engine exists."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            install_pool_checks(engine)
            if not sa.event.contains(engine, "connect", _utf8_json):
                sa.event.listen(engine, "connect", _utf8_json)
            cache_long_statements()
        # On every dialect, so both test runs hold it; only psycopg's statement cache gains from it.
        if not sa.event.contains(engine, "begin", _begun):
            sa.event.listen(engine, "begin", _begun)
            sa.event.listen(engine, "before_cursor_execute", _note_write)
        if not sa.event.contains(sa.orm.Session, "after_begin", _joined):
            sa.event.listen(sa.orm.Session, "after_begin", _joined)
            sa.event.listen(sa.orm.Session, "after_transaction_end", _ended)
        app.teardown_request(end_reads_with_commit)
        if engine.dialect.name == "sqlite" and not sa.event.contains(engine, "connect", _sqlite_connect):
            path = sqlite_file(engine.url)
            if path is not None:
                make_private(path)
            sa.event.listen(engine, "connect", _sqlite_connect)
            sa.event.listen(engine, "begin", _sqlite_begin)
