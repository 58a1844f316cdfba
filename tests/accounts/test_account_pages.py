"""My sessions with "sign out everywhere", and the admin's users page (search, deactivate, reset MFA)."""

from __future__ import annotations

import re

from tests.helpers.accounts import STRONG
from tests.helpers.factories import auth
from xborder.accounts import mfa


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _sign_in(app, email):
    web = app.test_client()
    page = web.get("/login").get_data(as_text=True)
    assert web.post("/login", data={"email": email, "password": STRONG, "csrf_token": _csrf(page)}).status_code == 302
    return web


def test_sign_out_everywhere_ends_every_session_and_token(app, client, db, factory):
    user = factory.user("enterprise", password=STRONG)
    token = factory.token(user)
    first, second = _sign_in(app, user.email), _sign_in(app, user.email)
    page = first.get("/account/sessions").get_data(as_text=True)
    assert page.count("<tr>") >= 2 and "当前浏览器" in page
    response = first.post("/account/sessions/end-all", data={"csrf_token": _csrf(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert second.get("/account/sessions").status_code == 302  # the other browser is signed out too
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401


def test_admin_searches_deactivates_and_resets_mfa(app, client, db, factory):
    admin = factory.user("admin", password=STRONG)
    target = factory.user("enterprise", password=STRONG, name="赵六")
    mfa.begin(target)
    import pyotp

    mfa.confirm(target, pyotp.TOTP(mfa.totp_of(target).secret).now())
    web = _sign_in(app, admin.email)
    page = web.get("/admin/users?q=赵六").get_data(as_text=True)
    assert target.email in page and admin.email not in page and "重置验证器" in page
    web.post(f"/admin/users/{target.id}/reset_mfa", data={"csrf_token": _csrf(page)})
    assert not mfa.enrolled(target)
    token = factory.token(target)
    web.post(f"/admin/users/{target.id}/deactivate", data={"csrf_token": _csrf(page)})
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401
    assert client.post("/api/v1/auth/token", json={"email": target.email, "password": STRONG}).status_code == 401
    assert _sign_in(app, admin.email).post(f"/admin/users/{admin.id}/deactivate",
                                           data={"csrf_token": _csrf(page)}).status_code in (302, 400)
    db.session.refresh(admin)
    assert admin.active  # an admin cannot deactivate themself
    other = _sign_in(app, factory.user("enterprise", password=STRONG).email)
    assert other.get("/admin/users").status_code == 403
