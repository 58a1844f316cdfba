"""Steps of the browser journeys, language-independent (by ids and names) so each runs in Chinese and English."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.helpers.browser import shoot
from xborder.cases.demo import specimen_pdf

PASSWORD = "demo-password"


def login(page: Page, email: str, lang: str) -> None:
    """Sign in through the login form, then switch the interface to `lang` when it is English."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit].primary")
    expect(page.locator("header .who")).to_be_visible()
    if lang == "en":
        page.click("header a[lang=en]")
        expect(page.locator("html")).to_have_attribute("lang", "en")
    else:
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def logout(page: Page) -> None:
    """Sign out with the header's POST form."""
    page.click("header form button.link")
    expect(page).to_have_url(re.compile(r"/login"))


def case_id(page: Page) -> int:
    """The id of the case whose page is shown."""
    return int(re.search(r"/cases/(\d+)", page.url).group(1))


def declare(page: Page, lang: str, tag: str) -> int:
    """Open a case through the wizard; the live preview shows the pathway before it is saved."""
    page.goto("/cases/new")
    shoot(page, f"{tag}-01-wizard-empty")
    page.fill("#title", f"e2e {tag} 全球客服工单")
    page.fill("#transfers-0-purpose", "全球售后服务工单处理")
    page.fill("#transfers-0-recipient_name", "Example Service GmbH")
    page.select_option("#transfers-0-country", "DE")
    page.fill("#transfers-0-pi_individuals", "150000")
    page.fill("#transfers-0-sensitive_pi_individuals", "0")
    page.fill("#transfers-0-categories", "contact, device")
    page.locator("#transfers-0-categories").blur()
    # The day the standard contract takes effect: the filing needs it (issue 15).
    page.fill("#contract_effective_date", page.input_value("#as_of"))
    expect(page.locator("#transfers-0-pi_individuals")).to_have_value("150,000")
    expected = "订立个人信息出境标准合同" if lang == "zh" else "Standard contract"
    expect(page.locator("#preview-pathway")).to_contain_text(expected)
    expect(page.locator("#preview-reasons")).to_contain_text("第八条" if lang == "zh" else "art. 8")
    earlier_transfer_changes_the_preview(page, tag)
    # A second transfer, added by the script without a round trip, then removed again by the server-side button.
    page.click("#add-transfer")
    expect(page.locator("fieldset.transfer")).to_have_count(2)
    page.fill("#transfers-1-recipient_name", "Example Inc.")
    page.select_option("#transfers-1-country", "US")
    page.fill("#transfers-1-pi_individuals", "5,000")
    page.fill("#transfers-1-sensitive_pi_individuals", "0")
    expect(page.locator("#preview-reasons li")).to_have_count(2)
    shoot(page, f"{tag}-02-wizard-live-preview")
    page.click("button[name=save]")
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator("h1")).to_contain_text(f"e2e {tag}")
    shoot(page, f"{tag}-03-case-draft")
    return case_id(page)


def earlier_transfer_changes_the_preview(page: Page, tag: str) -> None:
    """An earlier transfer outside xborder, added by the script, counts in the live preview; removing it undoes that."""
    expect(page.locator("#preview-pathway")).to_have_attribute("data-pathway", "standard_contract_or_certification")
    page.click("#add-prior-transfer")
    expect(page.locator(".prior-transfer")).to_have_count(1)
    page.fill("#prior_transfers-0-date", page.input_value("#as_of")[:4] + "-01-10")
    page.fill("#prior_transfers-0-pi_individuals", "900000")
    page.fill("#prior_transfers-0-sensitive_pi_individuals", "0")
    page.locator("#prior_transfers-0-sensitive_pi_individuals").blur()
    expect(page.locator("#prior_transfers-0-pi_individuals")).to_have_value("900,000")
    # 150,000 now + 900,000 earlier = 1,050,000 persons in the window: a security assessment (cbdf-2024 art 7)
    expect(page.locator("#preview-pathway")).to_have_attribute("data-pathway", "security_assessment")
    expect(page.locator("#preview-cumulative")).to_contain_text("1,050,000")
    shoot(page, f"{tag}-01b-wizard-earlier-transfer")
    page.click(".remove-prior-transfer")
    expect(page.locator(".prior-transfer")).to_have_count(0)
    expect(page.locator("#preview-pathway")).to_have_attribute("data-pathway", "standard_contract_or_certification")
    expect(page.locator("#preview-cumulative")).to_contain_text("150,000")


def self_assess(page: Page, case: int, tag: str) -> None:
    """Answer every key point (autosave on the first, Save-and-continue on the others) and upload evidence."""
    page.goto(f"/cases/{case}/self-assessment")
    page.fill("#answer", "目的明确，仅传输工单处理所需字段。")
    expect(page.locator("#autosave-status")).not_to_be_empty()
    page.reload()
    expect(page.locator("#answer")).to_have_value("目的明确，仅传输工单处理所需字段。")
    page.set_input_files("#evidence-file", files=[{"name": "字段清单.txt", "mimeType": "text/plain",
                                                   "buffer": "字段：姓名、电话、设备序列号\n".encode()}])
    page.click("#evidence-file ~ button[type=submit]")
    expect(page.locator(".evidence")).to_contain_text("字段清单.txt")
    shoot(page, f"{tag}-04-self-assessment")
    links = [a.get_attribute("href") for a in page.locator("nav.kpnav a").all()]
    for href in links[1:]:
        page.goto(href)
        page.fill("#answer", "已按要求落实，详见附件。")
        page.click("#answer-form button[type=submit].primary")
        expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("nav.kpnav li.todo")).to_have_count(0)


