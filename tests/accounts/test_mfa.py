"""The TOTP second factor (api.md): enrolment, codes at the token endpoint and the web login, recovery codes, and
XBORDER_MFA_REQUIRED_ROLES."""

from __future__ import annotations

import time

import pyotp

from tests.helpers.accounts import STRONG
from tests.helpers.factories import auth


def _csrf(html: str) -> str:
    import re

    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _enrol(client, token) -> tuple[pyotp.TOTP, list[str]]:
    begun = client.post("/api/v1/auth/totp", headers=auth(token))
    assert begun.status_code == 200 and begun.json["otpauth_uri"].startswith("otpauth://totp/")
    totp = pyotp.TOTP(begun.json["secret"])
    wrong = client.post("/api/v1/auth/totp/confirm", headers=auth(token), json={"otp": "000000"
                                                                                if totp.now() != "000000" else "1"})
    assert wrong.status_code == 422 and wrong.json["errors"][0]["path"] == "otp"
    confirmed = client.post("/api/v1/auth/totp/confirm", headers=auth(token), json={"otp": totp.now()})
    assert confirmed.status_code == 200
    return totp, confirmed.json["recovery_codes"]


def test_enrolled_user_needs_otp_for_a_token(client, db, factory):
    user = factory.user("enterprise", password=STRONG)
    totp, recovery = _enrol(client, factory.token(user))
    assert len(recovery) == 10 and len(set(recovery)) == 10
    assert client.post("/api/v1/auth/totp", headers=auth(factory.token(user))).status_code == 409  # no silent swap

    creds = {"email": user.email, "password": STRONG}
    assert client.post("/api/v1/auth/token", json=creds).status_code == 401
    assert client.post("/api/v1/auth/token", json={**creds, "otp": "123"}).status_code == 401
    # The confirming code is used: the next time step's code (accepted for clock drift) is new.
    code = totp.at(time.time() + totp.interval)
    assert client.post("/api/v1/auth/token", json={**creds, "otp": code}).status_code == 200
    assert client.post("/api/v1/auth/token", json={**creds, "otp": code}).status_code == 401  # each code once
    assert client.post("/api/v1/auth/token", json={**creds, "otp": recovery[0]}).status_code == 200
    assert client.post("/api/v1/auth/token", json={**creds, "otp": recovery[0]}).status_code == 401  # used up


def test_web_login_asks_for_the_code(app, client, db, factory):
    user = factory.user("enterprise", password=STRONG)
    totp, _ = _enrol(client, factory.token(user))
    web = app.test_client()
    page = web.get("/login").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page
    refused = web.post("/login", data={"email": user.email, "password": STRONG, "csrf_token": _csrf(page)})
    assert refused.status_code == 401 and "动态口令" in refused.get_data(as_text=True)
    signed_in = web.post("/login", data={"email": user.email, "password": STRONG, "csrf_token": _csrf(page),
                                         "otp": totp.at(time.time() + totp.interval)})
    assert signed_in.status_code == 302


def test_required_roles_must_enrol(app, client, db, factory, mfa_required):
    official = factory.user("provincial_official", password=STRONG)
    refused = client.post("/api/v1/auth/token", json={"email": official.email, "password": STRONG})
    assert refused.status_code == 403
    assert refused.json["errors"][0]["code"] == "mfa_enrolment_required"
    enterprise = factory.user("enterprise", password=STRONG)  # not a required role: passwords still do
    assert client.post("/api/v1/auth/token", json={"email": enterprise.email, "password": STRONG}).status_code == 200

    web = app.test_client()
    page = web.get("/login").get_data(as_text=True)
    response = web.post("/login", data={"email": official.email, "password": STRONG, "csrf_token": _csrf(page)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/totp")
    assert web.get("/").headers["Location"].endswith("/account/totp")  # every page leads to enrolment
    enrol_page = web.get("/account/totp").get_data(as_text=True)
    assert "<svg" in enrol_page and "请用验证器应用扫描二维码" in enrol_page
    import re

    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', enrol_page).group(1)
    done = web.post("/account/totp", data={"otp": pyotp.TOTP(secret).now(), "csrf_token": _csrf(enrol_page)})
    assert done.status_code == 200 and "恢复码" in done.get_data(as_text=True)
    assert web.get("/").status_code == 200
    code = pyotp.TOTP(secret).at(time.time() + 30)
    assert client.post("/api/v1/auth/token", json={"email": official.email, "password": STRONG,
                                                   "otp": code}).status_code == 200


def test_required_roles_setting_parses():
    from xborder.config import ConfigError, load_settings

    base = {"XBORDER_SECRET_KEY": "s" * 20, "XBORDER_KEY_PASSPHRASE": "p" * 20, "XBORDER_INSTANCE_PATH": "/tmp/x"}
    assert load_settings(base).mfa_required_roles == ("provincial_official", "admin")
    assert load_settings({**base, "XBORDER_MFA_REQUIRED_ROLES": ""}).mfa_required_roles == ()
    assert load_settings({**base, "XBORDER_MFA_REQUIRED_ROLES": "admin"}).mfa_required_roles == ("admin",)
    try:
        load_settings({**base, "XBORDER_MFA_REQUIRED_ROLES": "admin,boss"})
    except ConfigError as exc:
        assert "boss" in str(exc)
    else:
        raise AssertionError("an unknown role must be refused")
