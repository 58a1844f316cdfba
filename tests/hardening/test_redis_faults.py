"""Redis unreachable: the API keeps answering (sign-in, reads, assessments, transitions), jobs run in-process, and
/api/v1/health says so. Redis is made unreachable for this app only: its REDIS_URL goes through a proxy that
the test cuts (the machine's Redis stays up for everyone else)."""

from __future__ import annotations

import urllib.parse

import pytest

from tests.helpers.app import fresh_g
from tests.helpers.factories import auth, declaration
from tests.helpers.proxy import CuttableProxy


@pytest.fixture(scope="module")
def redis_proxy(redis_url):
    target = urllib.parse.urlparse(redis_url)
    proxy = CuttableProxy(target.port or 6379, target.hostname or "127.0.0.1")
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def app(redis_url, app, app_env, redis_proxy):
    """The suite's app (schema built), but with Redis behind the proxy; `db` and `client` use this one."""
    from xborder import create_app

    db_number = urllib.parse.urlparse(redis_url).path or "/0"
    proxied = create_app({**app_env, "REDIS_URL": f"redis://127.0.0.1:{redis_proxy.port}{db_number}"}, TESTING=True)
    proxied.before_request_funcs.setdefault(None, []).insert(0, fresh_g)
    yield proxied
    from xborder.extensions import db

    with proxied.app_context():
        db.engine.dispose()  # this app's own pool, so no connection is left for the garbage collector


def _ran_in_process(marker: list) -> None:
    marker.append("ran")


def test_api_answers_and_jobs_run_in_process_while_redis_is_down(app, client, factory, redis_proxy):
    from xborder.core.jobs import enqueue

    enterprise = factory.user("enterprise", password="correct horse battery")
    token = factory.token(enterprise)
    uscc = enterprise.organisation.uscc
    assert client.get("/api/v1/health").get_json()["queue"]["mode"] == "rq"

    redis_proxy.cut()
    try:
        health = client.get("/api/v1/health")
        assert health.status_code == 200
        assert health.get_json()["status"] == "degraded"
        assert health.get_json()["redis"]["status"] == "unavailable"
        assert health.get_json()["queue"] == {"mode": "in_process", "queued": None, "degraded": True}

        # Sign-in (its rate limits live in Redis and fall back to memory), reads, assessment, a write.
        signin = client.post("/api/v1/auth/token", json={"email": enterprise.email,
                                                         "password": "correct horse battery"})
        assert signin.status_code == 200, signin.get_json()
        assert client.post("/api/v1/assess", json=declaration(uscc)).status_code == 200
        created = client.post("/api/v1/cases", headers=auth(token),
                              json={"title": "Redis 断开时", "declaration": declaration(uscc)})
        assert created.status_code == 201, created.get_json()
        case = created.get_json()
        assert client.get(f"/api/v1/cases/{case['id']}", headers=auth(token)).status_code == 200
        assert client.get("/api/v1/cases", headers=auth(token)).get_json()["total"] >= 1
        withdrawn = client.post(f"/api/v1/cases/{case['id']}/transitions", headers=auth(token),
                                json={"action": "withdraw", "version": case["version"], "comment": "不再需要"})
        assert withdrawn.status_code == 200, withdrawn.get_json()
        assert withdrawn.get_json()["status"] == "withdrawn"

        # A job cannot be queued, so it runs in-process after the commit, as on the embedded default.
        marker: list = []
        with app.test_request_context():
            assert enqueue(_ran_in_process, marker) is None
        assert marker == ["ran"]
    finally:
        redis_proxy.restore()
    health = client.get("/api/v1/health").get_json()
    assert health["status"] == "ok" and health["queue"]["mode"] == "rq"
