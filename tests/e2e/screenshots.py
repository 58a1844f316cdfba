"""Screenshots for issue 18's closing note: one per problem of its "Why" section at 1280 px, and the main pages of
the three roles at 390 px, with an index.md mapping each problem to its files.

    python -m tests.e2e.screenshots OUTDIR

Starts the demo app as the browser tests do (tests/helpers/live.py: its own database, the demo data), signs in as
each role in Chromium ($XBORDER_CHROMIUM, default /usr/bin/chromium) and walks the pages, finding controls by their
role and visible label rather than by layout, so the pages may change around them. A step that fails is recorded
in index.md with its error and the walk goes on: the script documents, the tests assert. Not a test module (pytest
collects test_*.py only)."""

from __future__ import annotations

import os
import pathlib
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.helpers.browser import CHROMIUM_ARGS
from tests.helpers.inventory import DOCUMENTS, flow, workbook
from tests.helpers.journeys import load_inventory, login
from tests.helpers.live import own_database, serve_demo

ENTERPRISE, ASSESSOR, OFFICIAL = "enterprise@demo.xborder", "assessor@demo.xborder", "official@demo.xborder"
FILED = "亚太区设备远程运维用户数据出境"  # filed after a rectification round (xborder/cases/demo.py)
APPROVED = "海外工厂生产运营数据（重要数据）出境"
IN_REVIEW = "欧洲经销商客户关系管理数据出境"  # in the demo assessor's queue
IN_PROVINCE = "全球研发协同平台工艺数据（重要数据）出境"  # a security assessment in provincial review
REFERENCE = re.compile(r"XB-\d{6}-\d{4}-\d{6}")

INVENTORY_ROWS = [flow("SHOT-1", 300_000, purpose="售后服务"),
                  flow("SHOT-2", 16_000, level="sensitive_personal", category="健康信息", purpose="售后服务"),
                  flow("SHOT-3", 2_000, recipient="Demo Cambodia Co., Ltd.", purpose="东南亚售后"),
                  flow("SHOT-4", 1_500, recipient="Demo Malta Ltd", purpose="欧洲呼叫中心"),
                  flow("SHOT-5", 900, recipient="Demo Guatemala S.A.", purpose="拉美经销商")]
INVENTORY_RECIPIENTS = [("Example GmbH", "DE", False, "dpo@example.de"), ("Example KK", "JP", True, None),
                        ("Demo Cambodia Co., Ltd.", "KH", False, None), ("Demo Malta Ltd", "MT", False, None),
                        ("Demo Guatemala S.A.", "GT", False, None)]


# The problems of issue 18's "Why" section, in the issue's order; each shot names one by its key.
WHY = {
    "1": "Internal codes on screen",
    "2": "Rectification gives no guidance",
    "3": "Work is lost on a validation error",
    "4": "The new-case wizard",
    "5": "The inventory draft page",
    "6": "Actions out of place",
    "7": "Notifications are bare",
    "8": "The assessor's review page",
    "9": "Autosaves, country names, the enterprise's own name, an English flash, the favicon",
}


