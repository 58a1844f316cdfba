"""Response schemas serialise what is sent: each body equals the dict the view builds (the contract as it was), and
where a hot path sends its dict itself (`POST /assess`), the documented schema's dump of that dict equals it."""

from __future__ import annotations

import copy
import json

import pytest

from tests.helpers.factories import auth, declaration
from tests.helpers.materials import attach_materials
from xborder.cases.schemas import CaseDetailSchema
from xborder.law.schemas import DeterminationSchema

ENTERPRISE_USCC = "9131011552601815X1"


def _declarations() -> list[dict]:
    """Declarations that reach every branch of the determination's shape: exemptions that apply and that do not,
    prior transfers, a security assessment (validity), the 2022 regime (all PI counted), important data."""
    out = [declaration(ENTERPRISE_USCC, pi=pi, sensitive=s, important=imp, exemption=ex, as_of=day, prior=prior)
           for pi, s, imp, ex, day, prior in [
               (80_000, 0, False, None, "2025-06-30", None),
               (150_000, 0, False, None, "2025-06-30", None),
               (0, 0, True, None, "2025-06-30", None),
               (20_000, 5_000, False, None, "2025-06-30", None),
               (2_000_000, 0, False, None, "2025-06-30", None),
               (50_000, 0, False, "cross_border_hr", "2025-06-30", None),
               (50_000, 20_000, False, "cross_border_hr", "2025-06-30", None),
               (50_000, 0, False, "contract_with_individual", "2025-06-30", None),
               (50_000, 0, True, "cross_border_hr", "2025-06-30", None),
               (50_000, 0, False, "trade_academic_manufacturing", "2025-06-30", None),
               (50_000, 0, False, "emergency", "2023-08-01", None),
               (50_000, 0, False, None, "2023-08-01", None),
               (150_000, 2_000, False, None, "2023-08-01", None),
               (60_000, 0, False, None, "2025-06-30",
                [{"date": "2025-02-10", "pi_individuals": 50_000, "sensitive_pi_individuals": 0, "exemption": None},
                 {"date": "2025-03-10", "pi_individuals": 9_000, "sensitive_pi_individuals": 0,
                  "exemption": "cross_border_hr"}]),
           ]]
    transit = declaration(ENTERPRISE_USCC, pi=50_000)
    transit["transfers"][0]["data"]["transit_only"] = True
    out.append(transit)
    abroad_in_china = declaration(ENTERPRISE_USCC, country="CN")  # invalid: no determination, 422
    out.append(abroad_in_china)
    return out


@pytest.mark.parametrize("raw", _declarations())
def test_the_determination_schema_dumps_exactly_what_assess_sends(client, raw):
    response = client.post("/api/v1/assess", json=raw)
    if response.status_code == 422:
        return  # an invalid declaration has no determination (a recipient in China)
    assert response.status_code == 200, response.json
    sent = response.json
    assert DeterminationSchema().dump(copy.deepcopy(sent)) == sent


def test_the_declarations_reach_every_optional_part_of_the_determination(client):
    seen: set[str] = set()
    for raw in _declarations():
        body = client.post("/api/v1/assess", json=raw).json
        if "pathway" not in body:
            continue
        seen.update(k for k in ("validity", "interpretations", "counted") if body.get(k))
        seen.update("all_pi" for _ in [0] if "all_pi_individuals" in body["cumulative"])
        seen.update(k for t in body["transfers"] for r in t["reasons"] for k in ("exemption", "why") if k in r)
        seen.update("item" for c in body["legal_basis"] if "item" in c)
    assert seen >= {"validity", "interpretations", "counted", "exemption", "why", "item"}


def _expected(app, case_id: int, email: str) -> dict:
    """The case as presenters.case_detail builds it for this user, as JSON: the body sent before the schema; and
    the schema's dump of it is that dict again (nothing dropped, nothing added)."""
    import sqlalchemy as sa

    from xborder.accounts.models import User
    from xborder.cases import presenters
    from xborder.cases.models import Case
    from xborder.extensions import db

    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    detail = json.loads(app.json.dumps(presenters.case_detail(db.session.get(Case, case_id), user)))
    assert CaseDetailSchema().dump(copy.deepcopy(detail)) == detail
    return detail


