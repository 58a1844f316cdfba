"""The enterprise's pages: the declaration wizard, the case page, the self-assessment with autosave and evidence,
and submitting — each through the same operations as the API."""

from __future__ import annotations

import io

import sqlalchemy as sa

from tests.helpers.materials import attach_materials_db
from tests.helpers.web import csrf_token, wizard_data
from xborder.cases.models import Case


def test_wizard_is_prefilled_from_the_organisation_and_lists_countries_in_chinese(people):
    html = people.enterprise.get("/cases/new").get_data(as_text=True)
    assert "上海演示智能制造有限公司" in html and "9131011552601815X1" in html
    assert '<option value="DE">德国（DE）</option>' in html
    assert 'value="CN"' not in html  # a recipient in mainland China is not abroad
    assert "js/declaration.js" in html and 'data-endpoint="/api/v1/assess"' in html


def test_wizard_creates_the_case_with_counts_typed_with_separators(people, db):
    token = csrf_token(people.enterprise.get("/cases/new").get_data(as_text=True))
    response = people.enterprise.post("/cases/new", data=wizard_data(token))
    assert response.status_code == 302
    case = db.session.scalar(sa.select(Case).where(Case.title == "网页申报"))
    assert response.headers["Location"] == f"/cases/{case.id}"
    assert case.declaration["transfers"][0]["data"]["pi_individuals"] == 150_000
    assert case.declaration["transfers"][0]["data"]["categories"] == ["contact", "device"]
    assert case.declaration["exporter"]["pi_subjects_processed"] == 1_200_000
    assert case.pathway == "standard_contract_or_certification"
    page = people.enterprise.get(response.headers["Location"]).get_data(as_text=True)
    assert case.reference in page and "《促进和规范数据跨境流动规定》第八条" in page


def test_wizard_ignores_a_forged_exporter(people, db):
    token = csrf_token(people.enterprise.get("/cases/new").get_data(as_text=True))
    people.enterprise.post("/cases/new", data=wizard_data(token, exporter_uscc="91310000000000001X",
                                                          exporter_name="别人家"))
    case = db.session.scalar(sa.select(Case).where(Case.title == "网页申报"))
    assert case.declaration["exporter"]["uscc"] == "9131011552601815X1"


