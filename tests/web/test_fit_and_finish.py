"""Issue 18: the history folds autosaves and names every event; notifications lead to the case and can all be read
at once; the favicon exists; a sign-in request speaks the page's language; diffs and pickers show names."""

from __future__ import annotations

import datetime as dt
import re

from tests.helpers.web import csrf_token
from xborder.web.helpers import fold_history


def _entry(action, minutes, actor="张三"):
    at = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    return {"action": action, "at": at, "actor": actor, "organisation": "演示", "payload": {}}


def test_autosaves_of_one_editing_session_fold_into_one_entry():
    # Newest first, as the timeline is: three saves ten minutes apart, a submit, a save by someone else, an old save.
    entries = [_entry("self_assessment.saved", 100), _entry("self_assessment.saved", 90),
               _entry("self_assessment.saved", 80), _entry("self_assessment.saved", 70, actor="李四"),
               _entry("transition.submit", 60), _entry("self_assessment.saved", 10),
               _entry("self_assessment.saved", -50)]
    folded = fold_history(entries)
    assert [(e["action"], e["count"]) for e in folded] == [
        ("self_assessment.saved", 3), ("self_assessment.saved", 1), ("transition.submit", 1),
        ("self_assessment.saved", 1), ("self_assessment.saved", 1)]
    assert folded[0]["session_start"] == entries[2]["at"] and folded[0]["at"] == entries[0]["at"]


def test_case_history_names_every_event_and_folds_autosaves_while_the_audit_chain_keeps_all(people, db):
    import sqlalchemy as sa

    from xborder.cases import operations
    from xborder.core import audit

    case = people.case()
    for text in ("一", "二", "三"):
        operations.save_answers(people.enterprise_user, case, case.version, [{"key_point": "PIA-1", "answer": text}])
    audit.record(case, "job.reminder", {})
    db.session.flush()
    saved = db.session.scalar(sa.select(sa.func.count()).select_from(audit.AuditEntry).where(
        audit.AuditEntry.case_id == case.id, audit.AuditEntry.action == "self_assessment.saved"))
    assert saved == 3
    html = people.enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    assert html.count("保存自评估") == 1 and "同一次编辑中保存 3 次" in html
    assert "已发送期限提醒" in html and "job.reminder" not in html
    people.enterprise.get("/lang/en")
    html = people.enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Deadline reminder sent" in html and "3 saves in one editing session" in html


def test_rectification_diff_shows_key_point_titles_and_option_labels(people):
    case = people.submitted()
    people.act(case, people.assessor_user, "request_rectification", comment="请补充", key_points=["PIA-2"])
    from xborder.cases import operations

    operations.save_answers(people.enterprise_user, case, case.version,
                            [{"key_point": "PIA-2", "answer": "修改后的回答"}])
    html = people.assessor.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "修改后的回答" in html
    # The id stays as a reference, followed by the title, wherever the request or the diff names the point.
    assert 'chip">PIA-2<' not in html and 'chip">PIA-2 出境个人信息的规模' in html
    # The enterprise's answer is called an answer (回答), on its own pages and the assessor's, never a finding.
    for client in (people.enterprise, people.assessor):
        card = client.get(f"/cases/{case.id}").get_data(as_text=True)
        card = card[card.index('id="changes-title"'):]
        card = card[:card.index("</section>")]
        assert '<span class="muted">回答</span>' in card and "评估结论" not in card
    form = people.enterprise.get(f"/cases/{case.id}/self-assessment?kp=PIA-2").get_data(as_text=True)
    assert '<label for="answer">您的回答</label>' in form


def test_change_values_read_as_option_labels(app):
    from xborder.web.helpers import change_field, change_value

    with app.test_request_context("/?lang=zh_CN"):
        assert change_field("responses/SELF-1.q2") == "出境数据是否限于实现目的所必需的最小范围？"
        assert change_value("responses/SELF-1.q2", "partly") == "部分字段超出必要范围或未论证"
        assert change_value("answer", None) == "—"


