"""The sign-in limiter's counters in the database when there is no Redis, so every worker counts the same attempts.

A per-process memory store lets each gunicorn worker allow its own five wrong passwords. These counters are rows
of `rate_limit_counters`, incremented by one upsert each (atomic on both databases), on the storage's own engine:
- PostgreSQL: the deployment's database (the table comes with the migrations); row locks never meet the request's.
- SQLite: a file of its own beside the database (`xborder-limits.sqlite3`), made here. The limiter counts a failed
  sign-in after the view ran, while the request's transaction still holds the database's one write lock; counters
  in the same file would wait for that lock inside the very request that holds it.
Expired rows are deleted as new ones are counted, so the table holds only live windows.
"""

from __future__ import annotations

import hashlib
import threading
import time

import sqlalchemy as sa
from limits.storage import Storage
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from xborder.core.database import PRIVATE, make_private, sqlite_file
from xborder.extensions import db

SCHEME = "xborder-sql"
_MAX_KEY = 200  # longer keys (an e-mail address is the caller's to choose) are stored as their SHA-256


class RateLimitCounter(db.Model):  # type: ignore[name-defined]
    """One fixed window of one limit for one key: how many hits, and when the window ends (epoch seconds)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    count: Mapped[int]
    expires_at: Mapped[float] = mapped_column(sa.Float, index=True)


def counters_url(database_url: str) -> str:
    """Where the counters live for a deployment on `database_url` (see the module docstring)."""
    path = sqlite_file(sa.make_url(database_url))
    if path is None:
        return database_url
    return f"sqlite:///{path.with_name(path.stem + '-limits' + path.suffix)}"


def _sqlite_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # every statement commits on its own: each is one atomic upsert
    dbapi_connection.execute("PRAGMA journal_mode=WAL")
    dbapi_connection.execute("PRAGMA busy_timeout=30000")


class DatabaseStorage(Storage):
    """A `limits` storage (fixed windows) on SQLAlchemy: `xborder-sql://` followed by the deployment's DATABASE_URL."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **_: object):
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.url = counters_url((uri or "").split("://", 1)[1])
        self._engine: sa.Engine | None = None
        self._lock = threading.Lock()

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sa.exc.SQLAlchemyError

    @property
    def engine(self) -> sa.Engine:
        """The storage's own engine, made on first use (and the SQLite file with its table)."""
        with self._lock:
            if self._engine is None:
                path = sqlite_file(sa.make_url(self.url))
                if path is None:
                    # No pool: a sign-in is rare and slow anyway (scrypt), and a storage the limiter replaces (one
                    # limiter per process, rebound by each app) must leave no idle connection behind.
                    self._engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
                else:
                    make_private(path)
                    engine = sa.create_engine(self.url, connect_args={"timeout": 30})
                    sa.event.listen(engine, "connect", _sqlite_connect)
                    RateLimitCounter.__table__.create(engine, checkfirst=True)
                    for side in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                        if side.exists():
                            side.chmod(PRIVATE)
                    self._engine = engine
            return self._engine

    @staticmethod
    def _key(key: str) -> str:
        return key if len(key) <= _MAX_KEY else "sha256:" + hashlib.sha256(key.encode()).hexdigest()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Count `amount` hits in the key's window, starting a new window of `expiry` seconds if it has ended."""
        table, now = RateLimitCounter.__table__, time.time()
        insert = (postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert)(table)
        ended = table.c.expires_at <= now
        upsert = insert.values(key=self._key(key), count=amount, expires_at=now + expiry).on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"count": sa.case((ended, amount), else_=table.c.count + amount),
                  "expires_at": sa.case((ended, now + expiry), else_=table.c.expires_at)},
        ).returning(table.c.count)
        with self.engine.begin() as conn:
            conn.execute(sa.delete(table).where(table.c.expires_at <= now - 1))
            return int(conn.execute(upsert).scalar_one())

    def _row(self, key: str):
        table = RateLimitCounter.__table__
        with self.engine.connect() as conn:
            return conn.execute(sa.select(table.c.count, table.c.expires_at).where(
                table.c.key == self._key(key), table.c.expires_at > time.time())).first()

    def get(self, key: str) -> int:
        """The hits in the key's current window (0 once it has ended)."""
        row = self._row(key)
        return int(row.count) if row else 0

    def get_expiry(self, key: str) -> float:
        """When the key's current window ends (epoch seconds)."""
        row = self._row(key)
        return float(row.expires_at) if row else time.time()

    def check(self) -> bool:
        """Whether the database answers."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return True
        except sa.exc.SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        """Forget every counter."""
        with self.engine.begin() as conn:
            return conn.execute(sa.delete(RateLimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        """Forget one key's counter."""
        table = RateLimitCounter.__table__
        with self.engine.begin() as conn:
            conn.execute(sa.delete(table).where(table.c.key == self._key(key)))
