"""A write that loses a race at flush (the case changed between this request's read and its UPDATE): 409, not 500,
and nothing of the request is kept. The rival writer is a real UPDATE on the same connection, run just before the
request's own UPDATE of the case, so the request's "AND version = <seen>" matches no row."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from tests.helpers.factories import auth, declaration
from xborder.cases.models import AnswerVersion, Case
from xborder.core.audit import AuditEntry


@pytest.fixture
def exporter(factory):
    org = factory.organisation()
    user = factory.user(organisation=org)
    return org, user, factory.token(user)


@pytest.fixture
def rival_writer():
    """Arm a concurrent write on one case: bump its version in the database right before the ORM updates it."""
    armed: dict[str, int] = {}
    fired: list[int] = []

    def bump(mapper, connection, target) -> None:
        if target.id == armed.get("case_id") and not fired:
            fired.append(target.id)
            connection.execute(sa.update(Case.__table__).where(Case.__table__.c.id == target.id)
                               .values(version=Case.__table__.c.version + 1))

    event.listen(Case, "before_update", bump)
    try:
        yield armed, fired
    finally:
        event.remove(Case, "before_update", bump)


def count(db, model, case_id) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.case_id == case_id))


def test_a_write_that_loses_the_race_at_flush_is_409_and_changes_nothing(client, exporter, db, rival_writer):
    org, _, token = exporter
    case = client.post("/api/v1/cases", headers=auth(token),
                       json={"title": "并发测试", "declaration": declaration(org.uscc, pi=150_000)}).json
    answers = [{"key_point": "PIA-1", "answer": "目的明确", "measures": "", "evidence": [], "responses": {}}]
    ok = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(token),
                    json={"version": case["version"], "answers": answers})
    assert ok.status_code == 200
    before = {"audit": count(db, AuditEntry, case["id"]), "answers": count(db, AnswerVersion, case["id"])}

    armed, fired = rival_writer
    armed["case_id"] = case["id"]
    # The version sent is the current one, so the request's own check passes; the rival wins at flush.
    lost = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(token),
                      json={"version": ok.json["version"], "answers": [dict(answers[0], answer="改了")]})
    assert fired == [case["id"]]
    assert lost.status_code == 409, lost.json
    assert lost.mimetype == "application/problem+json"
    assert lost.json["status"] == 409 and "changed by someone else" in lost.json["detail"]

    db.session.expire_all()
    current = client.get(f"/api/v1/cases/{case['id']}", headers=auth(token)).json
    assert current["answers"][0]["answer"] == "目的明确"
    assert {"audit": count(db, AuditEntry, case["id"]), "answers": count(db, AnswerVersion, case["id"])} == before
