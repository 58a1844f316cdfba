"""Cases walked through the HTTP API by the demo roles (bearer tokens from the `roles` fixture), and readers of
what a walk left behind."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.helpers.factories import auth, declaration
from tests.helpers.materials import attach_materials

ENTERPRISE_USCC = "9131011552601815X1"
ASSESSOR_USCC = "91320500131860916B"


def act(client, token, case, action, **fields):
    """POST a transition of `case` (the version it was read at) with `fields`; returns the response."""
    if action == "submit":
        attach_materials(client, token, case["id"])  # a submission carries its filing materials (issue 16)
    return client.post(f"/api/v1/cases/{case['id']}/transitions", headers=auth(token),
                       json={"action": action, "version": case["version"], **fields})


def answered_case(client, roles, **decl):
    """A draft case of the demo enterprise with every key point answered; `decl` shapes its declaration."""
    case = client.post("/api/v1/cases", headers=auth(roles["enterprise"]),
                       json={"title": "路线测试", "declaration": declaration(ENTERPRISE_USCC, **decl)}).json
    answers = [{"key_point": kp["id"], "answer": f"{kp['id']} 的回答"} for kp in case["key_points"]]
    return client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(roles["enterprise"]),
                      json={"version": case["version"], "answers": answers}).json


def assessor_id(client, roles):
    """The id of the demo assessor body, as the enterprise finds it."""
    orgs = client.get("/api/v1/organisations?kind=assessor", headers=auth(roles["enterprise"])).json
    return next(o["id"] for o in orgs if o["uscc"] == ASSESSOR_USCC)


def review_all(client, roles, case):
    """The demo assessor finds every key point satisfied; returns the case."""
    reviews = [{"key_point": kp["id"], "finding": "satisfied", "comment": "符合"} for kp in case["key_points"]]
    response = client.put(f"/api/v1/cases/{case['id']}/review", headers=auth(roles["assessor"]),
                          json={"version": case["version"], "reviews": reviews})
    assert response.status_code == 200, response.json
    return response.json


def case_as(client, token, case_id):
    """The case as the holder of `token` sees it."""
    return client.get(f"/api/v1/cases/{case_id}", headers=auth(token)).json


def notifications(client, token, **query):
    """The notifications page of the holder of `token`."""
    return client.get("/api/v1/notifications", headers=auth(token), query_string=query).json


def set_deadline_start(db, case_id, **starts):
    """Move when a deadline's counting starts (e.g. regulator_acceptance="2026-02-12"), to test dated routes."""
    from xborder.cases.models import Case

    case = db.session.get(Case, case_id)
    case.workflow = {**case.workflow, "deadline_starts": {**(case.workflow.get("deadline_starts") or {}), **starts}}
    db.session.flush()


def case_snapshot(db, case_id):
    """What a refused transition must leave unchanged: status, version, workflow, audit and notification counts."""
    from xborder.cases.models import Case
    from xborder.core.audit import AuditEntry
    from xborder.notifications.models import Notification

    db.session.expire_all()
    case = db.session.get(Case, case_id)
    count = sa.select(sa.func.count())
    return (case.status, case.version, dict(case.workflow),
            db.session.scalar(count.select_from(AuditEntry).where(AuditEntry.case_id == case_id)),
            db.session.scalar(count.select_from(Notification).where(Notification.case_id == case_id)))


def stored_next_due(db, case_id: int) -> tuple[dt.date | None, int]:
    """The case's stored nearest deadline and version, read from the database."""
    from xborder.cases.models import Case

    return tuple(db.session.execute(sa.select(Case.next_due, Case.version).where(Case.id == case_id)).one())
