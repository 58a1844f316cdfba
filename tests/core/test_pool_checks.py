"""The pool's cheap checkout check on PostgreSQL (core/database.py), replacing pre-ping's `SELECT 1` per request: a
backend terminated while its connection sat in the pool is noticed without a round trip and replaced; a connection
used a moment ago is handed out unpinged; one idle for `IDLE_PING_SECONDS` is pinged as before."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from xborder.core import database


@pytest.fixture
def engine(postgres_url):
    """An engine on the test server with the app's checks, one pooled connection, and a count of its pings."""
    url = sa.engine.make_url(postgres_url).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url, pool_size=1, max_overflow=0)
    database.install_pool_checks(engine)
    pings: list[object] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection):  # the real ping, counted
        pings.append(dbapi_connection)
        return ping(dbapi_connection)

    engine.dialect.do_ping = counted  # type: ignore[method-assign]
    engine.info = {"pings": pings}  # type: ignore[attr-defined]
    yield engine
    engine.dispose()


def _backend(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.text("SELECT pg_backend_pid()"))


def _terminate(postgres_url, pid: int) -> None:
    admin = sa.create_engine(sa.engine.make_url(postgres_url).set(drivername="postgresql+psycopg"))
    try:
        with admin.connect() as conn:
            # Waits (up to 5 s) until the backend is gone: what the pool then finds is a closed connection.
            assert conn.scalar(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    finally:
        admin.dispose()


def test_a_recently_used_connection_is_handed_out_without_a_ping(engine):
    first = _backend(engine)
    assert _backend(engine) == first  # the same pooled connection, checked without a round trip
    assert engine.info["pings"] == []


def test_a_terminated_backend_is_replaced_without_a_ping_and_the_query_succeeds(engine, postgres_url):
    killed = _backend(engine)
    _terminate(postgres_url, killed)
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT 1")) == 1
        assert conn.scalar(sa.text("SELECT pg_backend_pid()")) != killed
    assert engine.info["pings"] == []  # the idle socket's last message told


def test_a_connection_idle_long_enough_is_pinged(engine, monkeypatch):
    first = _backend(engine)
    monkeypatch.setattr(database, "IDLE_PING_SECONDS", 0.0)
    assert _backend(engine) == first
    assert len(engine.info["pings"]) == 1


def test_a_server_that_closed_the_socket_is_seen_by_said_something(engine, postgres_url):
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        pid = conn.scalar(sa.text("SELECT pg_backend_pid()"))
        conn.rollback()
        assert not database.said_something(raw)
        _terminate(postgres_url, pid)
        assert database.said_something(raw)
        conn.invalidate()
