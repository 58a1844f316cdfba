"""Demo cases for `xborder serve --demo`: real declarations and answers in several pathways, three drafts and four
cases taken through the workflow by the demo users (so their audit chain, deadlines, notifications and signed
dossier stages are those the API would have made)."""

from __future__ import annotations

import sqlalchemy as sa

from xborder.accounts.models import User
from xborder.cases import demo_answers, demo_facts, evidence, material_uploads, materials, operations, workflow
from xborder.cases.keypoints import key_point_status
from xborder.cases.models import Case
from xborder.cases.models.status import CaseStatus
from xborder.core.timeutil import china_today
from xborder.extensions import db

EXPORTER_USCC = "9131011552601815X1"
DEMO_EMAILS = {"enterprise": "enterprise@demo.xborder", "assessor": "assessor@demo.xborder",
               "official": "official@demo.xborder"}


def _declaration(transfers: list[dict]) -> dict:
    return {
        "as_of": "2025-06-30",
        "exporter": {"name": "上海演示智能制造有限公司", "uscc": EXPORTER_USCC, "province": "310000",
                     "sector": "manufacturing", "is_ciio": False, "pi_subjects_processed": 420_000},
        "prior_transfers": [{"date": "2025-02-10", "pi_individuals": 30_000, "sensitive_pi_individuals": 0,
                             "exemption": None}],
        "transfers": transfers,
    }


def _transfer(purpose: str, recipient: str, country: str, pi: int, sensitive: int = 0, important: bool = False,
              onward: bool = False, exemption: str | None = None, categories: tuple[str, ...] = ("contact",)) -> dict:
    return {"purpose": purpose, "exemption": exemption,
            "recipient": {"name": recipient, "country": country, "onward_transfer": onward},
            "data": {"pi_individuals": pi, "sensitive_pi_individuals": sensitive, "important_data": important,
                     "core_data": False, "transit_only": False, "categories": list(categories)}}


# Each step: (who, what, body), `what` a workflow action or "answers" / "review" (the self-assessment and review
# operations the pages and the API call). The submit names the demo assessor; dates and numbers are filled in
# when the step is taken (the workflow refuses a decision dated after today).
SUBMIT = ("enterprise", "submit", {})
REVIEW_AND_SIGN = (("assessor", "review", {}), ("assessor", "sign_opinion", {}))

DEMO_CASES = (
    ("海外员工人事管理数据出境", [_transfer("跨境人力资源管理", "Demo Manufacturing GmbH", "DE", 1_200,
                                          exemption="cross_border_hr", categories=("employment",))], [], ()),
    ("全球售后服务工单数据出境", [_transfer("全球售后服务工单处理", "Demo Service Europe GmbH", "DE", 80_000,
                                          categories=("contact", "device"))], [
        {"key_point": "PIA-1", "answer": "为向境外用户提供售后维修服务，仅传输工单所需的联系方式和设备序列号。",
         "measures": "字段级最小化，保存期限12个月。", "responses": {}},
        {"key_point": "PIA-2", "answer": "约8万名用户的联系方式与设备信息，不含敏感个人信息。",
         "measures": "", "responses": {}},
    ], ()),
    ("工业设备运行数据（重要数据）出境", [_transfer("海外研发中心联合调试", "Demo R&D Inc.", "US", 0, important=True,
                                                 onward=True, categories=("equipment_telemetry",))], [], ()),
    # Approved by the national CAC: valid for the regime's years from the decision.
    ("海外工厂生产运营数据（重要数据）出境", [_transfer(
        "海外工厂生产运营数据同步", "Demo Manufacturing Japan K.K.", "JP", 3_000, important=True,
        categories=("production_data", "contact"))], demo_answers.PLANT_ANSWERS, (
        SUBMIT, *REVIEW_AND_SIGN,
        ("official", "forward_to_regulator", {"completeness_confirmed": True, "comment": "材料齐全，报送国家网信办。"}),
        ("official", "record_decision", {"decision": CaseStatus.APPROVED.value,
                                         "decision_number": "国网信数评〔{year}〕0087号"}))),
    # Filed after one round of rectification (the assessor asked for more on the recipient's safeguards).
    ("亚太区设备远程运维用户数据出境", [_transfer(
        "亚太区设备远程运维", "Demo Service Asia Pte. Ltd.", "SG", 120_000, categories=("contact", "device"))],
        demo_answers.SERVICE_ANSWERS, (
        SUBMIT,
        ("assessor", "request_rectification", {"comment": "请补充境外接收方的数据安全承诺书及个人信息保护认证计划。",
                                               "key_points": ["PIA-3"]}),
        ("enterprise", "answers", {"answers": demo_answers.SERVICE_RECTIFIED}),
        ("enterprise", "resubmit", {}), *REVIEW_AND_SIGN,
        ("official", "record_filing", {"filing_number": "沪数出备〔{year}〕0126号",
                                       "comment": "材料齐全，予以备案。"}))),
    # With the provincial authority: the official's completeness check runs from today.
    ("全球研发协同平台工艺数据（重要数据）出境", [_transfer(
        "德国研发中心工艺联合优化", "Demo Engineering GmbH", "DE", 2_000, important=True,
        categories=("process_parameters", "contact"))], demo_answers.PLATFORM_ANSWERS, (SUBMIT, *REVIEW_AND_SIGN)),
    # In the demo assessor's queue, every key point answered.
    ("欧洲经销商客户关系管理数据出境", [_transfer(
        "欧洲经销商售后回访及保修服务", "Demo Sales Europe SAS", "FR", 150_000, categories=("contact", "purchase"))],
        demo_answers.CRM_ANSWERS, (SUBMIT,)),
)


