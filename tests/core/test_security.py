"""Security headers, the session cookie's flags and the sign-in limits, on a real app and its real storage."""

from __future__ import annotations

import uuid

import pytest


def test_every_response_carries_the_security_headers(client):
    for response in (client.get("/login"), client.get("/api/v1/cases"), client.get("/no-such-page")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response.headers


def test_over_tls_hsts_is_sent_and_the_session_cookie_is_secure(client):
    response = client.get("/login", base_url="https://xborder.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_over_plain_http_the_session_cookie_is_httponly_and_lax_but_not_secure(client):
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


@pytest.fixture
def limited_app(app_env):
    """A second app with small limits, on the same counters (Redis in the PostgreSQL run) as the suite's app."""
    from xborder import create_app

    env = {**app_env, "XBORDER_LOGIN_LIMIT_ACCOUNT": "3 per minute", "XBORDER_LOGIN_LIMIT_ADDRESS": "6 per minute"}
    app = create_app(env, TESTING=True, WTF_CSRF_ENABLED=False)
    yield app
    from xborder.extensions import db

    with app.app_context():
        db.engine.dispose()


def _stranger():
    """A test client from an address and for accounts no other run has used, so counters start at zero."""
    tag = uuid.uuid4().hex[:12]
    octets = uuid.uuid4().bytes[:3]
    return tag, {"REMOTE_ADDR": "10.{}.{}.{}".format(*octets)}


def test_failed_sign_ins_are_limited_per_account_with_retry_after(limited_app):
    tag, environ = _stranger()
    client = limited_app.test_client()
    client.environ_base.update(environ)
    for _ in range(3):
        response = client.post("/api/v1/auth/token", json={"email": f"victim-{tag}@example.test", "password": "g"})
        assert response.status_code == 401
    refused = client.post("/api/v1/auth/token", json={"email": f"Victim-{tag}@example.test", "password": "g"})
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert refused.json["status"] == 429 and refused.json["title_zh"] == "请求过于频繁"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # The web form shares the account's bucket: guessing cannot switch channels to go on.
    web = client.post("/login", data={"email": f"victim-{tag}@example.test", "password": "guess"})
    assert web.status_code == 429
    assert "请求过于频繁" in web.get_data(as_text=True)
    # Another account from the same address is not locked out by someone guessing at the first.
    other = client.post("/api/v1/auth/token", json={"email": f"other-{tag}@example.test", "password": "guess"})
    assert other.status_code == 401


def test_all_sign_in_requests_are_limited_per_address(limited_app):
    tag, environ = _stranger()
    client = limited_app.test_client()
    client.environ_base.update(environ)
    statuses = [client.post("/api/v1/auth/token", json={"email": f"u{i}-{tag}@example.test", "password": "x"})
                .status_code for i in range(7)]
    assert statuses == [401] * 6 + [429]
    # Reading pages is not limited by the sign-in buckets.
    assert client.get("/login").status_code == 200


def test_the_limiter_looks_at_sign_ins_only(limited_app, monkeypatch):
    """Its hooks run for the sign-in views and skip every other request (issue 20): the limits, its headers and the
    deduction on failure hold for signing in, and nothing else meets its bookkeeping."""
    from flask_limiter import Limiter

    evaluated: list[str] = []
    original = Limiter._Limiter__evaluate_limits  # type: ignore[attr-defined]

    def counting(self, endpoint, limits):
        evaluated.append(endpoint)
        return original(self, endpoint, limits)

    monkeypatch.setattr(Limiter, "_Limiter__evaluate_limits", counting)
    tag, environ = _stranger()
    client = limited_app.test_client()
    client.environ_base.update(environ)
    assert client.get("/api/v1/health").status_code == 200
    assert client.post("/api/v1/assess", json={}).status_code == 422
    assert client.get("/api/v1/cases").status_code == 401
    assert evaluated == []
    failed = client.post("/api/v1/auth/token", json={"email": f"x-{tag}@example.test", "password": "x"})
    assert failed.status_code == 401
    # Twice: the before-request hook (application limits: none) and the view's own decorated limits.
    assert evaluated == ["accounts_api.TokenResource"] * 2
    # The per-address bucket of 6 counts every attempt, and its headers say how many remain.
    assert failed.headers["X-RateLimit-Limit"] in ("3", "6")
    assert int(failed.headers["X-RateLimit-Remaining"]) >= 2
    assert "X-RateLimit-Limit" not in client.get("/login").headers
    # Any method name a client sends is answered and leaves nothing behind (the per-view answer keeps the views'
    # methods only).
    from xborder.core.security import SIGNING_IN

    evaluated.clear()
    for i in range(3):
        assert client.open("/api/v1/auth/token", method=f"X{i}").status_code == 405
    assert evaluated == []
    kept = limited_app.extensions[SIGNING_IN]
    assert kept[("accounts_api.TokenResource", "POST")] is True and kept[("cases_api.CasesResource", "GET")] is False
    assert not any(method.startswith("X") for _, method in kept)


def test_limit_settings_are_checked_at_start(app_env):
    from xborder.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="XBORDER_LOGIN_LIMIT_ACCOUNT"):
        load_settings({**app_env, "XBORDER_LOGIN_LIMIT_ACCOUNT": "lots"})


@pytest.mark.parametrize("secure", [False, True])
@pytest.mark.parametrize("own", [{}, {"x-frame-options": "SAMEORIGIN", "Content-Type": "text/plain"},
                                 {"Content-Security-Policy": "default-src 'none'", "Strict-Transport-Security": "1"}])
def test_the_headers_are_added_as_setdefault_added_them(app, own, secure):
    """The one-pass header writer gives the headers, in the order, that `setdefault` for each gave (issue 20)."""
    from flask import Response

    from xborder.core.security import HEADERS, HSTS, _add_headers

    base = "https://xborder.test" if secure else "http://xborder.test"
    with app.test_request_context("/", base_url=base):
        fast, slow = Response("x", headers=own), Response("x", headers=own)
        _add_headers(fast)
        for name, value in HEADERS.items():
            slow.headers.setdefault(name, value)
        if secure:
            slow.headers.setdefault("Strict-Transport-Security", HSTS)
    assert list(fast.headers.items()) == list(slow.headers.items())


def test_the_session_opens_as_flasks_with_and_without_its_cookie(app):
    """The session interface skips the signing serializer when there is no cookie; what it opens is Flask's."""
    from flask.sessions import SecureCookieSessionInterface

    interface, flask_own = app.session_interface, SecureCookieSessionInterface()
    name = interface.get_cookie_name(app)
    signed = interface.get_signing_serializer(app).dumps({"lang": "en"})
    for cookie in (None, signed, "tampered." + signed, ""):
        headers = {"Cookie": f"{name}={cookie}"} if cookie is not None else {}
        with app.test_request_context("/", headers=headers) as ctx:
            ours, theirs = interface.open_session(app, ctx.request), flask_own.open_session(app, ctx.request)
            assert type(ours) is type(theirs) and dict(ours) == dict(theirs)
            assert dict(ours) == ({"lang": "en"} if cookie == signed else {})
