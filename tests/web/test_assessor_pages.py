"""The assessor's queue and review screen: answers and evidence beside the findings, rectification naming key
points, what changed since the last round, and signing."""

from __future__ import annotations

from tests.helpers.web import csrf_token


def test_queue_lists_only_cases_naming_the_assessor(people):
    mine = people.submitted(title="送评案件")
    people.case(title="未提交草稿")
    html = people.assessor.get("/").get_data(as_text=True)
    assert mine.reference in html and f'href="/cases/{mine.id}/review"' in html
    assert "未提交草稿" not in html


def test_review_shows_answers_beside_findings_and_saves_them(people):
    case = people.submitted()
    html = people.assessor.get(f"/cases/{case.id}/review").get_data(as_text=True)
    assert "企业的回答" in html and "PIA-1 的回答" in html and 'name="finding-PIA-1"' in html
    form = {"csrf_token": csrf_token(html), "version": case.version, "finding-PIA-1": "satisfied",
            "comment-PIA-1": "材料充分", "finding-PIA-2": "not_satisfied"}
    response = people.assessor.post(f"/cases/{case.id}/review", data=form)
    assert response.status_code == 302
    assert {r["key_point"]: r["finding"] for r in case.review} == {"PIA-1": "satisfied", "PIA-2": "not_satisfied"}


def test_an_override_without_justification_is_refused_with_the_reason(people):
    case = people.submitted()
    html = people.assessor.get(f"/cases/{case.id}/review").get_data(as_text=True)
    response = people.assessor.post(f"/cases/{case.id}/review", data={
        "csrf_token": csrf_token(html), "version": case.version, "finding-PIA-1": "satisfied",
        "impact-PIA-1": "low"})
    assert response.status_code == 422
    assert 'role="alert"' in response.get_data(as_text=True)
    assert not case.review


def test_review_refuses_posts_without_csrf_and_other_roles(people):
    case = people.submitted()
    assert people.assessor.post(f"/cases/{case.id}/review", data={"version": case.version,
                                                                   "finding-PIA-1": "satisfied"}).status_code == 400
    assert people.enterprise.get(f"/cases/{case.id}/review").status_code == 403


def test_rectification_names_key_points_and_the_next_round_shows_what_changed(people):
    from xborder.cases import operations

    case = people.submitted()
    html = people.assessor.get(f"/cases/{case.id}/review").get_data(as_text=True)
    token = csrf_token(html)
    refused = people.assessor.post(f"/cases/{case.id}/actions", data={
        "csrf_token": token, "action": "request_rectification", "version": case.version, "comment": "请补充"},
        follow_redirects=True)
    assert "请至少选择一项需要整改的评估重点" in refused.get_data(as_text=True)
    done = people.assessor.post(f"/cases/{case.id}/actions", data={
        "csrf_token": token, "action": "request_rectification", "version": case.version, "comment": "请补充安全能力",
        "key_points": ["PIA-3"]})
    assert done.status_code == 302 and case.status == "rectification"
    enterprise_page = people.enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "待处理的要求" in enterprise_page and "请补充安全能力" in enterprise_page
    operations.save_answers(people.enterprise_user, case, case.version,
                            [{"key_point": "PIA-3", "answer": "接收方已通过认证"}])
    people.act(case, people.enterprise_user, "resubmit")
    review = people.assessor.get(f"/cases/{case.id}/review").get_data(as_text=True)
    assert "上一轮的修改" in review and "接收方已通过认证" in review and "被要求修改" in review


def test_sign_opinion_after_findings_for_every_key_point(people):
    from xborder.cases import keypoints, operations

    case = people.submitted()
    html = people.assessor.get(f"/cases/{case.id}/review").get_data(as_text=True)
    assert 'id="action-sign_opinion"' not in html  # not offered before every key point has a finding
    reviews = [{"key_point": kp["id"], "finding": "satisfied"} for kp in keypoints.key_point_status(case)]
    operations.save_review(people.assessor_user, case, case.version, reviews)
    html = people.assessor.get(f"/cases/{case.id}/review").get_data(as_text=True)
    asked = people.assessor.post(f"/cases/{case.id}/actions", data={
        "csrf_token": csrf_token(html), "action": "sign_opinion", "version": case.version})
    page = asked.get_data(as_text=True)
    # A confirmation page first (issue 18): what is signed, by whom, which stage; nothing is signed yet.
    assert asked.status_code == 200 and case.status == "third_party_review"
    assert "第 2 阶段" in page and people.assessor_user.organisation.name in page and 'name="confirm"' in page
    response = people.assessor.post(f"/cases/{case.id}/actions", data={
        "csrf_token": csrf_token(page), "action": "sign_opinion", "version": case.version, "confirm": "1"})
    assert response.status_code == 302 and case.status == "provincial_review"


def test_an_assessor_cannot_take_the_enterprises_action(people):
    case = people.submitted()
    html = people.assessor.get(f"/cases/{case.id}").get_data(as_text=True)
    response = people.assessor.post(f"/cases/{case.id}/actions", data={
        "csrf_token": csrf_token(html), "action": "withdraw", "version": case.version, "comment": "x"})
    assert response.status_code == 403
    assert case.status == "third_party_review"
