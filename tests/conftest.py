"""Fixtures: the app on the database CI names (PostgreSQL or SQLite), a rolled-back transaction per test, and the
outside services some tests need (tests/helpers/services.py: skipped when absent, a failure when required)."""

from __future__ import annotations

import os
import pathlib

import pytest
import sqlalchemy as sa
import sqlalchemy.orm

from tests.helpers import services
from tests.helpers.app import TEST_PASSPHRASE, TEST_SECRET, empty_database, fresh_g

# The hook that makes a skip for a missing service a failure under XBORDER_REQUIRE_SERVICES=1 (CI).
pytest_runtest_makereport = services.pytest_runtest_makereport


def database_url(tmp_root: pathlib.Path) -> str:
    """The database the suite runs on: $DATABASE_URL (CI sets PostgreSQL or SQLite), else a temporary SQLite file."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{tmp_root / 'test.sqlite3'}"


# PDF copies need LibreOffice and seconds per stage: off for the suite; tests/dossiers/test_documents_pdf.py turns
# them on where LibreOffice is installed.
os.environ.setdefault("XBORDER_PDF_COPIES", "off")


@pytest.fixture(scope="session")
def app_env(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("xborder")
    env = {
        "DATABASE_URL": database_url(root),
        "XBORDER_INSTANCE_PATH": str(root / "instance"),
        "XBORDER_SECRET_KEY": TEST_SECRET,
        "XBORDER_KEY_PASSPHRASE": TEST_PASSPHRASE,
        # The suite signs in from one address many times; tests/core/test_security.py checks the real limits.
        "XBORDER_LOGIN_LIMIT_ACCOUNT": "10000 per minute",
        "XBORDER_LOGIN_LIMIT_ADDRESS": "10000 per minute",
        # The suite signs officials in with passwords; tests/accounts/test_mfa.py checks the requirement itself.
        "XBORDER_MFA_REQUIRED_ROLES": "",
    }
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    return env


@pytest.fixture(scope="session")
def app(app_env):
    """The app, with the schema built from empty by the migrations (so the migrations are tested too)."""
    from flask_migrate import upgrade

    from xborder import create_app
    from xborder.extensions import db

    app = create_app(app_env, TESTING=True)
    # In production every request gets a fresh app context and so a fresh `g`; here the test's app context is
    # reused by the test client's requests (Flask reuses a pushed context), so give each request a clean `g`.
    app.before_request_funcs.setdefault(None, []).insert(0, fresh_g)
    with app.app_context():
        empty_database(db.engine)
        upgrade(revision="heads")
        db.engine.dispose()
    yield app
    with app.app_context():
        db.engine.dispose()


class _BoundSession(sa.orm.Session):
    """A plain Session that accepts (and ignores) the `db` argument Flask-SQLAlchemy passes."""

    def __init__(self, *args, db=None, **kwargs):
        super().__init__(*args, **kwargs)


@pytest.fixture
def db(app):
    """A session bound to one outer transaction that is rolled back after the test, requests included."""
    from xborder.extensions import db

    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        # A plain SQLAlchemy Session: Flask-SQLAlchemy's own Session.get_bind would pick the engine (a new
        # connection, outside this transaction) before the `bind` given here.
        db.session = db._make_scoped_session(
            {"class_": _BoundSession, "bind": connection, "join_transaction_mode": "create_savepoint"}
        )
        try:
            yield db
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app, db):
    """A test client sharing the test's transaction."""
    return app.test_client()


@pytest.fixture
def factory(db):
    """Small builders for organisations, users, tokens and cases."""
    from tests.helpers.factories import Factory

    return Factory(db)


@pytest.fixture
def roles(client, db):
    """Bearer tokens of the three demo roles (the API and dossier tests)."""
    from xborder.accounts.demo import DEMO_PASSWORD, seed_demo_accounts

    seed_demo_accounts()
    return {role: client.post("/api/v1/auth/token", json={"email": f"{role}@demo.xborder",
                                                          "password": DEMO_PASSWORD}).json["token"]
            for role in ("enterprise", "assessor", "official")}


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A real Redis for tests that run an RQ worker ($XBORDER_TEST_REDIS_URL, else $REDIS_URL), or a skip."""
    return services.redis_url()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A real PostgreSQL server for tests that make a database of their own, or a skip."""
    return services.postgres_url()


@pytest.fixture(params=["sqlite", "postgresql"])
def own_app(request, tmp_path):
    """The app on a database of the test's own, of each kind, with no test transaction around its requests (each
    commits as in a server): for two requests at once, and for what a whole request does to its connection."""
    from tests.helpers.live import app_of_its_own

    server = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    with app_of_its_own(request.param, tmp_path, server, "xborder_own") as app:
        yield app
