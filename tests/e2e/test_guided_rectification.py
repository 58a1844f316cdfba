"""Issue 18, acceptance 3, in Chinese in Chromium: the assessor asks for rectification of two key points with a
comment on each (a refused request on the way keeps every finding, comment and tick typed); the enterprise sees each
comment beside its point, changes one, is told one remains, changes it and resubmits; the assessor sees both marked
changed and signs after a confirmation. And reviewing with the keyboard alone (Tab, Enter, Space)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.helpers import journeys
from tests.helpers.browser import axe_serious, shoot

ENTERPRISE, ASSESSOR = "enterprise@demo.xborder", "assessor@demo.xborder"
COMMENTS = {"PIA-2": "请列明出境字段清单并说明每项的必要性。", "PIA-3": "请补充境外接收方的安全认证证明。"}


def _no_serious_violation(page: Page, where: str) -> None:
    found = axe_serious(page)
    assert not found, f"{where}: {found}"


def _fits_a_phone(page: Page, shot: str) -> None:
    """At 390 px wide the page shown needs no sideways scrolling; then back to the desktop width."""
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 391, shot
    shoot(page, shot)
    page.set_viewport_size({"width": 1366, "height": 900})


def _ask_for_rectification(page: Page, case: int) -> None:
    page.goto(f"/cases/{case}/review")
    _fits_a_phone(page, "g-00-review-phone")
    expect(page.locator("#toc-progress")).to_contain_text("已评 0 /")
    for point, comment in COMMENTS.items():
        page.check(f"input[name='finding-{point}'][value=not_satisfied]")
        page.fill(f"#comment-{point}", comment)
        page.check(f"#request_rectification-kp-{point}")
    page.check("input[name='finding-PIA-1'][value=satisfied]")
    # Sent without the request's 说明: refused, and nothing typed is lost.
    page.click("#action-request_rectification button[type=submit]")
    expect(page.locator("#error-summary")).to_contain_text("必须填写说明")
    expect(page.locator("#error-summary a[href='#comment-request_rectification']")).to_be_visible()
    shoot(page, "g-01-review-refused-keeps-everything")
    _no_serious_violation(page, "review page with an error")
    for point, comment in COMMENTS.items():
        expect(page.locator(f"#comment-{point}")).to_have_value(comment)
        expect(page.locator(f"input[name='finding-{point}'][value=not_satisfied]")).to_be_checked()
        expect(page.locator(f"#request_rectification-kp-{point}")).to_be_checked()
    expect(page.locator("input[name='finding-PIA-1'][value=satisfied]")).to_be_checked()
    expect(page.locator("#request_rectification-kp-PIA-1")).not_to_be_checked()
    expect(page.locator("#toc-progress")).to_contain_text("已评 3 /")
    page.click("#error-summary a[href='#comment-request_rectification']")
    expect(page.locator("#comment-request_rectification")).to_be_focused()
    page.fill("#comment-request_rectification", "请按两项评估意见整改后重新提交。")
    page.click("#action-request_rectification button[type=submit]")
    expect(page.locator(".flash-success")).to_be_visible()


def _rectify(page: Page, case: int) -> None:
    page.goto(f"/cases/{case}")
    expect(page.locator("#request-title")).to_be_visible()
    expect(page.locator("main")).to_contain_text("请按两项评估意见整改后重新提交。")
    shoot(page, "g-02-enterprise-case-request-once")
    for point, comment in COMMENTS.items():
        page.goto(f"/cases/{case}/self-assessment?kp={point}")
        expect(page.locator(f"#guide-{point}")).to_be_visible()
        expect(page.locator(".request-guide")).to_contain_text(comment)
    page.goto(f"/cases/{case}/self-assessment?kp=PIA-2")
    shoot(page, "g-03-enterprise-comment-beside-point")
    page.fill("#answer", "出境字段：姓名、电话、设备序列号；每项均为售后服务所必需。")
    page.click("#answer-form button[type=submit].primary")
    expect(page.locator(".flash-success")).to_be_visible()
    page.goto(f"/cases/{case}")
    remains = page.locator("#action-resubmit .flash")
    expect(remains).to_contain_text("PIA-3")
    expect(remains).not_to_contain_text("PIA-2")
    shoot(page, "g-04-enterprise-one-remains")
    page.click("#action-resubmit a")
    expect(page).to_have_url(re.compile(r"kp=PIA-3"))
    page.fill("#answer", "境外接收方已通过ISO/IEC 27001认证，证书见附件。")
    page.click("#answer-form button[type=submit].primary")
    expect(page.locator(".flash-success")).to_be_visible()
    page.goto(f"/cases/{case}")
    expect(page.locator("#action-resubmit .flash-success")).to_be_visible()
    page.click("#action-resubmit button[type=submit]")
    expect(page.locator(".status-third_party_review").first).to_be_visible()


def _sign(page: Page, case: int) -> None:
    page.goto(f"/cases/{case}/review")
    for point in COMMENTS:
        expect(page.locator(f"#rp-{point} .changed-since")).to_be_visible()
    expect(page.locator(".review-toc li.changed")).to_have_count(2)
    expect(page.locator("#toc-progress")).to_contain_text("2 项在您提出要求后已修改")
    shoot(page, "g-05-review-both-changed")
    _no_serious_violation(page, "review page after resubmission")
    for radio in page.locator("input[type=radio][value=satisfied]").all():
        radio.check()
    page.click("#save-findings")
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#toc-progress")).to_contain_text("已评 12 / 12")
    page.fill("#comment-sign_opinion", "整改后各项均符合要求。")
    page.click("#action-sign_opinion button[type=submit]")
    expect(page.locator("#confirm-stage")).to_contain_text("第 2 阶段")
    expect(page.locator("#confirm-who")).to_contain_text("演示数据安全评估中心")
    expect(page.locator("#confirm-consequence")).to_contain_text("签署后不能修改")
    expect(page.locator("main")).to_contain_text("整改后各项均符合要求。")
    shoot(page, "g-06-confirm-signing")
    _no_serious_violation(page, "confirmation page")
    page.click("#confirm-button")
    expect(page.locator(".flash-success")).to_be_visible()
    page.goto(f"/cases/{case}")
    expect(page.locator(".status-provincial_review").first).to_be_visible()


def test_guided_rectification_in_chinese_with_nothing_lost_and_a_confirmed_signature(page: Page):
    journeys.login(page, ENTERPRISE, "zh")
    case = journeys.declare(page, "zh", "g")
    journeys.self_assess(page, case, "g")
    journeys.submit(page, case, "g")
    journeys.logout(page)

    journeys.login(page, ASSESSOR, "zh")
    _ask_for_rectification(page, case)
    journeys.logout(page)

    journeys.login(page, ENTERPRISE, "zh")
    _rectify(page, case)
    journeys.logout(page)

    journeys.login(page, ASSESSOR, "zh")
    _sign(page, case)


def _tab_to(page: Page, selector: str, limit: int = 600) -> None:
    """Press Tab until the element matching `selector` has the focus (the keyboard's only way to get there)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_reviewing_with_the_keyboard_alone(page: Page):
    page.goto("/login")
    _tab_to(page, "#email")
    page.keyboard.type(ASSESSOR)
    _tab_to(page, "#password")
    page.keyboard.type(journeys.PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("header .who")).to_be_visible()
    # The queue: to the case in review by Tab, opened with Enter.
    href = page.locator("main tr:has-text('欧洲经销商客户关系管理数据出境') a[href$='/review']").get_attribute("href")
    _tab_to(page, f"main a[href='{href}']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cases/\d+/review$"))
    # The contents: jump to the third key point, then on from there.
    _tab_to(page, ".review-toc a[href='#rp-PIA-3']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#rp-PIA-3$"))
    _tab_to(page, "input[name='finding-PIA-3']")
    page.keyboard.press("Space")
    expect(page.locator("input[name='finding-PIA-3'][value=satisfied]")).to_be_checked()
    _tab_to(page, "#comment-PIA-3")
    page.keyboard.type("接收方安全能力说明充分。")
    _tab_to(page, "#save-findings")
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#comment-PIA-3")).to_have_value("接收方安全能力说明充分。")
    expect(page.locator(".review-toc li.done")).to_have_count(1)
    shoot(page, "k-01-keyboard-finding-saved")
    # The request, first without its 说明: the summary's link takes the focus to the field.
    _tab_to(page, "#request_rectification-kp-PIA-2")
    page.keyboard.press("Space")
    _tab_to(page, "#action-request_rectification button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#request_rectification-kp-PIA-2")).to_be_checked()
    _tab_to(page, "#error-summary a")
    page.keyboard.press("Enter")
    expect(page.locator("#comment-request_rectification")).to_be_focused()
    page.keyboard.type("请补充第二项的字段清单。")
    _tab_to(page, "#action-request_rectification button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_be_visible()
    shoot(page, "k-02-keyboard-rectification-asked")


def test_the_officials_refused_action_and_confirmation_pages(page: Page):
    """A refused forwarding shows the case page again with the summary linking to the field; a complete one asks
    for confirmation first, naming the stage; going back changes nothing. Both pages pass axe-core."""
    journeys.login(page, "official@demo.xborder", "zh")
    page.goto("/")
    page.click("table.cases tr:has-text('全球研发协同平台工艺数据') td.ref a")
    page.fill("#comment-forward_to_regulator", "材料齐全，报送。")
    page.click("#action-forward_to_regulator button[type=submit]")
    expect(page.locator("#error-summary a[href='#forward-complete']")).to_contain_text("请确认材料齐全")
    expect(page.locator("#comment-forward_to_regulator")).to_have_value("材料齐全，报送。")
    shoot(page, "o-01-official-refused-keeps-text")
    _no_serious_violation(page, "case page with a refused action")
    page.check("#forward-complete")
    page.click("#action-forward_to_regulator button[type=submit]")
    expect(page.locator("#confirm-stage")).to_contain_text("第 3 阶段")
    expect(page.locator("#confirm-consequence")).to_contain_text("不能再要求补充材料")
    shoot(page, "o-02-confirm-forwarding")
    _no_serious_violation(page, "forwarding confirmation page")
    _fits_a_phone(page, "o-03-confirm-forwarding-phone")
    page.click("#confirm-form a.button")
    expect(page.locator(".status-provincial_review").first).to_be_visible()
