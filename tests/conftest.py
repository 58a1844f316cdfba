"""Fixtures: the app on the database CI names (PostgreSQL or SQLite), a rolled-back transaction per test."""

from __future__ import annotations

import os
import pathlib

import pytest
import sqlalchemy as sa
import sqlalchemy.orm

TEST_SECRET = "test-secret-key-not-for-production-0123456789"


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
        "XBORDER_KEY_PASSPHRASE": "test-key-passphrase-0123456789",
        # The suite signs in from one address many times; tests/core/test_security.py checks the real limits.
        "XBORDER_LOGIN_LIMIT_ACCOUNT": "10000 per minute",
        "XBORDER_LOGIN_LIMIT_ADDRESS": "10000 per minute",
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
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)
    with app.app_context():
        _empty_database(db.engine)
        upgrade(revision="heads")
        db.engine.dispose()
    yield app
    with app.app_context():
        db.engine.dispose()


def _fresh_g() -> None:
    from flask import g

    for name in list(vars(g)):
        delattr(g, name)


def _empty_database(engine: sa.Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    else:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table in reversed(meta.sorted_tables):
                conn.execute(table.delete())
                table.drop(conn)


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
    from tests.factories import Factory

    return Factory(db)
