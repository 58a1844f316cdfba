"""The registration page (Chinese first) and the official's registrations list with approve and reject."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.helpers.accounts import STRONG, uscc_in
from xborder.accounts.demo import DEMO_PASSWORD, seed_demo_accounts
from xborder.accounts.models import User
from xborder.accounts.records import Registration


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _form(uscc: str, email: str, **over) -> dict:
    return {"kind": "enterprise", "org_name": "页面注册有限公司", "uscc": uscc, "province": "310000",
            "user_name": "李明", "email": email, "password": STRONG, **over}


def test_register_page_in_chinese_refuses_then_accepts(app, db):
    web = app.test_client()
    page = web.get("/register").get_data(as_text=True)
    assert "组织注册" in page and "统一社会信用代码" in page and "上海市" in page
    wrong = web.post("/register", data={**_form(uscc_in("440300"), "page@example.test"), "csrf_token": _csrf(page)})
    body = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and 'id="uscc-error"' in body and "不在上海市" in body
    weak = web.post("/register", data={**_form(uscc_in("310100"), "page@example.test", password="password123"),
                                       "csrf_token": _csrf(page)})
    assert weak.status_code == 422 and 'id="password-error"' in weak.get_data(as_text=True)
    done = web.post("/register", data={**_form(uscc_in("310100"), "page@example.test"), "csrf_token": _csrf(page)})
    assert done.status_code == 200 and "申请已提交" in done.get_data(as_text=True)
    assert db.session.scalar(sa.select(Registration.status).where(Registration.email == "page@example.test")) \
        == "pending"


def test_official_approves_and_rejects_on_the_list(app, db):
    seed_demo_accounts()
    applicant = app.test_client()
    page = applicant.get("/register").get_data(as_text=True)
    for n, email in enumerate(("approve@example.test", "reject@example.test")):
        applicant.post("/register", data={**_form(uscc_in("310100"), email, org_name=f"列表测试{n}公司"),
                                          "csrf_token": _csrf(page)})
    ids = dict(db.session.execute(sa.select(Registration.email, Registration.id)).all())

    official = app.test_client()
    login = official.get("/login").get_data(as_text=True)
    official.post("/login", data={"email": "official@demo.xborder", "password": DEMO_PASSWORD,
                                  "csrf_token": _csrf(login)})
    listing = official.get("/registrations").get_data(as_text=True)
    assert "列表测试0公司" in listing and "列表测试1公司" in listing and "批准" in listing
    token = _csrf(listing)
    official.post(f"/registrations/{ids['approve@example.test']}/approve", data={"csrf_token": token})
    no_reason = official.post(f"/registrations/{ids['reject@example.test']}/reject", data={"csrf_token": token},
                              follow_redirects=True)
    assert "请说明驳回理由" in no_reason.get_data(as_text=True)
    official.post(f"/registrations/{ids['reject@example.test']}/reject",
                  data={"csrf_token": token, "comment": "材料不全"})
    statuses = dict(db.session.execute(sa.select(Registration.email, Registration.status)).all())
    assert statuses == {"approve@example.test": "approved", "reject@example.test": "rejected"}
    assert db.session.scalar(sa.select(User.role).where(User.email == "approve@example.test")) == "enterprise"
    assert db.session.scalar(sa.select(User.id).where(User.email == "reject@example.test")) is None

    enterprise = app.test_client()
    assert enterprise.get("/registrations").status_code in (302, 401)  # not signed in
