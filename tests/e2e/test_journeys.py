"""The three journeys in headless Chromium — an enterprise declares, self-assesses and submits; an assessor asks for
rectification and then signs; an official files — in Chinese, then once more in English."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import journeys
from tests.helpers.browser import shoot

ENTERPRISE, ASSESSOR, OFFICIAL = "enterprise@demo.xborder", "assessor@demo.xborder", "official@demo.xborder"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_declare_assess_rectify_sign_and_file(page, lang):
    tag = lang
    journeys.login(page, ENTERPRISE, lang)
    shoot(page, f"{tag}-00-enterprise-home")
    case = journeys.declare(page, lang, tag)
    journeys.self_assess(page, case, tag)
    journeys.submit(page, case, tag)
    journeys.logout(page)

    journeys.login(page, ASSESSOR, lang)
    journeys.request_rectification(page, case, tag)
    journeys.logout(page)

    journeys.login(page, ENTERPRISE, lang)
    journeys.resubmit(page, case, tag)
    journeys.logout(page)

    journeys.login(page, ASSESSOR, lang)
    journeys.sign(page, case, tag)
    journeys.logout(page)

    journeys.login(page, OFFICIAL, lang)
    journeys.file_case(page, case, tag)
    heading = "统计" if lang == "zh" else "Statistics"
    expect(page.locator("h1")).to_contain_text(heading)


def test_public_quick_check_without_an_account(page):
    page.goto("/quick-check")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.fill("#transfers-0-recipient_name", "Example Ltd")
    page.select_option("#transfers-0-country", "GB")
    page.fill("#transfers-0-pi_individuals", "20000")
    page.fill("#transfers-0-sensitive_pi_individuals", "12000")
    expect(page.locator("#preview-pathway")).to_contain_text("安全评估")
    page.click("button[name=check]")
    expect(page.locator(".result")).to_contain_text("安全评估")
    shoot(page, "zh-13-quick-check")
