"""Headless Chromium for the browser journeys: its arguments, the screenshots taken along the way, axe-core, and
pages a Flask test client fetched shown in the browser with their real styles and scripts (no server)."""

from __future__ import annotations

import functools
import os
import pathlib
import urllib.parse

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


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8") + "\n;void 0"


def axe_serious(page) -> list[str]:
    """axe-core's serious and critical violations on the page shown (run through evaluate: no inline script)."""
    page.evaluate(_axe_source())
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                           ".filter(v => ['serious', 'critical'].includes(v.impact))"
                           ".map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))")
    return list(result)


def axe_serious_nodes(page) -> list[str]:
    """Every element axe-core finds in a serious or critical violation on the page shown: `rule (impact) at
    selector: <the element's opening HTML>`, one line each."""
    page.evaluate(_axe_source())
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                           ".filter(v => ['serious', 'critical'].includes(v.impact))"
                           ".flatMap(v => v.nodes.map(n => v.id + ' (' + v.impact + ') at ' + n.target.join(' ') + "
                           "': ' + n.html.replace(/\\s+/g, ' ').slice(0, 160)))")
    return list(result)


# The test client's own host: the Origin and Referer the page sends are the ones the app expects of itself.
ORIGIN = "http://localhost"


class ClientPages:
    """A browser context served by Flask test clients, with no server: the page shown is an answer a test client
    already got (a GET or a form's POST), and every request it then makes — styles, scripts, fonts, images, its
    scripts' fetches — goes through the client that got it, in that client's session. Any later navigation (a
    waiting page's refresh) is answered 204, so the page stays the one under test."""

    def __init__(self, context):
        self.client = None
        self.document: bytes | None = None
        self.response = None
        self.errors: list[str] = []
        context.route("**/*", self._answer)

    def show(self, page, client, response) -> None:
        """Show `response` (text/html, fetched by `client`) in `page` at its own address, loaded."""
        request = response.request
        query = request.query_string.decode()
        self.client, self.response, self.document = client, response, response.get_data()
        page.goto(f"{ORIGIN}{request.path}" + (f"?{query}" if query else ""), wait_until="load")
        if b"data-endpoint=" in response.get_data():
            # A live panel (pathway, inventory) asks the engine once its timer fires: check the page it shows then.
            page.wait_for_load_state("networkidle")

    def _answer(self, route) -> None:
        request = route.request
        url = urllib.parse.urlsplit(request.url)
        try:
            if f"{url.scheme}://{url.netloc}" != ORIGIN:
                self.errors.append(f"a request outside the app: {request.url}")
                route.abort()
            elif request.is_navigation_request():
                if self.document is None:
                    route.fulfill(status=204)
                    return
                route.fulfill(status=self.response.status_code, headers=dict(self.response.headers),
                              body=self.document)
                self.document = None
            else:
                headers = {k: v for k, v in request.headers.items() if k.lower() not in ("cookie", "host")}
                answer = self.client.open(url.path + (f"?{url.query}" if url.query else ""), method=request.method,
                                          headers=headers, data=request.post_data_buffer)
                try:
                    if answer.status_code >= 400 and request.resource_type in ("stylesheet", "script", "image", "font"):
                        self.errors.append(f"{request.method} {request.url}: {answer.status_code}")
                    route.fulfill(status=answer.status_code, headers=dict(answer.headers), body=answer.get_data())
                finally:
                    answer.close()
        except Exception as exc:  # kept for the test to report: the page would be shown without it
            self.errors.append(f"{request.method} {request.url}: {exc!r}")
            route.abort()
