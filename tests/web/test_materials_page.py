"""The case page's filing materials (issue 16): present and missing, an upload form for the exporter while it may
edit, the three-month warning; and the demo's filed and approved cases carry their materials into their bundles."""

from __future__ import annotations

import datetime as dt
import io
import re

import sqlalchemy as sa

from tests.helpers.factories import declaration
from xborder.cases import materials, operations
from xborder.cases.demo import specimen_pdf
from xborder.cases.models import Case, Evidence
from xborder.core.timeutil import china_today

USCC = "9131011552601815X1"


def _sign_in(app, email: str):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    response = client.post("/login", data={"email": email, "password": "demo-password", "csrf_token": token})
    assert response.status_code == 302
    return client


def _draft(db) -> tuple[Case, object]:
    from xborder.accounts.demo import seed_demo_accounts
    from xborder.accounts.models import User

    seed_demo_accounts()
    user = db.session.scalar(sa.select(User).where(User.email == "enterprise@demo.xborder"))
    case = operations.create_case(user, "页面材料", declaration(USCC, pi=0, important=True))
    operations.save_answers(user, case, case.version, [{"key_point": p["id"], "answer": "已评估"}
                                                       for p in materials_points(case)])
    db.session.flush()
    return case, user


def materials_points(case):
    from xborder.cases.keypoints import key_point_status

    return key_point_status(case)


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)[1]


def test_the_case_page_lists_materials_and_uploads_one(app, db):
    case, _ = _draft(db)
    web = _sign_in(app, "enterprise@demo.xborder")
    html = web.get(f"/cases/{case.id}?lang=zh").get_data(as_text=True)
    section = html[html.index('id="materials"'):]
    assert "申报材料" in section and "统一社会信用代码证件" in section and "缺少" in section
    shown = re.sub(r'(?:value|data-kind)="[a-z_]+"', "", section.split("</section>")[0])
    assert "uscc_copy" not in shown  # no code reaches the eye
    response = web.post(f"/cases/{case.id}/materials", content_type="multipart/form-data", data={
        "csrf_token": _csrf(html), "kind": "uscc_copy", "file": (io.BytesIO(specimen_pdf("uscc")), "执照.pdf")})
    assert response.status_code == 302
    row = db.session.scalar(sa.select(Evidence).where(Evidence.case_id == case.id, Evidence.kind == "uscc_copy"))
    assert row is not None and row.filename == "执照.pdf"
    html = web.get(f"/cases/{case.id}?lang=zh").get_data(as_text=True)
    assert "执照.pdf" in html and "已上传" in html


def test_the_page_warns_a_month_before_the_report_goes_stale(app, db):
    case, _ = _draft(db)
    web = _sign_in(app, "enterprise@demo.xborder")
    assert "请于" not in web.get(f"/cases/{case.id}?lang=zh").get_data(as_text=True)  # answered today: fresh
    completed = materials.add_months(china_today(), -3) + dt.timedelta(days=10)
    case.workflow = {**case.workflow, "assessment_completed_on": completed.isoformat()}
    db.session.flush()
    html = web.get(f"/cases/{case.id}?lang=zh").get_data(as_text=True)
    assert f"自评估完成于 {completed.isoformat()}" in html and "请于" in html
    case.workflow = {**case.workflow, "assessment_completed_on": (completed - dt.timedelta(days=40)).isoformat()}
    db.session.flush()
    assert "已超过 3 个月" in web.get(f"/cases/{case.id}?lang=zh").get_data(as_text=True)


def test_the_demo_filed_and_approved_cases_carry_materials_and_evidence_into_their_bundles(db):
    from tests.helpers.dossiers import entries
    from xborder.demo import seed_demo
    from xborder.dossiers import stages
    from xborder.dossiers.builds import assemble
    from xborder.dossiers.pki import verification_anchors
    from xborder.dossiers.verify import verify_bundle

    seed_demo()
    db.session.flush()
    cases = {c.title: c for c in db.session.scalars(sa.select(Case))}
    for title in ("海外工厂生产运营数据（重要数据）出境", "亚太区设备远程运维用户数据出境"):
        case = cases[title]
        assert all(r["present"] for r in materials.report(case)["required"]), title
        rows = db.session.scalars(sa.select(Evidence).where(Evidence.case_id == case.id)).all()
        assert any(r.kind is None for r in rows) and any(r.kind for r in rows)
        data = assemble(case)
        contents = entries(data)
        assert all(contents[stages.evidence_path(r)] == r.data for r in rows), title
        assert verify_bundle(data, ca_pem=verification_anchors()[0]).exit_code == 0, title
