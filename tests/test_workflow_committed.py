"""Committed data with the app's real engine (no per-test transaction): concurrent transitions on one case, and
both routes with the scheduled jobs run by a real RQ worker (with Redis) or in-process (embedded default)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading

import pytest
import sqlalchemy as sa

from tests.helpers.app import delete_rows as _delete_rows
from tests.helpers.factories import auth, declaration
from tests.helpers.materials import attach_materials

ENTERPRISE_USCC = "9131011552601815X1"
ASSESSOR_USCC = "91320500131860916B"
# The suite's own Redis (tests/conftest.py gives it to the app); without it the jobs run in-process.
REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture
def live(app):
    """A test client on committed data; the demo accounts are seeded if absent and everything made is removed."""
    from xborder.accounts.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo_accounts
    from xborder.accounts.models import Organisation, User
    from xborder.cases.models import Case
    from xborder.extensions import db

    with app.app_context():
        existed = {u.email for u in db.session.scalars(sa.select(User).where(
            User.email.in_([u["email"] for u in DEMO_USERS])))}
        seed_demo_accounts()
        db.session.commit()
        before = set(db.session.scalars(sa.select(Case.id)))
        db.session.remove()
    client = app.test_client()
    tokens = {}
    for role in ("enterprise", "assessor", "official"):
        tokens[role] = client.post("/api/v1/auth/token", json={"email": f"{role}@demo.xborder",
                                                               "password": DEMO_PASSWORD}).json["token"]
    yield client, tokens
    with app.app_context():
        made = sorted(set(db.session.scalars(sa.select(Case.id))) - before)
        _delete_rows(db, "cases.id", made)
        db.session.execute(sa.delete(Case).where(Case.id.in_(made)))
        if not existed:
            users = list(db.session.scalars(sa.select(User.id).where(
                User.email.in_([u["email"] for u in DEMO_USERS]))))
            orgs = list(db.session.scalars(sa.select(User.organisation_id).where(User.id.in_(users))))
            _delete_rows(db, "users.id", users)
            db.session.execute(sa.delete(User).where(User.id.in_(users)))
            _delete_rows(db, "organisations.id", orgs)
            db.session.execute(sa.delete(Organisation).where(Organisation.id.in_(orgs)))
        db.session.commit()
        db.session.remove()


def act(client, token, case, action, **fields):
    if action == "submit":
        attach_materials(client, token, case["id"])  # a submission carries its filing materials (issue 16)
    return client.post(f"/api/v1/cases/{case['id']}/transitions", headers=auth(token),
                       json={"action": action, "version": case["version"], **fields})


def answered(client, tokens, **decl):
    case = client.post("/api/v1/cases", headers=auth(tokens["enterprise"]),
                       json={"title": "提交测试", "declaration": declaration(ENTERPRISE_USCC, **decl)}).json
    answers = [{"key_point": kp["id"], "answer": "已回答"} for kp in case["key_points"]]
    return client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(tokens["enterprise"]),
                      json={"version": case["version"], "answers": answers}).json


def assessor(client, tokens):
    orgs = client.get("/api/v1/organisations?kind=assessor", headers=auth(tokens["enterprise"])).json
    return next(o["id"] for o in orgs if o["uscc"] == ASSESSOR_USCC)


def test_concurrent_transitions_on_one_case_exactly_one_wins(app, live):
    from xborder.core.audit import verify_chain
    from xborder.extensions import db

    client, tokens = live
    case = answered(client, tokens, pi=150_000)
    org = assessor(client, tokens)
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def attempt(action: str, fields: dict) -> None:
        own = app.test_client()  # its own client, app context, session and database connection
        barrier.wait()
        results[action] = act(own, tokens["enterprise"], case, action, **fields).status_code

    threads = [threading.Thread(target=attempt, args=("submit", {"assessor_org_id": org})),
               threading.Thread(target=attempt, args=("withdraw", {"comment": "撤回"}))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [200, 409], results
    winner = next(a for a, code in results.items() if code == 200)
    after = client.get(f"/api/v1/cases/{case['id']}", headers=auth(tokens["enterprise"])).json
    assert after["status"] == {"submit": "third_party_review", "withdraw": "withdrawn"}[winner]
    assert after["version"] == case["version"] + 1
    with app.app_context():
        trail = client.get(f"/api/v1/cases/{case['id']}/audit", headers=auth(tokens["enterprise"])).json
        assert [e["action"] for e in trail["entries"] if e["action"].startswith("transition.")] == [
            f"transition.{winner}"]
        assert verify_chain(case["id"]).ok
        db.session.remove()


def _run_jobs(app, app_env, jobs: list[tuple]) -> list:
    """Run (function, kwargs) jobs on a real RQ worker (`xborder worker --burst` in a subprocess) when the suite
    has Redis, else in-process through `enqueue` as the embedded default does; returns their results."""
    from xborder.core.jobs import enqueue

    if not os.environ.get("REDIS_URL"):
        results = []
        with app.app_context():
            for func, kwargs in jobs:
                assert enqueue(lambda f=func, k=kwargs: results.append(f(**k))) is None  # ran in-process
        return results
    from redis import Redis
    from rq import Queue

    queue = Queue(f"xborder-route-{os.getpid()}", connection=Redis.from_url(REDIS_URL))
    queued = [queue.enqueue(func, **kwargs) for func, kwargs in jobs]
    env = {**os.environ, **app_env, "REDIS_URL": REDIS_URL, "XBORDER_QUEUES": queue.name}
    run = subprocess.run([sys.executable, "-m", "xborder", "worker", "--burst"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    try:
        for job in queued:
            job.refresh()
            assert job.get_status() == "finished", run.stderr[-2000:]
        return [job.return_value() for job in queued]
    finally:
        queue.delete(delete_jobs=True)


def _kinds(client, token):
    return [n["kind"] for n in client.get("/api/v1/notifications?per_page=100", headers=auth(token)).json["items"]]


def test_both_routes_end_to_end_with_the_jobs_on_a_worker(app, app_env, live):
    from xborder.cases.deadline_tasks import mark_overdue, remind_deadlines
    from xborder.cases.tasks import expire_cases

    client, tokens = live
    get = lambda t, c: client.get(f"/api/v1/cases/{c['id']}", headers=auth(tokens[t])).json  # noqa: E731

    # Standard contract: rectification round, then filed.
    sc = answered(client, tokens, pi=150_000, contract_effective_date="2025-07-01")  # filed: needs the day
    sc = act(client, tokens["enterprise"], sc, "submit", assessor_org_id=assessor(client, tokens)).json
    sc = act(client, tokens["assessor"], get("assessor", sc), "request_rectification", comment="请补充",
             key_points=[sc["key_points"][0]["id"]]).json
    sc = client.put(f"/api/v1/cases/{sc['id']}/self-assessment", headers=auth(tokens["enterprise"]), json={
        "version": sc["version"], "answers": [{"key_point": sc["key_points"][0]["id"], "answer": "已补充"}]}).json
    sc = act(client, tokens["enterprise"], sc, "resubmit").json
    changes = client.get(f"/api/v1/cases/{sc['id']}/changes", headers=auth(tokens["assessor"])).json
    assert [c["change"] for c in changes["answers"]] == ["changed"]
    reviews = [{"key_point": kp["id"], "finding": "satisfied", "comment": "符合"} for kp in sc["key_points"]]
    sc = client.put(f"/api/v1/cases/{sc['id']}/review", headers=auth(tokens["assessor"]),
                    json={"version": get("assessor", sc)["version"], "reviews": reviews}).json
    sc = act(client, tokens["assessor"], sc, "sign_opinion").json
    sc = act(client, tokens["official"], get("official", sc), "record_filing", filing_number="沪备2026-0099").json
    assert sc["status"] == "filed"

    # Security assessment: to the regulator; the worker reminds, then marks the acceptance deadline overdue.
    sa_case = answered(client, tokens, pi=0, important=True)
    sa_case = act(client, tokens["enterprise"], sa_case, "submit", assessor_org_id=assessor(client, tokens)).json
    sa_case = client.put(f"/api/v1/cases/{sa_case['id']}/review", headers=auth(tokens["assessor"]), json={
        "version": get("assessor", sa_case)["version"],
        "reviews": [{"key_point": kp["id"], "finding": "satisfied"} for kp in sa_case["key_points"]]}).json
    sa_case = act(client, tokens["assessor"], sa_case, "sign_opinion").json
    sa_case = act(client, tokens["official"], get("official", sa_case), "forward_to_regulator",
                  completeness_confirmed=True).json
    due = dt.date.fromisoformat(sa_case["deadlines"][0]["due"])
    reminded, overdue, overdue_again = _run_jobs(app, app_env, [
        (remind_deadlines, {"today": (due - dt.timedelta(days=1)).isoformat()}),
        (mark_overdue, {"today": (due + dt.timedelta(days=1)).isoformat()}),
        (mark_overdue, {"today": (due + dt.timedelta(days=1)).isoformat()})])
    assert sa_case["reference"] in reminded and sa_case["reference"] in overdue
    assert sa_case["reference"] not in overdue_again
    assert {"deadline.reminder", "deadline.overdue"} <= set(_kinds(client, tokens["official"]))

    today = dt.date.today()
    sa_case = act(client, tokens["official"], get("official", sa_case), "record_decision", decision="approved",
                  decision_number="国网信评〔2026〕9号", decision_date=today.isoformat()).json
    assert sa_case["status"] == "approved"
    valid_until = dt.date.fromisoformat(sa_case["valid_until"])
    (expired,) = _run_jobs(app, app_env, [(expire_cases, {"today": (valid_until + dt.timedelta(days=1)).isoformat()})])
    assert sa_case["reference"] in expired
    assert get("enterprise", sa_case)["status"] == "expired"
    assert "case.expired" in _kinds(client, tokens["enterprise"])
    for case in (sc, sa_case):
        trail = client.get(f"/api/v1/cases/{case['id']}/audit", headers=auth(tokens["enterprise"])).json
        assert trail["chain"]["ok"] is True


def test_a_transition_is_mailed_by_a_job_after_the_commit(app, app_env, live):
    from email import message_from_bytes
    from email.policy import default

    from tests.helpers.smtp import smtp_inbox

    client, tokens = live
    with smtp_inbox(app) as inbox:
        case = answered(client, tokens, pi=150_000)
        response = act(client, tokens["enterprise"], case, "submit", assessor_org_id=assessor(client, tokens))
        assert response.status_code == 200
        if os.environ.get("REDIS_URL"):
            from redis import Redis
            from rq import Queue

            from xborder.core.jobs import QUEUE

            assert inbox.messages == []  # the request only queued the job
            assert Queue(QUEUE, connection=Redis.from_url(REDIS_URL)).count >= 1
            env = {**os.environ, **app_env, "REDIS_URL": REDIS_URL, "XBORDER_QUEUES": QUEUE,
                   "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(inbox.port), "SMTP_FROM": "xborder@example.test"}
            run = subprocess.run([sys.executable, "-m", "xborder", "worker", "--burst"], env=env,
                                 capture_output=True, text=True, timeout=120)
            assert run.returncode == 0, run.stderr[-2000:]
        assert inbox.arrived.wait(timeout=60), "no mail arrived"
    (mail,) = [m for m in inbox.messages if m.rcpt_tos == ["assessor@demo.xborder"]]
    body = message_from_bytes(mail.content, policy=default).get_content()
    assert case["reference"] in body and "提交第三方评估" in body and "submitted for third-party assessment" in body
