"""Issue 18 acceptance 4 in the browser: on the inventory page the pathway follows the ticked rows without a reload;
the draft page says, with a link, when rows are already in an open case; checkboxes sit beside their labels."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.helpers.inventory import flow, workbook
from tests.helpers.journeys import load_inventory, login

ROWS = [flow("LIVE-1", 300_000, purpose="售后服务"),
        flow("LIVE-2", 16_000, level="sensitive_personal", category="健康信息", purpose="售后服务")]


def _tick(page: Page, key: str) -> None:
    page.get_by_label(key, exact=True).check()


def test_the_pathway_follows_the_ticked_rows_and_an_open_case_is_warned_about(page: Page):
    login(page, "enterprise@demo.xborder", "zh")
    load_inventory(page, workbook(ROWS))
    page.goto("/inventory")
    panel = page.locator("#preview")
    expect(page.locator("#preview-empty")).to_be_visible()
    _tick(page, "LIVE-1")
    expect(panel).to_have_attribute("data-state", "ok")
    # The window also counts the demo enterprise's cases of this year that other journeys opened: read, not assumed.
    expect(page.locator("#preview-pathway")).to_have_attribute("data-pathway", re.compile(r"\w"))
    expect(page.locator("#preview-reasons li").first).to_be_visible()
    expect(page.locator("#selected-count")).to_have_text("1")
    _tick(page, "LIVE-2")  # 16,000 persons' sensitive PI: a security assessment (cbdf-2024 art 7)
    expect(page.locator("#preview-pathway")).to_have_attribute("data-pathway", "security_assessment")
    expect(page.locator("#preview-reasons")).to_contain_text("第七条")
    expect(page.locator("#draft-warnings")).to_be_hidden()

    page.get_by_role("button", name="用所选条目起草申报").click()
    expect(page).to_have_url(re.compile(r"/inventory/declare\?"))
    expect(page.locator("#preview-pathway")).to_have_attribute("data-pathway", "security_assessment")  # server-drawn
    box, label = page.locator("#is_ciio").bounding_box(), page.locator("label[for=is_ciio]").bounding_box()
    assert box and label and box["x"] + box["width"] <= label["x"]  # beside its label, not above it
    assert abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 8
    cumulative = page.locator("#preview-cumulative")
    sensitive = int(re.search(r"敏感个人信息 ([\d,]+) 人", cumulative.inner_text()).group(1).replace(",", ""))
    page.fill("#t0_sensitive", "0")  # the draft's counts are live too
    expect(cumulative).to_contain_text(f"敏感个人信息 {sensitive - 16_000:,} 人")
    page.fill("#t0_sensitive", "16000")
    expect(cumulative).to_contain_text(f"敏感个人信息 {sensitive:,} 人")
    page.fill("#title", "清单申报 e2e")
    page.get_by_role("button", name="创建案件草稿").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    reference = re.search(r"XB-\d{6}-\d{4}-\d{6}", page.locator("main").inner_text()).group(0)

    page.goto("/inventory")
    _tick(page, "LIVE-1")
    warning = page.locator("#draft-warnings")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(reference)
    expect(warning).to_contain_text("重复计入")
    warning.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator("h1")).to_contain_text("清单申报 e2e")

    # Withdrawn, the case is final: no warning any more (and its persons leave the window for the other journeys).
    withdraw = page.locator("form").filter(has=page.get_by_role("button", name="撤回案件"))
    withdraw.get_by_label(re.compile("说明")).fill("改为修改原有案件")
    withdraw.get_by_role("button", name="撤回案件").click()
    expect(page.locator(".status-withdrawn").first).to_be_visible()
    page.goto("/inventory")
    _tick(page, "LIVE-1")
    expect(panel).to_have_attribute("data-state", "ok")
    expect(page.locator("#draft-warnings")).to_be_hidden()
