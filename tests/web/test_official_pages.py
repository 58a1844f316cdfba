"""The provincial official's dashboard, completeness check, filing and decisions, and statistics with exports."""

from __future__ import annotations

import csv
import datetime as dt
import io

from tests.helpers.web import confirmed_action, csrf_token


def test_dashboard_searches_by_reference_exporter_and_uscc_and_filters(people):
    case = people.signed()
    people.submitted(title="尚在第三方评估")
    home = people.official.get("/").get_data(as_text=True)
    assert case.reference in home and "尚在第三方评估" not in home
    for query in (case.reference, "上海演示", "9131011552601815X1"):
        assert case.reference in people.official.get("/", query_string={"q": query}).get_data(as_text=True)
    assert case.reference not in people.official.get("/", query_string={"q": "不存在"}).get_data(as_text=True)
    assert "没有符合筛选条件的案件" in people.official.get("/", query_string={"q": "不存在"}).get_data(as_text=True)
    by_pathway = people.official.get("/", query_string={"pathway": "security_assessment"}).get_data(as_text=True)
    assert case.reference not in by_pathway
    by_status = people.official.get("/", query_string={"status": "provincial_review"}).get_data(as_text=True)
    # A standard contract: the provincial filing review (15 working days), not the security-assessment check.
    assert case.reference in by_status and "省级网信部门完成备案审查" in by_status


def test_dashboard_puts_overdue_cases_first(people, db):
    fresh = people.signed(title="新到案件")
    late = people.signed(title="逾期案件")
    late.workflow = {**late.workflow, "deadline_starts": {"provincial_completeness_check": "2025-01-02"}}
    db.session.flush()
    html = people.official.get("/").get_data(as_text=True)
    assert html.index(late.reference) < html.index(fresh.reference)
    assert "已逾期" in html


def test_completeness_check_and_filing_number(people):
    case = people.signed(contract_effective_date="2025-07-01")  # a filing needs the contract's day (issue 15)
    html = people.official.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "完备性检查" in html and 'id="action-record_filing"' in html
    assert 'id="action-forward_to_regulator"' not in html  # a standard contract is filed, not forwarded
    refused = people.official.post(f"/cases/{case.id}/actions", data={
        "csrf_token": csrf_token(html), "action": "record_filing", "version": case.version}, follow_redirects=True)
    assert "须填写备案编号" in refused.get_data(as_text=True) and case.status == "provincial_review"
    confirmed_action(people.official, case, {
        "csrf_token": csrf_token(html), "action": "record_filing", "version": case.version,
        "filing_number": "沪备-2025-0001"})
    assert case.status == "filed" and case.workflow["filing_number"] == "沪备-2025-0001"
    assert "沪备-2025-0001" in people.official.get(f"/cases/{case.id}").get_data(as_text=True)


def test_supplement_request_then_forward_and_decision_for_a_security_assessment(people):
    case = people.signed(pi=0, important=True)
    html = people.official.get(f"/cases/{case.id}").get_data(as_text=True)
    token = csrf_token(html)
    people.official.post(f"/cases/{case.id}/actions", data={
        "csrf_token": token, "action": "request_supplement", "version": case.version, "comment": "请补充合同文本"})
    assert case.status == "supplement_requested"
    from xborder.cases import operations

    operations.save_answers(people.enterprise_user, case, case.version,
                            [{"key_point": case.answers[0]["key_point"], "answer": "已补充"}])
    people.act(case, people.enterprise_user, "resubmit")
    not_confirmed = people.official.post(f"/cases/{case.id}/actions", data={
        "csrf_token": token, "action": "forward_to_regulator", "version": case.version}, follow_redirects=True)
    assert "请确认材料齐全" in not_confirmed.get_data(as_text=True)
    confirmed_action(people.official, case, {
        "csrf_token": token, "action": "forward_to_regulator", "version": case.version,
        "completeness_confirmed": "y"})
    assert case.status == "submitted_to_regulator"
    confirmed_action(people.official, case, {
        "csrf_token": token, "action": "record_decision", "version": case.version, "decision": "approved",
        "decision_number": "国网信评〔2025〕1号", "decision_date": "2025-07-15"})
    assert case.status == "approved" and case.valid_until.isoformat() == "2028-07-15"


def test_statistics_page_draws_charts_and_exports_csv_and_xlsx(people):
    from openpyxl import load_workbook

    people.signed()
    html = people.official.get("/statistics").get_data(as_text=True)
    assert html.count('<svg role="img"') >= 2 and "各出境路径案件数" in html and "各阶段平均用时" in html
    exported = people.official.get("/statistics.csv")
    assert exported.mimetype == "text/csv" and exported.get_data().startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["类别", "项目", "取值", "案件"]
    assert ["各出境路径案件数", "订立个人信息出境标准合同或者通过个人信息保护认证", "1", "1"] in rows
    book = load_workbook(io.BytesIO(people.official.get("/statistics.xlsx").get_data()))
    assert [c.value for c in book.active[1]] == ["类别", "项目", "取值", "案件"]
    assert people.official.get("/statistics.pdf").status_code == 404


def test_statistics_are_for_officials_only(people):
    assert people.enterprise.get("/statistics").status_code == 403
    assert people.assessor.get("/statistics.csv").status_code == 403


def test_statistics_empty_state(people):
    assert "还没有案件" in people.official.get("/statistics").get_data(as_text=True)


def test_acceptance_notice_and_result_received_from_the_case_page(people):
    from xborder.core.timeutil import china_today

    case = people.signed(pi=0, important=True)
    people.act(case, people.official_user, "forward_to_regulator", completeness_confirmed=True)
    html = people.official.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="action-record_acceptance"' in html and 'name="acceptance_date"' in html
    assert "登记国家网信部门受理通知书" in html and 'name="result_received_date"' in html
    future = (china_today() + dt.timedelta(days=1)).isoformat()
    refused = people.official.post(f"/cases/{case.id}/actions", data={
        "csrf_token": csrf_token(html), "action": "record_acceptance", "version": case.version,
        "acceptance_date": future}, follow_redirects=True)
    assert "受理日期不能晚于今天" in refused.get_data(as_text=True)
    assert "acceptance_notice" not in case.workflow["deadline_starts"]
    today = china_today().isoformat()
    done = people.official.post(f"/cases/{case.id}/actions", data={
        "csrf_token": csrf_token(html), "action": "record_acceptance", "version": case.version,
        "acceptance_date": today}, follow_redirects=True).get_data(as_text=True)
    assert "已登记受理通知书。" in done and case.status == "submitted_to_regulator"
    assert case.workflow["deadline_starts"]["acceptance_notice"] == today
    assert 'id="action-record_acceptance"' not in done and "登记受理通知书" in done  # the timeline
    confirmed_action(people.official, case, {
        "csrf_token": csrf_token(done), "action": "record_decision", "version": case.version, "decision": "rejected",
        "decision_number": "国网信评〔2025〕2号", "decision_date": "2025-09-30", "result_received_date": "2025-10-09"})
    assert case.status == "rejected" and case.workflow["decision"]["result_received_date"] == "2025-10-09"
