"""Filing materials (issue 16): GET/POST /cases/{id}/materials as api.md says, the refusals of submit,
forward_to_regulator and record_filing at materials/<kind>, who may upload, the three-month freshness rule, and
forms/materials against its schema."""

from __future__ import annotations

import datetime as dt
import io
import json

import jsonschema
import pytest
import sqlalchemy as sa
import yaml

from tests.helpers.factories import auth, declaration
from tests.helpers.materials import attach_materials
from xborder.cases import materials
from xborder.cases.demo import specimen_pdf
from xborder.cases.models import Case, Evidence
from xborder.core.audit import AuditEntry
from xborder.core.timeutil import china_today
from xborder.law.formsdata import FORMS_DIR

USCC = "9131011552601815X1"
SA_KINDS = ["uscc_copy", "legal_rep_id", "handler_id", "authorisation_letter", "legal_documents"]
SC_KINDS = ["uscc_copy", "legal_rep_id", "handler_id", "authorisation_letter", "commitment_letter", "signed_contract"]


def _act(client, token, case, action, **fields):
    return client.post(f"/api/v1/cases/{case['id']}/transitions", headers=auth(token),
                       json={"action": action, "version": case["version"], **fields})


def _answered(client, roles, **decl) -> dict:
    case = client.post("/api/v1/cases", headers=auth(roles["enterprise"]),
                       json={"title": "材料测试", "declaration": declaration(USCC, **decl)}).json
    answers = [{"key_point": kp["id"], "answer": f"{kp['id']} 的回答"} for kp in case["key_points"]]
    return client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(roles["enterprise"]),
                      json={"version": case["version"], "answers": answers}).json


def _assessor(client, roles) -> int:
    orgs = client.get("/api/v1/organisations?kind=assessor", headers=auth(roles["enterprise"])).json
    return next(o["id"] for o in orgs if o["uscc"] == "91320500131860916B")


def _upload(client, token, case_id, kind, data=None, name="scan.pdf"):
    return client.post(f"/api/v1/cases/{case_id}/materials", headers=auth(token), content_type="multipart/form-data",
                       data={"kind": kind, "file": (io.BytesIO(specimen_pdf(kind) if data is None else data), name)})


def _get(client, token, case_id):
    return client.get(f"/api/v1/cases/{case_id}/materials", headers=auth(token))


def _to_province(client, roles, case) -> dict:
    case = _act(client, roles["enterprise"], case, "submit", assessor_org_id=_assessor(client, roles)).json
    assert case["status"] == "third_party_review", case
    reviews = [{"key_point": kp["id"], "finding": "satisfied", "comment": "符合"} for kp in case["key_points"]]
    case = client.put(f"/api/v1/cases/{case['id']}/review", headers=auth(roles["assessor"]),
                      json={"version": case["version"], "reviews": reviews}).json
    case = _act(client, roles["assessor"], case, "sign_opinion").json
    assert case["status"] == "provincial_review", case
    return client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["official"])).json


# --- forms -----------------------------------------------------------------------------------------------------------