def test_notifications_link_to_the_case_and_point_count_unread_and_mark_all_read(people):
    case = people.submitted()
    people.act(case, people.assessor_user, "request_rectification", comment="请补充", key_points=["PIA-2"])
    home = people.enterprise.get("/").get_data(as_text=True)
    assert '<span class="badge">' in home
    page = people.enterprise.get("/notifications/").get_data(as_text=True)
    assert f'href="/cases/{case.id}"' in page and f"打开案件 {case.reference}" in page
    assert f'href="/cases/{case.id}/self-assessment?kp=PIA-2"' in page
    response = people.enterprise.post("/notifications/read-all", data={"csrf_token": csrf_token(page)},
                                      follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "条通知标为已读" in html and '<span class="badge">' not in html and "全部标为已读" not in html


def test_favicon_is_served_and_linked(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)


def test_sign_in_request_is_in_chinese_on_a_chinese_page(client):
    html = client.get("/notifications/", follow_redirects=True).get_data(as_text=True)
    assert "请先登录后查看此页面。" in html and "Please log in" not in html


def test_sector_is_a_picker_of_names(people):
    case = people.case()
    html = people.enterprise.get(f"/cases/{case.id}/declaration").get_data(as_text=True)
    assert '<select id="sector" name="sector"' in html and ">制造业</option>" in html


def test_country_names_come_from_cldr_without_the_old_misspellings(app):
    from xborder.web.helpers import country_name

    with app.test_request_context("/?lang=zh_CN"):
        assert [country_name(c) for c in ("KH", "MT", "GT", "TW")] == [
            "柬埔寨（KH）", "马耳他（MT）", "危地马拉（GT）", "中国台湾（TW）"]
    with app.test_request_context("/?lang=en"):
        assert country_name("KH") == "Cambodia (KH)"


def test_signing_with_a_not_satisfied_finding_asks_for_a_confirmation_and_decisions_have_no_default(people):
    from xborder.cases import keypoints, operations

    case = people.submitted()
    points = [kp["id"] for kp in keypoints.key_point_status(case)]
    reviews = [{"key_point": kp, "finding": "not_satisfied" if kp == points[0] else "satisfied"} for kp in points]
    operations.save_review(people.assessor_user, case, case.version, reviews)
    html = people.assessor.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "以下评估重点被认定为不符合" in html
    # The express confirmation is asked on the confirmation page that signing goes through (issue 18).
    asked = people.assessor.post(f"/cases/{case.id}/actions", data={
        "csrf_token": csrf_token(html), "action": "sign_opinion", "version": case.version}).get_data(as_text=True)
    assert "以下评估重点被认定为不符合" in asked and 'name="confirm_unmet" value="y"' in asked
    assert case.status == "third_party_review"
    # The enterprise reads its answers; it is not asked to "answer" a case it can no longer edit.
    enterprise = people.enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "查看自评估" in enterprise and f'href="/cases/{case.id}/review"' not in enterprise
    decided = people.signed(pi=0, important=True)
    people.act(decided, people.official_user, "forward_to_regulator", completeness_confirmed=True)
    html = people.official.get(f"/cases/{decided.id}").get_data(as_text=True)
    assert '<option value="" selected disabled>请选择…</option>' in html


def test_rectification_is_guided_point_by_point_and_the_resubmit_action_says_what_remains(people):
    from xborder.cases import operations

    case = people.submitted()
    operations.save_review(people.assessor_user, case, case.version, [
        {"key_point": "PIA-2", "finding": "not_satisfied", "comment": "请说明敏感个人信息的范围"},
        {"key_point": "PIA-3", "finding": "not_satisfied", "comment": "请补充接收方承诺书"}])
    people.act(case, people.assessor_user, "request_rectification", comment="两项需整改",
               key_points=["PIA-2", "PIA-3"])
    page = people.enterprise.get(f"/cases/{case.id}/self-assessment?kp=PIA-2").get_data(as_text=True)
    assert "对本评估重点的整改要求" in page and "请说明敏感个人信息的范围" in page and "两项需整改" in page
    assert page.count("尚待修改") == 3  # beside this point, and both named points in the list
    # Before anything is changed the resubmission is shown already, disabled, with what remains and a way there.
    html = people.enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    card = html[html.index('id="action-resubmit"'):]
    card = card[:card.index("</div>")]
    assert "请先按要求修改，修改后即可在此重新提交" in card and re.search(r"<button[^>]*disabled", card)
    assert f'href="/cases/{case.id}/self-assessment?kp=PIA-2"' in card and "PIA-3" in card
    operations.save_answers(people.enterprise_user, case, case.version,
                            [{"key_point": "PIA-2", "answer": "修改后的回答"}])
    page = people.enterprise.get(f"/cases/{case.id}/self-assessment?kp=PIA-2").get_data(as_text=True)
    assert "自提出要求以来的修改" in page and page.count("尚待修改") == 1
    html = people.enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "以下评估重点自提出要求以来尚未修改：PIA-3 " in html
    assert f'href="/cases/{case.id}/self-assessment?kp=PIA-3"' in html
    operations.save_answers(people.enterprise_user, case, case.version,
                            [{"key_point": "PIA-3", "answer": "已补充承诺书"}])
    assert "要求中列出的评估重点均已修改" in people.enterprise.get(f"/cases/{case.id}").get_data(as_text=True)


def test_the_review_page_marks_the_points_changed_since_the_request(people):
    from xborder.cases import operations

    case = people.submitted()
    people.act(case, people.assessor_user, "request_rectification", comment="请补充", key_points=["PIA-2", "PIA-3"])
    operations.save_answers(people.enterprise_user, case, case.version,
                            [{"key_point": "PIA-2", "answer": "修改后的回答"}])
    people.act(case, people.enterprise_user, "resubmit")
    html = people.assessor.get(f"/cases/{case.id}/review").get_data(as_text=True)
    assert html.count("自您提出要求以来已修改") == 1
    section = html[html.index('id="rp-PIA-2"'):html.index('id="rp-PIA-3"')]
    assert "自您提出要求以来已修改" in section
