"""Validity from the result and the extension of a passed assessment through the API (issue 15, acceptance 3):
`record_decision` counts the validity by the rules in force on the decision date; inside the extension window the
enterprise answers the six conditions (`PUT /cases/{id}/extension-check`), xborder says "may apply" or "declare
anew" with the failed ones, and the official records the extension (`record_extension`), all audited."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.helpers.api import act
from tests.helpers.factories import auth, declaration
from xborder.cases.models import Case
from xborder.core.timeutil import china_today

ENTERPRISE_USCC = "9131011552601815X1"
PASSING = {"purpose_scope_unchanged": True, "processor_recipient_unchanged": True,
           "persons_next_3_years": 120, "persons_approved_past_3_years": 100,
           "important_data_next_3_years": None, "important_data_approved_past_3_years": None,
           "legal_documents_six_clauses": True, "no_major_incident": True}


def get(client, token, case):
    return client.get(f"/api/v1/cases/{case['id']}", headers=auth(token)).json


def approved(client, roles, as_of: str, decision_date: str) -> dict:
    """A security-assessment case declared on `as_of`, through every step to approval on `decision_date`."""
    case = client.post("/api/v1/cases", headers=auth(roles["enterprise"]), json={
        "title": "延期测试", "declaration": declaration(ENTERPRISE_USCC, as_of=as_of, pi=0, important=True)}).json
    answers = [{"key_point": kp["id"], "answer": "回答"} for kp in case["key_points"]]
    case = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(roles["enterprise"]),
                      json={"version": case["version"], "answers": answers}).json
    orgs = client.get("/api/v1/organisations?kind=assessor", headers=auth(roles["enterprise"])).json
    case = act(client, roles["enterprise"], case, "submit",
               assessor_org_id=next(o["id"] for o in orgs if o["uscc"] == "91320500131860916B")).json
    case = get(client, roles["assessor"], case)
    case = client.put(f"/api/v1/cases/{case['id']}/review", headers=auth(roles["assessor"]), json={
        "version": case["version"], "reviews": [{"key_point": kp["id"], "finding": "satisfied", "comment": "符合"}
                                                for kp in case["key_points"]]}).json
    case = act(client, roles["assessor"], case, "sign_opinion").json
    case = act(client, roles["official"], get(client, roles["official"], case), "forward_to_regulator",
               completeness_confirmed=True).json
    response = act(client, roles["official"], case, "record_decision", decision="approved",
                   decision_number="国网信评〔2024〕7号", decision_date=decision_date)
    assert response.status_code == 200, response.json
    return response.json


@pytest.mark.parametrize(("as_of", "decision_date", "valid_until", "years"), [
    ("2023-12-01", "2024-03-21", "2026-03-21", 2),  # decided under the 2022 measures: two years (art 14)
    ("2023-12-01", "2024-03-22", "2027-03-22", 3),  # declared under cac-2022, decided under cbdf-2024: three
    ("2025-06-30", "2025-07-15", "2028-07-15", 3),
])
def test_validity_is_counted_by_the_rules_in_force_on_the_decision_date(client, roles, db, as_of, decision_date,
                                                                        valid_until, years):
    case = approved(client, roles, as_of, decision_date)
    assert case["determination"]["regime"] == ("cac-2022" if as_of < "2024-03-22" else "cac-2024")
    assert case["valid_until"] == valid_until
    stored = db.session.get(Case, case["id"]).workflow["decision"]["validity"]
    assert stored["years"] == years
    cited = {(b["instrument"], b["article"]) for b in stored["legal_basis"]}
    if as_of < "2024-03-22" <= decision_date:
        assert ("cbdf-2024", "13") in cited  # art 9 prevails over the 2022 measures by art 13


def _expiring_in(db, case: dict, days: int) -> dt.date:
    """Move the case's end of validity to `days` from today, as if it had been approved three years ago."""
    until = china_today() + dt.timedelta(days=days)
    db.session.execute(sa.update(Case).where(Case.id == case["id"]).values(valid_until=until,
                                                                           version=Case.version + 1))
    db.session.commit()
    db.session.expire_all()
    return until


