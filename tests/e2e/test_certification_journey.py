"""The certification route in headless Chromium (issue 15, acceptance 4): the enterprise declares and submits
choosing certification, the assessor reviews and signs, the enterprise records the certificate; the case shows
the certificate and its renewal deadline."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.helpers import journeys
from tests.helpers.browser import shoot

ENTERPRISE, ASSESSOR = "enterprise@demo.xborder", "assessor@demo.xborder"


def test_declare_submit_for_certification_sign_and_record_the_certificate(page):
    tag = "cert"
    journeys.login(page, ENTERPRISE, "zh")
    case = journeys.declare(page, "zh", tag)
    journeys.self_assess(page, case, tag)
    page.goto(f"/cases/{case}")
    journeys.attach_materials(page)
    page.select_option("#submit-assessor", label="演示数据安全评估中心")
    page.select_option("#mechanism-submit", "certification")
    page.click("#action-submit button[type=submit]")
    expect(page.locator(".status-third_party_review").first).to_be_visible()
    journeys.logout(page)

    journeys.login(page, ASSESSOR, "zh")
    page.goto(f"/cases/{case}/review")
    for radio in page.locator("input[type=radio][value=satisfied]").all():
        radio.check()
    page.click("#review-form button[type=submit]")
    expect(page.locator(".flash-success")).to_be_visible()
    page.click("#action-sign_opinion button[type=submit]")
    journeys.confirm(page, "cert-09b-confirm-signing")
    journeys.logout(page)

    journeys.login(page, ENTERPRISE, "zh")
    page.goto(f"/cases/{case}")
    expect(page.locator(".status-certification_pending").first).to_be_visible()
    page.fill("#certificate_number-record_certificate", "CCRC-PI-2026-0042")
    page.select_option("#certification_body-record_certificate", "isccc-bigdata")
    page.fill("#issued_on-record_certificate", "2026-01-05")
    page.click("#action-record_certificate button[type=submit]")
    expect(page.locator(".status-certified").first).to_be_visible()
    expect(page.locator("#case-certificate")).to_contain_text("CCRC-PI-2026-0042")
    expect(page.locator("#case-certificate")).to_contain_text("中国网络安全审查认证和市场监管大数据中心")
    expect(page.locator("#case-certificate")).to_contain_text("2028-07-05")  # renewal: six months before expiry
    expect(page.locator(".deadlines")).to_contain_text("有效期届满6个月前提出认证申请")
    shoot(page, f"{tag}-certified")
