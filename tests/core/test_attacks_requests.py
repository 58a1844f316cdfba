"""The attack on the request layer, kept as regression tests (issue 17): races on committed data with real threads
and their own database connections, deep JSON nesting, chunked bodies over the limit, sessions and passwords, the
sign-in limiter across processes, and what an enterprise may know of other organisations."""

from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import threading
import uuid

import pytest
import sqlalchemy as sa

from tests.helpers.app import delete_rows
from tests.helpers.factories import auth, declaration, make_uscc
from tests.helpers.materials import attach_materials

PASSWORD = "correct horse battery"


# ---------------------------------------------------------------------------------------------------------------
# Committed data: a second app on the suite's database that runs jobs in-process (as the embedded default does,
# so a download builds and stores the bundle inside the requests that race), cleaned up afterwards.
# ---------------------------------------------------------------------------------------------------------------

@pytest.fixture
def committed(app, app_env):
    """An app without Redis on the suite's database, an enterprise and an assessor body with a user each (committed),
    and their tokens; every row made is deleted afterwards."""
    from xborder import create_app
    from xborder.accounts.models import Organisation, User
    from xborder.accounts.operations import issue_token
    from xborder.extensions import db

    env = {k: v for k, v in app_env.items() if k != "REDIS_URL"}
    app = create_app(env, TESTING=False, PROPAGATE_EXCEPTIONS=False)  # the suite's app has built the schema
    n = uuid.uuid4().int % 10_000_000
    with app.app_context():
        enterprise = Organisation(kind="enterprise", name=f"并发企业{n}", uscc=make_uscc(10_000_000 + n),
                                  province="310000")
        body = Organisation(kind="assessor", name=f"并发评估机构{n}", uscc=make_uscc(20_000_000 + n),
                            province="310000")
        user = User(email=f"race-{n}@example.test", role="enterprise", organisation=enterprise)
        user.set_password(PASSWORD)
        db.session.add_all([enterprise, body, user])
        db.session.flush()
        token, _ = issue_token(user)
        ids = {"enterprise": enterprise.id, "assessor": body.id, "user": user.id, "uscc": enterprise.uscc}
        db.session.commit()
        db.session.remove()
    yield app, ids, token
    from xborder.cases.models import Case

    with app.app_context():
        cases = list(db.session.scalars(sa.select(Case.id).where(Case.exporter_id == ids["enterprise"])))
        delete_rows(db, "cases.id", cases)
        db.session.execute(sa.delete(Case).where(Case.id.in_(cases)))
        delete_rows(db, "users.id", [ids["user"]])
        db.session.execute(sa.delete(User).where(User.id == ids["user"]))
        orgs = [ids["enterprise"], ids["assessor"]]
        delete_rows(db, "organisations.id", orgs)
        db.session.execute(sa.delete(Organisation).where(Organisation.id.in_(orgs)))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _in_parallel(app, count: int, request) -> list:
    """Run `request(client)` in `count` threads released together, each with its own client, app context, session
    and database connection; return the responses."""
    barrier = threading.Barrier(count)
    responses: list = []

    def attempt() -> None:
        own = app.test_client()
        barrier.wait()
        responses.append(request(own))

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def _new_case(client, ids, token, title="并发案件"):
    response = client.post("/api/v1/cases", headers=auth(token),
                           json={"title": title, "declaration": declaration(ids["uscc"], pi=150_000)})
    assert response.status_code == 201, response.json
    return response.json


def test_eight_parallel_downloads_of_one_dossier_answer_no_5xx(committed):
    from xborder.core.audit import verify_chain
    from xborder.extensions import db

    app, ids, token = committed
    client = app.test_client()
    case = _new_case(client, ids, token)
    answers = [{"key_point": kp["id"], "answer": "已回答"} for kp in case["key_points"]]
    case = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(token),
                      json={"version": case["version"], "answers": answers}).json
    attach_materials(client, token, case["id"])  # a submission carries its filing materials (issue 16)
    case = client.get(f"/api/v1/cases/{case['id']}", headers=auth(token)).json
    submitted = client.post(f"/api/v1/cases/{case['id']}/transitions", headers=auth(token), json={
        "action": "submit", "version": case["version"], "assessor_org_id": ids["assessor"]})
    assert submitted.status_code == 200, submitted.json

    responses = _in_parallel(app, 8, lambda own: own.get(f"/api/v1/cases/{case['id']}/dossier", headers=auth(token)))
    statuses = sorted(r.status_code for r in responses)
    assert all(code < 500 for code in statuses), [(r.status_code, r.get_data()[:300]) for r in responses]
    assert set(statuses) <= {200, 202}
    zips = {r.get_data() for r in responses if r.status_code == 200}
    assert len(zips) <= 1  # every download that got the bundle got the same bytes
    with app.app_context():
        assert verify_chain(case["id"]).ok
        db.session.remove()