def test_forms_materials_validate_against_their_schema_and_name_known_kinds():
    schema = json.loads((FORMS_DIR / "schema" / "materials.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    files = sorted((FORMS_DIR / "materials").glob("*.yaml"))
    assert files
    for path in files:
        doc = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
        assert list(jsonschema.Draft202012Validator(schema).iter_errors(doc)) == []
        assert path.name.startswith(doc["effective_from"])
        kinds = {k["id"] for k in doc["kinds"]}
        assert all(r["kind"] in kinds for rows in doc["mechanisms"].values() for r in rows)
        # The signed contract is the standard contract's own material (sc-measures-2023 art 7), needed to file.
        contract = next(r for r in doc["mechanisms"]["standard_contract"] if r["kind"] == "signed_contract")
        assert contract["required_at"] == "record_filing"
        assert doc["freshness"]["months"] == 3


# --- GET and POST ----------------------------------------------------------------------------------------------------

def test_get_lists_the_required_materials_and_post_attaches_one(client, roles, db):
    case = _answered(client, roles, pi=0, important=True)
    listed = _get(client, roles["enterprise"], case["id"])
    assert listed.status_code == 200
    assert [r["kind"] for r in listed.json["required"]] == SA_KINDS
    assert listed.json["items"] == [] and not any(r["present"] for r in listed.json["required"])
    first = listed.json["required"][0]
    assert first["title_zh"].startswith("统一社会信用代码证件") and set(first) == {"kind", "title_zh", "title_en",
                                                                                 "present", "routes"}
    assert first["routes"] == ["security_assessment"]

    data = specimen_pdf("uscc")
    added = _upload(client, roles["enterprise"], case["id"], "uscc_copy", data, "营业执照.pdf")
    assert added.status_code == 201, added.json
    assert set(added.json) == {"id", "kind", "filename", "sha256", "bytes"}
    assert added.json["kind"] == "uscc_copy" and added.json["filename"] == "营业执照.pdf"
    assert added.json["bytes"] == len(data)
    after = _get(client, roles["enterprise"], case["id"]).json
    assert after["items"] == [added.json]
    assert [r["present"] for r in after["required"]] == [True, False, False, False, False]
    row = db.session.get(Evidence, added.json["id"])
    assert row.kind == "uscc_copy" and row.data == data
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.case_id == case["id"])).all()
    assert "material.added" in actions


def test_the_standard_contract_band_lists_the_contract_and_certification_its_own(client, roles, db):
    case = _answered(client, roles, pi=150_000)
    # Before the route is chosen at submit, both routes' materials are listed, each with the routes that file it.
    listed = _get(client, roles["enterprise"], case["id"]).json["required"]
    assert [r["kind"] for r in listed] == [*SC_KINDS, "certification_entrustment"]
    assert {r["kind"]: r["routes"] for r in listed}["uscc_copy"] == ["standard_contract", "certification"]
    assert {r["kind"]: r["routes"] for r in listed}["certification_entrustment"] == ["certification"]
    row = db.session.get(Case, case["id"])
    assert [r["kind"] for r in materials.requirements(row, {"mechanism": "standard_contract"})] == SC_KINDS
    assert [r["kind"] for r in materials.requirements(row, {"mechanism": "certification"})] == [
        "uscc_copy", "certification_entrustment"]


@pytest.mark.parametrize("kind, data, name, path, status", [
    ("no_such_kind", None, "a.pdf", "kind", 422),
    ("uscc_copy", b"\x00\x01binary", "a.bin", "file", 422),
    ("uscc_copy", b"", "a.pdf", "file", 422),
    ("uscc_copy", None, "bad\x07name.pdf", "file", 422),
])
def test_bad_uploads_are_refused_at_their_field(client, roles, db, kind, data, name, path, status):
    case = _answered(client, roles, pi=0, important=True)
    refused = _upload(client, roles["enterprise"], case["id"], kind, data, name)
    assert refused.status_code == status and refused.json["errors"][0]["path"] == path, refused.json
    assert _get(client, roles["enterprise"], case["id"]).json["items"] == []


def test_a_post_without_kind_or_file_is_refused(client, roles):
    case = _answered(client, roles, pi=0, important=True)
    no_kind = client.post(f"/api/v1/cases/{case['id']}/materials", headers=auth(roles["enterprise"]),
                          content_type="multipart/form-data", data={"file": (io.BytesIO(specimen_pdf("x")), "a.pdf")})
    assert no_kind.status_code == 422
    no_file = client.post(f"/api/v1/cases/{case['id']}/materials", headers=auth(roles["enterprise"]),
                          content_type="multipart/form-data", data={"kind": "uscc_copy"})
    assert no_file.status_code == 422 and no_file.json["errors"][0]["path"] == "file"


