"""A case written back as the presenter's plain dict (creation and transitions, issue 20: no marshmallow dump on the
write paths) is CaseDetailSchema's dump of it — the documented shape — at each step of each route, for each party;
and an answer of a write is what a read of the case gives its caller."""

from __future__ import annotations

from tests.helpers.api import ENTERPRISE_USCC, act, answered_case, assessor_id, review_all
from tests.helpers.factories import auth, declaration
from xborder.core.timeutil import china_today

PARTIES = {"enterprise": "enterprise@demo.xborder", "assessor": "assessor@demo.xborder",
           "official": "official@demo.xborder"}


def _the_dump(client, roles, db, written, role):
    """`written` (a write's answer to `role`) is the read's answer, and the presenter's dict is its schema's dump
    for every party."""
    from xborder.accounts.models import User
    from xborder.cases.models import Case
    from xborder.cases.presenters import case_detail
    from xborder.cases.schemas import CaseDetailSchema

    read = client.get(f"/api/v1/cases/{written['id']}", headers=auth(roles[role])).json
    # SQLite hands stored times back naive, so a read's carry no offset (as before issue 20): compare the rest.
    assert {k: v for k, v in written.items() if not k.endswith("_at")} == \
        {k: v for k, v in read.items() if not k.endswith("_at")}
    db.session.expire_all()
    case = db.session.get(Case, written["id"])
    for email in PARTIES.values():
        user = db.session.query(User).filter_by(email=email).one()
        detail = case_detail(case, user)
        assert CaseDetailSchema().dump(detail) == detail, email
    return written


def _act(client, roles, db, case, role, action, **fields):
    response = act(client, roles[role], case, action, **fields)
    assert response.status_code == 200, response.json
    return _the_dump(client, roles, db, response.json, role)


def _as(client, roles, case, role):
    return client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles[role])).json


def test_creation(client, roles, db):
    created = client.post("/api/v1/cases", headers=auth(roles["enterprise"]), json={
        "title": "明细", "declaration": declaration(ENTERPRISE_USCC, pi=150_000, sensitive=20)})
    assert created.status_code == 201
    _the_dump(client, roles, db, created.json, "enterprise")


def test_standard_contract_route_with_rectification_evidence_and_filing(client, roles, db):
    case = answered_case(client, roles, pi=150_000, contract_effective_date="2025-07-01")
    uploaded = client.post(f"/api/v1/cases/{case['id']}/evidence", headers=auth(roles["enterprise"]),
                           content_type="multipart/form-data",
                           data={"file": (__import__("io").BytesIO(b"plain text evidence"), "e.txt"),
                                 "key_point": "PIA-1"})
    assert uploaded.status_code == 201, uploaded.json
    case = _as(client, roles, case, "enterprise")
    assert case["evidence"]
    case = _act(client, roles, db, case, "enterprise", "submit", assessor_org_id=assessor_id(client, roles))
    case = _act(client, roles, db, _as(client, roles, case, "assessor"), "assessor", "request_rectification",
                comment="请补充保存期限", key_points=["PIA-1"])
    case = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(roles["enterprise"]), json={
        "version": case["version"], "answers": [{"key_point": "PIA-1", "answer": "境外保存12个月后删除"}]}).json
    case = _act(client, roles, db, case, "enterprise", "resubmit")
    case = review_all(client, roles, _as(client, roles, case, "assessor"))
    case = _act(client, roles, db, case, "assessor", "sign_opinion")
    case = _act(client, roles, db, _as(client, roles, case, "official"), "official", "request_supplement",
                comment="请补充合同", due_date="2099-01-01")
    case = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(roles["enterprise"]), json={
        "version": case["version"], "answers": [{"key_point": "PIA-1", "answer": "合同已补充"}]}).json
    case = _act(client, roles, db, case, "enterprise", "resubmit")
    _act(client, roles, db, _as(client, roles, case, "official"), "official", "record_filing",
         filing_number="沪备2025-0001")


def test_security_assessment_route_to_approval_and_withdrawal(client, roles, db):
    case = answered_case(client, roles, pi=0, important=True)
    case = _act(client, roles, db, case, "enterprise", "submit", assessor_org_id=assessor_id(client, roles))
    case = review_all(client, roles, _as(client, roles, case, "assessor"))
    case = _act(client, roles, db, case, "assessor", "sign_opinion")
    case = _act(client, roles, db, _as(client, roles, case, "official"), "official", "forward_to_regulator",
                completeness_confirmed=True)
    case = _act(client, roles, db, case, "official", "record_acceptance", acceptance_date=china_today().isoformat())
    _act(client, roles, db, case, "official", "record_decision", decision="approved",
         decision_number="国网信评〔2025〕1号", decision_date=china_today().isoformat())
    other = answered_case(client, roles, pi=0, important=True)
    _act(client, roles, db, other, "enterprise", "withdraw", comment="不再出境")


def test_an_exempt_case_with_its_pia_and_the_certification_route(client, roles, db):
    exempt = client.post("/api/v1/cases", headers=auth(roles["enterprise"]),
                         json={"title": "豁免", "declaration": declaration(ENTERPRISE_USCC, pi=80_000)}).json
    recorded = client.post(f"/api/v1/cases/{exempt['id']}/pia-record", headers=auth(roles["enterprise"]), json={
        "completed_on": "2024-02-29", "carried_out_by": "internal", "conclusion": "风险可控。"})
    assert recorded.status_code == 200, recorded.json
    _act(client, roles, db, recorded.json, "enterprise", "record_exemption")
    case = answered_case(client, roles, pi=150_000)
    case = _act(client, roles, db, case, "enterprise", "submit", assessor_org_id=assessor_id(client, roles),
                mechanism="certification")
    case = review_all(client, roles, _as(client, roles, case, "assessor"))
    case = _act(client, roles, db, case, "assessor", "sign_opinion")
    _act(client, roles, db, _as(client, roles, case, "enterprise"), "enterprise", "record_certificate",
         certificate_number="CCRC-PI-2026-0001", certification_body="cac-dtsc", issued_on=china_today().isoformat())