def test_eight_parallel_evidence_uploads_to_one_case_answer_no_5xx(committed):
    from xborder.core.audit import verify_chain
    from xborder.extensions import db

    app, ids, token = committed
    case = _new_case(app.test_client(), ids, token)
    counter = iter(range(100))

    def upload(own):
        body = f"证据 {next(counter)}\n".encode()
        return own.post(f"/api/v1/cases/{case['id']}/evidence", headers=auth(token),
                        data={"file": (io.BytesIO(body), "evidence.txt")}, content_type="multipart/form-data")

    responses = _in_parallel(app, 8, upload)
    assert sorted(r.status_code for r in responses) == [201] * 8, [r.get_data()[:300] for r in responses]
    with app.app_context():
        check = verify_chain(case["id"])
        assert check.ok and check.entries >= 9  # the creation and the eight uploads, in one unbroken chain
        db.session.remove()


@pytest.fixture
def embedded(tmp_path):
    """The embedded default: an app on a fresh SQLite file in its instance folder, migrated, with a user."""
    from flask_migrate import upgrade

    from xborder import create_app
    from xborder.accounts.models import Organisation, User
    from xborder.accounts.operations import issue_token
    from xborder.extensions import db

    env = {"XBORDER_INSTANCE_PATH": str(tmp_path / "instance"), "XBORDER_SECRET_KEY": "s" * 32,
           "XBORDER_KEY_PASSPHRASE": "p" * 32}
    app = create_app(env, TESTING=False, PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        upgrade(revision="heads")
        org = Organisation(kind="enterprise", name="嵌入式企业", uscc=make_uscc(30_000_001), province="310000")
        user = User(email="embedded@example.test", role="enterprise", organisation=org)
        user.set_password(PASSWORD)
        db.session.add_all([org, user])
        db.session.flush()
        token, _ = issue_token(user)
        db.session.commit()
        ids = {"uscc": org.uscc}
        db.session.remove()
    yield app, ids, token
    with app.app_context():
        db.engine.dispose()


def test_sixteen_concurrent_case_creations_on_the_embedded_default_all_succeed(embedded):
    app, ids, token = embedded
    responses = _in_parallel(app, 16, lambda own: own.post(
        "/api/v1/cases", headers=auth(token),
        json={"title": "并发创建", "declaration": declaration(ids["uscc"], pi=150_000)}))
    assert sorted(r.status_code for r in responses) == [201] * 16, [r.get_data()[:200] for r in responses]
    assert len({r.json["reference"] for r in responses}) == 16


def test_the_sqlite_file_and_its_wal_are_private_to_the_owner(embedded):
    app, _, _ = embedded
    path = app.config["XBORDER"].instance_path / "xborder.sqlite3"
    files = [p for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")) if p.exists()]
    assert path in files and len(files) >= 2, files
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, (file, oct(file.stat().st_mode))


# ---------------------------------------------------------------------------------------------------------------
# Bounded request bodies.
# ---------------------------------------------------------------------------------------------------------------

DEEP = "[" * 3000


@pytest.mark.parametrize("path", ["/api/v1/assess", "/api/v1/auth/token", "/api/v1/cases"])
def test_three_thousand_levels_of_nesting_are_a_400_problem_not_a_crash(client, factory, path):
    token = factory.token(factory.user())
    for content_type in ("application/json", "text/plain"):
        response = client.post(path, data=DEEP, headers={"Content-Type": content_type, **auth(token)})
        if response.status_code == 400 and response.mimetype == "application/problem+json" \
                and response.json.get("errors"):
            break
    assert response.status_code == 400, response.get_data()[:300]
    assert response.mimetype == "application/problem+json"
    assert response.json["errors"][0]["code"] == "too_deep"
    assert "64" in response.json["errors"][0]["message_zh"]


def test_deep_nesting_inside_a_valid_document_is_refused_too(client):
    body = '{"as_of": "2025-06-30", "transfers": ' + "[" * 200 + "]" * 200 + "}"
    response = client.post("/api/v1/assess", data=body, content_type="application/json")
    assert response.status_code == 400 and response.json["errors"][0]["code"] == "too_deep"


@pytest.mark.parametrize(("body", "deep"), [
    ("[" * 64 + "]" * 64, False),
    ("[" * 65 + "]" * 65, True),
    ('["' + "[" * 500 + '"]', False),  # brackets inside a string are text
    ("[NaN, " + "[" * 65 + "]" * 65 + "]", True),  # what orjson refuses is counted by the scanner
    ("[NaN, " + "{}" * 5000 + "]", False),
    ("[NaN, " + "[" * 3000, True),  # unterminated
    ('{"a": "\\"' + "[" * 100 + '"}', False),  # an escaped quote does not end the string
])
def test_the_depth_bound_counts_levels_not_brackets(body, deep):
    from xborder.core.request_limits import too_deep

    assert too_deep(body.encode()) is deep


def test_ordinary_nesting_still_reaches_validation(client):
    body = {"as_of": "2025-06-30", "transfers": [[[[["x"]]]]]}
    response = client.post("/api/v1/assess", json=body)
    assert response.status_code == 422  # the declaration's own rules judge it, not the depth bound


def test_xborder_assess_with_deep_nesting_exits_2():
    from click.testing import CliRunner

    from xborder.cli import main

    result = CliRunner().invoke(main, ["assess", "-"], input=DEEP)
    assert result.exit_code == 2, result.output
    assert "nested" in result.output and "Traceback" not in result.output


def test_a_chunked_body_over_the_limit_is_413(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = b'{"email": "' + b"x" * limit + b'", "password": "p"}'
    response = client.post("/api/v1/auth/token", input_stream=io.BytesIO(body),
                           headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413, response.get_data()[:300]
    assert response.mimetype == "application/problem+json"


def test_a_chunked_body_under_the_limit_is_read_whole(client):
    body = b'{"email": "nobody@example.test", "password": "wrong"}'
    response = client.post("/api/v1/auth/token", input_stream=io.BytesIO(body),
                           headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 401


# ---------------------------------------------------------------------------------------------------------------
# Sessions and passwords.
# ---------------------------------------------------------------------------------------------------------------

def _csrf(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def _web_sign_in(app, email: str, password: str = PASSWORD):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password,
                                            "csrf_token": _csrf(client.get("/login").get_data(as_text=True))})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def _with_cookie(app, cookie):
    """Another browser that presents a copy of a session cookie."""
    client = app.test_client()
    client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
    return client


def _signed_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200 and "/login" not in response.headers.get("Location", "")


def test_a_session_cookie_saved_before_logout_no_longer_works(app, factory):
    user = factory.user(password=PASSWORD)
    client = _web_sign_in(app, user.email)
    saved = client.get_cookie("session")
    assert _signed_in(_with_cookie(app, saved))
    client.post("/logout", data={"csrf_token": _csrf(client.get("/").get_data(as_text=True))})
    assert not _signed_in(client)
    replayed = _with_cookie(app, saved)
    assert not _signed_in(replayed)
    assert replayed.get("/").status_code == 302


def test_api_logout_revokes_the_token_used(client, factory):
    user = factory.user()
    token, other = factory.token(user), factory.token(user)
    assert client.post("/api/v1/auth/logout", headers=auth(token)).status_code == 204
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401
    assert client.get("/api/v1/me", headers=auth(other)).status_code == 200


def test_changing_the_password_ends_every_other_token_and_session(app, client, factory):
    user = factory.user(password=PASSWORD)
    browser = _web_sign_in(app, user.email)
    kept = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}).json["token"]
    other = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}).json["token"]
    assert _signed_in(browser)

    wrong = client.post("/api/v1/auth/password", headers=auth(kept),
                        json={"current_password": "not it", "new_password": "a new long password"})
    assert wrong.status_code == 422 and wrong.json["errors"][0]["path"] == "current_password"
    short = client.post("/api/v1/auth/password", headers=auth(kept),
                        json={"current_password": PASSWORD, "new_password": "short"})
    assert short.status_code == 422 and short.json["errors"][0]["path"] == "new_password"
    assert client.get("/api/v1/me", headers=auth(other)).status_code == 200  # nothing changed yet

    changed = client.post("/api/v1/auth/password", headers=auth(kept),
                          json={"current_password": PASSWORD, "new_password": "a new long password"})
    assert changed.status_code == 204, changed.get_data()
    assert client.get("/api/v1/me", headers=auth(kept)).status_code == 200  # the caller's own token goes on
    assert client.get("/api/v1/me", headers=auth(other)).status_code == 401
    assert not _signed_in(browser)
    assert client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}).status_code == 401
    assert client.post("/api/v1/auth/token", json={"email": user.email,
                                                   "password": "a new long password"}).status_code == 200