def test_who_may_see_and_upload(client, roles, db):
    case = _answered(client, roles, pi=0, important=True)
    # A draft is the exporter's alone: the assessor and the official do not even see it.
    assert _get(client, roles["assessor"], case["id"]).status_code == 404
    assert _get(client, roles["official"], case["id"]).status_code == 404
    assert _upload(client, roles["assessor"], case["id"], "uscc_copy").status_code == 403  # not an enterprise
    attach_materials(client, roles["enterprise"], case["id"])
    case = _act(client, roles["enterprise"], case, "submit", assessor_org_id=_assessor(client, roles)).json
    # The named assessor sees the materials now, and still may not add any.
    seen = _get(client, roles["assessor"], case["id"])
    assert seen.status_code == 200 and all(r["present"] for r in seen.json["required"])
    assert _upload(client, roles["assessor"], case["id"], "uscc_copy").status_code == 403
    # The exporter may no longer change what it submitted.
    late = _upload(client, roles["enterprise"], case["id"], "uscc_copy")
    assert late.status_code == 422 and late.json["errors"][0]["path"] == "status"


def test_another_enterprise_gets_404(client, roles, db):
    from xborder.accounts.models import Organisation, User

    other_org = Organisation(kind="enterprise", name="别的企业", uscc="91310000MA1FL0000X", province="310000")
    db.session.add(other_org)
    db.session.flush()
    other = User(email="other-materials@example.test", role="enterprise", organisation=other_org)
    other.set_password("a long enough password 123")
    db.session.add(other)
    db.session.flush()
    token = client.post("/api/v1/auth/token", json={"email": other.email,
                                                    "password": "a long enough password 123"}).json["token"]
    case = _answered(client, roles, pi=0, important=True)
    assert _get(client, token, case["id"]).status_code == 404
    assert _upload(client, token, case["id"], "uscc_copy").status_code == 404


# --- the workflow's refusals -----------------------------------------------------------------------------------------

def test_submit_is_refused_at_each_missing_material_and_changes_nothing(client, roles, db):
    case = _answered(client, roles, pi=0, important=True)
    assert _upload(client, roles["enterprise"], case["id"], "handler_id").status_code == 201
    refused = _act(client, roles["enterprise"], case, "submit", assessor_org_id=_assessor(client, roles))
    assert refused.status_code == 422
    assert [e["path"] for e in refused.json["errors"]] == [f"materials/{k}" for k in SA_KINDS if k != "handler_id"]
    assert all(e["code"] == "missing" and e["message_zh"] for e in refused.json["errors"])
    assert db.session.get(Case, case["id"]).status == "draft"
    attach_materials(client, roles["enterprise"], case["id"])
    done = _act(client, roles["enterprise"], case, "submit", assessor_org_id=_assessor(client, roles))
    assert done.status_code == 200 and done.json["status"] == "third_party_review"


def test_record_filing_waits_for_the_signed_contract(client, roles, db):
    case = _answered(client, roles, pi=150_000, contract_effective_date="2025-07-01")  # the filing needs its day
    for kind in SC_KINDS[:-1]:
        assert _upload(client, roles["enterprise"], case["id"], kind).status_code == 201
    case = _to_province(client, roles, case)  # submit needs all but the contract, which comes before filing
    refused = _act(client, roles["official"], case, "record_filing", filing_number="沪数出备〔2026〕1号")
    assert refused.status_code == 422
    assert [e["path"] for e in refused.json["errors"]] == ["materials/signed_contract"]
    case = _act(client, roles["official"], case, "request_supplement", comment="请上传已签署的标准合同").json
    assert case["status"] == "supplement_requested"
    assert _upload(client, roles["enterprise"], case["id"], "signed_contract").status_code == 201
    case = client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["enterprise"])).json
    case = _act(client, roles["enterprise"], case, "resubmit").json
    assert case["status"] == "provincial_review", case
    case = client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["official"])).json
    filed = _act(client, roles["official"], case, "record_filing", filing_number="沪数出备〔2026〕1号")
    assert filed.status_code == 200 and filed.json["status"] == "filed", filed.json


