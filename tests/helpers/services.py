"""The outside services some tests need — PostgreSQL, Redis, Chromium, openssl — found from the environment.

README's test command must pass on a machine that has Python and nothing else, so a test whose service is absent
is skipped with a one-line reason naming the variable to set; with `XBORDER_REQUIRE_SERVICES=1` (as `.ci/run`
sets) tests/conftest.py turns each such skip into a failure, so CI still runs every test against the real thing.

| variable | default | used by |
|---|---|---|
| `XBORDER_TEST_POSTGRES_URL` | `$DATABASE_URL` if PostgreSQL | tests that need a PostgreSQL server of their own |
| `XBORDER_TEST_REDIS_URL` | `$REDIS_URL` | tests that run a real RQ worker or cut Redis |
| `XBORDER_CHROMIUM` | `/usr/bin/chromium` | the browser journeys (tests/e2e) |
| `soffice` on PATH | — | the dossiers' PDF copies (tests/dossiers/test_documents_pdf.py) |
"""

from __future__ import annotations

import os
import pathlib
import shutil
import socket
import urllib.parse
from typing import NoReturn

import pytest

# Every skip for a missing service starts with this, so the conftest hook can tell it from any other skip.
MISSING = "missing service:"


def required() -> bool:
    """Whether a missing service fails the run instead of skipping its tests (CI)."""
    return os.environ.get("XBORDER_REQUIRE_SERVICES", "") not in ("", "0")


def missing(service: str, why: str) -> NoReturn:
    """Skip the calling test (one line in the summary); a failure when services are required."""
    pytest.skip(f"{MISSING} {service}: {why}")


def _reachable(url: str, default_port: int) -> str | None:
    """None when something accepts a TCP connection at the URL's host and port, else why not."""
    parts = urllib.parse.urlparse(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        with socket.create_connection((host, port), timeout=2):
            return None
    except OSError as exc:
        return f"nothing answers at {host}:{port} ({exc.strerror or exc})"


def postgres_url() -> str:
    """A PostgreSQL server URL (psycopg 3 driver) whose user may create databases, or a skip."""
    url = os.environ.get("XBORDER_TEST_POSTGRES_URL") or ""
    if not url and (os.environ.get("DATABASE_URL") or "").startswith("postgresql"):
        url = os.environ["DATABASE_URL"]
    if not url:
        missing("PostgreSQL", "set XBORDER_TEST_POSTGRES_URL=postgresql://USER@HOST:PORT/DB")
    if (why := _reachable(url, 5432)) is not None:
        missing("PostgreSQL", f"XBORDER_TEST_POSTGRES_URL: {why}")
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def redis_url() -> str:
    """A Redis URL that answers PING, or a skip."""
    url = os.environ.get("XBORDER_TEST_REDIS_URL") or os.environ.get("REDIS_URL") or ""
    if not url:
        missing("Redis", "set XBORDER_TEST_REDIS_URL (or REDIS_URL)=redis://HOST:PORT/DB")
    if (why := _reachable(url, 6379)) is not None:
        missing("Redis", f"XBORDER_TEST_REDIS_URL: {why}")
    from redis import Redis
    from redis.exceptions import RedisError

    connection = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        connection.ping()
    except RedisError as exc:
        missing("Redis", f"{url} does not answer PING ({exc})")
    finally:
        connection.close()
    return url


def chromium() -> str:
    """The path of a Chromium executable, or a skip (Playwright's own browser download is never used)."""
    path = os.environ.get("XBORDER_CHROMIUM") or "/usr/bin/chromium"
    if not (pathlib.Path(path).is_file() and os.access(path, os.X_OK)):
        missing("Chromium", f"no executable at {path} (set XBORDER_CHROMIUM)")
    return path


# The dossiers' PDF copies are made by LibreOffice where it is installed (optional for a deployment; CI installs it
# in .ci/system-packages so the copies are tested, not skipped).
needs_libreoffice = pytest.mark.skipif(shutil.which("soffice") is None,
                                       reason=f"{MISSING} LibreOffice: soffice is not on PATH "
                                              "(Debian: libreoffice-writer-nogui)")

# The dossier bundles are checked with the openssl command, as README tells anyone to.
needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None,
                                   reason=f"{MISSING} openssl: the openssl command is not on PATH")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """With XBORDER_REQUIRE_SERVICES=1 a test skipped for a missing service is reported failed (an error when the
    skip came from a fixture), with the skip's reason; other skips are left alone. Installed by tests/conftest.py."""
    report = yield
    if report.skipped and required() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if MISSING in reason:
            report.outcome = "failed"
            report.longrepr = f"XBORDER_REQUIRE_SERVICES=1 but {reason.removeprefix('Skipped: ')}"
    return report