def specimen_pdf(title: str) -> bytes:
    """A one-page PDF saying it is a demo specimen of `title` (ASCII), so demo materials open in any viewer."""
    text = title.encode("ascii", "replace").replace(b"(", b"[").replace(b")", b"]")
    stream = b"BT /F1 14 Tf 72 760 Td (xborder demo specimen - not a real document) Tj 0 -24 Td (" + text + b") Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def attach_demo_materials(case: Case, user: User) -> None:
    """Give a demo case what a filing carries: a specimen of every material its mechanism requires and one evidence
    file for its first key point, so the demo's first bundle is a complete one."""
    present = {row.kind for row in materials.attached(case)}
    for required in materials.requirements(case):
        if required["kind"] not in present:
            material_uploads.add_material(user, case, required["kind"], f"{required['title_zh']}.pdf",
                                   specimen_pdf(f"{required['title_en']} - {case.reference}"))
    points = key_point_status(case)
    if points and all(row.get("key_point") is None for row in evidence.evidence_list(case)):
        note = f"{case.title}：{points[0]['title_zh']} 的自评估工作记录（演示）。\n".encode()
        evidence.add_evidence(user, case, "自评估工作记录.txt", note, points[0]["id"])


def _take(case: Case, users: dict[str, User], who: str, what: str, body: dict) -> None:
    """One step of a demo case's history, through the operation the API calls for it."""
    user = users[who]
    if what == "answers":
        operations.save_answers(user, case, case.version, body["answers"])
        return
    if what == "review":
        points = [kp["id"] for kp in key_point_status(case)]
        operations.save_review(user, case, case.version, demo_answers.findings(points))
        return
    today = china_today()
    body = {k: v.format(year=today.year) if isinstance(v, str) else v for k, v in body.items()}
    if what == "submit":
        body["assessor_org_id"] = users["assessor"].organisation_id
        attach_demo_materials(case, user)
    if what == "record_decision":
        body["decision_date"] = today.isoformat()
    workflow.transition(case, user, what, {**body, "version": case.version})


def seed_demo_cases() -> None:
    """Create the demo cases for the demo enterprise once (matched by title), each taken to its status."""
    users = {role: db.session.scalar(sa.select(User).where(User.email == email))
             for role, email in DEMO_EMAILS.items()}
    user = users["enterprise"]
    if user is None:
        return
    for title, transfers, answers, steps in DEMO_CASES:
        exists = db.session.scalar(sa.select(Case.id).where(Case.exporter_id == user.organisation_id,
                                                            Case.title == title))
        if exists is not None:
            continue
        declaration = _declaration(transfers)
        if any(what == "record_filing" for _, what, _ in steps):
            # A standard contract is filed within 10 working days of taking effect (sc-measures-2023 art 7): the
            # filing needs the day (issue 15).
            declaration["contract_effective_date"] = declaration["as_of"]
        case = operations.create_case(user, title, declaration)
        if answers:
            operations.save_answers(user, case, case.version, answers)
        if steps:  # the cases taken through the workflow sign complete documents; the drafts show the gaps list
            operations.save_facts(user, case, case.version, demo_facts.facts_for(title, declaration))
        if steps and None in users.values():
            continue  # an edited demo without the assessor or the official: the case stays a draft
        for who, what, body in steps:
            _take(case, users, who, what, body)
