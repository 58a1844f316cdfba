"""Explicit wiring: an app built by `create_app` has each package's listeners (a transition signs its stage and
notifies the users concerned), and importing xborder's modules registers nothing by itself."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import sqlalchemy as sa

from tests.helpers.factories import auth, declaration
from tests.helpers.materials import attach_materials_db
from xborder.accounts.demo import DEMO_PASSWORD, seed_demo_accounts

ENTERPRISE_USCC = "9131011552601815X1"
ASSESSOR_USCC = "91320500131860916B"


def test_an_app_built_by_create_app_has_each_package_listener_once(app, app_env):
    from xborder import create_app
    from xborder.accounts import profile
    from xborder.cases import next_due, workflow
    from xborder.dossiers import stages
    from xborder.notifications import listeners

    # The profile copy at submit runs before stage 1 is signed (issue 16), so the signed documents carry it.
    expected = [profile.snapshot_on_submit, stages.on_transition, listeners.notify_transition]
    assert app.extensions["xborder.transition_listeners"] == expected
    assert sa.event.contains(sa.orm.Session, "before_flush", next_due._store_next_due)
    # Another app gets its own list; building it neither adds to the first nor registers anything twice.
    other = create_app(app_env, TESTING=True)
    assert other.extensions["xborder.transition_listeners"] == expected
    assert app.extensions["xborder.transition_listeners"] == expected
    workflow.on_transition(other, stages.on_transition)
    assert other.extensions["xborder.transition_listeners"] == expected


def _token(client, role: str) -> str:
    response = client.post("/api/v1/auth/token", json={"email": f"{role}@demo.xborder", "password": DEMO_PASSWORD})
    return response.json["token"]


def test_workflow_transition_called_directly_signs_and_notifies(client, db):
    from xborder.accounts.models import Organisation, User
    from xborder.cases import workflow
    from xborder.cases.models import Case
    from xborder.dossiers.models import Stage
    from xborder.notifications.models import Notification

    seed_demo_accounts()
    token = _token(client, "enterprise")
    created = client.post("/api/v1/cases", headers=auth(token),
                          json={"title": "接线测试", "declaration": declaration(ENTERPRISE_USCC, pi=0, important=True)})
    assert created.status_code == 201, created.json
    answers = [{"key_point": kp["id"], "answer": "回答"} for kp in created.json["key_points"]]
    answered = client.put(f"/api/v1/cases/{created.json['id']}/self-assessment", headers=auth(token),
                          json={"version": created.json["version"], "answers": answers})
    assert answered.status_code == 200, answered.json

    case = db.session.get(Case, answered.json["id"])
    enterprise = db.session.scalar(sa.select(User).where(User.email == "enterprise@demo.xborder"))
    assessor_org = db.session.scalar(sa.select(Organisation).where(Organisation.uscc == ASSESSOR_USCC))
    # The domain function itself, not the API view: the listeners come with the app, not with a request.
    attach_materials_db(case, enterprise)  # a submission carries its filing materials (issue 16)
    workflow.transition(case, enterprise, "submit", {"version": case.version, "assessor_org_id": assessor_org.id})
    db.session.flush()

    assert case.status == "third_party_review"
    signed = db.session.scalars(sa.select(Stage).where(Stage.case_id == case.id)).all()
    assert [(s.stage, s.action) for s in signed] == [(1, "submit")]
    notified = db.session.scalars(sa.select(Notification).where(Notification.case_id == case.id,
                                                                Notification.kind == "transition.submit")).all()
    recipients = {db.session.get(User, n.user_id).organisation_id for n in notified if n.user_id}
    assert assessor_org.id in recipients
    assert enterprise.id not in {n.user_id for n in notified}  # the actor is not told what they did


def test_importing_every_module_registers_nothing():
    """In a fresh interpreter: import all of xborder, build no app, and find no listener, loader or route wired."""
    script = textwrap.dedent("""
        import importlib, pkgutil
        import sqlalchemy as sa
        import xborder
        names = [m.name for m in pkgutil.walk_packages(xborder.__path__, "xborder.") if m.name != "xborder.__main__"]
        for name in names:
            importlib.import_module(name)
        from xborder.cases import next_due
        from xborder.extensions import login_manager
        assert len(names) > 80, names
        assert not sa.event.contains(sa.orm.Session, "before_flush", next_due._store_next_due), "before_flush"
        assert login_manager._user_callback is None, "user loader"
        from flask import Flask
        bare = Flask("bare")
        assert "xborder.transition_listeners" not in bare.extensions
        print("ok")
    """)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip().endswith("ok")