def test_wizard_shows_the_engines_errors_beside_the_fields(people, db):
    token = csrf_token(people.enterprise.get("/cases/new").get_data(as_text=True))
    response = people.enterprise.post("/cases/new", data=wizard_data(
        token, **{"transfers-0-country": "", "transfers-0-pi_individuals": "十万"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="error-summary"' in html and 'href="#transfers-0-country"' in html
    assert 'id="transfers-0-pi_individuals-error"' in html or 'href="#transfers-0-pi_individuals"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_wizard_adds_a_transfer_without_javascript(people):
    token = csrf_token(people.enterprise.get("/cases/new").get_data(as_text=True))
    data = wizard_data(token, add_transfer="1")
    data.pop("save")
    html = people.enterprise.post("/cases/new", data=data).get_data(as_text=True)
    assert 'name="transfers-1-recipient_name"' in html and 'value="Example GmbH"' in html


def test_wizard_refuses_a_post_without_csrf_token(people, db):
    data = wizard_data("")
    data.pop("csrf_token")
    response = people.enterprise.post("/cases/new", data=data)
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_edit_declaration_keeps_versions_and_refuses_a_stale_version(people):
    case = people.case()
    html = people.enterprise.get(f"/cases/{case.id}/declaration").get_data(as_text=True)
    assert 'value="150,000"' in html
    token = csrf_token(html)
    stale = wizard_data(token, version=str(case.version + 5), **{"transfers-0-pi_individuals": "200000"})
    assert people.enterprise.post(f"/cases/{case.id}/declaration", data=stale).status_code == 409
    fresh = wizard_data(token, version=str(case.version), **{"transfers-0-pi_individuals": "200000"})
    assert people.enterprise.post(f"/cases/{case.id}/declaration", data=fresh).status_code == 302
    assert case.declaration_revision == 2
    assert case.declaration["transfers"][0]["data"]["pi_individuals"] == 200_000


def test_case_page_shows_pathway_progress_heat_map_deadlines_and_timeline(people):
    case = people.case()
    html = people.enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "出境路径及法律依据" in html and "风险画像" in html and "办理记录" in html
    assert '<svg class="heatmap"' in html and "PIA-1" in html
    assert "已回答 0 / 12 个评估重点" in html
    assert "创建案件" in html  # the audit trail's first entry
    assert "回答自评估的全部评估重点后，即可提交案件" in html


def test_self_assessment_saves_answers_and_responses(people):
    case = people.case()
    html = people.enterprise.get(f"/cases/{case.id}/self-assessment?kp=PIA-1").get_data(as_text=True)
    assert "说明业务场景和境外接收方如何使用个人信息" in html  # help text from forms/key_points
    assert "js/autosave.js" in html
    response = people.enterprise.post(f"/cases/{case.id}/self-assessment?kp=PIA-1", data={
        "csrf_token": csrf_token(html), "version": case.version, "answer": "仅传输必要字段",
        "q-PIA-1.q2": "minimised", "next_kp": "PIA-2"})
    assert response.status_code == 302 and response.headers["Location"].endswith("kp=PIA-2")
    answer = {a["key_point"]: a for a in case.answers}["PIA-1"]
    assert answer["answer"] == "仅传输必要字段" and answer["responses"] == {"PIA-1.q2": "minimised"}


def test_self_assessment_shows_a_rule_violation_and_keeps_the_typed_text(people):
    case = people.case()
    html = people.enterprise.get(f"/cases/{case.id}/self-assessment?kp=PIA-1").get_data(as_text=True)
    response = people.enterprise.post(f"/cases/{case.id}/self-assessment?kp=PIA-1", data={
        "csrf_token": csrf_token(html), "version": case.version, "answer": "保留这段文字",
        "q-PIA-1.q2": "not-an-option"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "应为以下选项之一" in page and "保留这段文字" in page
    assert case.answers == []


def test_autosave_uses_the_version_and_the_csrf_header(people):
    case = people.case()
    html = people.enterprise.get(f"/cases/{case.id}/self-assessment").get_data(as_text=True)
    body = {"key_point": "PIA-1", "version": case.version, "fields": {"answer": "自动保存的回答"}}
    assert people.enterprise.post(f"/cases/{case.id}/self-assessment/autosave", json=body).status_code == 400
    saved = people.enterprise.post(f"/cases/{case.id}/self-assessment/autosave", json=body,
                                   headers={"X-CSRFToken": csrf_token(html)})
    assert saved.status_code == 200
    assert saved.json["version"] == case.version and saved.json["answered"] == 1
    stale = people.enterprise.post(f"/cases/{case.id}/self-assessment/autosave", json=body,
                                   headers={"X-CSRFToken": csrf_token(html)})
    assert stale.status_code == 409


def test_evidence_upload_checks_the_content_and_downloads_again(people):
    case = people.case()
    html = people.enterprise.get(f"/cases/{case.id}/self-assessment?kp=PIA-2").get_data(as_text=True)
    token = csrf_token(html)
    ok = people.enterprise.post(f"/cases/{case.id}/evidence", data={
        "csrf_token": token, "key_point": "PIA-2", "file": (io.BytesIO("字段清单".encode()), "清单.txt")},
        content_type="multipart/form-data")
    assert ok.status_code == 302
    page = people.enterprise.get(ok.headers["Location"]).get_data(as_text=True)
    assert "已上传 清单.txt" in page
    bad = people.enterprise.post(f"/cases/{case.id}/evidence", data={
        "csrf_token": token, "key_point": "PIA-2", "file": (io.BytesIO(b"\x00\x01\xff\xfe"), "x.bin")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "仅接受 PDF、PNG、JPEG、DOCX、XLSX、ZIP 或 UTF-8 文本文件" in bad.get_data(as_text=True)
    no_token = people.enterprise.post(f"/cases/{case.id}/evidence", data={
        "file": (io.BytesIO(b"abc"), "a.txt")}, content_type="multipart/form-data")
    assert no_token.status_code == 400
    detail = people.enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    evidence_id = int(detail.split(f"/cases/{case.id}/evidence/")[1].split('"')[0])
    download = people.enterprise.get(f"/cases/{case.id}/evidence/{evidence_id}")
    assert download.get_data() == "字段清单".encode()


def test_submit_names_the_missing_answers_then_goes_to_the_chosen_assessor(people):
    case = people.case()
    html = people.enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="action-submit"' not in html  # not offered until every key point is answered
    refused = people.enterprise.post(f"/cases/{case.id}/actions", data={
        "csrf_token": csrf_token(html), "action": "submit", "version": case.version,
        "assessor_org_id": people.assessor_org_id}, follow_redirects=True)
    assert "以下评估重点尚未回答" in refused.get_data(as_text=True)
    assert case.status == "draft"
    answered = people.case(answered=True, title="已答完")
    attach_materials_db(answered, people.enterprise_user)  # a submission carries its filing materials (issue 16)
    html = people.enterprise.get(f"/cases/{answered.id}").get_data(as_text=True)
    assert 'id="action-submit"' in html and "演示数据安全评估中心" in html
    done = people.enterprise.post(f"/cases/{answered.id}/actions", data={
        "csrf_token": csrf_token(html), "action": "submit", "version": answered.version,
        "assessor_org_id": people.assessor_org_id}, follow_redirects=True)
    assert "已提交评估机构" in done.get_data(as_text=True)
    assert answered.status == "third_party_review" and answered.assessor_org_id == people.assessor_org_id


def test_actions_refuse_a_post_without_csrf_token(people):
    case = people.case(answered=True)
    response = people.enterprise.post(f"/cases/{case.id}/actions", data={
        "action": "submit", "version": case.version, "assessor_org_id": people.assessor_org_id})
    assert response.status_code == 400
    assert case.status == "draft"


def test_home_lists_own_cases_with_links_and_pathway(people):
    case = people.case()
    html = people.enterprise.get("/").get_data(as_text=True)
    assert f'href="/cases/{case.id}"' in html and case.reference in html
    assert "订立个人信息出境标准合同或者通过个人信息保护认证" in html
    assert 'href="/cases/new"' in html


def test_home_paginates_twenty_cases_a_page(people):
    for n in range(21):
        people.case(title=f"分页案件{n:02d}")
    first = people.enterprise.get("/").get_data(as_text=True)
    assert "第 1 / 2 页" in first and 'rel="next"' in first and first.count('class="ref"><a href') == 20
    second = people.enterprise.get("/?page=2").get_data(as_text=True)
    assert "分页案件00" in second and 'rel="prev"' in second and second.count('class="ref"><a href') == 1
