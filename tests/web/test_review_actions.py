"""Issue 18, the review and case-action pages: a refused action shows its page again with everything typed and
each problem linked; a table of contents on the review page; the open request shown once; a confirmation page
before signing, forwarding, filing and decisions; forwarding and filing shown blocked while a material is missing;
and each role's actions on the case page in each status."""

from __future__ import annotations

import re

import pytest

from tests.helpers.app import delete_rows
from tests.helpers.web import confirmed_action, csrf_token


def _review(people, case) -> str:
    return people.assessor.get(f"/cases/{case.id}/review").get_data(as_text=True)


def _checked(html: str, name: str, value: str) -> bool:
    tag = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="{re.escape(value)}"[^>]*>', html)
    return bool(tag) and " checked" in tag.group(0)


def test_a_refused_rectification_shows_the_review_page_again_with_everything_typed(people):
    case = people.submitted()
    html = _review(people, case)
    version = case.version
    response = people.assessor.post(f"/cases/{case.id}/review", data={
        "csrf_token": csrf_token(html), "version": case.version,
        "finding-PIA-1": "satisfied", "comment-PIA-1": "目的说明充分",
        "finding-PIA-2": "not_satisfied", "comment-PIA-2": "最小必要的论证不足，请补充字段清单",
        "conclude": "request_rectification", "request_rectification-comment": "  ",
        "request_rectification-key_points": ["PIA-2", "PIA-3"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 422  # the review page again, not a redirect to the case page
    assert 'id="review-form"' in page and 'role="alert"' in page
    assert '<a href="#comment-request_rectification">' in page and "必须填写说明" in page
    assert "最小必要的论证不足，请补充字段清单" in page and "目的说明充分" in page
    assert _checked(page, "finding-PIA-1", "satisfied") and _checked(page, "finding-PIA-2", "not_satisfied")
    assert _checked(page, "request_rectification-key_points", "PIA-2")
    assert _checked(page, "request_rectification-key_points", "PIA-3")
    assert not _checked(page, "request_rectification-key_points", "PIA-1")
    # Nothing half-written: neither the findings nor the request.
    assert case.status == "third_party_review" and not case.review and case.version == version


def test_a_rectification_from_the_review_page_saves_the_findings_with_it(people):
    case = people.submitted()
    response = people.assessor.post(f"/cases/{case.id}/review", data={
        "csrf_token": csrf_token(_review(people, case)), "version": case.version,
        "finding-PIA-2": "not_satisfied", "comment-PIA-2": "请补充字段清单",
        "conclude": "request_rectification", "request_rectification-comment": "请按评估意见整改",
        "request_rectification-key_points": ["PIA-2"]})
    assert response.status_code == 302 and case.status == "rectification"
    assert case.workflow["open_request"]["key_points"] == ["PIA-2"]
    assert {r["key_point"]: r["comment"] for r in case.review} == {"PIA-2": "请补充字段清单"}
    self_assessment = people.enterprise.get(f"/cases/{case.id}/self-assessment?kp=PIA-2").get_data(as_text=True)
    assert "请补充字段清单" in self_assessment and "请按评估意见整改" in self_assessment


def _summary_links(page: str) -> dict[str, str]:
    summary = page[page.index('id="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    return dict(re.findall(r'<a href="(#[^"]+)">([^<]*)</a>', summary))


def test_a_refused_checkbox_is_named_once_in_the_summary_and_linked(people):
    # The key points to fix on the review page: none ticked.
    case = people.submitted()
    refused = people.assessor.post(f"/cases/{case.id}/review", data={
        "csrf_token": csrf_token(_review(people, case)), "version": case.version,
        "conclude": "request_rectification", "request_rectification-comment": "请整改"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert _summary_links(page) == {"#key_points-request_rectification": "请至少选择一项需要整改的评估重点"}
    assert '<label for="comment-request_rectification">说明（必填）</label>' in page  # full-width, as Chinese is
    # The official's confirmation that the materials are complete: not ticked.
    case = people.signed(pi=0, important=True)
    html = people.official.get(f"/cases/{case.id}").get_data(as_text=True)
    refused = people.official.post(f"/cases/{case.id}/actions", data={
        "csrf_token": csrf_token(html), "action": "forward_to_regulator", "version": case.version})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and _summary_links(page) == {"#forward-complete": "请确认材料齐全"}
    assert 'id="forward-complete"' in page
    # A message that names its field is not preceded by the field's label either.
    case = people.signed(contract_effective_date="2025-07-01")
    html = people.official.get(f"/cases/{case.id}").get_data(as_text=True)
    refused = people.official.post(f"/cases/{case.id}/actions", data={
        "csrf_token": csrf_token(html), "action": "record_filing", "version": case.version})
    assert _summary_links(refused.get_data(as_text=True)) == {"#filing-number": "须填写备案编号"}


def test_a_refused_override_names_the_key_point_and_links_to_it(people):
    case = people.submitted()
    response = people.assessor.post(f"/cases/{case.id}/review", data={
        "csrf_token": csrf_token(_review(people, case)), "version": case.version,
        "finding-PIA-1": "satisfied", "impact-PIA-1": "low", "comment-PIA-1": "已核实"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#justification-PIA-1"' in page and "已核实" in page
    assert re.search(r'<option value="low"\s+selected', page)


def test_the_review_page_has_contents_with_each_points_state_and_progress(people):
    from xborder.cases import keypoints, operations

    case = people.submitted()
    total = len(keypoints.key_point_status(case))
    page = _review(people, case)
    assert 'class="review-toc"' in page and f"已评 0 / {total}" in page
    for kp in keypoints.key_point_status(case):
        assert f'href="#rp-{kp["id"]}"' in page and f'id="rp-{kp["id"]}"' in page
    operations.save_review(people.assessor_user, case, case.version,
                           [{"key_point": "PIA-1", "finding": "satisfied"}])
    page = _review(people, case)
    assert f"已评 1 / {total}" in page and "已评：符合" in page and "未评" in page
    # After a rectification round the points changed since the request are marked in the contents.
    people.act(case, people.assessor_user, "request_rectification", comment="请补充", key_points=["PIA-2", "PIA-3"])
    operations.save_answers(people.enterprise_user, case, case.version,
                            [{"key_point": "PIA-2", "answer": "修改后"}, {"key_point": "PIA-3", "answer": "修改后"}])
    people.act(case, people.enterprise_user, "resubmit")
    page = _review(people, case)
    assert "2 项在您提出要求后已修改" in page and page.count('class="todo changed"') + page.count(
        'class="done changed"') == 2


def test_the_open_request_is_shown_once_on_the_case_page(people):
    from xborder.cases import operations

    case = people.submitted()
    people.act(case, people.assessor_user, "request_rectification", comment="请补充接收方的安全能力说明",
               key_points=["PIA-3"])
    operations.save_answers(people.enterprise_user, case, case.version,
                            [{"key_point": "PIA-3", "answer": "已补充"}])
    for client in (people.enterprise, people.assessor):
        page = client.get(f"/cases/{case.id}").get_data(as_text=True)
        before_timeline = page[:page.index('id="timeline-title"')]
        shown = [t for t in re.split(r"<[^>]+>", before_timeline) if "请补充接收方的安全能力说明" in t]
        assert len(shown) == 1, shown
        assert 'id="request-title"' in page and "已补充" in page  # the request card and the round's changes


def test_signing_asks_for_confirmation_with_who_what_and_stage(people):
    from xborder.cases import keypoints, operations

    case = people.submitted()
    operations.save_review(people.assessor_user, case, case.version, [
        {"key_point": kp["id"], "finding": "satisfied"} for kp in keypoints.key_point_status(case)])
    page = _review(people, case)
    asked = people.assessor.post(f"/cases/{case.id}/review", data={
        "csrf_token": csrf_token(page), "version": case.version, "conclude": "sign_opinion",
        "sign_opinion-comment": "同意出境"})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and case.status == "third_party_review"
    user = people.assessor_user
    assert (user.name or user.email) in html and user.organisation.name in html
    assert "第 2 阶段：评估机构的评估意见" in html and "签署后不能修改" in html and "同意出境" in html
    assert "省级审核中" in html  # the status afterwards
    assert 'id="unmet-warning"' not in html
    # Signed with the person's own certificate from the deployment CA, naming them under their organisation (not
    # "your organisation's certificate", which it is not).
    assert f"您本人的签名证书（CN = {user.name}，O = {user.organisation.name}），由本系统的证书颁发机构签发" in html
    assert "贵机构的证书" not in html and "以您的名义签名" in html
    no_csrf = people.assessor.post(f"/cases/{case.id}/actions", data={
        "action": "sign_opinion", "version": case.version, "confirm": "1"})
    assert no_csrf.status_code == 400 and case.status == "third_party_review"
    done = people.assessor.post(f"/cases/{case.id}/actions", data={
        "csrf_token": csrf_token(html), "action": "sign_opinion", "version": case.version, "confirm": "1",
        "comment": "同意出境"})
    assert done.status_code == 302 and case.status == "provincial_review"
    assert _stage_signer(case, 2) == ("issued", user.name, user.organisation.name, user.id)


def _stage_signer(case, stage: int) -> tuple[str, str, str, int]:
    """The certificate a signed stage of the case carries: its source, subject CN and O, and who signed."""
    import sqlalchemy as sa
    from cryptography import x509

    from xborder.dossiers import signing
    from xborder.dossiers.models import SigningCertificate, Stage
    from xborder.extensions import db

    row = db.session.scalars(sa.select(Stage).where(Stage.case_id == case.id, Stage.stage == stage)).one()
    certificate = db.session.get(SigningCertificate, row.certificate_id)
    cert = signing.load_certificate(certificate.certificate_pem)
    common_name = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    return certificate.source, common_name, signing.certificate_organisation(cert), row.signed_by_id


def test_the_confirmation_names_the_organisations_own_certificate_when_it_signs(people, db):
    from cryptography.hazmat.primitives import serialization

    from xborder.dossiers import pki, signing

    organisation = people.official_user.organisation
    ca_key, ca = signing.create_ca("某商业电子认证服务机构 CA")
    pki.trust_external_ca(signing.cert_to_pem(ca))
    key, cert = signing.issue_signing_certificate(ca_key, ca, organisation_name=organisation.name,
                                                  uscc=organisation.uscc, role="provincial_official",
                                                  common_name="省网信办电子签章")
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    pki.upload_certificate(organisation, signing.cert_to_pem(cert), key_pem, None, None)
    case = people.signed(contract_effective_date="2025-07-01")
    html = people.official.get(f"/cases/{case.id}").get_data(as_text=True)
    data = {"csrf_token": csrf_token(html), "action": "record_filing", "version": case.version,
            "filing_number": "沪备-2025-0010"}
    page = people.official.post(f"/cases/{case.id}/actions", data=data).get_data(as_text=True)
    assert (f"贵机构自有的签名证书（CN = 省网信办电子签章，O = {organisation.name}），由 某商业电子认证服务机构 CA 签发"
            in page)
    assert "您本人的签名证书" not in page
    confirmed_action(people.official, case, data)
    assert _stage_signer(case, 3) == ("uploaded", "省网信办电子签章", organisation.name, people.official_user.id)


def test_signing_with_a_finding_of_not_satisfied_warns_and_needs_its_own_tick(people):
    from xborder.cases import keypoints, operations

    case = people.submitted()
    reviews = [{"key_point": kp["id"], "finding": "satisfied"} for kp in keypoints.key_point_status(case)]
    reviews[1]["finding"] = "not_satisfied"
    operations.save_review(people.assessor_user, case, case.version, reviews)
    data = {"csrf_token": csrf_token(_review(people, case)), "action": "sign_opinion", "version": case.version}
    asked = people.assessor.post(f"/cases/{case.id}/actions", data=data).get_data(as_text=True)
    assert 'id="unmet-warning"' in asked and 'name="confirm_unmet"' in asked
    refused = people.assessor.post(f"/cases/{case.id}/actions", data={**data, "confirm": "1"})
    assert refused.status_code == 422 and 'href="#confirm-unmet"' in refused.get_data(as_text=True)
    assert case.status == "third_party_review"
    people.assessor.post(f"/cases/{case.id}/actions", data={**data, "confirm": "1", "confirm_unmet": "y"})
    assert case.status == "provincial_review"


@pytest.mark.parametrize(("action", "fields", "stage"), [
    ("record_filing", {"filing_number": "沪备-2025-0009"}, "第 3 阶段：省级网信部门的记录"),
    ("forward_to_regulator", {"completeness_confirmed": "y"}, "第 3 阶段：省级网信部门的记录"),
])
def test_the_officials_actions_are_confirmed_first(people, action, fields, stage):
    case = (people.signed(contract_effective_date="2025-07-01") if action == "record_filing"
            else people.signed(pi=0, important=True))
    html = people.official.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"{'登记备案' if action == 'record_filing' else '报送国家网信部门'}" in html
    data = {"csrf_token": csrf_token(html), "action": action, "version": case.version, **fields}
    page = people.official.post(f"/cases/{case.id}/actions", data=data).get_data(as_text=True)
    assert stage in page and people.official_user.organisation.name in page and "不能" in page
    for value in fields.values():
        assert value == "y" or value in page
    confirmed_action(people.official, case, data)
    assert case.status == ("filed" if action == "record_filing" else "submitted_to_regulator")


def test_a_decision_is_confirmed_with_its_outcome_and_has_no_default(people):
    case = people.signed(pi=0, important=True)
    people.act(case, people.official_user, "forward_to_regulator", completeness_confirmed=True)
    html = people.official.get(f"/cases/{case.id}").get_data(as_text=True)
    assert '<option value="" selected disabled>' in html  # no default decision
    data = {"csrf_token": csrf_token(html), "action": "record_decision", "version": case.version,
            "decision": "approved", "decision_number": "国网信评〔2025〕7号", "decision_date": "2025-07-15"}
    page = people.official.post(f"/cases/{case.id}/actions", data=data).get_data(as_text=True)
    assert "第 4 阶段：国家网信部门的决定" in page and "国网信评〔2025〕7号" in page and "评估通过" in page
    confirmed_action(people.official, case, data)
    assert case.status == "approved"


def test_a_refused_official_action_shows_the_case_page_with_what_was_typed(people):
    case = people.signed(contract_effective_date="2025-07-01")
    html = people.official.get(f"/cases/{case.id}").get_data(as_text=True)
    response = people.official.post(f"/cases/{case.id}/actions", data={
        "csrf_token": csrf_token(html), "action": "record_filing", "version": case.version,
        "comment": "材料已核对，准予备案"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#filing-number"' in page and "须填写备案编号" in page
    assert "材料已核对，准予备案</textarea>" in page and case.status == "provincial_review"


def _drop_material(db, case, kind: str) -> None:
    from xborder.cases import materials

    rows = [row for row in materials.attached(case) if row.kind == kind]
    delete_rows(db, "evidence.id", [row.id for row in rows])
    for row in rows:
        db.session.delete(row)
    db.session.flush()


@pytest.mark.parametrize("action", ["record_filing", "forward_to_regulator"])
def test_forwarding_and_filing_are_blocked_while_a_material_is_missing(people, db, action):
    case = (people.signed(contract_effective_date="2025-07-01") if action == "record_filing"
            else people.signed(pi=0, important=True))
    _drop_material(db, case, "legal_rep_id")
    page = people.official.get(f"/cases/{case.id}").get_data(as_text=True)
    block = page[page.index(f'id="action-{action}"'):]
    block = block[:block.index("</div>")]
    assert "缺少必需的申报材料" in block and "法定代表人" in block and 'href="#materials"' in block
    assert re.search(r"<button[^>]*disabled", block) and "<form" not in page[page.index(f'id="action-{action}"') - 200:
                                                                           page.index(f'id="action-{action}"')]
    assert 'id="materials"' in page


def test_the_confirmations_stage_agrees_with_the_dossier():
    from xborder.cases.transitions import ACTIONS
    from xborder.dossiers.stages import STAGE_OF_ACTION

    confirmed = {name: a.confirm.stage for name, a in ACTIONS.items() if a.confirm is not None}
    assert confirmed == {"sign_opinion": 2, "forward_to_regulator": 3, "record_filing": 3, "record_decision": 4}
    assert all(STAGE_OF_ACTION[name] == stage for name, stage in confirmed.items())


def _case_in(people, status: str):
    from xborder.cases import operations

    if status == "draft":
        return people.case(answered=True)
    if status == "third_party_review":
        return people.submitted()
    if status == "rectification":
        case = people.submitted()
        return people.act(case, people.assessor_user, "request_rectification", comment="请补充",
                          key_points=["PIA-2"])
    if status == "rectification_changed":
        case = _case_in(people, "rectification")
        operations.save_answers(people.enterprise_user, case, case.version,
                                [{"key_point": "PIA-2", "answer": "已修改"}])
        return case
    if status == "provincial_review":
        return people.signed(contract_effective_date="2025-07-01")
    if status == "provincial_review_security":
        return people.signed(pi=0, important=True)
    if status == "submitted_to_regulator":
        case = people.signed(pi=0, important=True)
        return people.act(case, people.official_user, "forward_to_regulator", completeness_confirmed=True)
    if status == "filed":
        case = people.signed(contract_effective_date="2025-07-01")
        return people.act(case, people.official_user, "record_filing", filing_number="沪备-2025-1")
    if status == "withdrawn":
        return people.act(people.case(), people.enterprise_user, "withdraw", comment="不再需要")
    raise AssertionError(status)


# Each role's actions on the case page, by status: only what the workflow lets that role do there.
SHOWN = {
    "draft": {"enterprise": {"submit", "withdraw"}, "assessor": set(), "provincial_official": set()},
    "third_party_review": {"enterprise": {"withdraw"}, "assessor": {"request_rectification"},
                           "provincial_official": set()},
    # Before anything changed the resubmission is shown disabled, with what remains (issue 18: 撤回案件 alone).
    "rectification": {"enterprise": {"resubmit", "withdraw"}, "assessor": set(), "provincial_official": set()},
    "rectification_changed": {"enterprise": {"resubmit", "withdraw"}, "assessor": set(),
                              "provincial_official": set()},
    "provincial_review": {"enterprise": {"withdraw"}, "assessor": set(),
                          "provincial_official": {"request_supplement", "record_filing"}},
    "provincial_review_security": {"enterprise": {"withdraw"}, "assessor": set(),
                                   "provincial_official": {"request_supplement", "forward_to_regulator"}},
    "submitted_to_regulator": {"enterprise": {"withdraw"}, "assessor": set(),
                               "provincial_official": {"record_acceptance", "record_decision"}},
    # A filed case stays live until it expires; the enterprise may still withdraw it (workflow.md).
    "filed": {"enterprise": {"withdraw"}, "assessor": set(), "provincial_official": set()},
    "withdrawn": {"enterprise": set(), "assessor": set(), "provincial_official": set()},
}


@pytest.mark.parametrize("status", list(SHOWN))
@pytest.mark.parametrize("role", ["enterprise", "assessor", "provincial_official"])
def test_each_role_sees_only_the_actions_that_make_sense(people, status, role):
    case = _case_in(people, status)
    client = {"enterprise": people.enterprise, "assessor": people.assessor,
              "provincial_official": people.official}[role]
    response = client.get(f"/cases/{case.id}")
    if response.status_code == 404:
        assert not SHOWN[status][role]  # a case the role cannot see has nothing to do
        return
    page = response.get_data(as_text=True)
    shown = set(re.findall(r'id="action-(\w+)"', page))
    assert shown == SHOWN[status][role], (status, role, shown)
    enabled = set(re.findall(r'<form[^>]*id="action-(\w+)"', page))
    assert ("resubmit" in enabled) == (status == "rectification_changed" and role == "enterprise")
    assert "回答" not in page[page.index('id="actions-title"'):]  # no "answer" button among the actions
