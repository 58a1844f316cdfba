"""The organisation profile (issue 16): kept by the enterprise through the API and its page, copied onto a case at
submit so a signed document never changes when the profile does; gaps print （未填写） with the key point and are
listed before submit."""

from __future__ import annotations

import io
import re

from docx import Document

from tests.helpers.factories import auth, declaration
from tests.helpers.materials import attach_materials_db
from xborder.dossiers import documents

FULL = {"registered_address": "上海市黄浦区测试路1号", "legal_representative": "赵一", "handler": "钱二",
        "handler_id": "310101199001010022", "handler_contact": "13800000000", "compliance_record": "无处罚。",
        "shareholding": "甲公司持股100%", "no_legal_representative": False}


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_the_profile_api_reads_and_replaces_the_enterprises_profile(client, factory):
    user = factory.user("enterprise")
    token = factory.token(user)
    empty = client.get("/api/v1/organisations/me/profile", headers=auth(token))
    assert empty.status_code == 200 and empty.json["registered_address"] is None
    saved = client.put("/api/v1/organisations/me/profile", headers=auth(token), json=FULL)
    assert saved.status_code == 200, saved.json
    again = client.get("/api/v1/organisations/me/profile", headers=auth(token)).json
    assert again["handler"] == "钱二" and again["legal_representative"] == "赵一"
    # A non-legal-person entity: no legal representative, whatever was typed.
    none = client.put("/api/v1/organisations/me/profile", headers=auth(token),
                      json={**FULL, "no_legal_representative": True}).json
    assert none["legal_representative"] is None and none["no_legal_representative"] is True


def test_bad_profile_input_is_a_field_level_422(client, factory):
    token = factory.token(factory.user("enterprise"))
    bad = client.put("/api/v1/organisations/me/profile", headers=auth(token),
                     json={"handler": "钱二\n\x07", "unknown_field": "x"})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    paths = {e.get("path") for e in bad.json.get("errors", [])}
    assert {"handler", "unknown_field"} <= paths, bad.json
    long = client.put("/api/v1/organisations/me/profile", headers=auth(token), json={"handler": "钱" * 300})
    assert long.status_code == 422
    assessor = factory.token(factory.user("assessor", factory.organisation(kind="assessor", province="320000")))
    assert client.put("/api/v1/organisations/me/profile", headers=auth(assessor), json=FULL).status_code == 403


def test_the_profile_is_documented_in_openapi(client):
    spec = client.get("/api/v1/openapi.json")
    if spec.status_code == 404:
        spec = client.get("/openapi.json")
    assert "/api/v1/organisations/me/profile" in spec.get_data(as_text=True)


def test_a_case_keeps_the_profile_it_was_submitted_with(client, factory, db):
    from xborder.cases import operations, workflow
    from xborder.cases.keypoints import key_point_status
    from xborder.dossiers import stages

    enterprise = factory.organisation(kind="enterprise", profile=dict(FULL))
    user = factory.user("enterprise", enterprise)
    case = operations.create_case(user, "画像快照", declaration(enterprise.uscc, pi=150_000))
    answers = [{"key_point": p["id"], "answer": f"{p['id']} 的回答"} for p in key_point_status(case)]
    operations.save_answers(user, case, case.version, answers)
    assessor_org = factory.organisation(kind="assessor", province="320000")
    attach_materials_db(case, user)  # a submission carries its filing materials (issue 16)
    workflow.transition(case, user, "submit", {"assessor_org_id": assessor_org.id, "version": case.version})
    assert case.profile_snapshot["handler"] == "钱二"
    enterprise.profile = {**FULL, "handler": "孙三"}
    db.session.flush()
    assert case.profile_snapshot["handler"] == "钱二"
    files, _ = stages.signed_material(stages.chain_of(case.id))
    letter = Document(io.BytesIO(files["documents/01-经办人授权委托书.docx"]))
    text = "\n".join(p.text for p in letter.paragraphs)
    assert "钱二" in text and "孙三" not in text


def test_missing_answers_print_the_key_point_and_are_listed_as_gaps():
    import pathlib
    import sys

    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "bench"))
    from dossier import large_snapshot

    snapshot = {**large_snapshot(1, 2), "stage_date": "2026-12-06"}
    out = documents.render_stage(1, snapshot)
    report = Document(io.BytesIO(out["documents/01-数据出境风险自评估报告.docx"]))
    text = "\n".join(p.text for p in report.paragraphs)
    assert "（未填写）：数据出境链路：双方系统的域名、网络地址及出境方式" in text
    assert "（未填写）：股权结构" not in text  # a fields table prints （未填写） in its cell, not as prose
    gaps = documents.gaps(snapshot, 1)
    points = {g["point"] for g in gaps}
    assert "数据出境链路：双方系统的域名、网络地址及出境方式" in points and "股权结构" in points
    assert {g["document"] for g in gaps} >= {"数据出境安全评估申报书", "数据出境风险自评估报告", "经办人授权委托书"}
    # Every heading of the template is there even when its answers are missing.
    spec = next(s for s in documents.layout(documents.made_on(snapshot))["documents"]
                if s["id"] == "sa_self_assessment")
    for _, heading in documents.headings(spec):
        assert heading in text
    # With the profile filled in, its points leave the list.
    filled = documents.gaps({**snapshot, "profile": FULL}, 1)
    assert "股权结构" not in {g["point"] for g in filled}


def test_the_profile_page_saves_and_the_case_page_lists_the_gaps(app, factory, db):
    user = factory.user("enterprise", password="correct horse")
    client = app.test_client()
    token = _csrf(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"email": user.email, "password": "correct horse",
                                       "csrf_token": token}).status_code == 302
    page = client.get("/organisation/profile")
    assert page.status_code == 200 and "经办人" in page.get_data(as_text=True)
    form = {"csrf_token": _csrf(page.get_data(as_text=True)), **{k: v for k, v in FULL.items() if isinstance(v, str)}}
    saved = client.post("/organisation/profile", data=form)
    assert saved.status_code == 302
    assert db.session.get(type(user.organisation), user.organisation_id).profile["handler"] == "钱二"
    bad = client.post("/organisation/profile", data={**form, "handler": "钱\x07"})
    assert bad.status_code == 422
    from xborder.cases import operations

    case = operations.create_case(user, "缺项提示", declaration(user.organisation.uscc, pi=150_000))
    db.session.flush()
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="document-gaps"' in html and "数据出境链路" not in html  # a standard-contract case: its own gaps
    assert "个人信息出境标准合同附录" in html and "（七）传输方式" in html
