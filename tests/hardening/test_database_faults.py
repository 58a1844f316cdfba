"""PostgreSQL going away under traffic: requests fail cleanly with 503 problem+json and Retry-After, nothing
acknowledged is lost, and the same app (no restart) answers again once the database is back.

The shared PostgreSQL is never restarted: the app reaches its own database (made for the module, dropped after it)
through a proxy this test cuts, or has its backends terminated with pg_terminate_backend on that database only.
The server is $XBORDER_TEST_POSTGRES_URL (else $DATABASE_URL when it is PostgreSQL); without one the tests are
skipped. CI sets it for both suite runs, the SQLite one too."""

from __future__ import annotations

import contextlib
import gc
import threading
import uuid
import warnings

import pytest
import sqlalchemy as sa

from tests.helpers.app import TEST_PASSPHRASE, TEST_SECRET, empty_database
from tests.helpers.factories import auth, declaration
from tests.helpers.proxy import CuttableProxy


@pytest.fixture(scope="module")
def pg_app(postgres_url, tmp_path_factory):
    """An app on a PostgreSQL database of its own (a unique name, dropped afterwards) reached through a cuttable
    proxy; schema built by the migrations."""
    from flask_migrate import upgrade

    from xborder import create_app
    from xborder.accounts.demo import seed_demo_accounts
    from xborder.extensions import db

    server = sa.engine.make_url(postgres_url)
    name = f"xborder_faults_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    proxy = CuttableProxy(server.port or 5432, server.host or "127.0.0.1")
    root = tmp_path_factory.mktemp("faults")
    through_proxy = server.set(host="127.0.0.1", port=proxy.port, database=name)
    app = create_app({"DATABASE_URL": through_proxy.render_as_string(hide_password=False),
                      "XBORDER_INSTANCE_PATH": str(root), "XBORDER_SECRET_KEY": TEST_SECRET,
                      "XBORDER_KEY_PASSPHRASE": TEST_PASSPHRASE,
                      "XBORDER_LOGIN_LIMIT_ACCOUNT": "10000 per minute",
                      "XBORDER_LOGIN_LIMIT_ADDRESS": "10000 per minute"}, TESTING=True)
    try:
        with app.app_context():
            empty_database(db.engine)
            upgrade(revision="heads")
            from xborder.accounts.operations import issue_token

            enterprise = seed_demo_accounts()[0]
            token = issue_token(enterprise)[0]
            uscc = enterprise.organisation.uscc
            db.session.commit()
            db.session.remove()
        app.extensions["test_fault"] = {"proxy": proxy, "token": token, "uscc": uscc, "name": name,
                                        "admin": admin}
        yield app
    finally:
        proxy.close()
        with app.app_context():
            db.engine.dispose()
        # Connections whose socket the proxy cut are dropped by the pool without a clean close; collect them here
        # so psycopg's ResourceWarning about them is not raised later inside an unrelated test.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _assert_unavailable(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 503
    assert int(response.headers["Retry-After"]) > 0


def _case_count(app) -> int:
    from xborder.cases.models import Case
    from xborder.extensions import db

    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Case))
        db.session.remove()
    return count


def test_database_cut_gives_503_then_recovers_without_restart(pg_app):
    fault = pg_app.extensions["test_fault"]
    client = pg_app.test_client()
    headers = auth(fault["token"])
    assert client.get("/api/v1/cases", headers=headers).status_code == 200

    fault["proxy"].cut()
    _assert_unavailable(client.get("/api/v1/cases", headers=headers))
    _assert_unavailable(client.post("/api/v1/cases", headers=headers,
                                    json={"title": "断线时", "declaration": declaration(fault["uscc"])}))
    health = client.get("/api/v1/health")
    assert health.status_code == 503
    assert health.get_json()["database"]["status"] == "unavailable"
    # What needs no database still answers.
    assert client.post("/api/v1/assess", json=declaration(fault["uscc"])).status_code == 200

    fault["proxy"].restore()
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    assert client.get("/api/v1/health").get_json()["database"]["status"] == "ok"


