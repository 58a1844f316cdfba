"""`xborder orgs create` and `xborder users create --password-stdin` (cli.md), run as the real console script on a
fresh SQLite file: exit 0, or exit 2 with a problem for invalid input or what exists already."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

AUTHORITY = "113100000024158670"
PASSWORD = "Qv7-lantern-orbit-93"


def _fresh(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("bootstrap")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({"DATABASE_URL": f"sqlite:///{root / 'fresh.sqlite3'}", "XBORDER_INSTANCE_PATH": str(root),
                "XBORDER_SECRET_KEY": "bootstrap-secret-key-0123456789",
                "XBORDER_KEY_PASSPHRASE": "bootstrap-0123456789"})
    return env


@pytest.fixture
def deployment(tmp_path_factory):
    """The environment of a fresh deployment on its own SQLite file (no demo)."""
    return _fresh(tmp_path_factory)


@pytest.fixture(scope="module")
def with_authority(tmp_path_factory):
    """A fresh deployment with the provincial authority created."""
    env = _fresh(tmp_path_factory)
    assert xborder(env, "orgs", "create", "--kind", "authority", "--name", "上海市数据出境管理办公室", "--uscc",
                   AUTHORITY, "--province", "310000")[0] == 0
    return env


def xborder(env, *args, stdin: str = ""):
    """Run the console script; (exit code, stdout, stderr)."""
    done = subprocess.run([sys.executable, "-m", "xborder", *args], input=stdin, env=env, capture_output=True,
                          text=True, timeout=600)  # a loaded CI machine: a bound, not a budget
    return done.returncode, done.stdout, done.stderr


def test_bootstrap_to_a_first_sign_in(deployment):
    code, out, err = xborder(deployment, "orgs", "create", "--kind", "authority", "--name", "上海市数据出境管理办公室",
                             "--uscc", AUTHORITY, "--province", "310000")
    assert code == 0, err
    code, out, err = xborder(deployment, "users", "create", "--email", "admin@province.test", "--role", "admin",
                             "--org-uscc", AUTHORITY, "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0, err
    code, out, err = xborder(deployment, "users", "create", "--email", "official@province.test", "--role",
                             "provincial_official", "--org-uscc", AUTHORITY, "--name", "张华", "--password-stdin",
                             stdin=PASSWORD + "\n")
    assert code == 0, err

    from xborder import create_app
    from xborder.extensions import db

    app = create_app({**deployment, "XBORDER_MFA_REQUIRED_ROLES": ""})
    try:
        with app.test_client() as client:
            response = client.post("/api/v1/auth/token", json={"email": "official@province.test",
                                                               "password": PASSWORD})
            assert response.status_code == 200
            me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {response.json['token']}"}).json
            assert me["role"] == "provincial_official" and me["organisation"]["uscc"] == AUTHORITY
    finally:
        with app.app_context():
            db.engine.dispose()
    # With the default requirement an admin is told to enrol a second factor first.
    app = create_app(deployment)
    try:
        with app.test_client() as client:
            response = client.post("/api/v1/auth/token", json={"email": "admin@province.test", "password": PASSWORD})
            assert response.status_code == 403
            assert response.json["errors"][0]["code"] == "mfa_enrolment_required"
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize(("args", "stdin", "path", "code"), [
    (["orgs", "create", "--kind", "authority", "--name", "重复", "--uscc", AUTHORITY, "--province", "310000"], "",
     "uscc", "exists"),
    (["orgs", "create", "--kind", "enterprise", "--name", "错位", "--uscc", "91440300908301663N", "--province",
      "310000"], "", "uscc", "province_mismatch"),
    (["orgs", "create", "--kind", "enterprise", "--name", "校验", "--uscc", "91440300908301663A", "--province",
      "440000"], "", "uscc", "check_character"),
    (["users", "create", "--email", "weak@province.test", "--role", "provincial_official", "--org-uscc", AUTHORITY,
      "--password-stdin"], "password123\n", "password", "weak"),
    (["users", "create", "--email", "x@province.test", "--role", "enterprise", "--org-uscc", AUTHORITY,
      "--password-stdin"], PASSWORD + "\n", "role", "one_of"),
    (["users", "create", "--email", "y@province.test", "--role", "admin", "--org-uscc", "91440300908301663N",
      "--password-stdin"], PASSWORD + "\n", "org_uscc", "not_found"),
])
def test_invalid_or_existing_input_exits_2(with_authority, args, stdin, path, code):
    status, out, err = xborder(with_authority, *args, stdin=stdin)
    assert status == 2, (out, err)
    problem = json.loads(err)
    assert {(e["path"], e["code"]) for e in problem["errors"]} >= {(path, code)}
    assert all(e["message_zh"] for e in problem["errors"])


def test_existing_user_exits_2(with_authority):
    args = ["users", "create", "--email", "dup@province.test", "--role", "admin", "--org-uscc", AUTHORITY,
            "--password-stdin"]
    assert xborder(with_authority, *args, stdin=PASSWORD + "\n")[0] == 0
    status, _, err = xborder(with_authority, *args, stdin=PASSWORD + "\n")
    assert status == 2 and json.loads(err)["errors"][0]["code"] == "exists"