def test_the_extension_check_and_the_extension_decision(client, roles, db):
    case = approved(client, roles, "2025-06-30", "2025-07-15")
    state = client.get(f"/api/v1/cases/{case['id']}/extension-check", headers=auth(roles["enterprise"])).json
    assert state["open"] is False and state["window"]["window"] == "within_last"
    assert [q["id"] for q in state["questions"]] == [
        "purpose_scope_unchanged", "processor_recipient_unchanged", "persons_growth", "important_data_growth",
        "legal_documents_six_clauses", "no_major_incident"]
    closed = client.put(f"/api/v1/cases/{case['id']}/extension-check", headers=auth(roles["enterprise"]),
                        json={"version": case["version"], "answers": PASSING})
    assert closed.status_code == 422 and closed.json["errors"][0]["code"] == "outside_window", closed.json

    until = _expiring_in(db, case, 20)
    case = get(client, roles["enterprise"], case)
    url = f"/api/v1/cases/{case['id']}/extension-check"
    invalid = client.put(url, headers=auth(roles["enterprise"]), json={
        "version": case["version"], "answers": {**PASSING, "no_major_incident": "yes", "persons_next_3_years": -1}})
    assert invalid.status_code == 422
    assert {(e["path"], e["code"]) for e in invalid.json["errors"]} == {
        ("answers.no_major_incident", "type"), ("answers.persons_next_3_years", "type")}
    assert client.put(url, headers=auth(roles["official"]), json={
        "version": case["version"], "answers": PASSING}).status_code == 403

    grown = client.put(url, headers=auth(roles["enterprise"]), json={
        "version": case["version"], "answers": {**PASSING, "persons_next_3_years": 121, "no_major_incident": False}})
    assert grown.status_code == 200, grown.json
    assert grown.json["check"]["outcome"] == "declare_anew"
    assert grown.json["check"]["failed"] == ["persons_growth", "no_major_incident"]
    official = get(client, roles["official"], case)
    new_until = until.replace(year=until.year + 3).isoformat()
    refused = act(client, roles["official"], official, "record_extension", decision_number="国网信延〔2027〕1号",
                  valid_until=new_until)
    assert refused.status_code == 422 and refused.json["errors"][0]["path"] == "extension_check"
    assert "record_extension" not in official["actions"]

    passed = client.put(url, headers=auth(roles["enterprise"]), json={"version": grown.json["version"],
                                                                       "answers": PASSING})
    assert passed.status_code == 200 and passed.json["check"]["outcome"] == "may_apply"
    assert passed.json["check"]["failed"] == []
    official = get(client, roles["official"], case)
    assert "record_extension" in official["actions"]
    too_early = act(client, roles["official"], official, "record_extension", decision_number="国网信延〔2027〕1号",
                    valid_until=until.isoformat())
    assert too_early.status_code == 422 and too_early.json["errors"][0]["code"] == "not_later"
    extended = act(client, roles["official"], official, "record_extension", decision_number="国网信延〔2027〕1号",
                   valid_until=new_until)
    assert extended.status_code == 200, extended.json
    assert extended.json["status"] == "approved" and extended.json["valid_until"] == new_until
    # The check answered for the old period does not carry over to the new one.
    state = client.get(url, headers=auth(roles["enterprise"])).json
    assert state["check"] is None and state["open"] is False
    trail = client.get(f"/api/v1/cases/{case['id']}/audit", headers=auth(roles["enterprise"])).json
    tail = [(e["action"], e["payload"].get("outcome") or e["payload"].get("valid_until") or e["payload"].get("stage"))
            for e in trail["entries"]][-4:]
    # The extension decision is signed into the dossier as stage 6 (xborder/dossiers/stages.py).
    assert tail == [("extension_check", "declare_anew"), ("extension_check", "may_apply"),
                    ("transition.record_extension", new_until), ("dossier.stage_signed", 6)]
    assert trail["chain"]["ok"] is True
