"""Acceptance 1 of issue 19 in headless Chromium, in Chinese: a fresh deployment without the demo — the CLI makes the
provincial authority, its admin and its official; an enterprise and an assessment body register on the page; the
official (made to set up TOTP at first sign-in) approves both; the enterprise signs in, sets up TOTP, declares and
submits to the assessment body that registered the same way."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import threading

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.helpers import journeys
from tests.helpers.browser import shoot

AUTHORITY = "113100000024158670"
ENTERPRISE_USCC = "9131011557321468XG"
ASSESSOR_USCC = "91310104607182939B"
JIANGSU_USCC = "91320500131860916B"
PASSWORD = "Qv7-lantern-orbit-93"


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory):
    """A live xborder on a fresh SQLite file, bootstrapped only by the CLI (no demo); MFA as by default."""
    from werkzeug.serving import make_server

    from xborder import create_app
    from xborder.extensions import db

    tmp = tmp_path_factory.mktemp("onboarding")
    env = {"DATABASE_URL": f"sqlite:///{tmp / 'fresh.sqlite3'}", "XBORDER_INSTANCE_PATH": str(tmp / "instance"),
           "XBORDER_SECRET_KEY": "e2e-onboarding-secret-key-0123456789",
           "XBORDER_KEY_PASSPHRASE": "e2e-onboarding-passphrase-0123456789",
           "XBORDER_LOGIN_LIMIT_ACCOUNT": "10000 per minute", "XBORDER_LOGIN_LIMIT_ADDRESS": "10000 per minute"}
    run_env = {**{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}, **env}
    for args, stdin in (
        (["orgs", "create", "--kind", "authority", "--name", "上海市数据出境管理办公室", "--uscc", AUTHORITY,
          "--province", "310000"], ""),
        (["users", "create", "--email", "admin@sh.gov.test", "--role", "admin", "--org-uscc", AUTHORITY,
          "--password-stdin"], PASSWORD),
        (["users", "create", "--email", "official@sh.gov.test", "--role", "provincial_official", "--name", "张华",
          "--org-uscc", AUTHORITY, "--password-stdin"], PASSWORD),
    ):
        done = subprocess.run([sys.executable, "-m", "xborder", *args], input=stdin + "\n", env=run_env,
                              capture_output=True, text=True, timeout=600)  # a loaded CI machine: a bound, not a budget
        assert done.returncode == 0, done.stderr
    app = create_app(env)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def fresh_page(browser, fresh_server):
    context = browser.new_context(base_url=fresh_server, viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Refused" in msg.text else None)
    yield page
    context.close()
    assert not errors, f"browser errors: {errors}"


def _register(page: Page, kind: str, name: str, uscc: str, province: str, email: str, person: str) -> None:
    page.goto("/register")
    expect(page.locator("h1")).to_contain_text("组织注册")
    page.select_option("#kind", kind)
    page.fill("#org_name", name)
    page.fill("#uscc", uscc)
    page.select_option("#province", province)
    if kind == "assessor":
        page.fill("#accreditation_scope", "数据出境安全评估、个人信息保护认证")
        page.fill("#accredited_until", (dt.date.today() + dt.timedelta(days=730)).isoformat())
    page.fill("#user_name", person)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit].primary")
    expect(page.locator("h1")).to_contain_text("申请已提交")


def _sign_in(page: Page, email: str, otp: str | None = None) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    if otp:
        page.fill("#otp", otp)
    page.click("form button[type=submit].primary")


def _set_up_totp(page: Page, tag: str) -> pyotp.TOTP:
    expect(page).to_have_url(re.compile(r"/account/totp$"))
    expect(page.locator("figure.qr svg")).to_be_visible()
    shoot(page, f"onboarding-{tag}-totp")
    totp = pyotp.TOTP(page.inner_text("#totp-secret").strip())
    page.fill("#otp", totp.now())
    page.click("form button[type=submit].primary")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    return totp


def test_fresh_deployment_to_a_submitted_case_in_chinese(fresh_page):
    page = fresh_page
    # A USCC registered in Jiangsu is refused for Shanghai, next to the field.
    page.goto("/register")
    page.fill("#org_name", "错位登记有限公司")
    page.fill("#uscc", JIANGSU_USCC)
    page.select_option("#province", "310000")
    page.fill("#user_name", "王五")
    page.fill("#email", "wrong@example.test")
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit].primary")
    expect(page.locator("#uscc-error")).to_contain_text("不在上海市")

    _register(page, "enterprise", "上海云帆智能科技有限公司", ENTERPRISE_USCC, "310000", "dpo@yunfan.test", "王敏")
    _register(page, "assessor", "上海数安评估中心", ASSESSOR_USCC, "310000", "lead@shuan.test", "李强")

    # The official must set up a second factor at the first sign-in, then approves both.
    _sign_in(page, "official@sh.gov.test")
    _set_up_totp(page, "official")
    page.goto("/registrations")
    card = page.locator("article", has_text="上海云帆智能科技有限公司")
    expect(card).to_contain_text("上海市")
    shoot(page, "onboarding-registrations")
    card.locator("button", has_text="批准").click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.locator("article", has_text="上海数安评估中心").locator("button", has_text="批准").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("article")).to_have_count(0)
    journeys.logout(page)

    # The enterprise signs in, sets up TOTP of its own accord, declares and submits to the approved assessor.
    _sign_in(page, "dpo@yunfan.test")
    expect(page.locator("header .who")).to_contain_text("上海云帆智能科技有限公司")
    page.goto("/account/totp")
    totp = _set_up_totp(page, "enterprise")
    journeys.logout(page)
    _sign_in(page, "dpo@yunfan.test")
    expect(page.locator(".flash-error")).to_contain_text("动态口令")
    _sign_in(page, "dpo@yunfan.test", otp=totp.at(dt.datetime.now() + dt.timedelta(seconds=30)))
    expect(page.locator("header .who")).to_be_visible()
    case = journeys.declare(page, "zh", "onboarding")
    journeys.self_assess(page, case, "onboarding")
    page.goto(f"/cases/{case}")
    journeys.attach_materials(page)  # a submission carries its filing materials (issue 16)
    page.select_option("#submit-assessor", label="上海数安评估中心")
    page.click("#action-submit button[type=submit]")
    expect(page.locator(".status-third_party_review").first).to_be_visible()
