"""A test whose outside service is missing is skipped with its reason on a bare machine, and fails when
XBORDER_REQUIRE_SERVICES=1 (CI). Checked by running pytest on a small suite against a port where nothing listens."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from xborder import ROOT

SUITE = {
    "conftest.py": (
        "import pytest\n"
        "from tests.helpers import services\n"
        "pytest_runtest_makereport = services.pytest_runtest_makereport\n"
        "@pytest.fixture\n"
        "def redis_url():\n"
        "    return services.redis_url()\n"),
    "test_needs.py": (
        "import pytest\n"
        "from tests.helpers import services\n"
        "def test_in_a_fixture(redis_url):\n"
        "    pass\n"
        "def test_in_the_body():\n"
        "    services.chromium()\n"
        "def test_postgres_not_configured():\n"
        "    services.postgres_url()\n"
        "@pytest.mark.skip(reason='another reason')\n"
        "def test_other_skip():\n"
        "    pass\n"
        "def test_plain():\n"
        "    pass\n"),
}


@pytest.fixture
def closed_port():
    """A local port bound but not listening: connections to it are refused for as long as the test holds it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def _run(tmp_path, port: int, **env: str) -> subprocess.CompletedProcess:
    for name, text in SUITE.items():
        (tmp_path / name).write_text(text)
    base = {k: v for k, v in os.environ.items() if not k.startswith("XBORDER_") and k not in (
        "REDIS_URL", "DATABASE_URL", "PYTEST_ADDOPTS")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-ra", "-p", "no:cacheprovider", "-q", str(tmp_path)],
        env={**base, "PYTHONPATH": str(ROOT), "XBORDER_TEST_REDIS_URL": f"redis://127.0.0.1:{port}/0",
             "XBORDER_CHROMIUM": str(tmp_path / "no-chromium"), **env},
        cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_missing_services_are_skipped_with_their_reason(tmp_path, closed_port):
    run = _run(tmp_path, closed_port)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "1 passed, 4 skipped" in run.stdout
    assert f"missing service: Redis: XBORDER_TEST_REDIS_URL: nothing answers at 127.0.0.1:{closed_port}" in run.stdout
    assert "missing service: Chromium: no executable at" in run.stdout
    assert "missing service: PostgreSQL: set XBORDER_TEST_POSTGRES_URL" in run.stdout


def test_missing_services_fail_when_required(tmp_path, closed_port):
    run = _run(tmp_path, closed_port, XBORDER_REQUIRE_SERVICES="1")
    assert run.returncode == 1, run.stdout[-3000:]
    # The fixture's skip is an error in setup, the body's skips failures; a skip for another reason stays a skip.
    assert "2 failed, 1 passed, 1 skipped, 1 error" in run.stdout, run.stdout[-3000:]
    assert "XBORDER_REQUIRE_SERVICES=1 but missing service: Redis" in run.stdout
    assert "XBORDER_REQUIRE_SERVICES=1 but missing service: Chromium" in run.stdout
    assert "another reason" in run.stdout
