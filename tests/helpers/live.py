"""A live xborder for browser tests and the screenshot script: its own committed database (PostgreSQL when
$DATABASE_URL says so, made for the run and dropped after it; else a SQLite file), the demo data, and werkzeug
serving it in a thread."""

from __future__ import annotations

import contextlib
import os
import pathlib
import threading
import uuid
from collections.abc import Iterator

import sqlalchemy as sa


@contextlib.contextmanager
def own_database(tmp: pathlib.Path) -> Iterator[str]:
    """A fresh database for the browser tests: `<name>_e2e_<random>` next to $DATABASE_URL's (dropped afterwards),
    or a SQLite file in the run's temporary folder."""
    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        yield f"sqlite:///{tmp / 'e2e.sqlite3'}"
        return
    base = sa.engine.make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with scratch_database(base, f"{base.database}_e2e_{uuid.uuid4().hex[:8]}") as scratch:
        yield scratch


@contextlib.contextmanager
def database_of_kind(kind: str, tmp: pathlib.Path, postgres_url: str | None, prefix: str) -> Iterator[str]:
    """A database of a test's own, for tests parametrised over both kinds: a SQLite file in `tmp` ("sqlite"), or a
    PostgreSQL database `<prefix>_<random>` on the server of `postgres_url`, dropped afterwards ("postgresql")."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / (prefix + '.sqlite3')}"
        return
    assert postgres_url is not None
    with scratch_database(sa.engine.make_url(postgres_url), f"{prefix}_{uuid.uuid4().hex[:12]}") as url:
        yield url


@contextlib.contextmanager
def app_of_its_own(kind: str, tmp: pathlib.Path, postgres_url: str | None, prefix: str):
    """The app on a database of a test's own (`database_of_kind`), migrated, with no test transaction around its
    requests: each commits as in a server."""
    from flask_migrate import upgrade

    from tests.helpers.app import TEST_PASSPHRASE, TEST_SECRET
    from xborder import create_app
    from xborder.extensions import db

    with database_of_kind(kind, tmp, postgres_url, prefix) as url:
        app = create_app({"DATABASE_URL": url, "XBORDER_INSTANCE_PATH": str(tmp / "instance"),
                          "XBORDER_SECRET_KEY": TEST_SECRET, "XBORDER_KEY_PASSPHRASE": TEST_PASSPHRASE},
                         TESTING=True)
        with app.app_context():
            upgrade(revision="heads")
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@contextlib.contextmanager
def scratch_database(server: sa.URL, name: str) -> Iterator[str]:
    """PostgreSQL database `name` created on `server` for the caller and dropped (connections and all) after."""
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def serve_demo(url: str, tmp: pathlib.Path) -> Iterator[str]:
    """Migrate and seed the database at `url`, serve the app in a thread and yield its base URL until done."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from xborder import create_app
    from xborder.demo import seed_demo
    from xborder.extensions import db

    env = {
        "DATABASE_URL": url,
        "XBORDER_INSTANCE_PATH": str(tmp / "instance"),
        "XBORDER_SECRET_KEY": "e2e-secret-key-not-for-production-0123456789",
        "XBORDER_KEY_PASSPHRASE": "e2e-key-passphrase-0123456789",
        # The journeys sign in many times from one address; tests/core checks the real limits.
        "XBORDER_LOGIN_LIMIT_ACCOUNT": "10000 per minute",
        "XBORDER_LOGIN_LIMIT_ADDRESS": "10000 per minute",
        "XBORDER_MFA_REQUIRED_ROLES": "",  # the demo's officials sign in with passwords, as under `serve --demo`
    }
    app = create_app(env)
    with app.app_context():
        upgrade(revision="heads")
        seed_demo()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()
    with app.app_context():
        db.engine.dispose()
