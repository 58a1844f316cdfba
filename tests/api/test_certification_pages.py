"""The certification route through the pages with the Flask test client (issue 15, acceptance 4): the enterprise
submits choosing certification, the assessor reviews and signs, the enterprise records the certificate; the case
page names the route, the certificate, its renewal deadline and certification's duties, not the filing. And an
approved case's extension check answered from its page."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from tests.helpers.factories import declaration
from tests.helpers.materials import attach_materials_db
from tests.helpers.web import confirmed_action
from xborder.cases.deadlines import open_deadlines
from xborder.cases.models import Case
from xborder.core.timeutil import china_today

ENTERPRISE_USCC = "9131011552601815X1"


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(app, email: str):
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": email, "password": "demo-password", "csrf_token": token})
    assert response.status_code == 302
    return client


def users(db):
    from xborder.accounts.demo import seed_demo_accounts
    from xborder.accounts.models import User

    seed_demo_accounts()
    return {u.role: u for u in db.session.scalars(sa.select(User).where(User.email.like("%@demo.xborder")))}


def answered_case(db, enterprise, **decl) -> Case:
    from xborder.cases import keypoints, operations

    decl.setdefault("pi", 150_000)
    case = operations.create_case(enterprise, "认证页面测试", declaration(ENTERPRISE_USCC, **decl))
    operations.save_answers(enterprise, case, case.version, [
        {"key_point": kp["id"], "answer": f"{kp['id']} 的回答"} for kp in keypoints.key_point_status(case)])
    db.session.flush()
    return case


def case_owner(case: Case):
    """The demo enterprise's user who declared the case."""
    from xborder.accounts.models import User
    from xborder.extensions import db

    return db.session.scalar(sa.select(User).where(User.organisation_id == case.exporter_id))


def post_action(client, case: Case, action: str, **fields):
    if action == "submit":
        attach_materials_db(case, case_owner(case))  # a submission carries its filing materials (issue 16)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'id="action-{action}"' in html, action
    return client.post(f"/cases/{case.id}/actions", data={
        "csrf_token": csrf_token(html), "action": action, "version": case.version, **fields}, follow_redirects=True)


def test_a_certification_case_through_the_pages(app, db):
    people = users(db)
    enterprise, assessor = sign_in(app, "enterprise@demo.xborder"), sign_in(app, "assessor@demo.xborder")
    case = answered_case(db, people["enterprise"])
    page = enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    # The route is a choice in the submit form, named in words, never as a code.
    assert 'name="mechanism"' in page and "个人信息保护认证" in page
    post_action(enterprise, case, "submit", assessor_org_id=people["assessor"].organisation_id,
                mechanism="certification")
    assert case.status == "third_party_review" and case.mechanism == "certification"

    html = assessor.get(f"/cases/{case.id}/review").get_data(as_text=True)
    from xborder.cases import keypoints

    findings = {f"finding-{kp['id']}": "satisfied" for kp in keypoints.key_point_status(case)}
    assert assessor.post(f"/cases/{case.id}/review", data={"csrf_token": csrf_token(html), "version": case.version,
                                                            **findings}).status_code == 302
    html = assessor.get(f"/cases/{case.id}").get_data(as_text=True)
    confirmed_action(assessor, case, {"csrf_token": csrf_token(html), "action": "sign_opinion",
                                      "version": case.version})
    assert case.status == "certification_pending"

    page = enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "待认证" in page and "北京赛西认证有限责任公司" in page and "cesi-cert</option>" not in page
    future = (china_today() + dt.timedelta(days=2)).isoformat()
    refused = post_action(enterprise, case, "record_certificate", certificate_number="CCRC-1",
                          certification_body="cesi-cert", issued_on=future).get_data(as_text=True)
    assert "证书颁发日期不能晚于今天" in refused and case.status == "certification_pending"
    issued = dt.date(2026, 1, 5)
    done = post_action(enterprise, case, "record_certificate", certificate_number="CCRC-PI-2026-0007",
                       certification_body="cesi-cert", issued_on=issued.isoformat()).get_data(as_text=True)
    assert case.status == "certified" and case.valid_until == dt.date(2029, 1, 5)
    assert "已认证" in done and "CCRC-PI-2026-0007" in done and "北京赛西认证有限责任公司" in done
    # The renewal deadline six months before expiry, with its article; certification's duties, not the filing.
    assert "有效期届满6个月前提出认证申请" in done and "2028-07-05" in done
    assert "标准合同备案" not in done and "备案标准合同" not in done


