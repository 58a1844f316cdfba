"""Whole routes with deadlines, notifications, the scheduled jobs in-process and the changes of a round; every
illegal transition refused with nothing changed; deadlines against a hand-counted calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers.api import act, answered_case, assessor_id, notifications, review_all
from tests.helpers.api import case_as as get
from tests.helpers.api import case_snapshot as _snapshot
from tests.helpers.api import set_deadline_start as _set_start
from tests.helpers.factories import auth, declaration

ENTERPRISE_USCC = "9131011552601815X1"


def test_actions_come_from_body_independent_checks_only(client, roles):
    case = answered_case(client, roles, pi=150_000)
    # submit needs an assessor named in the body, withdraw a comment: neither is known before the request.
    assert case["actions"] == ["submit", "withdraw"]
    from xborder.cases.workflow import ACTIONS, reads_body

    assert {c.__name__ for a in ACTIONS.values() for c in a.checks if not reads_body(c)} == {
        "check", "_not_exempt", "_all_answered", "_changed_since_request", "_all_reviewed", "_acceptance_not_recorded",
        "_files_a_contract", "_contract_date_known", "_extension_may_apply"}  # issue 15
    fresh = client.post("/api/v1/cases", headers=auth(roles["enterprise"]),
                        json={"title": "未答", "declaration": declaration(ENTERPRISE_USCC, pi=150_000)}).json
    assert fresh["actions"] == ["withdraw"]  # submit waits for every key point to be answered


def test_security_assessment_route_with_supplement_jobs_and_notifications(client, roles, db):
    from xborder.sweep import sweep

    case = answered_case(client, roles, pi=0, important=True)
    case = act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles)).json
    assert [n["kind"] for n in notifications(client, roles["assessor"])["items"]] == ["transition.submit"]
    case = review_all(client, roles, get(client, roles["assessor"], case["id"]))
    case = act(client, roles["assessor"], case, "sign_opinion").json
    official = get(client, roles["official"], case["id"])
    assert notifications(client, roles["official"])["items"][0]["kind"] == "transition.sign_opinion"
    due_date = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    case = act(client, roles["official"], official, "request_supplement", comment="补充境外接收方安全能力说明",
               due_date=due_date).json
    assert case["status"] == "supplement_requested"
    assert [(d["kind"], d["due"], d["due_set_by_authority"]) for d in case["deadlines"]] == [
        ("supplement", due_date, True)]
    mine = get(client, roles["enterprise"], case["id"])
    assert mine["actions"] == ["withdraw"]  # resubmit waits for a change
    key_point = mine["key_points"][0]["id"]
    mine = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(roles["enterprise"]), json={
        "version": mine["version"], "answers": [{"key_point": key_point, "answer": "已补充安全能力说明"}]}).json
    changes = client.get(f"/api/v1/cases/{case['id']}/changes", headers=auth(roles["official"])).json
    assert changes["round"]["state"] == "open" and changes["declaration"] == []
    assert [(c["key_point"], c["change"], c["after"]["answer"]) for c in changes["answers"]] == [
        (key_point, "changed", "已补充安全能力说明")]
    case = act(client, roles["enterprise"], mine, "resubmit").json
    assert case["status"] == "provincial_review"
    changes = client.get(f"/api/v1/cases/{case['id']}/changes", headers=auth(roles["official"])).json
    assert changes["round"]["state"] == "resubmitted" and changes["round"]["requested_by"] == "request_supplement"
    assert [c["key_point"] for c in changes["answers"]] == [key_point]

    case = act(client, roles["official"], get(client, roles["official"], case["id"]), "forward_to_regulator",
               completeness_confirmed=True).json
    assert [d["kind"] for d in case["deadlines"]] == ["regulator_acceptance", "assessment"]
    acceptance, assessment = case["deadlines"]
    assert assessment["start_estimated"] is True and assessment["starts"] == acceptance["due"]

    # The jobs, in-process on the same database: a reminder before the acceptance deadline, then overdue once.
    due = dt.date.fromisoformat(acceptance["due"])
    first = sweep(today=(due - dt.timedelta(days=1)).isoformat())
    assert first["reminded"] == [case["reference"]] and first["overdue"] == []
    again = sweep(today=(due - dt.timedelta(days=1)).isoformat())
    assert again["reminded"] == [] and again["overdue"] == []  # idempotent
    late = (due + dt.timedelta(days=1)).isoformat()
    assert sweep(today=late)["overdue"] == [case["reference"]]
    assert sweep(today=late)["overdue"] == []
    from xborder.cases.models import Case

    db.session.expire_all()
    assert list(db.session.get(Case, case["id"]).workflow["overdue"]) == [f"regulator_acceptance:{acceptance['due']}"]
    case = get(client, roles["official"], case["id"])
    kinds = [n["kind"] for n in notifications(client, roles["enterprise"])["items"]]
    assert kinds.count("deadline.overdue") == 1 and kinds.count("deadline.reminder") >= 1

    case = act(client, roles["official"], case, "record_decision", decision="approved",
               decision_number="国网信评〔2025〕7号", decision_date="2025-07-15").json
    window = case["deadlines"][0]
    # 2028 is beyond the calendar: counted back over weekends only (Jul 3-14: 10, June: 22, May: 23, Apr 24-28: 5),
    # so provisional.
    assert (window["kind"], window["due"], window["opens"], window["provisional"]) == (
        "extension_window", "2028-07-15", "2028-04-24", True)
    assert sweep(today="2028-04-21")["extension_windows"] == []
    assert sweep(today="2028-04-24")["extension_windows"] == [case["reference"]]
    assert sweep(today="2028-04-25")["extension_windows"] == []
    assert sweep(today="2028-07-16")["expired"] == [case["reference"]]
    case = get(client, roles["enterprise"], case["id"])
    assert case["status"] == "expired" and case["deadlines"] == []
    trail = client.get(f"/api/v1/cases/{case['id']}/audit", headers=auth(roles["enterprise"])).json
    assert trail["chain"]["ok"] is True
    jobs = [e["action"] for e in trail["entries"] if e["action"].startswith("job.")]
    assert jobs.count("job.overdue") == 1 and jobs.count("job.extension_window_opened") == 1
    assert jobs[-1] == "job.expired"
    assert "case.expired" in [n["kind"] for n in notifications(client, roles["official"])["items"]]


def test_standard_contract_filing_deadline_from_the_contract_date(client, roles, db):
    raw = {**declaration(ENTERPRISE_USCC, pi=150_000), "contract_effective_date": "2025-09-29"}
    case = client.post("/api/v1/cases", headers=auth(roles["enterprise"]),
                       json={"title": "标准合同", "declaration": raw}).json
    # Hand count from Mon 29 Sep 2025: 30 Sep (1); 1-8 Oct National Day; 9 (2), 10 (3), Sat 11 Oct worked (4),
    # Mon 13 (5), 14-17 (6-9), 20 Oct (10).
    assert [(d["kind"], d["due"]) for d in case["deadlines"]] == [("standard_contract_filing", "2025-10-20")]
    assert case["deadlines"][0]["legal_basis"] == [{"instrument": "sc-measures-2023", "article": "7"}]
    bad = client.post("/api/v1/cases", headers=auth(roles["enterprise"]), json={
        "title": "x", "declaration": {**raw, "contract_effective_date": "2025-13-01"}})
    assert bad.status_code == 422 and bad.json["errors"][0]["path"] == "contract_effective_date"


@pytest.mark.parametrize(("kind", "start", "due", "provisional"), [
    # Mon 29 Sep 2025 + 5: 30 Sep (1); 1-8 Oct off; 9, 10, Sat 11 (adjusted working day), Mon 13 Oct (5).
    ("provincial_completeness_check", "2025-09-29", "2025-10-13", False),
    # Thu 12 Feb 2026 + 7: 13 (1), Sat 14 worked (2); 15-23 Spring Festival; 24-27 (3-6), Sat 28 Feb worked (7).
    ("regulator_acceptance", "2026-02-12", "2026-02-28", False),
    # Tue 10 Feb 2026 + 45: 11-14 Feb (4), 24-28 (9), March 22 days (31), 1-3 Apr (34), 4-6 Apr Qingming,
    # 7-10 (38), 13-17 (43), 20 (44), 21 Apr (45).
    ("assessment", "2026-02-10", "2026-04-21", False),
    # Wed 30 Sep 2026 + 15: 1-7 Oct off; 8, 9, Sat 10 worked (3), 12-16 (8), 19-23 (13), 26, 27 Oct (15).
    ("reassessment_request", "2026-09-30", "2026-10-27", False),
    # Mon 29 Sep 2025 + 15: 30 Sep (1); 1-8 Oct off; 9, 10, Sat 11 (4), 13-17 (9), 20-24 (14), Mon 27 Oct (15).
    ("filing_review", "2025-09-29", "2025-10-27", False),
    # 2027 is beyond the calendar: weekends only, provisional. Mon 4 Jan + 10 → Mon 18 Jan.
    ("supplement", "2027-01-04", "2027-01-18", True),
])
def test_deadline_figures_match_a_hand_counted_calendar(kind, start, due, provisional):
    from xborder.core.workdays import deadline_for

    deadline = deadline_for(kind, dt.date.fromisoformat(start), "cac-2024")
    assert (deadline.due.isoformat(), deadline.provisional) == (due, provisional)


def test_shown_deadlines_match_the_hand_count(client, roles, db):
    case = answered_case(client, roles, pi=0, important=True)
    case = act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles)).json
    case = act(client, roles["assessor"], review_all(client, roles, get(client, roles["assessor"], case["id"])),
               "sign_opinion").json
    _set_start(db, case["id"], provincial_completeness_check="2025-09-29")
    shown = get(client, roles["official"], case["id"])["deadlines"]
    assert [(d["kind"], d["starts"], d["due"], d["overdue"]) for d in shown] == [
        ("provincial_completeness_check", "2025-09-29", "2025-10-13", True)]
    case = act(client, roles["official"], get(client, roles["official"], case["id"]), "forward_to_regulator",
               completeness_confirmed=True).json
    _set_start(db, case["id"], regulator_acceptance="2026-02-12")
    shown = get(client, roles["official"], case["id"])["deadlines"]
    # Acceptance due Sat 28 Feb 2026 (a worked Saturday); the 45 working days counted from there: March 2-31 (22),
    # April 1-3 and 7-30 after Qingming (43), 1-5 May Labour Day off, 6 May (44), Thu 7 May (45).
    assert [(d["kind"], d["starts"], d["due"]) for d in shown] == [
        ("regulator_acceptance", "2026-02-12", "2026-02-28"), ("assessment", "2026-02-28", "2026-05-07")]
    case = act(client, roles["official"], get(client, roles["official"], case["id"]), "record_decision",
               decision="rejected", decision_number="国网信评〔2026〕3号", decision_date="2025-09-30").json
    # Tue 30 Sep 2025 + 15: 1-8 Oct off; 9, 10, Sat 11 worked (3), 13-17 (8), 20-24 (13), 27 (14), Tue 28 Oct (15).
    assert [(d["kind"], d["due"]) for d in case["deadlines"]] == [("reassessment_request", "2025-10-28")]


REFUSALS = [
    # (status reached, role, action, fields, HTTP status, error path)
    ("draft", "enterprise", "sign_opinion", {}, 403, None),
    ("draft", "enterprise", "record_exemption", {}, 422, "pathway"),
    ("draft", "enterprise", "resubmit", {}, 422, "status"),
    ("draft", "enterprise", "withdraw", {}, 422, "comment"),
    ("draft", "enterprise", "no_such_action", {}, 422, "action"),
    ("third_party_review", "assessor", "request_rectification", {"comment": "改"}, 422, "key_points"),
    ("third_party_review", "assessor", "request_rectification", {"key_points": ["PIA-1"]}, 422, "comment"),
    ("third_party_review", "assessor", "sign_opinion", {}, 422, "reviews"),
    ("third_party_review", "enterprise", "submit", {}, 422, "status"),
    ("third_party_review", "assessor", "withdraw", {"comment": "x"}, 403, None),
    ("provincial_review", "official", "forward_to_regulator", {"completeness_confirmed": True}, 422, "pathway"),
    ("provincial_review", "official", "record_filing", {}, 422, "filing_number"),
    ("provincial_review", "official", "request_supplement", {"comment": "补", "due_date": "2020-01-01"}, 422,
     "due_date"),
    ("provincial_review", "official", "record_decision", {"decision": "approved"}, 422, "status"),
    ("provincial_review", "assessor", "sign_opinion", {}, 422, "status"),
    ("provincial_review", "enterprise", "record_filing", {"filing_number": "x"}, 403, None),
]


def _reach(client, roles, status):
    case = answered_case(client, roles, pi=150_000)
    if status == "draft":
        return case
    case = act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles)).json
    if status == "third_party_review":
        return case
    case = review_all(client, roles, get(client, roles["assessor"], case["id"]))
    return act(client, roles["assessor"], case, "sign_opinion").json


@pytest.mark.parametrize(("status", "role", "action", "fields", "code", "path"), REFUSALS)
def test_every_illegal_transition_is_refused_and_changes_nothing(client, roles, db, status, role, action, fields,
                                                                  code, path):
    case = _reach(client, roles, status)
    before = _snapshot(db, case["id"])
    response = act(client, roles[role], case, action, **fields)
    assert response.status_code == code, response.json
    assert response.content_type == "application/problem+json"
    if path:
        assert path in [e["path"] for e in response.json["errors"]]
    stale = client.post(f"/api/v1/cases/{case['id']}/transitions", headers=auth(roles[role]),
                        json={"action": action, "version": case["version"] - 1, **fields})
    assert stale.status_code in (403, 409, 422) and stale.status_code == (409 if code == 422 and path != "action"
                                                                           else code)
    assert _snapshot(db, case["id"]) == before
