"""The case's transfer details (出境详情, issue 16): GET/PUT /cases/{id}/facts — scoped to the case's exporter,
bounded by forms/case_facts, per-transfer entries keyed by the declaration's indexes, audited, copied into stage 1
at submit and printed by the documents where （未填写） stood before."""

from __future__ import annotations

import io
import json

import jsonschema
import sqlalchemy as sa
import yaml
from docx import Document

from tests.helpers.api import ENTERPRISE_USCC, act, answered_case, assessor_id
from tests.helpers.factories import auth, declaration
from xborder.cases import facts
from xborder.core.audit import AuditEntry
from xborder.law.formsdata import FORMS_DIR

ITEM = {"name": "手机号码", "description": "客户联系电话", "necessity": "售后回访所必需", "example": "138****0000"}
LINK = "境内 crm.example.cn（203.0.113.10）经 HTTPS 至境外 api.example.de（198.51.100.20）"
FACTS = {
    "export_link": LINK, "domestic_storage": "上海阿里云 CRM 系统", "storage_abroad": "法兰克福数据中心，保存三年",
    "onward": "无", "forecast": "2026 年 9 万人，2027 年 10 万人，2028 年 11 万人",
    "assessment_work": "2025 年 5 月 1 日至 5 月 30 日，由法务部牵头自行评估。", "appendix_two": "无",
    "transfers": {"0": {"data_items": [ITEM], "transfer_method": "HTTPS 接口，TLS 1.3 加密",
                        "storage_place": "德国法兰克福", "storage_period": "三年，期满删除",
                        "recipient_contact": "Example GmbH，Hauptstraße 1, Frankfurt；+49 69 000000",
                        "processing_manner": "存储、使用", "sensitive_categories": "无", "onward_recipients": "无"}},
}


def _case(client, roles, **decl) -> dict:
    return client.post("/api/v1/cases", headers=auth(roles["enterprise"]),
                       json={"title": "出境详情", "declaration": declaration(ENTERPRISE_USCC, **decl)}).json


def _put(client, token, case, body, version=None):
    return client.put(f"/api/v1/cases/{case['id']}/facts", headers=auth(token),
                      json={"version": case["version"] if version is None else version, "facts": body})


def test_the_exporter_saves_and_reads_the_transfer_details(client, roles, db):
    case = _case(client, roles)
    empty = client.get(f"/api/v1/cases/{case['id']}/facts", headers=auth(roles["enterprise"]))
    assert empty.status_code == 200
    assert empty.json["facts"]["export_link"] is None
    assert empty.json["facts"]["transfers"]["0"]["data_items"] == []
    saved = _put(client, roles["enterprise"], case, FACTS)
    assert saved.status_code == 200, saved.json
    assert saved.json["version"] == case["version"] + 1
    detail = client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["enterprise"])).json
    assert detail["facts"]["export_link"] == LINK
    got = client.get(f"/api/v1/cases/{case['id']}/facts", headers=auth(roles["enterprise"])).json
    assert got["facts"]["export_link"] == LINK
    assert got["facts"]["transfers"]["0"]["data_items"][0] == {**ITEM, "notes": None}
    assert got["facts"]["transfers"]["0"]["storage_place"] == "德国法兰克福"
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.case_id == case["id"],
                                                             AuditEntry.action == "facts.saved")).all()
    assert len(entries) == 1 and entries[0].payload["transfers"] == [0] and "export_link" in entries[0].payload[
        "fields"]
    # The same facts again change nothing: no new version, no second entry.
    again = _put(client, roles["enterprise"], case, FACTS, version=saved.json["version"])
    assert again.status_code == 200 and again.json["version"] == saved.json["version"]
    # A stale version is a conflict.
    stale = _put(client, roles["enterprise"], case, {"onward": "有"})
    assert stale.status_code == 409 and stale.mimetype == "application/problem+json"


def test_only_the_exporter_of_the_case_reads_or_writes(client, roles, factory):
    case = _case(client, roles)
    stranger = factory.token(factory.user("enterprise", factory.organisation(province="320000")))
    assert client.get(f"/api/v1/cases/{case['id']}/facts", headers=auth(stranger)).status_code == 404
    assert _put(client, stranger, case, FACTS).status_code == 404
    submitted = act(client, roles["enterprise"], answered_case(client, roles, pi=150_000), "submit",
                    assessor_org_id=assessor_id(client, roles)).json
    assert submitted["status"] == "third_party_review", submitted
    assert client.get(f"/api/v1/cases/{submitted['id']}/facts", headers=auth(roles["assessor"])).status_code == 200
    assert _put(client, roles["assessor"], submitted, FACTS).status_code == 403


