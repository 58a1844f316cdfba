"""Both routes through the API with the three demo roles, and the refusals that leave a case unchanged."""

from __future__ import annotations

import sqlalchemy as sa

from tests.helpers.api import act, answered_case, assessor_id, review_all
from tests.helpers.factories import auth
from tests.helpers.materials import attach_materials
from xborder.core.audit import AuditEntry


def test_standard_contract_route_with_rectification(client, roles):
    # The filing needs the day the contract takes effect (issue 15; without it: tests/api/test_certification.py).
    case = answered_case(client, roles, pi=150_000, contract_effective_date="2025-07-01")
    assert case["determination"]["pathway"] == "standard_contract_or_certification"
    assert "submit" in case["actions"]
    case = act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles)).json
    assert case["status"] == "third_party_review"
    seen = client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["assessor"])).json
    case = act(client, roles["assessor"], seen, "request_rectification", comment="请补充保存期限",
               key_points=["PIA-1"]).json
    assert case["status"] == "rectification"
    unchanged = act(client, roles["enterprise"], case, "resubmit")
    assert unchanged.status_code == 422 and unchanged.json["errors"][0]["code"] == "unchanged"
    case = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(roles["enterprise"]), json={
        "version": case["version"], "answers": [{"key_point": "PIA-1", "answer": "境外保存12个月后删除"}]}).json
    case = act(client, roles["enterprise"], case, "resubmit").json
    assert case["status"] == "third_party_review"
    case = review_all(client, roles, client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["assessor"])).json)
    case = act(client, roles["assessor"], case, "sign_opinion").json
    assert case["status"] == "provincial_review"
    official_view = client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["official"])).json
    # A standard contract's filing is reviewed within 15 working days (filing guide), not the 5-day completeness
    # check of a security-assessment declaration (sa-measures-2022 art 7).
    assert [(d["kind"], d["label_en"]) for d in official_view["deadlines"]] == [
        ("filing_review", "Provincial review of the filing")]
    assert "record_filing" in official_view["actions"]
    case = act(client, roles["official"], official_view, "record_filing", filing_number="沪备2025-0001").json
    assert case["status"] == "filed"
    trail = client.get(f"/api/v1/cases/{case['id']}/audit", headers=auth(roles["official"])).json
    assert trail["chain"]["ok"] is True
    assert [e["action"] for e in trail["entries"] if e["action"].startswith("transition.")] == [
        "transition.submit", "transition.request_rectification", "transition.resubmit",
        "transition.sign_opinion", "transition.record_filing"]


def test_security_assessment_route_sets_validity(client, roles):
    case = answered_case(client, roles, pi=0, important=True)
    assert case["determination"]["pathway"] == "security_assessment"
    case = act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles)).json
    case = review_all(client, roles, client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["assessor"])).json)
    case = act(client, roles["assessor"], case, "sign_opinion").json
    case = client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["official"])).json
    case = act(client, roles["official"], case, "forward_to_regulator", completeness_confirmed=True).json
    assert case["status"] == "submitted_to_regulator"
    assert case["deadlines"][0]["kind"] == "regulator_acceptance"
    case = act(client, roles["official"], case, "record_decision", decision="approved",
               decision_number="国网信评〔2025〕1号", decision_date="2025-07-15").json
    assert case["status"] == "approved"
    assert case["valid_until"] == "2028-07-15"
    assert case["deadlines"][0]["kind"] == "extension_window"


def _snapshot(db, case_id):
    from xborder.cases.models import Case

    db.session.expire_all()
    case = db.session.get(Case, case_id)
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.case_id == case_id))
    return case.status, case.version, case.assessor_org_id, entries


def test_wrong_role_stale_version_and_unmet_precondition_change_nothing(client, roles, db):
    case = answered_case(client, roles, pi=150_000)
    attach_materials(client, roles["enterprise"], case["id"])  # so that only the refusals below could change it
    before = _snapshot(db, case["id"])
    wrong_role = act(client, roles["assessor"], case, "submit", assessor_org_id=assessor_id(client, roles))
    assert wrong_role.status_code == 404  # the assessor may not even see a draft
    stale = client.post(f"/api/v1/cases/{case['id']}/transitions", headers=auth(roles["enterprise"]), json={
        "action": "submit", "version": case["version"] - 1, "assessor_org_id": assessor_id(client, roles)})
    assert stale.status_code == 409
    no_assessor = act(client, roles["enterprise"], case, "submit")
    assert no_assessor.status_code == 422
    assert no_assessor.json["errors"][0]["path"] == "assessor_org_id"
    wrong_status = act(client, roles["enterprise"], case, "resubmit")
    assert wrong_status.status_code == 422 and wrong_status.json["errors"][0]["path"] == "status"
    not_exempt = act(client, roles["enterprise"], case, "record_exemption")
    assert not_exempt.status_code == 422
    assert _snapshot(db, case["id"]) == before
    submitted = act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles)).json
    forbidden = act(client, roles["enterprise"], submitted, "sign_opinion")
    assert forbidden.status_code == 403
