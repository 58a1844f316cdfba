"""Headless Chromium for the browser journeys: its arguments and the screenshots taken along the way."""

from __future__ import annotations

import os
import pathlib

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def shoot(page, name: str) -> None:
    """Take what the window shows and the whole page; kept as files only under $XBORDER_SCREENSHOTS (when set), so
    a test run leaves nothing behind unless asked to."""
    window, full = page.screenshot(), page.screenshot(full_page=True)
    if target := os.environ.get("XBORDER_SCREENSHOTS"):
        folder = pathlib.Path(target)
        (folder / "full").mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.png").write_bytes(window)
        (folder / "full" / f"{name}.png").write_bytes(full)


AXE = (pathlib.Path(__file__).resolve().parents[1] / "e2e" / "vendor" / "axe.min.js")


def axe_serious(page) -> list[str]:
    """axe-core's serious and critical violations on the page shown (run through evaluate: no inline script)."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                           ".filter(v => ['serious', 'critical'].includes(v.impact))"
                           ".map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))")
    return list(result)
