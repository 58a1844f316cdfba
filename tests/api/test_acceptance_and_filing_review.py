"""The national CAC's acceptance notice recorded by the official (the 45 working days then run from it), the day
the result was received (the re-assessment window), and a standard contract's provincial filing review."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.helpers.api import act, answered_case, assessor_id, review_all
from tests.helpers.api import case_as as get
from tests.helpers.api import case_snapshot as _snapshot
from tests.helpers.api import set_deadline_start as _set_start
from tests.helpers.api import stored_next_due as stored
from tests.helpers.factories import auth
from xborder.core.timeutil import china_today


def _at_province(client, roles, **decl):
    case = answered_case(client, roles, **decl)
    case = act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles)).json
    case = review_all(client, roles, get(client, roles["assessor"], case["id"]))
    return act(client, roles["assessor"], case, "sign_opinion").json


def _forwarded(client, roles):
    case = _at_province(client, roles, pi=0, important=True)
    case = act(client, roles["official"], get(client, roles["official"], case["id"]), "forward_to_regulator",
               completeness_confirmed=True).json
    assert case["status"] == "submitted_to_regulator"
    return case


def test_recorded_acceptance_starts_the_assessment_and_ends_the_acceptance_deadline(client, roles, db):
    from xborder.cases.models import Case
    from xborder.notifications.models import Notification

    case = _forwarded(client, roles)
    _set_start(db, case["id"], regulator_acceptance="2026-02-12")
    case = get(client, roles["official"], case["id"])
    assert case["actions"] == ["record_acceptance", "record_decision"]
    assert [(d["kind"], d.get("start_estimated")) for d in case["deadlines"]] == [
        ("regulator_acceptance", None), ("assessment", True)]
    response = act(client, roles["official"], case, "record_acceptance", acceptance_date="2026-02-24",
                   comment="国家网信办受理通知书")
    assert response.status_code == 200, response.json
    after = response.json
    assert (after["status"], after["version"]) == ("submitted_to_regulator", case["version"] + 1)
    # Tue 24 Feb 2026 + 45: 25-27 Feb (3), Sat 28 Feb worked (4), March 2-31 (26), 1-3 Apr (29), 4-6 Apr Qingming,
    # 7-10 (33), 13-17 (38), 20-24 (43), 27 (44), Tue 28 Apr (45). The 7-day acceptance deadline is over.
    assert [(d["kind"], d["starts"], d["due"], d["start_estimated"]) for d in after["deadlines"]] == [
        ("assessment", "2026-02-24", "2026-04-28", False)]
    assert stored(db, case["id"]) == (dt.date(2026, 4, 28), after["version"])
    assert after["actions"] == ["record_decision"]  # recorded once
    trail = client.get(f"/api/v1/cases/{case['id']}/audit", headers=auth(roles["enterprise"])).json
    entry = trail["entries"][-1]
    assert (entry["action"], entry["payload"]["acceptance_date"], entry["payload"]["from"],
            entry["payload"]["to"]) == ("transition.record_acceptance", "2026-02-24", "submitted_to_regulator",
                                        "submitted_to_regulator")
    assert trail["chain"]["ok"] is True
    told = db.session.scalars(sa.select(Notification).where(Notification.case_id == case["id"],
                                                            Notification.kind == "transition.record_acceptance")).all()
    assert told and "已登记国家网信部门受理通知" in told[0].text_zh and "acceptance notice recorded" in told[0].text_en
    again = act(client, roles["official"], after, "record_acceptance", acceptance_date="2026-02-25")
    assert again.status_code == 422 and [e["code"] for e in again.json["errors"]] == ["recorded"]
    db.session.expire_all()
    assert db.session.get(Case, case["id"]).workflow["deadline_starts"]["acceptance_notice"] == "2026-02-24"


def test_refused_acceptance_changes_nothing(client, roles, db):
    case = _forwarded(client, roles)
    forwarded = china_today()  # the forward was today
    before = _snapshot(db, case["id"])
    refusals = [
        (roles["official"], {"acceptance_date": (forwarded + dt.timedelta(days=1)).isoformat()}, 422, "future"),
        (roles["official"], {"acceptance_date": (forwarded - dt.timedelta(days=1)).isoformat()}, 422,
         "before_forwarding"),
        (roles["official"], {"acceptance_date": "2026-02-30"}, 422, "format"),
        (roles["official"], {}, 422, "format"),
        (roles["enterprise"], {"acceptance_date": forwarded.isoformat()}, 403, None),
        (roles["assessor"], {"acceptance_date": forwarded.isoformat()}, 403, None),
    ]
    for token, fields, code, error in refusals:
        response = act(client, token, case, "record_acceptance", **fields)
        assert response.status_code == code, (fields, response.json)
        assert response.content_type == "application/problem+json"
        if error:
            (problem,) = response.json["errors"]
            assert (problem["path"], problem["code"]) == ("acceptance_date", error)
            assert problem["message_zh"] and problem["message_en"]
    stale = client.post(f"/api/v1/cases/{case['id']}/transitions", headers=auth(roles["official"]), json={
        "action": "record_acceptance", "version": case["version"] - 1, "acceptance_date": forwarded.isoformat()})
    assert stale.status_code == 409
    assert _snapshot(db, case["id"]) == before
    # The day of forwarding itself is accepted.
    assert act(client, roles["official"], case, "record_acceptance",
               acceptance_date=forwarded.isoformat()).status_code == 200


def test_acceptance_is_refused_outside_submitted_to_regulator(client, roles, db):
    case = _at_province(client, roles, pi=0, important=True)
    before = _snapshot(db, case["id"])
    response = act(client, roles["official"], get(client, roles["official"], case["id"]), "record_acceptance",
                   acceptance_date=china_today().isoformat())
    assert response.status_code == 422 and [e["path"] for e in response.json["errors"]] == ["status"]
    assert "record_acceptance" not in get(client, roles["official"], case["id"])["actions"]
    assert _snapshot(db, case["id"]) == before


def test_result_received_date_starts_the_reassessment_window(client, roles, db):
    case = _forwarded(client, roles)
    _set_start(db, case["id"], regulator_acceptance="2025-09-01")
    case = get(client, roles["official"], case["id"])
    decision = {"decision": "rejected", "decision_number": "国网信评〔2025〕9号", "decision_date": "2025-09-30"}
    before = _snapshot(db, case["id"])
    for received, code in (("2025-09-29", "before_decision"), ((china_today() + dt.timedelta(days=1)).isoformat(),
                                                              "future"), ("2025-9-1", "format")):
        response = act(client, roles["official"], case, "record_decision", result_received_date=received, **decision)
        assert response.status_code == 422
        assert [(e["path"], e["code"]) for e in response.json["errors"]] == [("result_received_date", code)]
    assert _snapshot(db, case["id"]) == before
    response = act(client, roles["official"], case, "record_decision", result_received_date="2025-10-09", **decision)
    assert response.status_code == 200, response.json
    # Thu 9 Oct 2025 + 15: 10 (1), Sat 11 Oct worked (2), 13-17 (7), 20-24 (12), 27, 28, Wed 29 Oct (15); from the
    # decision date it would be 28 Oct (test_workflow_deadlines).
    assert [(d["kind"], d["starts"], d["due"]) for d in response.json["deadlines"]] == [
        ("reassessment_request", "2025-10-09", "2025-10-29")]
    assert stored(db, case["id"])[0] == dt.date(2025, 10, 29)
    trail = client.get(f"/api/v1/cases/{case['id']}/audit", headers=auth(roles["official"])).json
    # The decision is then signed into the dossier as stage 4, so the transition is not the last entry.
    decided = next(e for e in reversed(trail["entries"]) if e["action"] == "transition.record_decision")
    assert decided["payload"]["result_received_date"] == "2025-10-09"


def test_standard_contract_at_the_province_shows_the_filing_review_across_a_holiday(client, roles, db):
    from xborder.notifications.models import Notification
    from xborder.sweep import sweep

    case = _at_province(client, roles, pi=150_000)
    assert case["determination"]["pathway"] == "standard_contract_or_certification"
    _set_start(db, case["id"], provincial_completeness_check="2025-09-29")
    shown = get(client, roles["official"], case["id"])["deadlines"]
    # Mon 29 Sep 2025 + 15: 30 Sep (1); 1-8 Oct National Day; 9, 10, Sat 11 Oct worked (4), 13-17 (9), 20-24 (14),
    # Mon 27 Oct (15).
    assert [(d["kind"], d["starts"], d["due"], d["label_zh"]) for d in shown] == [
        ("filing_review", "2025-09-29", "2025-10-27", "省级网信部门完成备案审查")]
    assert stored(db, case["id"])[0] == dt.date(2025, 10, 27)
    assert sweep(today="2025-10-24")["reminded"] == [case["reference"]]
    assert sweep(today="2025-10-28")["overdue"] == [case["reference"]]
    texts = db.session.scalars(sa.select(Notification.text_zh).where(
        Notification.case_id == case["id"], Notification.kind.in_(("deadline.reminder", "deadline.overdue")))).all()
    assert texts and all("省级网信部门完成备案审查" in text and "2025-10-27" in text for text in texts)


def test_security_assessment_at_the_province_keeps_the_completeness_check(client, roles, db):
    case = _at_province(client, roles, pi=0, important=True)
    _set_start(db, case["id"], provincial_completeness_check="2025-09-29")
    # Mon 29 Sep 2025 + 5: 30 Sep (1); 1-8 Oct off; 9, 10, Sat 11 Oct (adjusted working day), Mon 13 Oct (5).
    assert [(d["kind"], d["due"]) for d in get(client, roles["official"], case["id"])["deadlines"]] == [
        ("provincial_completeness_check", "2025-10-13")]