def test_set_password_and_deactivate_on_the_model_revoke_everything(app, client, db, factory):
    user = factory.user(password=PASSWORD)
    browser = _web_sign_in(app, user.email)
    token = factory.token(user)
    user.set_password("another password")
    db.session.flush()
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401
    assert not _signed_in(browser)

    browser = _web_sign_in(app, user.email, "another password")
    token = factory.token(user)
    user.deactivate()
    db.session.flush()
    user.active = True  # even re-activated at once, what was issued before stays ended
    db.session.flush()
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401
    assert not _signed_in(browser)


_SIGN_IN_ATTEMPTS = """
import json, os, sys
from flask_migrate import upgrade
from xborder import create_app
from xborder.extensions import db
app = create_app(json.loads(os.environ["ENV_JSON"]), TESTING=True)
if sys.argv[1] == "migrate":
    with app.app_context():
        upgrade(revision="heads")
    sys.exit(0)
client = app.test_client()
codes = [client.post("/api/v1/auth/token", json={"email": "victim@example.test", "password": "guess"}).status_code
         for _ in range(int(sys.argv[1]))]
print(json.dumps(codes))
"""


def test_the_sign_in_limit_is_shared_by_two_processes_without_redis(tmp_path):
    """Two app processes on one SQLite file (two gunicorn workers): five wrong passwords in all, then 429."""
    env_json = {"XBORDER_INSTANCE_PATH": str(tmp_path / "instance"), "XBORDER_SECRET_KEY": "s" * 32,
                "XBORDER_KEY_PASSPHRASE": "p" * 32, "XBORDER_LOGIN_LIMIT_ACCOUNT": "5 per minute",
                "XBORDER_LOGIN_LIMIT_ADDRESS": "100 per minute"}
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["ENV_JSON"] = json.dumps(env_json)

    def run(arg: str) -> list[int]:
        done = subprocess.run([sys.executable, "-c", _SIGN_IN_ATTEMPTS, arg], env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1]) if arg != "migrate" else []

    run("migrate")
    assert run("3") == [401, 401, 401]
    assert run("3") == [401, 401, 429]


