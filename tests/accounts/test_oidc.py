"""Single sign-on with OpenID Connect against a real provider over HTTP (tests/helpers/oidc_provider.py): off by
default, and when on it signs in only an existing, active user whose e-mail the provider verified, after checking
the state, the PKCE verifier, the nonce and the ID token's signature against the provider's published keys."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import pyotp
import pytest
import sqlalchemy as sa

from tests.helpers.accounts import STRONG
from tests.helpers.factories import auth
from tests.helpers.oidc_provider import Provider, configured, new_key, sign_in, to_provider
from tests.helpers.web import csrf_token


@pytest.fixture(scope="module")
def provider():
    running = Provider()
    yield running
    running.close()


@pytest.fixture
def sso(app, provider):
    """Single sign-on configured against the test provider for this test."""
    with configured(app, provider) as running:
        yield running


def _login_page(client, response) -> str:
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"
    return client.get("/login").get_data(as_text=True)


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200 and client.get("/auth/oidc/login").status_code == 302 and \
        client.get("/login").status_code == 302


def test_off_by_default(app, client, db):
    assert not app.config["XBORDER"].oidc_enabled
    assert "统一身份认证" not in client.get("/login").get_data(as_text=True)
    for path in ("/auth/oidc/login", "/auth/oidc/callback?code=x&state=y", "/auth/oidc/code"):
        assert client.get(path).status_code == 404


def test_settings_need_issuer_id_and_secret_together():
    from xborder.config import ConfigError, load_settings

    base = {"XBORDER_SECRET_KEY": "s" * 32, "XBORDER_KEY_PASSPHRASE": "p" * 32, "DATABASE_URL": "sqlite:///x"}
    assert load_settings(base).oidc_enabled is False
    on = load_settings({**base, "XBORDER_OIDC_ISSUER": "https://idp.example.gov.cn/realms/x/",
                        "XBORDER_OIDC_CLIENT_ID": "xborder", "XBORDER_OIDC_CLIENT_SECRET": "secret"})
    assert on.oidc_enabled and on.oidc_issuer == "https://idp.example.gov.cn/realms/x"
    with pytest.raises(ConfigError, match="XBORDER_OIDC_CLIENT_SECRET"):
        load_settings({**base, "XBORDER_OIDC_ISSUER": "https://idp.example", "XBORDER_OIDC_CLIENT_ID": "x"})
    with pytest.raises(ConfigError, match="https://"):
        load_settings({**base, "XBORDER_OIDC_ISSUER": "idp.example", "XBORDER_OIDC_CLIENT_ID": "x",
                       "XBORDER_OIDC_CLIENT_SECRET": "y"})


def test_verified_email_signs_in_the_existing_user(app, client, db, factory, sso):
    from xborder.accounts.models import User, UserSession
    from xborder.accounts.records import AccountAuditEntry

    user = factory.user("enterprise", password=STRONG)
    page = client.get("/login").get_data(as_text=True)
    assert "使用单位统一身份认证登录" in page and "测试统一身份认证" in page
    sso.person = {"email": user.email.upper(), "email_verified": True}  # the provider's spelling of the address
    users_before = db.session.scalar(sa.select(sa.func.count()).select_from(User))

    answer = sign_in(client, next="/notifications/")
    assert answer.status_code == 302 and answer.headers["Location"] == "/notifications/"
    assert _signed_in(client)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users_before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)
                             .where(UserSession.user_id == user.id)) == 1  # the server-side session, as a password
    entry = db.session.scalars(sa.select(AccountAuditEntry).order_by(AccountAuditEntry.seq.desc())).first()
    assert entry.action == "user_signed_in" and entry.actor_id == user.id
    assert entry.payload["method"] == "oidc" and entry.payload["issuer"] == sso.issuer

    # Signing out ends the server-side session as after a password sign-in.
    token = csrf_token(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("person, message", [
    ({"email_verified": False}, "未验证您的电子邮箱地址"),
    ({}, "未验证您的电子邮箱地址"),  # no claim at all is no verification
    ({"email_verified": "false"}, "未验证您的电子邮箱地址"),
])
def test_unverified_email_is_refused(client, db, factory, sso, person, message):
    user = factory.user("enterprise", password=STRONG)
    sso.person = {"email": user.email, **person}
    assert message in _login_page(client, sign_in(client))
    assert not _signed_in(client)


def test_unknown_email_is_refused_and_nobody_is_created(client, db, sso):
    from xborder.accounts.models import User

    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    sso.person = {"email": "nobody@example.gov.cn", "email_verified": True}
    assert "没有与统一身份认证平台提供的电子邮箱地址对应的账户" in _login_page(client, sign_in(client))
    assert not _signed_in(client)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before
    client.get("/lang/en")
    sso.person = {"email": "nobody@example.gov.cn", "email_verified": True}
    assert "Single sign-on only signs in existing accounts" in _login_page(client, sign_in(client))


def test_deactivated_user_is_refused(client, db, factory, sso):
    user = factory.user("enterprise", password=STRONG)
    user.active = False
    db.session.flush()
    sso.person = {"email": user.email, "email_verified": True}
    assert "账户已停用" in _login_page(client, sign_in(client))
    assert not _signed_in(client)


def test_tampered_state_is_refused(client, db, factory, sso):
    user = factory.user("enterprise", password=STRONG)
    sso.person = {"email": user.email, "email_verified": True}
    back = to_provider(client)
    query = dict(parse_qsl(back.query))
    query["state"] = query["state"][:-2] + ("AA" if not query["state"].endswith("AA") else "BB")
    assert "无法验证认证平台的应答" in _login_page(client, client.get(f"{back.path}?{urlencode(query)}"))
    assert not _signed_in(client)


def test_an_answer_for_another_browser_is_refused(app, client, db, factory, sso):
    """A callback URL carried to a browser that did not start the sign-in (no state in its session) signs nobody in."""
    user = factory.user("enterprise", password=STRONG)
    sso.person = {"email": user.email, "email_verified": True}
    back = to_provider(client)
    other = app.test_client()
    assert "无法验证认证平台的应答" in _login_page(other, other.get(f"{back.path}?{back.query}"))
    assert not _signed_in(other)


def test_id_token_signed_with_another_key_is_refused(client, db, factory, sso):
    user = factory.user("enterprise", password=STRONG)
    sso.person = {"email": user.email, "email_verified": True}
    sso.signing_key = new_key(kid=sso.published_key.kid)  # same key id, not the key the provider publishes
    assert "无法验证认证平台的应答" in _login_page(client, sign_in(client))
    assert not _signed_in(client)


def _enrol(client, factory, user) -> pyotp.TOTP:
    token = factory.token(user)
    begun = client.post("/api/v1/auth/totp", headers=auth(token))
    totp = pyotp.TOTP(begun.json["secret"])
    assert client.post("/api/v1/auth/totp/confirm", headers=auth(token), json={"otp": totp.now()}).status_code == 200
    return totp


def test_mfa_role_is_asked_for_the_totp_code(app, client, db, factory, sso, mfa_required):
    official = factory.user("provincial_official", password=STRONG)
    totp = _enrol(app.test_client(), factory, official)
    sso.person = {"email": official.email, "email_verified": True, "amr": ["pwd"]}
    answer = sign_in(client)
    assert answer.status_code == 302 and answer.headers["Location"] == "/auth/oidc/code"
    assert client.get("/").status_code == 302  # not signed in before the code
    page = client.get("/auth/oidc/code").get_data(as_text=True)
    assert "验证器应用" in page
    token = csrf_token(page)
    wrong = client.post("/auth/oidc/code", data={"csrf_token": token, "otp": "000000" if totp.now() != "000000"
                                                 else "111111"})
    assert wrong.status_code == 401 and not _signed_in(client)
    right = client.post("/auth/oidc/code", data={"csrf_token": token, "otp": totp.at(time.time() + totp.interval)})
    assert right.status_code == 302 and right.headers["Location"] == "/"
    assert _signed_in(client)


def test_provider_second_factor_is_enough(client, db, factory, sso, mfa_required):
    official = factory.user("provincial_official", password=STRONG)
    _enrol(client.application.test_client(), factory, official)
    sso.person = {"email": official.email, "email_verified": True, "amr": ["pwd", "mfa"]}
    answer = sign_in(client)
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    assert _signed_in(client)


def test_mfa_role_without_authenticator_is_led_to_enrolment(client, db, factory, sso, mfa_required):
    official = factory.user("provincial_official", password=STRONG)
    sso.person = {"email": official.email, "email_verified": True}
    answer = sign_in(client)
    assert answer.status_code == 302 and urlsplit(answer.headers["Location"]).path == "/account/totp"
    assert urlsplit(client.get("/").headers["Location"]).path == "/account/totp"


def test_unreachable_provider_is_said_on_the_sign_in_page(app, client, db):
    gone = Provider()
    gone.close()  # nothing listens on its port any more
    with configured(app, gone):
        assert "暂时无法连接统一身份认证平台" in _login_page(client, client.get("/auth/oidc/login"))


def test_code_step_without_a_provider_sign_in_leads_back(client, db, sso):
    assert "已过期" in _login_page(client, client.get("/auth/oidc/code"))
    token = csrf_token(client.get("/login").get_data(as_text=True))
    assert "已过期" in _login_page(client, client.post("/auth/oidc/code", data={"otp": "123456", "csrf_token": token}))