@dataclass
class Shot:
    """A problem of the issue (its key in WHY, e.g. "1c", and what it was), what the files show, the files, and any
    note (why none could be taken)."""

    key: str
    problem: str
    shows: str = ""
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Walk:
    """The browser contexts of the three roles and the screenshots taken so far."""

    def __init__(self, browser: Browser, base_url: str, out: pathlib.Path):
        self.browser, self.base_url, self.out = browser, base_url, out
        self.shots: list[Shot] = []
        self.pages: dict[str, Page] = {}
        self.contexts: list[BrowserContext] = []

    def page(self, email: str | None, lang: str = "zh") -> Page:
        """A signed-in page of `email` (one per user and language), or a fresh anonymous one."""
        key = f"{email}/{lang}"
        if email is not None and key in self.pages:
            return self.pages[key]
        context = self.browser.new_context(base_url=self.base_url, viewport={"width": 1280, "height": 900},
                                           locale="zh-CN")
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        if email is not None:
            login(page, email, lang)
            self.pages[key] = page
        return page

    def take(self, shot: Shot, page: Page, name: str, *, near=None, full: bool = False,
             max_height: int | None = None) -> None:
        """Save what the window shows (scrolled to `near` when given), or the whole page (`full`, its first
        `max_height` px when given), as `name`.png under the output folder."""
        if near is not None:  # the part that shows the problem at the top of the window, a little above it too
            near.first.evaluate("e => { e.scrollIntoView({block: 'start'}); window.scrollBy(0, -72); }")
        clip = None
        if full and max_height is not None:
            size = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            clip = {"x": 0, "y": 0, "width": size[0], "height": min(size[1], max_height)}
        page.screenshot(path=str(self.out / f"{name}.png"), full_page=full, clip=clip)
        shot.files.append(f"{name}.png")

    def step(self, key: str, problem: str, shows: str, action: Callable[[Shot], None]) -> None:
        """Run one problem's walk; a failure is noted, not fatal."""
        shot = Shot(key, problem, shows)
        self.shots.append(shot)
        try:
            action(shot)
        except Exception as exc:  # the script documents: record what went wrong and go on
            shot.notes.append(f"step failed: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
            traceback.print_exc()

    def case_url(self, page: Page, title: str) -> str:
        """The URL of a demo case, found by its title in the signed-in user's list."""
        page.goto("/")
        href = page.get_by_role("row").filter(has_text=title).get_by_role("link").first.get_attribute("href") or ""
        return re.sub(r"/review$", "", href)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def heading(page: Page, pattern: str):
    """A heading whose text matches `pattern` (a regular expression)."""
    return page.get_by_role("heading", name=re.compile(pattern))


def run(walk: Walk) -> None:
    """Every problem of issue 18's "Why", in an order that builds the state the later ones need (the index lists
    them in the issue's order)."""
    state: dict[str, str] = {}

    def login_flash(shot: Shot) -> None:
        page = walk.page(None)
        page.goto("/cases/new")
        expect(page).to_have_url(re.compile(r"/login"))
        walk.take(shot, page, "9e-login-flash")

    def favicon(shot: Shot) -> None:
        page = walk.page(None)
        response = page.goto("/favicon.ico")
        shot.notes.append(f"/favicon.ico answered HTTP {response.status if response else '?'} "
                          f"({response.headers.get('content-type') if response else ''})")
        page.set_viewport_size({"width": 160, "height": 160})
        walk.take(shot, page, "9f-favicon")

    def enterprise_list(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto("/")
        walk.take(shot, page, "9d-enterprise-list")

    def history(shot: Shot) -> None:
        for lang in ("zh", "en"):
            page = walk.page(ENTERPRISE, lang)
            page.goto(walk.case_url(page, FILED))
            walk.take(shot, page, f"1a-history-{lang}", near=heading(page, "办理记录|Timeline"))

    def wizard_untouched(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto("/cases/new")
        expect(page.locator("#preview")).to_have_attribute("data-state", re.compile("."))  # the engine answered
        walk.take(shot, page, "4a-wizard-untouched")

    def wizard_touched(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto("/cases/new")
        page.fill("#transfers-0-pi_individuals", "很多")
        error = page.locator("#preview-errors li").first
        expect(error).to_be_visible()
        walk.take(shot, page, "4b-wizard-touched", near=page.locator("#preview"))

    def wizard_sent(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto("/cases/new")
        page.locator("#declaration-form button[type=submit].primary").last.click()
        expect(page.locator("#error-summary")).to_be_visible()
        walk.take(shot, page, "4c-wizard-sent-empty", near=page.locator("#error-summary"))

    def sector(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto("/cases/new")
        walk.take(shot, page, "1d-sector-wizard", near=page.get_by_label("所属行业"))
        load_inventory(page, workbook(INVENTORY_ROWS, INVENTORY_RECIPIENTS, DOCUMENTS))
        page.goto("/inventory")
        for key in ("SHOT-1", "SHOT-2"):
            page.get_by_label(key, exact=True).check()
        page.get_by_role("button", name="用所选条目起草申报").click()
        expect(page.locator("#preview-body")).to_be_visible()
        walk.take(shot, page, "1d-sector-inventory-draft", near=page.get_by_label("所属行业"))

    def import_status(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto("/inventory")
        walk.take(shot, page, "1c-import-status-list", near=heading(page, "最近的导入|Recent uploads"))
        page.get_by_role("link", name=re.compile(r"^#\d+$")).first.click()
        walk.take(shot, page, "1c-import-status-run")

    def country_names(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto("/inventory")
        walk.take(shot, page, "9c-country-names-inventory", near=heading(page, "境外接收方"))
        page.goto("/cases/new")
        country = page.get_by_label(re.compile("国家|地区")).first
        country.evaluate("el => el.setAttribute('size', '14')")  # shown as a list for the picture only
        country.select_option("KH")  # the list scrolls to the chosen country
        walk.take(shot, page, "9c-country-names-picker", near=country)
        shot.notes.append("the picker is drawn as an open list (size=14) for the picture, with 柬埔寨 selected")

    def inventory_draft(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto("/inventory")
        for key in ("SHOT-1", "SHOT-2"):
            page.get_by_label(key, exact=True).check()
        page.get_by_role("button", name="用所选条目起草申报").click()
        expect(page.locator("#preview-body")).to_be_visible()
        walk.take(shot, page, "5a-inventory-draft")
        page.get_by_label("案件名称").fill("清单申报（截图）")
        page.get_by_role("button", name="创建案件草稿").click()
        expect(page).to_have_url(re.compile(r"/cases/\d+$"))
        state["inventory_case"] = page.url

    def inventory_panel(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto("/inventory")
        page.get_by_label("SHOT-3", exact=True).check()
        expect(page.locator("#preview")).to_have_attribute("data-state", "ok")
        walk.take(shot, page, "5b-inventory-panel", near=page.locator("#preview"))
        page.get_by_label("SHOT-1", exact=True).check()
        expect(page.locator("#draft-warnings")).to_be_visible()
        walk.take(shot, page, "5b-inventory-panel-warning", near=heading(page, "数据出境条目"))
        page.get_by_role("button", name="用所选条目起草申报").click()
        expect(page.locator("#preview-body")).to_be_visible()
        walk.take(shot, page, "5b-inventory-draft-warning")

    def review(shot: Shot) -> None:
        page = walk.page(ASSESSOR)
        case = walk.case_url(page, IN_REVIEW)
        state["review_case"] = case
        page.goto(f"{case}/review")
        walk.take(shot, page, "8a-review-contents")

    def review_error(shot: Shot) -> None:
        page = walk.page(ASSESSOR)
        page.goto(f"{state['review_case']}/review")
        form = page.locator("form").filter(has=page.get_by_role("button", name=re.compile("要求整改")))
        page.get_by_role("radio", name="不符合", exact=True).first.check()
        page.locator("#comment-PIA-1").fill("处理目的的说明不够具体，请写明回访的频率和范围。")
        boxes = form.get_by_role("checkbox")
        for index in range(min(2, boxes.count())):
            boxes.nth(index).check()
        form.get_by_role("button", name=re.compile("要求整改")).click()
        expect(page.locator("#error-summary")).to_be_visible()
        walk.take(shot, page, "3a-review-after-validation-error")
        walk.take(shot, page, "3a-review-after-validation-error-kept",
                  near=page.locator("#key_points-request_rectification"))
        shot.notes.append(f"after the empty 说明 the browser is at {page.url.replace(walk.base_url, '')}")
        page.locator("#comment-request_rectification").fill("请补充境外接收方的安全承诺书，并说明出境字段的必要性。")
        form.get_by_role("button", name=re.compile("要求整改")).click()
        expect(page).not_to_have_url(re.compile(r"/review$"))

    def guidance_point(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto(f"{state['review_case']}/self-assessment")
        walk.take(shot, page, "2a-rectification-key-point-page")

    def guidance_actions(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto(state["review_case"])
        walk.take(shot, page, "2b-rectification-case-actions", near=heading(page, "当前可办理"))

    def guidance_request(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto(state["review_case"])
        walk.take(shot, page, "2c-rectification-case-page")

    def autosave(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        case = state["review_case"]
        page.goto(f"{case}/self-assessment")
        answer = page.locator("#answer")
        for n in range(4):  # four pauses in typing: four autosaves
            with page.expect_response(lambda r: r.url.endswith("/autosave")):
                answer.press("End")
                answer.type(f" 补充说明{n + 1}。")
        choice = page.locator("#answer-form select").first
        if choice.count():  # a question's option changed too, for the diff
            options = choice.locator("option").evaluate_all("os => os.map(o => o.value).filter(v => v)")
            current = choice.input_value()
            with page.expect_response(lambda r: r.url.endswith("/autosave")):
                choice.select_option(next(v for v in options if v != current))
        page.goto(case)
        walk.take(shot, page, "9a-history-autosave-folding", near=heading(page, "办理记录|Timeline"))

    def rectification_diff(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        case = state["review_case"]
        page.goto(case)
        walk.take(shot, page, "1b-rectification-diff-enterprise", near=page.locator(".changes"))
        page.get_by_role("button", name=re.compile("重新提交")).first.click()
        expect(page.locator(".flash-success")).to_be_visible()
        assessor = walk.page(ASSESSOR)
        assessor.goto(f"{case}/review")
        walk.take(shot, assessor, "1b-rectification-diff-review", near=assessor.locator(".changes"))

    def review_changed(shot: Shot) -> None:
        page = walk.page(ASSESSOR)
        page.goto(f"{state['review_case']}/review")
        walk.take(shot, page, "8b-review-changed-since-request", near=page.locator(".review-toc"))

    def sign_confirmation(shot: Shot) -> None:
        page = walk.page(ASSESSOR)
        page.goto(f"{state['review_case']}/review")
        satisfied = page.get_by_role("radio", name="符合", exact=True)
        for index in range(satisfied.count()):
            satisfied.nth(index).check()
        page.get_by_role("radio", name="不符合", exact=True).nth(2).check()
        page.get_by_role("button", name="保存评估结论").click()  # signing is offered once every point has a finding
        expect(page.locator(".flash-success")).to_be_visible()
        page.get_by_role("button", name=re.compile("签署评估意见")).click()
        expect(page.locator("#confirm-form")).to_be_visible()
        walk.take(shot, page, "6b-sign-confirmation", full=True)
        page.locator("#confirm-button").click()
        expect(page.locator("#error-summary")).to_be_visible()
        walk.take(shot, page, "6b-sign-confirmation-refused")
        page.locator("#confirm-unmet").check()
        page.locator("#confirm-button").click()
        expect(page.locator(".flash-success")).to_be_visible()

    def actions_approved(shot: Shot) -> None:
        for email, role in ((ENTERPRISE, "enterprise"), (OFFICIAL, "official")):
            page = walk.page(email)
            page.goto(walk.case_url(page, APPROVED))
            walk.take(shot, page, f"6a-approved-actions-{role}", near=heading(page, "当前可办理|What you can do"))
        assessor = walk.page(ASSESSOR)
        assessor.goto("/")
        link = assessor.get_by_role("row").filter(has_text=APPROVED).get_by_role("link")
        if link.count():
            assessor.goto(re.sub(r"/review$", "", link.first.get_attribute("href") or "/"))
            walk.take(shot, assessor, "6a-approved-actions-assessor",
                      near=heading(assessor, "当前可办理|What you can do"))
        else:
            shot.notes.append("the approved case is not in the assessor's list")

    def forward(shot: Shot) -> None:
        page = walk.page(OFFICIAL)
        page.goto(walk.case_url(page, IN_PROVINCE))
        state["forwarded_case"] = page.url
        block = page.locator("#action-forward_to_regulator")
        walk.take(shot, page, "6c-forward-with-completeness", near=page.locator("#materials"))
        block.get_by_role("button").first.click()
        expect(page.locator("#error-summary")).to_be_visible()
        walk.take(shot, page, "6c-forward-refused-summary", near=page.locator("#error-summary"))
        page.locator("#forward-complete").check()
        page.locator("#action-forward_to_regulator").get_by_role("button").first.click()
        expect(page.locator("#confirm-form")).to_be_visible()
        walk.take(shot, page, "6c-forward-confirmation", full=True)
        page.locator("#confirm-button").click()
        expect(page.locator(".flash-success")).to_be_visible()

    def decision(shot: Shot) -> None:
        page = walk.page(OFFICIAL)
        page.goto(state["forwarded_case"])
        walk.take(shot, page, "6d-decision-no-default", near=page.locator("#decision"))

    def notifications(shot: Shot) -> None:
        for email, role in ((ENTERPRISE, "enterprise"), (ASSESSOR, "assessor"), (OFFICIAL, "official")):
            page = walk.page(email)
            page.goto("/notifications/")
            walk.take(shot, page, f"7-notifications-{role}")

    def verify(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        url = walk.case_url(page, FILED)
        bundle = None
        for _ in range(60):  # the dossier is built on a thread: follow it until the ZIP is there
            response = page.request.get(f"{url}/dossier")
            if response.ok and "zip" in response.headers.get("content-type", ""):
                bundle = response.body()
                break
            time.sleep(1)
        assert bundle is not None, "the dossier ZIP never became ready"
        page.goto("/verify")
        page.locator("input[type=file]").set_input_files(files=[{"name": "dossier.zip", "buffer": bundle,
                                                                 "mimeType": "application/zip"}])
        page.get_by_role("button", name="核验").click()
        walk.take(shot, page, "1e-verify-zh", full=True)

    steps = (
        ("9e", "An English flash \"Please log in to access this page.\" on the Chinese login page",
         "the login page after asking for a page signed out: the request to sign in, in Chinese", login_flash),
        ("9f", "/favicon.ico is 404 on every page", "the favicon served at /favicon.ico", favicon),
        ("9d", "The enterprise's own list repeats its name in a 数据出境方 column",
         "the enterprise's case list without a column of its own name", enterprise_list),
        ("1a", "Case history shows dossier.stage_signed, job.reminder (both languages)",
         "the history of a filed case named in words, in Chinese and in English", history),
        ("4a", "The wizard shows red errors on an untouched form",
         "the new-case wizard untouched: no error shown", wizard_untouched),
        ("4b", "\"应为整数（不能是布尔值、小数或字符串）\" is jargon",
         "a number typed as words: the live panel names the field and says 请填写整数，例如 120000", wizard_touched),
        ("4c", "The server-side summary does not name the fields",
         "the wizard sent empty: each error in the summary names its field and links to it", wizard_sent),
        ("1d", "所属行业 prefilled `manufacturing`; blank on the inventory draft",
         "the sector picker showing the sector's name, on the wizard and on the inventory draft", sector),
        ("1c", "Import status `applied` / `invalid`", "import states in words, in the list and on a run's page",
         import_status),
        ("9c", "Country names misspelt (柬埔塞, 马尔他, 瓜地马拉)",
         "recipients and the country picker with 柬埔寨, 马耳他, 危地马拉 from CLDR", country_names),
        ("5a", "The inventory draft page: checkboxes above their labels, 所属行业 blank, \"适用规则 cac-2024\"",
         "the draft from inventory rows: aligned checkboxes, the sector filled, the rules by name", inventory_draft),
        ("5b", "No live pathway panel; rows already in an open case silently double-counted",
         "the live pathway panel, and the warning with the open case's reference", inventory_panel),
        ("8a", "The assessor's review page is one 7,400–8,100 px page",
         "the review page with its table of contents and progress", review),
        ("3a", "Requesting rectification with an empty 说明 loses the ticked key points",
         "the review page again after the refusal: the summary, the finding and the ticked key points kept",
         review_error),
        ("2a", "On the enterprise's key-point page the assessor's request and per-point comment are not shown",
         "the key-point page: the request and the assessor's comment on this point, the points still to change "
         "marked in the list", guidance_point),
        ("2b", "Until something is edited the only action is 撤回案件, with no 修改后重新提交",
         "the case page's actions before any change: the resubmission shown, disabled, with the points still to "
         "change and a link to the first", guidance_actions),
        ("2c", "The request text appears twice on the case page",
         "the case page in rectification: the request once, in its own card", guidance_request),
        ("9a", "Every autosave adds a history row (13 × 保存自评估)",
         "four autosaves folded into one history entry", autosave),
        ("1b", "The rectification diff shows `PIA-2.q4 / partly → deidentified`",
         "what changed since the request, by the key point's title, the question and the options' labels "
         "(the enterprise's case page and the assessor's review page)", rectification_diff),
        ("8b", "After a resubmission the review page does not mark which points changed",
         "the review page's contents marking the points changed since the request", review_changed),
        ("6b", "签署评估意见 offered while a 不符合 finding is saved, with no confirmation",
         "the confirmation before signing: stage 2, the signer and their own certificate, the 不符合 finding to "
         "acknowledge; refused until it is ticked", sign_confirmation),
        ("6a", "A \"回答\" button for the assessor, the official, and the enterprise on approved or filed cases",
         "an approved case's actions for each role: no 回答", actions_approved),
        ("6c", "The official can forward a case whose completeness panel shows ✗ 已附证明材料 (0)",
         "the official's completeness panel and materials; forwarding refused until confirmed, then the "
         "confirmation of stage 3 with the signer's certificate", forward),
        ("6d", "The decision field defaults to 评估通过", "the decision picker with no default", decision),
        ("7", "Notifications: case numbers are not links, no unread badge, no \"mark all read\"",
         "each role's notifications: links to the case and point, the unread count, mark all read", notifications),
        ("1e", "The /verify details in English", "a dossier verified on the Chinese page: every line in Chinese",
         verify),
    )
    for key, problem, shows, action in steps:
        walk.step(key, problem, shows, action)

    def phone(shot: Shot) -> None:
        pages = {ENTERPRISE: ["/", "/cases/new", "/inventory", "/notifications/", state.get("inventory_case", ""),
                              f"{state.get('review_case', '')}/self-assessment"],
                 ASSESSOR: ["/", f"{state.get('review_case', '')}/review"],
                 OFFICIAL: ["/", "/statistics", "/notifications/", state.get("forwarded_case", "")]}
        for email, paths in pages.items():
            page = walk.page(email)
            for path in filter(lambda p: p and not p.startswith("/self-assessment") and p != "/review", paths):
                page.set_viewport_size({"width": 390, "height": 844})
                page.goto(path)
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 0:
                    shot.notes.append(f"{email.split('@')[0]} {path.replace(walk.base_url, '')}: {overflow} px wider "
                                      "than the window")
                name = f"390-{email.split('@')[0]}{re.sub(r'[^a-z0-9]+', '-', path.replace(walk.base_url, ''))}"
                walk.take(shot, page, name.rstrip("-"), full=True, max_height=3200)  # the layout, not every point
            page.set_viewport_size({"width": 1280, "height": 900})

    walk.step("390", "Layouts at 390 px", "the main pages of the three roles at phone width", phone)


NOTES = [
    "- A file input's button (\"Choose Files\") and a date field's placeholder (mm/dd/yyyy) are drawn by the browser "
    "in its own language: the Chromium that took these has only its en-US resources, so they are English here.",
    "- Forwarding shown blocked for a missing material cannot be reached with the demo data (a case cannot be "
    "submitted without its materials); tests/web/test_review_actions.py "
    "`test_forwarding_and_filing_are_blocked_while_a_material_is_missing` shows it.",
    "- The 390 px pages are cut at 3,200 px: their layout, not every key point.",
]


def write_index(out: pathlib.Path, shots: list[Shot]) -> None:
    """index.md: each problem of the issue's "Why", in its order, with its screenshots and what they show."""
    lines = ["# Issue 18: the problems of its \"Why\", fixed", "",
             "Taken by `python -m tests.e2e.screenshots OUTDIR` on the demo data, 1280 px wide unless the name starts "
             "with 390-. Each row: the problem as the issue put it, the files, what they show.", ""]
    order = [*WHY, "390"]
    for group in order:
        rows = [s for s in shots if s.key == group or (s.key[:-1] == group and s.key[-1].isalpha())]
        if not rows:
            continue
        lines += [f"## {group}. {WHY[group]}" if group in WHY else "## Layouts at 390 px", ""]
        lines += ["| Problem | Screenshots | What they show |", "|---|---|---|"]
        for shot in sorted(rows, key=lambda s: s.key):
            files = "<br>".join(f"[{f}]({f})" for f in shot.files) or "—"
            shows = "; ".join([shot.shows, *shot.notes]).replace("|", "\\|")
            lines.append(f"| {shot.problem} | {files} | {shows} |")
        lines.append("")
    lines += ["## Notes", "", *NOTES, ""]
    (out / "index.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str]) -> int:
    """Take the screenshots into argv[0]; exit 2 without an output folder, 1 when a step failed."""
    if len(argv) != 1:
        print("usage: python -m tests.e2e.screenshots OUTDIR", file=sys.stderr)
        return 2
    out = pathlib.Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    executable = os.environ.get("XBORDER_CHROMIUM") or "/usr/bin/chromium"
    with tempfile.TemporaryDirectory() as tmp, own_database(pathlib.Path(tmp)) as url:
        server = serve_demo(url, pathlib.Path(tmp))
        base_url = next(server)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
                expect.set_options(timeout=20_000)
                walk = Walk(browser, base_url, out)
                try:
                    run(walk)
                finally:
                    walk.close()
                    browser.close()
        finally:
            next(server, None)  # shut the server down
    write_index(out, walk.shots)
    failed = [s.problem for s in walk.shots if any(n.startswith("step failed") for n in s.notes)]
    print(f"{sum(len(s.files) for s in walk.shots)} screenshots in {out}; {len(failed)} steps failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
