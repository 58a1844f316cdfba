"""A page that follows a job under way (js/follow.js: the dossier being built, an inventory import) updates itself in
place instead of reloading: the status line stays the same live region and says the new progress, and once the job
is done the page's main content becomes the finished page's. Served from a Flask test client (tests/helpers/browser.py
ClientPages) by a small app whose job finishes on the third question."""

from __future__ import annotations

import flask
from playwright.sync_api import expect

from tests.helpers.browser import ClientPages


def _job_app():
    """A page of a job that is at 0 %, then 50 %, then done; and the real js/follow.js."""
    import pathlib

    import xborder

    static = pathlib.Path(xborder.__file__).parent / "static"
    app = flask.Flask(__name__, static_folder=str(static), static_url_path="/static")
    asked = {"n": 0}

    @app.route("/job")
    def job():
        progress = [0, 50][asked["n"]] if asked["n"] < 2 else None
        asked["n"] += 1
        if progress is None:
            body = '<main><h1>Job</h1><p id="result">done: 3 rows added</p></main>'
        else:
            body = (f'<main><h1>Job</h1><div data-follow><p role="status" id="s">running: {progress} %</p>'
                    f'<progress max="100" value="{progress}" aria-labelledby="s"></progress></div></main>')
        return (f'<!doctype html><html lang="en"><head><title>Job</title></head><body>{body}'
                '<script src="/static/js/follow.js"></script></body></html>')

    return app


def test_a_followed_page_updates_in_place_then_shows_the_finished_page(browser):
    client = _job_app().test_client()
    context = browser.new_context()
    pages = ClientPages(context)
    try:
        page = context.new_page()
        pages.show(page, client, client.get("/job"))
        status = page.locator("[role=status]")
        status.evaluate("node => { node.dataset.mark = 'first'; }")  # the same element afterwards: no reload
        expect(page.locator("[data-mark=first]")).to_have_text("running: 50 %", timeout=10_000)
        expect(page.locator("progress")).to_have_attribute("value", "50")
        expect(page.locator("#result")).to_have_text("done: 3 rows added", timeout=10_000)
        expect(page.locator("[data-follow]")).to_have_count(0)
    finally:
        context.close()
    assert pages.errors == []