def test_case_bodies_equal_the_presenter_through_the_security_assessment_route(app, client, roles):
    enterprise, assessor, official = (auth(roles[r]) for r in ("enterprise", "assessor", "official"))
    emails = {id(enterprise): "enterprise@demo.xborder", id(assessor): "assessor@demo.xborder",
              id(official): "official@demo.xborder"}

    def check(response, headers, status=200):
        assert response.status_code == status, response.json
        expected = _expected(app, response.json["id"], emails[id(headers)])
        # SQLite hands back naive UTC timestamps on re-reading, so the offset written from the object in memory
        # is the only difference allowed (on PostgreSQL there is none).
        sent = dict(response.json)
        for key in ("created_at", "updated_at"):
            assert sent.pop(key).removesuffix("+00:00") == expected.pop(key).removesuffix("+00:00")
        assert sent == expected
        return response.json

    case = check(client.post("/api/v1/cases", headers=enterprise, json={
        "title": "契约测试", "declaration": declaration(ENTERPRISE_USCC, pi=0, important=True)}), enterprise, 201)
    answers = [{"key_point": kp["id"], "answer": "回答", "measures": "措施"} for kp in case["key_points"]]
    case = check(client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=enterprise,
                            json={"version": case["version"], "answers": answers}), enterprise)
    orgs = client.get("/api/v1/organisations?kind=assessor", headers=enterprise).json
    attach_materials(client, roles["enterprise"], case["id"])  # a submission carries its filing materials
    case = check(client.post(f"/api/v1/cases/{case['id']}/transitions", headers=enterprise, json={
        "action": "submit", "version": case["version"], "assessor_org_id": orgs[0]["id"]}), enterprise)
    case = check(client.get(f"/api/v1/cases/{case['id']}", headers=assessor), assessor)
    reviews = [{"key_point": kp["id"], "finding": "satisfied"} for kp in case["key_points"]]
    case = check(client.put(f"/api/v1/cases/{case['id']}/review", headers=assessor,
                            json={"version": case["version"], "reviews": reviews}), assessor)
    case = check(client.post(f"/api/v1/cases/{case['id']}/transitions", headers=assessor,
                             json={"action": "sign_opinion", "version": case["version"]}), assessor)
    case = check(client.get(f"/api/v1/cases/{case['id']}", headers=official), official)
    assert case["deadlines"]  # the completeness check runs
    case = check(client.post(f"/api/v1/cases/{case['id']}/transitions", headers=official, json={
        "action": "request_supplement", "version": case["version"], "comment": "请补充",
        "due_date": "2099-01-10"}), official)
    assert any(d.get("due_set_by_authority") for d in case["deadlines"])
    case = check(client.get(f"/api/v1/cases/{case['id']}", headers=enterprise), enterprise)
    case = check(client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=enterprise, json={
        "version": case["version"], "answers": [{"key_point": case["key_points"][0]["id"], "answer": "已补充"}]}),
        enterprise)
    case = check(client.post(f"/api/v1/cases/{case['id']}/transitions", headers=enterprise,
                             json={"action": "resubmit", "version": case["version"]}), enterprise)
    case = check(client.get(f"/api/v1/cases/{case['id']}", headers=official), official)
    case = check(client.post(f"/api/v1/cases/{case['id']}/transitions", headers=official, json={
        "action": "forward_to_regulator", "version": case["version"], "completeness_confirmed": True}), official)
    assert any(d.get("start_estimated") for d in case["deadlines"])
    case = check(client.post(f"/api/v1/cases/{case['id']}/transitions", headers=official, json={
        "action": "record_decision", "version": case["version"], "decision": "approved",
        "decision_number": "国网信评〔2025〕1号", "decision_date": "2025-07-15"}), official)
    assert case["valid_until"] and case["determination"]["validity"]


def test_evidence_questionnaire_history_and_changes_bodies_keep_their_shape(client, roles):
    enterprise = auth(roles["enterprise"])
    case = client.post("/api/v1/cases", headers=enterprise, json={
        "title": "证据", "declaration": declaration(ENTERPRISE_USCC, pi=150_000)}).json
    pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    stored = client.post(f"/api/v1/cases/{case['id']}/evidence", headers=enterprise,
                         data={"file": (__import__("io").BytesIO(pdf), "a.pdf")}, content_type="multipart/form-data")
    assert stored.status_code == 201, stored.json
    assert set(stored.json) == {"id", "key_point", "filename", "content_type", "size", "sha256", "created_at"}
    assert stored.json["key_point"] is None
    listing = client.get(f"/api/v1/cases/{case['id']}/evidence", headers=enterprise).json
    assert listing == {"items": [stored.json]}
    questionnaire = client.get(f"/api/v1/cases/{case['id']}/self-assessment", headers=enterprise).json
    assert set(questionnaire) == {"version", "key_points", "answers"} and questionnaire["key_points"]
    history = client.get(f"/api/v1/cases/{case['id']}/declaration", headers=enterprise).json
    assert [set(v) for v in history["versions"]] == [
        {"revision", "declaration", "determination", "created_by_id", "created_at"}]
    changes = client.get(f"/api/v1/cases/{case['id']}/changes", headers=enterprise).json
    assert changes["round"] is None and set(changes) == {"round", "answers", "declaration"}


def test_the_openapi_document_names_the_nested_case_schema(client):
    doc = client.get("/api/v1/openapi.json").json
    schemas = doc["components"]["schemas"]
    detail = schemas["CaseDetail"]
    assert detail.get("additionalProperties") is False  # no more `unknown=INCLUDE`: what is listed is what is sent
    assert {"$ref": "#/components/schemas/Determination"} in detail["properties"]["determination"]["anyOf"]
    assert {"Determination", "Reason", "Citation", "Deadline", "KeyPointStatus", "Exporter"} <= set(schemas)
    create = doc["paths"]["/api/v1/cases"]["post"]["responses"]["201"]
    assert create["content"]["application/json"]["schema"]["$ref"].endswith("/CaseDetail")