def test_two_storages_on_one_database_count_the_same_window(app):
    """Two workers' limiter storages on the suite's database (PostgreSQL, or SQLite's counters file): one count."""
    from limits.storage import storage_from_string

    from xborder.core.ratelimit_storage import SCHEME

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    first, second = (storage_from_string(f"{SCHEME}://{url}") for _ in range(2))
    key = f"LIMITER/test/{uuid.uuid4().hex}/" + "x" * 300  # longer than a column: stored as its digest
    try:
        assert [first.incr(key, 60), second.incr(key, 60), first.incr(key, 60)] == [1, 2, 3]
        assert second.get(key) == 3 and first.get_expiry(key) > 0
    finally:
        first.clear(key)
        for storage in (first, second):
            storage.engine.dispose()
    assert second.get(key) == 0


# ---------------------------------------------------------------------------------------------------------------
# Least knowledge.
# ---------------------------------------------------------------------------------------------------------------

def test_an_enterprise_lists_assessor_bodies_and_itself_not_other_enterprises(client, factory):
    own = factory.organisation(kind="enterprise")
    rival = factory.organisation(kind="enterprise", province="310000")
    body = factory.organisation(kind="assessor")
    authority = factory.organisation(kind="authority", province="310000")
    far = factory.organisation(kind="enterprise", province="440000")

    def listed(user, query=""):
        token = factory.token(user)
        response = client.get(f"/api/v1/organisations{query}", headers=auth(token))
        assert response.status_code == 200
        return {o["id"] for o in response.json}

    enterprise = listed(factory.user(organisation=own))
    assert {own.id, body.id} <= enterprise and not enterprise & {rival.id, authority.id, far.id}
    assert listed(factory.user(organisation=own), "?kind=enterprise") == {own.id}
    assessor = listed(factory.user(role="assessor", organisation=body))
    assert body.id in assessor and not assessor & {own.id, rival.id, far.id}
    official = listed(factory.user(role="provincial_official", organisation=authority))
    assert {own.id, rival.id, body.id, authority.id} <= official and far.id not in official
    assert {own.id, rival.id, body.id, authority.id, far.id} <= listed(factory.user(role="admin"))
