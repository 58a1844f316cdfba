"""Issue 18, accessibility: declaring with the keyboard alone — sign in, open the wizard from the navigation, fill
it in, tick and untick a box, pick from lists, save the draft — with Tab, Shift+Tab, Enter, Space, the arrow keys
and typing only. Every control on the way is reached in order, none holds the focus, and each shows where the
keyboard is (a visible focus outline)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

# What the focused element is, and whether its focus can be seen (an outline or a box shadow).
_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  return {id: el.id, name: el.getAttribute("name") || "", tag: el.tagName.toLowerCase(),
          href: el.getAttribute("href") || "", text: (el.innerText || el.value || "").trim().slice(0, 40),
          visible: outline || style.boxShadow !== "none"};
}"""


def _focus(page: Page, wanted, *, key: str = "Tab", limit: int = 80) -> dict:
    """Press `key` until the focused element satisfies `wanted`; fail on a control whose focus cannot be seen, on a
    focus that stops moving (a trap) or when `wanted` is never reached."""
    previous, repeats = None, 0
    for _ in range(limit):
        page.keyboard.press(key)
        focused = page.evaluate(_FOCUSED)
        assert focused is not None, f"{key} left the page's controls"
        assert focused["visible"], f"no visible focus on {focused}"
        # A date field keeps the focus for its year, month and day parts and its calendar button; more is a trap.
        repeats = repeats + 1 if focused == previous else 0
        assert repeats < 4, f"the focus is stuck on {focused}"
        if wanted(focused):
            return focused
        previous = focused
    raise AssertionError(f"not reachable with {key} in {limit} presses")


def _by_id(element_id: str):
    return lambda focused: focused["id"] == element_id


def _choose(page: Page, element_id: str, value: str, limit: int = 300) -> None:
    """Pick `value` of the focused select with the arrow keys, as a keyboard user does."""
    for _ in range(limit):
        if page.locator(f"#{element_id}").input_value() == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{value} is not among the choices of {element_id}")


def test_declaring_with_the_keyboard_only(page: Page):
    page.goto("/login")
    expect(page.locator("#email")).to_be_focused()  # the login form takes the focus itself
    page.keyboard.type("enterprise@demo.xborder")
    _focus(page, _by_id("password"))
    page.keyboard.type("demo-password")
    page.keyboard.press("Enter")
    expect(page.locator("header .who")).to_be_visible()

    first = _focus(page, lambda f: True)  # the first stop is the skip link, shown when focused
    assert first["href"] == "#main"
    expect(page.locator("a.skip")).to_be_in_viewport()
    _focus(page, lambda f: f["href"].endswith("/cases/new"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cases/new$"))

    _focus(page, _by_id("title"))
    page.keyboard.type("键盘申报")
    _focus(page, _by_id("sector"))
    _choose(page, "sector", "finance")
    _focus(page, _by_id("is_ciio"))
    page.keyboard.press("Space")
    expect(page.locator("#is_ciio")).to_be_checked()
    page.keyboard.press("Space")  # a CIIO would need a security assessment: untick it again
    expect(page.locator("#is_ciio")).not_to_be_checked()
    _focus(page, _by_id("transfers-0-purpose"))
    page.keyboard.type("售后服务工单处理")
    _focus(page, _by_id("transfers-0-recipient_name"))
    page.keyboard.type("Example Service GmbH")
    _focus(page, _by_id("transfers-0-country"))
    _choose(page, "transfers-0-country", "DE")
    _focus(page, _by_id("transfers-0-pi_individuals"))
    page.keyboard.type("150000")
    _focus(page, _by_id("transfers-0-sensitive_pi_individuals"))
    page.keyboard.type("0")
    _focus(page, _by_id("transfers-0-pi_individuals"), key="Shift+Tab")  # back to check the count was formatted
    expect(page.locator("#transfers-0-pi_individuals")).to_have_value("150,000")
    _focus(page, _by_id("transfers-0-categories"))
    page.keyboard.type("联系方式, 设备信息")
    _focus(page, _by_id("transfers-0-important_data"))
    expect(page.locator("#preview-pathway")).to_have_attribute("data-pathway", "standard_contract_or_certification")

    _focus(page, lambda f: f["name"] == "save")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.locator("h1")).to_contain_text("键盘申报")