def test_bounds_and_indexes_are_field_errors_in_both_languages(client, roles):
    case = _case(client, roles)
    limit = facts.shape().case[0].max_length
    long = _put(client, roles["enterprise"], case, {"assessment_work": "评" * (limit + 1)})
    assert long.status_code == 422 and long.mimetype == "application/problem+json"
    error = next(e for e in long.json["errors"] if e["path"] == "facts/assessment_work")
    assert error["code"] == "max_length" and str(limit) in error["message_zh"] and str(limit) in error["message_en"]
    bad_index = _put(client, roles["enterprise"], case, {"transfers": {"3": {"storage_place": "德国"}}})
    assert bad_index.status_code == 422
    error = next(e for e in bad_index.json["errors"] if e["path"] == "facts/transfers/3")
    assert error["code"] == "unknown_transfer" and "出境活动" in error["message_zh"]
    assert _put(client, roles["enterprise"], case, {"transfers": {"-1": {}}}).status_code == 422
    too_many = _put(client, roles["enterprise"], case, {"transfers": {"0": {
        "data_items": [{"name": f"项{i}"} for i in range(facts.shape().max_data_items + 1)]}}})
    assert too_many.status_code == 422
    assert any(e["path"] == "facts/transfers/0/data_items" and e["code"] == "max_items"
               for e in too_many.json["errors"]), too_many.json
    unnamed = _put(client, roles["enterprise"], case, {"transfers": {"0": {"data_items": [{"name": "  "}]}}})
    assert {e["path"] for e in unnamed.json["errors"]} == {"facts/transfers/0/data_items/0/name"}
    unknown = _put(client, roles["enterprise"], case, {"colour": "red", "export_link": "a\x07b"})
    assert {e["path"] for e in unknown.json["errors"]} == {"facts/colour", "facts/export_link"}
    assert _put(client, roles["enterprise"], case, ["not", "an", "object"]).status_code == 422
    # Nothing half-written: the case still has no facts.
    got = client.get(f"/api/v1/cases/{case['id']}/facts", headers=auth(roles["enterprise"])).json
    assert got["version"] == case["version"] and got["facts"]["assessment_work"] is None


def test_a_submitted_case_keeps_the_facts_it_signed(client, roles, db):
    from xborder.dossiers import bundle, stages

    case = answered_case(client, roles, pi=150_000, contract_effective_date="2025-06-20")
    saved = _put(client, roles["enterprise"], case, FACTS).json
    case = act(client, roles["enterprise"], {"id": case["id"], "version": saved["version"]}, "submit",
               assessor_org_id=assessor_id(client, roles)).json
    assert case["status"] == "third_party_review", case
    refused = _put(client, roles["enterprise"], case, {"onward": "有"})
    assert refused.status_code == 422 and refused.json["errors"][0]["path"] == "status"
    files, _ = stages.signed_material(stages.chain_of(case["id"]))
    record = json.loads(files[bundle.case_record_path(1)])
    assert record["facts"]["export_link"] == LINK
    appendix = Document(io.BytesIO(files["documents/01-标准合同附录.docx"]))
    cells = [c.text for t in appendix.tables for row in t.rows for c in row.cells]
    text = "\n".join([p.text for p in appendix.paragraphs] + cells)
    assert "HTTPS 接口，TLS 1.3 加密" in text and "德国法兰克福" in text


def test_the_documents_print_the_data_items_and_the_export_link(client, roles, db):
    from xborder.cases.models import Case
    from xborder.dossiers.documents import render_stage
    from xborder.dossiers.documents.preview import document_gaps
    from xborder.dossiers.stages import case_record

    case = _case(client, roles, pi=1_200_000)  # a security assessment: the self-assessment report
    row = db.session.get(Case, case["id"])
    snapshot = {**case_record(row), "stage_date": "2026-12-06"}
    before = Document(io.BytesIO(render_stage(1, snapshot)["documents/01-数据出境风险自评估报告.docx"]))
    before_text = "\n".join(p.text for p in before.paragraphs)
    assert "（未填写）：数据出境链路：双方系统的域名、网络地址及出境方式" in before_text
    points = {g["point"] for g in document_gaps(row)}
    assert "数据出境链路：双方系统的域名、网络地址及出境方式" in points
    assert "按业务场景列明数据项（同一场景内去重）" in points
    assert "地址及联系方式" in points  # the recipients table's empty cell

    assert _put(client, roles["enterprise"], case, FACTS).status_code == 200
    db.session.refresh(row)
    snapshot = {**case_record(row), "stage_date": "2026-12-06"}
    after = Document(io.BytesIO(render_stage(1, snapshot)["documents/01-数据出境风险自评估报告.docx"]))
    text = "\n".join(p.text for p in after.paragraphs)
    cells = [c.text for t in after.tables for r in t.rows for c in r.cells]
    assert LINK in text and "数据出境链路：双方系统的域名" not in text
    assert {"手机号码", "客户联系电话", "售后回访所必需", "138****0000"} <= set(cells)
    points = {g["point"] for g in document_gaps(row)}
    assert "数据出境链路：双方系统的域名、网络地址及出境方式" not in points
    assert "按业务场景列明数据项（同一场景内去重）" not in points and "地址及联系方式" not in points


def test_the_facts_endpoints_are_in_the_openapi(client):
    spec = client.get("/api/v1/openapi.json")
    if spec.status_code == 404:
        spec = client.get("/openapi.json")
    text = spec.get_data(as_text=True)
    assert "/api/v1/cases/{case_id}/facts" in text and "CaseFacts" in text


def test_the_case_facts_form_matches_its_schema():
    schema = json.loads((FORMS_DIR / "schema" / "case_facts.json").read_text(encoding="utf-8"))
    for path in sorted((FORMS_DIR / "case_facts").glob("*.yaml")):
        document = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")),
                                         default=lambda value: value.isoformat()))
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
        assert [e.message for e in validator.iter_errors(document)] == [], path
    # The documents read every field the form keeps (context.py's names).
    from xborder.dossiers.documents import context

    shape = facts.shape()
    assert {f.name for f in shape.case} == set(context._FACTS)