def attach_materials(page: Page) -> None:
    """On the case page: the filing materials, from its form (issue 16), a scan of each one still missing."""
    for kind in [row.get_attribute("data-kind") for row in page.locator("#materials tr.missing").all()]:
        page.select_option("#material-kind", kind)
        page.set_input_files("#material-file", files=[{"name": f"{kind}.pdf", "mimeType": "application/pdf",
                                                       "buffer": specimen_pdf(kind)}])
        page.click("#materials form button[type=submit]")
        expect(page.locator(f"#materials tr.present[data-kind='{kind}']")).to_have_count(1)
    expect(page.locator("#materials tr.missing")).to_have_count(0)


def submit(page: Page, case: int, tag: str) -> None:
    """Submit the case to the demo assessment body."""
    page.goto(f"/cases/{case}")
    attach_materials(page)
    shoot(page, f"{tag}-05-case-ready")
    page.select_option("#submit-assessor", label="演示数据安全评估中心")
    page.click("#action-submit button[type=submit]")
    expect(page.locator(".status-third_party_review").first).to_be_visible()


def request_rectification(page: Page, case: int, tag: str) -> None:
    """As the assessor: find the case in the queue, ask for rectification of one key point."""
    expect(page.locator("table.cases")).to_contain_text(f"e2e {tag}")
    shoot(page, f"{tag}-06-assessor-queue")
    page.goto(f"/cases/{case}/review")
    shoot(page, f"{tag}-07-review")
    page.check("#action-request_rectification input[value='PIA-3']")
    page.fill("#comment-request_rectification", "请补充境外接收方的安全能力说明。")
    page.click("#action-request_rectification button[type=submit]")
    expect(page.locator(".flash-success")).to_be_visible()


def resubmit(page: Page, case: int, tag: str) -> None:
    """As the enterprise: fix the named key point and resubmit."""
    page.goto(f"/cases/{case}")
    expect(page.locator("#request-title")).to_be_visible()
    page.goto(f"/cases/{case}/self-assessment?kp=PIA-3")
    page.fill("#answer", "境外接收方已通过ISO/IEC 27001认证，并承诺按标准合同履行义务。")
    page.click("#answer-form button[type=submit].primary")
    expect(page.locator(".flash-success")).to_be_visible()
    page.goto(f"/cases/{case}")
    expect(page.locator(".changes")).to_contain_text("PIA-3")
    shoot(page, f"{tag}-08-rectification-changes")
    page.click("#action-resubmit button[type=submit]")
    expect(page.locator(".status-third_party_review").first).to_be_visible()


def sign(page: Page, case: int, tag: str) -> None:
    """As the assessor: a finding for every key point, then sign the opinion."""
    page.goto(f"/cases/{case}/review")
    expect(page.locator(".changes")).to_contain_text("PIA-3")
    for radio in page.locator("input[type=radio][value=satisfied]").all():
        radio.check()
    page.click("#review-form button[type=submit]")
    expect(page.locator(".flash-success")).to_be_visible()
    shoot(page, f"{tag}-09-review-findings")
    page.click("#action-sign_opinion button[type=submit]")
    confirm(page, f"{tag}-09b-confirm-signing")


def confirm(page: Page, shot: str) -> None:
    """The confirmation page of an action that signs or records for good: it names the stage; confirm it."""
    expect(page.locator("#confirm-stage")).to_be_visible()
    shoot(page, shot)
    page.click("#confirm-button")
    expect(page.locator(".flash-success")).to_be_visible()


def file_case(page: Page, case: int, tag: str) -> None:
    """As the official: find the case on the dashboard, check completeness, record the filing number."""
    page.fill("#q", f"e2e {tag}")
    page.click("form.filters button[type=submit]")
    expect(page.locator("table.cases tbody tr")).to_have_count(1)
    shoot(page, f"{tag}-10-official-dashboard")
    page.goto(f"/cases/{case}")
    expect(page.locator(".checklist li.done")).to_have_count(5)
    shoot(page, f"{tag}-11-official-case")
    page.fill("#filing-number", f"沪备-2026-{case:04d}")
    page.click("#action-record_filing button[type=submit]")
    expect(page.locator("#confirm-stage")).to_be_visible()
    shoot(page, f"{tag}-11b-confirm-filing")
    page.click("#confirm-button")
    expect(page.locator(".status-filed").first).to_be_visible()
    expect(page.locator("body")).to_contain_text(f"沪备-2026-{case:04d}")
    page.goto("/statistics")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    shoot(page, f"{tag}-12-statistics")


def load_inventory(page: Page, workbook_bytes: bytes) -> None:
    """As the enterprise: upload an inventory workbook, wait for its preview (the page refreshes itself) and apply
    it, by the page's labels and buttons."""
    page.goto("/inventory")
    page.set_input_files("#file", files=[{"name": "清单.xlsx", "buffer": workbook_bytes,
                                          "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml"
                                                      ".sheet"}])
    page.locator("#file ~ button[type=submit]").click()
    apply = page.locator("form[action$='/apply'] button[type=submit]")
    expect(apply).to_be_visible(timeout=60_000)
    apply.click()
    expect(page.locator("[data-follow]")).to_have_count(0, timeout=60_000)  # applied: no longer followed
