"""Web login and logout: Chinese first, CSRF enforced, sessions scoped."""

from __future__ import annotations

from tests.helpers.web import csrf_token


def test_login_page_is_served_in_chinese(client):
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in html
    assert "登录" in html
    assert "电子邮箱" in html


def test_login_page_in_english_after_switch(client):
    client.get("/lang/en")
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Log in" in html


def test_post_without_csrf_token_is_refused_with_400(client, factory):
    factory.user(email="web@example.test", password="pw")
    response = client.post("/login", data={"email": "web@example.test", "password": "pw"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_login_then_home_lists_own_cases_by_reference(client, factory):
    org = factory.organisation()
    case = factory.case(org, title="全球售后工单")
    factory.case(factory.organisation(), title="别家案件")
    factory.user(email="web2@example.test", password="pw", organisation=org)
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": "web2@example.test", "password": "pw", "csrf_token": token})
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert case.reference in html
    assert "全球售后工单" in html
    assert "别家案件" not in html


def test_wrong_password_shows_the_form_again_with_a_message(client, factory):
    factory.user(email="web3@example.test", password="pw")
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": "web3@example.test", "password": "no", "csrf_token": token})
    assert response.status_code == 401
    assert "邮箱或密码错误" in response.get_data(as_text=True)


def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_logout_needs_post_with_csrf(client, factory):
    factory.user(email="web4@example.test", password="pw")
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "web4@example.test", "password": "pw", "csrf_token": token})
    home = client.get("/").get_data(as_text=True)
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(home)})
    assert client.get("/").status_code == 302


def test_open_redirect_is_refused(client, factory):
    factory.user(email="web5@example.test", password="pw")
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=//evil.example/", data={
        "email": "web5@example.test", "password": "pw", "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_empty_state_tells_the_enterprise_what_to_do(client, factory):
    factory.user(email="web6@example.test", password="pw")
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "web6@example.test", "password": "pw", "csrf_token": token})
    html = client.get("/").get_data(as_text=True)
    assert "还没有案件" in html


def test_browser_404_is_a_friendly_html_page(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "未找到" in response.get_data(as_text=True)