def test_the_extension_check_from_the_case_page(app, db):
    from xborder.cases import workflow

    people = users(db)
    enterprise = sign_in(app, "enterprise@demo.xborder")
    case = answered_case(db, people["enterprise"], pi=0, important=True)
    attach_materials_db(case, people["enterprise"])  # a submission carries its filing materials (issue 16)
    workflow.transition(case, people["enterprise"], "submit", {"version": case.version,
                                                               "assessor_org_id": people["assessor"].organisation_id})
    from xborder.cases import keypoints, operations

    operations.save_review(people["assessor"], case, case.version, [
        {"key_point": kp["id"], "finding": "satisfied"} for kp in keypoints.key_point_status(case)])
    official = people["provincial_official"]
    for user, action, body in ((people["assessor"], "sign_opinion", {}),
                               (official, "forward_to_regulator", {"completeness_confirmed": True}),
                               (official, "record_decision", {"decision": "approved", "decision_date": "2024-05-06",
                                                              "decision_number": "国网信评〔2024〕9号"})):
        workflow.transition(case, user, action, {"version": case.version, **body})
    assert case.valid_until == dt.date(2027, 5, 6)  # three years: decided under cbdf-2024
    page = enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="extension"' in page and 'id="extension-check"' not in page  # the window is not open yet
    case.valid_until = china_today() + dt.timedelta(days=15)  # as if approved three years ago
    db.session.flush()
    page = enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="extension-check"' in page and "数据处理者和境外接收方未发生变化" in page
    answers = {"purpose_scope_unchanged": "yes", "processor_recipient_unchanged": "no",
               "persons_next_3_years": "100", "persons_approved_past_3_years": "100",
               "legal_documents_six_clauses": "yes", "no_major_incident": "yes"}
    result = enterprise.post(f"/cases/{case.id}/extension-check", data={
        "csrf_token": csrf_token(page), "version": case.version, **answers}, follow_redirects=True)
    html = result.get_data(as_text=True)
    assert case.workflow["extension_check"]["outcome"] == "declare_anew"
    outcome = html[html.index('id="extension-outcome"'):]
    assert "数据处理者和境外接收方未发生变化" in outcome[:outcome.index("</div>")]


def test_the_wizard_takes_the_zone_and_the_contract_day_and_warns_of_the_filing_deadline(app, db):
    users(db)
    enterprise = sign_in(app, "enterprise@demo.xborder")
    html = enterprise.get("/cases/new").get_data(as_text=True)
    # The demo exporter is in Shanghai: only Shanghai's zone is offered, by name.
    assert 'name="ftz"' in html and '<option value="shanghai">' in html and 'value="beijing"' not in html
    assert 'name="contract_effective_date"' in html
    response = enterprise.post("/cases/new", data={
        "csrf_token": csrf_token(html), "title": "自贸区与合同", "as_of": "2026-03-01", "sector": "manufacturing",
        "pi_subjects_processed": "1,200,000", "ftz": "shanghai", "contract_effective_date": "2026-03-02",
        "transfers-0-purpose": "售后", "transfers-0-recipient_name": "Example GmbH", "transfers-0-country": "DE",
        "transfers-0-pi_individuals": "150,000", "transfers-0-sensitive_pi_individuals": "0",
        "transfers-0-categories": "contact", "transfers-0-exemption": "", "save": "1"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    case = db.session.scalar(sa.select(Case).where(Case.title == "自贸区与合同"))
    assert case.declaration["exporter"]["ftz"] == "shanghai"
    assert case.declaration["contract_effective_date"] == "2026-03-02"
    [filing] = open_deadlines(case)
    assert f"标准合同应于 {filing['due']} 前备案" in page  # the warning names the filing's due date
    assert "标准合同备案" in page  # and the deadline shows on the case from day one
    edit = enterprise.get(f"/cases/{case.id}/declaration").get_data(as_text=True)
    assert '<option selected value="shanghai">' in edit or 'value="shanghai" selected' in edit
    assert 'value="2026-03-02"' in edit
