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
REFERENCE = re.compile(r"XB-\d{6}-\d{4}-\d{6}")

INVENTORY_ROWS = [flow("SHOT-1", 300_000, purpose="售后服务"),
                  flow("SHOT-2", 16_000, level="sensitive_personal", category="健康信息", purpose="售后服务"),
                  flow("SHOT-3", 2_000, recipient="Demo Cambodia Co., Ltd.", purpose="东南亚售后"),
                  flow("SHOT-4", 1_500, recipient="Demo Malta Ltd", purpose="欧洲呼叫中心"),
                  flow("SHOT-5", 900, recipient="Demo Guatemala S.A.", purpose="拉美经销商")]
INVENTORY_RECIPIENTS = [("Example GmbH", "DE", False, "dpo@example.de"), ("Example KK", "JP", True, None),
                        ("Demo Cambodia Co., Ltd.", "KH", False, None), ("Demo Malta Ltd", "MT", False, None),
                        ("Demo Guatemala S.A.", "GT", False, None)]


@dataclass
class Shot:
    """A problem of the issue and the files that show it (or why none could be taken)."""

    problem: str
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

    def take(self, shot: Shot, page: Page, name: str, *, near=None, full: bool = False) -> None:
        """Save what the window shows (scrolled to `near` when given) as `name`.png under the output folder."""
        if near is not None:
            near.first.scroll_into_view_if_needed()
        page.screenshot(path=str(self.out / f"{name}.png"), full_page=full)
        shot.files.append(f"{name}.png")

    def step(self, problem: str, action: Callable[[Shot], None]) -> None:
        """Run one problem's walk; a failure is noted, not fatal."""
        shot = Shot(problem)
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
    """Every problem of issue 18's "Why", in an order that builds the state the later ones need."""
    state: dict[str, str] = {}

    def login_flash(shot: Shot) -> None:
        page = walk.page(None)
        page.goto("/cases/new")
        expect(page).to_have_url(re.compile(r"/login"))
        walk.take(shot, page, "17-login-flash")

    def favicon(shot: Shot) -> None:
        page = walk.page(None)
        response = page.goto("/favicon.ico")
        shot.notes.append(f"/favicon.ico answered HTTP {response.status if response else '?'} "
                          f"({response.headers.get('content-type') if response else ''})")
        walk.take(shot, page, "18-favicon")

    def enterprise_list(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto("/")
        walk.take(shot, page, "16-enterprise-list")

    def history(shot: Shot) -> None:
        for lang in ("zh", "en"):
            page = walk.page(ENTERPRISE, lang)
            page.goto(walk.case_url(page, FILED))
            walk.take(shot, page, f"01-history-{lang}", near=heading(page, "办理记录|Timeline"))

    def wizard_untouched(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto("/cases/new")
        expect(page.locator("#preview")).to_have_attribute("data-state", re.compile("."))  # the engine answered
        walk.take(shot, page, "09-wizard-untouched")

    def sector(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto("/cases/new")
        walk.take(shot, page, "04-sector-wizard", near=page.get_by_label("所属行业"))
        state["inventory_loaded"] = ""
        load_inventory(page, workbook(INVENTORY_ROWS, INVENTORY_RECIPIENTS, DOCUMENTS))
        state["inventory_loaded"] = "yes"
        page.goto("/inventory")
        for key in ("SHOT-1", "SHOT-2"):
            page.get_by_label(key, exact=True).check()
        page.get_by_role("button", name="用所选条目起草申报").click()
        expect(page.locator("#preview-body")).to_be_visible()
        walk.take(shot, page, "04-sector-inventory-draft", near=page.get_by_label("所属行业"))

    def import_status(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto("/inventory")
        walk.take(shot, page, "03-import-status-list", near=heading(page, "最近的导入|Recent uploads"))
        page.get_by_role("link", name=re.compile(r"^#\d+$")).first.click()
        walk.take(shot, page, "03-import-status-run")

    def country_names(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto("/inventory")
        walk.take(shot, page, "15-country-names-inventory", near=heading(page, "境外接收方"))
        page.goto("/cases/new")
        country = page.get_by_label(re.compile("国家|地区")).first
        country.evaluate("el => el.setAttribute('size', '14')")  # shown as a list for the picture only
        country.select_option("KH")  # the list scrolls to the chosen country
        walk.take(shot, page, "15-country-names-picker", near=country)
        shot.notes.append("the picker is drawn as an open list (size=14) for the picture, with 柬埔寨 selected")

    def inventory_draft(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto("/inventory")
        for key in ("SHOT-1", "SHOT-2"):
            page.get_by_label(key, exact=True).check()
        page.get_by_role("button", name="用所选条目起草申报").click()
        expect(page.locator("#preview-body")).to_be_visible()
        walk.take(shot, page, "06-inventory-draft")
        page.get_by_label("案件名称").fill("清单申报（截图）")
        page.get_by_role("button", name="创建案件草稿").click()
        expect(page).to_have_url(re.compile(r"/cases/\d+$"))
        state["inventory_case"] = page.url

    def inventory_panel(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        page.goto("/inventory")
        page.get_by_label("SHOT-3", exact=True).check()
        expect(page.locator("#preview")).to_have_attribute("data-state", "ok")
        walk.take(shot, page, "10-inventory-panel", near=page.locator("#preview"))
        page.get_by_label("SHOT-1", exact=True).check()
        expect(page.locator("#draft-warnings")).to_be_visible()
        walk.take(shot, page, "10-inventory-panel-warning", near=page.locator("#preview"))
        page.get_by_role("button", name="用所选条目起草申报").click()
        walk.take(shot, page, "10-inventory-draft-warning")

    def review(shot: Shot) -> None:
        page = walk.page(ASSESSOR)
        case = walk.case_url(page, IN_REVIEW)
        state["review_case"] = case
        page.goto(f"{case}/review")
        walk.take(shot, page, "13-review-toc")

    def review_error(shot: Shot) -> None:
        page = walk.page(ASSESSOR)
        page.goto(f"{state['review_case']}/review")
        form = page.locator("form").filter(has=page.get_by_role("button", name=re.compile("要求整改")))
        boxes = form.get_by_role("checkbox")
        for index in range(min(2, boxes.count())):
            boxes.nth(index).check()
        form.get_by_role("button", name=re.compile("要求整改")).click()
        walk.take(shot, page, "08-review-after-validation-error")
        shot.notes.append(f"after the empty 说明 the browser is at {page.url.replace(walk.base_url, '')}")
        if not page.url.endswith("/review"):
            page.goto(f"{state['review_case']}/review")
        form = page.locator("form").filter(has=page.get_by_role("button", name=re.compile("要求整改")))
        boxes = form.get_by_role("checkbox")
        for index in range(min(2, boxes.count())):
            boxes.nth(index).check()
        form.get_by_label(re.compile("说明")).first.fill("请补充境外接收方的安全承诺书，并说明出境字段的必要性。")
        form.get_by_role("button", name=re.compile("要求整改")).click()

    def guidance(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        case = state["review_case"]
        page.goto(case)
        walk.take(shot, page, "07-rectification-case-page")
        page.goto(f"{case}/self-assessment")
        walk.take(shot, page, "07-rectification-key-point-page")

    def autosave(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        case = state["review_case"]
        page.goto(f"{case}/self-assessment")
        answer = page.locator("#answer-form textarea").first
        for n in range(4):  # four pauses in typing: four autosaves
            with page.expect_response(lambda r: r.url.endswith("/autosave")):
                answer.press("End")
                answer.type(f" 补充说明{n + 1}。")
        page.goto(case)
        walk.take(shot, page, "14-history-autosave-folding", near=heading(page, "办理记录|Timeline"))

    def rectification_diff(shot: Shot) -> None:
        page = walk.page(ENTERPRISE)
        case = state["review_case"]
        page.goto(case)
        walk.take(shot, page, "02-rectification-diff-enterprise", near=page.locator(".changes"))
        form = page.locator("form").filter(has=page.get_by_role("button", name=re.compile("重新提交")))
        if form.count():
            form.get_by_role("button", name=re.compile("重新提交")).click()
        assessor = walk.page(ASSESSOR)
        assessor.goto(f"{case}/review")
        walk.take(shot, assessor, "02-rectification-diff-review", near=assessor.locator(".changes"))

    def actions_approved(shot: Shot) -> None:
        for email, role in ((ENTERPRISE, "enterprise"), (OFFICIAL, "official")):
            page = walk.page(email)
            page.goto(walk.case_url(page, APPROVED))
            walk.take(shot, page, f"11-approved-actions-{role}", near=heading(page, "当前可办理|What you can do"))
        assessor = walk.page(ASSESSOR)
        assessor.goto("/")
        link = assessor.get_by_role("row").filter(has_text=APPROVED).get_by_role("link")
        if link.count():
            assessor.goto(re.sub(r"/review$", "", link.first.get_attribute("href") or "/"))
            walk.take(shot, assessor, "11-approved-actions-assessor",
                      near=heading(assessor, "当前可办理|What you can do"))
        else:
            shot.notes.append("the approved case is not in the assessor's list")

    def notifications(shot: Shot) -> None:
        for email, role in ((ENTERPRISE, "enterprise"), (ASSESSOR, "assessor"), (OFFICIAL, "official")):
            page = walk.page(email)
            page.goto("/notifications/")
            walk.take(shot, page, f"12-notifications-{role}")

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
        walk.take(shot, page, "05-verify-zh", full=True)

    for problem, action in (
            ("17 An English flash on the Chinese login page", login_flash),
            ("18 /favicon.ico is 404", favicon),
            ("16 The enterprise's list repeats its name in a 数据出境方 column", enterprise_list),
            ("1 Case history shows codes (dossier.stage_signed, job.reminder), both languages", history),
            ("9 The wizard shows red errors on an untouched form", wizard_untouched),
            ("4 所属行业 prefilled `manufacturing` / blank on the inventory draft", sector),
            ("3 Import status `applied` / `invalid`", import_status),
            ("15 Country names misspelt (柬埔塞, 马尔他, 瓜地马拉)", country_names),
            ("6 The inventory draft page (checkboxes, 所属行业, 适用规则 cac-2024)", inventory_draft),
            ("10 Inventory: live pathway panel and the warning for rows in an open case", inventory_panel),
            ("13 The assessor's review page: one long page, no table of contents", review),
            ("8 Review page after a validation error (empty 说明 on requesting rectification)", review_error),
            ("7 Rectification guidance on the enterprise's key-point page", guidance),
            ("14 Every autosave adds a history row", autosave),
            ("2 The rectification diff shows `PIA-2.q4 / partly → deidentified`", rectification_diff),
            ("11 Actions out of place on an approved case", actions_approved),
            ("12 Notifications: links, unread badge, mark all read", notifications),
            ("5 /verify details in English", verify)):
        walk.step(problem, action)

    def phone(shot: Shot) -> None:
        pages = {ENTERPRISE: ["/", "/cases/new", "/inventory", "/notifications/", state.get("inventory_case", "")],
                 ASSESSOR: ["/", f"{state.get('review_case', '')}/review"],
                 OFFICIAL: ["/", "/statistics", "/notifications/"]}
        for email, paths in pages.items():
            page = walk.page(email)
            for path in filter(None, paths):
                page.set_viewport_size({"width": 390, "height": 844})
                page.goto(path)
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 0:
                    shot.notes.append(f"{email.split('@')[0]} {path.replace(walk.base_url, '')}: {overflow} px wider "
                                      "than the window")
                name = f"390-{email.split('@')[0]}{re.sub(r'[^a-z0-9]+', '_', path.replace(walk.base_url, ''))}"
                walk.take(shot, page, name.rstrip("_"), full=True)
            page.set_viewport_size({"width": 1280, "height": 900})

    walk.step("Main pages at 390 px", phone)


def write_index(out: pathlib.Path, shots: list[Shot]) -> None:
    """index.md: each problem, its screenshots and any note."""
    lines = ["# Issue 18 screenshots", "", "1280 px wide unless the name starts with 390-.", "",
             "| Problem | Screenshots | Notes |", "|---|---|---|"]
    for shot in shots:
        files = "<br>".join(f"[{f}]({f})" for f in shot.files) or "—"
        notes = "<br>".join(n.replace("|", "\\|") for n in shot.notes)
        lines.append(f"| {shot.problem} | {files} | {notes} |")
    (out / "index.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


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