def test_database_outage_under_traffic_loses_nothing_acknowledged(pg_app):
    """Threads create cases while the database goes away and comes back: each answer is 201 or 503, every 201's
    case exists afterwards, and no 503 left a row behind."""
    fault = pg_app.extensions["test_fault"]
    before = _case_count(pg_app)
    outcomes: list[tuple[int, int | None]] = []
    lock = threading.Lock()
    cut_once, restored = threading.Event(), threading.Event()

    def traffic(worker: int) -> None:
        client = pg_app.test_client()
        for i in range(40):
            response = client.post("/api/v1/cases", headers=auth(fault["token"]),
                                   json={"title": f"压力{worker}-{i}", "declaration": declaration(fault["uscc"])})
            body = response.get_json(silent=True) or {}
            with lock:
                outcomes.append((response.status_code, body.get("id")))
                if len(outcomes) == 20:
                    fault["proxy"].cut()
                    cut_once.set()
                if len(outcomes) == 60:
                    fault["proxy"].restore()
                    restored.set()

    threads = [threading.Thread(target=traffic, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert cut_once.is_set() and restored.is_set()
    statuses = {status for status, _ in outcomes}
    assert statuses <= {201, 503}, outcomes
    assert 503 in statuses and 201 in statuses
    acknowledged = [case_id for status, case_id in outcomes if status == 201]
    assert outcomes[-1][0] == 201  # recovered without a restart

    from xborder.cases.models import Case
    from xborder.core.audit import AuditEntry, verify_chain
    from xborder.extensions import db

    with pg_app.app_context():
        found = set(db.session.scalars(sa.select(Case.id).where(Case.id.in_(acknowledged))))
        # Every case written is whole: its declaration, determination and audit entry were committed together.
        # (A 503 can still follow a commit that succeeded, when the connection drops while the answer is read
        # back — the write is then complete, never partial; a client should look before it retries.)
        written = db.session.scalars(sa.select(Case).where(Case.title.like("压力%"))).all()
        audited = set(db.session.scalars(sa.select(AuditEntry.case_id).where(
            AuditEntry.case_id.in_([c.id for c in written]))))
        whole = [c.id for c in written if c.declaration and c.determination and c.id in audited
                 and verify_chain(c.id).ok]
        db.session.remove()
    assert found == set(acknowledged)
    assert sorted(whole) == sorted(c.id for c in written)
    unanswered = sum(1 for status, _ in outcomes if status == 503)
    assert len(acknowledged) <= _case_count(pg_app) - before <= len(acknowledged) + unanswered


def test_terminated_backends_are_replaced_transparently(pg_app):
    """A PostgreSQL restart kills every backend: the pool's checkout check (or, for a backend that dies a moment
    after it looked, the token lookup's one retry) notices and the next request just works."""
    fault = pg_app.extensions["test_fault"]
    client = pg_app.test_client()
    headers = auth(fault["token"])
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    with fault["admin"].connect() as conn:
        killed = conn.scalar(sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                     "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": fault["name"]})
    assert killed >= 1
    assert client.get("/api/v1/cases", headers=headers).status_code == 200


def test_a_backend_that_dies_after_the_checkout_looked_costs_the_token_lookup_one_retry(pg_app, monkeypatch):
    """The race the test above meets only sometimes, made certain: the backend is gone, but the pool's checkout
    check saw nothing (it looked a moment before), so the token lookup — the request's first statement, through
    psycopg itself on PostgreSQL — meets the dead connection, and core.auth retries it once on a new one."""
    from xborder.core import database
    from xborder.extensions import db

    fault = pg_app.extensions["test_fault"]
    client = pg_app.test_client()
    headers = auth(fault["token"])
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    with pg_app.app_context(), contextlib.ExitStack() as held:  # three connections in the pool, all to be killed
        for _ in range(3):
            held.enter_context(db.engine.connect()).exec_driver_sql("SELECT 1")
    with fault["admin"].connect() as conn:  # waits for each backend to be gone
        killed = conn.scalar(sa.text("SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                                     "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": fault["name"]})
    assert killed >= 1
    monkeypatch.setattr(database, "said_something", lambda _connection: False)
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    # The retry's disconnect invalidated the pool: the next requests get new connections too, not the dead ones.
    assert client.post(f"/api/v1/cases/{10 ** 9}/transitions", headers=headers,
                       json={"action": "withdraw", "version": 1}).status_code == 404
    assert client.get("/api/v1/cases/counts", headers=headers).status_code == 200


def test_a_backend_the_server_ended_counts_as_a_disconnect():
    """The FATAL a terminated backend sends may arrive before psycopg has read the socket's end: SQLAlchemy's
    statements (core.database.ended_backend) and the token lookup count it as a disconnect all the same."""
    import types

    import psycopg

    from xborder.core.database import ended_backend

    for error, gone in ((psycopg.errors.AdminShutdown("terminating connection due to administrator command"), True),
                        (psycopg.errors.CrashShutdown("crash"), True), (psycopg.errors.CannotConnectNow("start"), True),
                        (psycopg.errors.QueryCanceled("statement timeout"), False),
                        (psycopg.errors.UniqueViolation("duplicate"), False), (ValueError("not a DBAPI error"), False)):
        context = types.SimpleNamespace(original_exception=error, is_disconnect=False)
        ended_backend(context)
        assert context.is_disconnect is gone, error


def test_a_list_and_the_tallies_read_without_a_transaction(pg_app):
    """The list's and the tallies' statements run each on its own (autocommit): no BEGIN and no ROLLBACK round trip
    (core.database.reads_only); a case's own read still runs in a transaction. (Here rather than beside the other
    statement counts: the suite's savepoint-per-test session is a transaction already.)"""
    from xborder.extensions import db

    fault = pg_app.extensions["test_fault"]
    client = pg_app.test_client()
    headers = auth(fault["token"])
    modes: list[str | None] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        modes.append(conn.get_execution_options().get("isolation_level"))

    with pg_app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        for path in ("/api/v1/cases", "/api/v1/cases/counts", "/api/v1/cases?status=draft"):
            modes.clear()
            assert client.get(path, headers=headers).status_code == 200
            assert len(modes) >= 2 and set(modes) == {"AUTOCOMMIT"}, (path, modes)
        modes.clear()
        assert client.get("/api/v1/cases/999999", headers=headers).status_code == 404
        assert modes and set(modes) == {None}
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    with engine.connect() as conn:  # what the pool hands out next is back in transactions
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        assert not conn.connection.dbapi_connection.autocommit
