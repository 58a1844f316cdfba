"""A live xborder on its own committed database (PostgreSQL when $DATABASE_URL says so, made for the run and dropped
after it; else a SQLite file), with the demo data, served by werkzeug in a thread; and Debian's Chromium
($XBORDER_CHROMIUM, default /usr/bin/chromium; without it the journeys are skipped) driven by Playwright."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import services
from tests.helpers.browser import CHROMIUM_ARGS
from tests.helpers.live import own_database, serve_demo


@pytest.fixture(scope="package")
def live_server(tmp_path_factory):
    """The base URL of a running xborder with the demo organisations, accounts and cases."""
    tmp = tmp_path_factory.mktemp("e2e")
    with own_database(tmp) as url:
        yield from serve_demo(url, tmp)


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