def test_forward_to_regulator_checks_again(client, roles, db):
    case = _answered(client, roles, pi=0, important=True)
    attach_materials(client, roles["enterprise"], case["id"])
    case = _to_province(client, roles, case)
    # A material gone since submit (e.g. a case submitted before materials were required) stops the forwarding.
    db.session.execute(sa.delete(Evidence).where(Evidence.case_id == case["id"], Evidence.kind == "legal_documents"))
    db.session.flush()
    refused = _act(client, roles["official"], case, "forward_to_regulator", completeness_confirmed=True)
    assert refused.status_code == 422
    assert [e["path"] for e in refused.json["errors"]] == ["materials/legal_documents"]


# --- three-month freshness -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("day, months, expected", [
    (dt.date(2026, 1, 31), 3, dt.date(2026, 4, 30)),  # no 31 April: the month's last day
    (dt.date(2025, 11, 30), 3, dt.date(2026, 2, 28)),
    (dt.date(2024, 11, 29), 3, dt.date(2025, 2, 28)),
    (dt.date(2026, 5, 15), -1, dt.date(2026, 4, 15)),
    (dt.date(2026, 3, 31), -1, dt.date(2026, 2, 28)),
])
def test_add_months_counts_calendar_months(day, months, expected):
    assert materials.add_months(day, months) == expected


def test_freshness_boundaries(client, roles, db):
    case = _answered(client, roles, pi=150_000)
    row = db.session.get(Case, case["id"])
    body = {"assessment_completed_on": "2026-01-15"}
    states = {on: materials.freshness(row, dt.date.fromisoformat(on), body)["state"]
              for on in ("2026-03-14", "2026-03-15", "2026-04-15", "2026-04-16")}
    # Fresh until a month before the last day, a warning from then, refused the day after the last day.
    assert states == {"2026-03-14": "fresh", "2026-03-15": "warn", "2026-04-15": "warn", "2026-04-16": "stale"}
    fresh = materials.freshness(row, dt.date(2026, 2, 1), body)
    assert fresh["last_day"] == "2026-04-15" and fresh["warn_from"] == "2026-03-15"
    # Without a stated date, the day the answers were last saved stands for it.
    assert materials.freshness(row)["completed_on"] == china_today().isoformat()


@pytest.mark.parametrize("months_ago, days, accepted, code", [
    (2, 0, True, None),
    (3, 0, True, None),  # exactly three months before today is still within them
    (3, 1, False, "stale"),
    (0, -1, False, "future"),
])
def test_submit_refuses_a_stale_or_future_report(client, roles, db, months_ago, days, accepted, code):
    today = china_today()
    completed = materials.add_months(today, -months_ago) - dt.timedelta(days=days)
    if months_ago and materials.add_months(completed, months_ago) < today and accepted:
        pytest.skip("today is past the end of a shorter month: the boundary day does not exist")
    case = _answered(client, roles, pi=0, important=True)
    attach_materials(client, roles["enterprise"], case["id"])
    response = _act(client, roles["enterprise"], case, "submit", assessor_org_id=_assessor(client, roles),
                    assessment_completed_on=completed.isoformat())
    if accepted:
        assert response.status_code == 200, response.json
        assert db.session.get(Case, case["id"]).workflow["assessment_completed_on"] == completed.isoformat()
    else:
        assert response.status_code == 422
        assert [(e["path"], e["code"]) for e in response.json["errors"]] == [("assessment_completed_on", code)]
        assert db.session.get(Case, case["id"]).status == "draft"


def test_submit_without_a_date_records_the_day_the_answers_were_saved(client, roles, db):
    case = _answered(client, roles, pi=0, important=True)
    attach_materials(client, roles["enterprise"], case["id"])
    done = _act(client, roles["enterprise"], case, "submit", assessor_org_id=_assessor(client, roles))
    assert done.status_code == 200
    assert db.session.get(Case, case["id"]).workflow["assessment_completed_on"] == china_today().isoformat()
