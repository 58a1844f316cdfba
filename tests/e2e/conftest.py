"""A live xborder on its own committed database (PostgreSQL when $DATABASE_URL says so, made for the run and dropped
after it; else a SQLite file), with the demo data, served by werkzeug in a thread; and Debian's Chromium
($XBORDER_CHROMIUM, default /usr/bin/chromium; without it the journeys are skipped) driven by Playwright."""

from __future__ import annotations

import contextlib
import os
import pathlib
import threading
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.helpers import services
from tests.helpers.browser import CHROMIUM_ARGS


@contextlib.contextmanager
def _own_database(tmp: pathlib.Path) -> Iterator[str]:
    """A fresh database for the browser tests: `<name>_e2e_<random>` next to $DATABASE_URL's (dropped afterwards),
    or a SQLite file in the run's temporary folder."""
    url = os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        yield f"sqlite:///{tmp / 'e2e.sqlite3'}"
        return
    base = sa.engine.make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{base.database}_e2e_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="package")
def live_server(tmp_path_factory):
    """The base URL of a running xborder with the demo organisations, accounts and cases."""
    tmp = tmp_path_factory.mktemp("e2e")
    with _own_database(tmp) as url:
        yield from _serve(url, tmp)


def _serve(url: str, tmp: pathlib.Path) -> Iterator[str]:
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


@pytest.fixture(scope="package")
def browser():
    """Headless Debian Chromium (Playwright's own browser download is not used), or a skip without one."""
    from playwright.sync_api import sync_playwright

    executable = services.chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) per test, with the base URL set."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)  # a slow CI machine: wait longer for what must appear, never sleep
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A Content-Security-Policy refusal (an inline script or style slipping in) fails the test; a 422 answer to the
    # live preview is expected while facts are half typed and is not an error of the page.
    page.on("console", lambda msg: errors.append(msg.text) if "Refused" in msg.text else None)
    yield page
    context.close()
    assert not errors, f"browser errors: {errors}"

