"""Issue 18, acceptance 2: axe-core finds no serious or critical violation on any page of the three roles — every
page the words-not-codes walk visits (tests/helpers/page_walk.py), in Chinese and in English. Each page is the
answer a test client got, shown in Chromium with its real styles and scripts from the same client (colour contrast
needs the styles), so no server runs."""

from __future__ import annotations

import pytest

from tests.helpers import page_walk
from tests.helpers.browser import ClientPages, axe_serious_nodes
from tests.helpers.web import People


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_axe_finds_no_serious_or_critical_violation_on_any_page_of_the_walk(app, db, browser, locale):
    people = People(app, db)
    page_walk.every_status(people, db)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale=locale.replace("_", "-"))
    pages = ClientPages(context)
    page = context.new_page()
    broken: list[str] = []
    page.on("pageerror", lambda exc: broken.append(str(exc)))
    page.on("console", lambda msg: broken.append(msg.text) if "Refused" in msg.text else None)
    problems: dict[str, list[str]] = {}
    shown = 0
    try:
        for visit in page_walk.walk(app, people, db, locale):
            pages.show(page, visit.client, visit.response)
            shown += 1
            if found := axe_serious_nodes(page):
                problems[visit.label] = found
            if broken or pages.errors:
                problems[f"{visit.label} (the page broke)"] = [*broken, *pages.errors]
                broken.clear()
                pages.errors.clear()
    finally:
        context.close()
    assert not problems, f"{len(problems)} of {shown} pages:\n" + "\n".join(
        f"{label}:\n  " + "\n  ".join(found) for label, found in problems.items())


def test_pages_shown_from_a_test_client_have_their_styles_and_axe_sees_them(browser):
    """The way the pages are shown works: a page's stylesheet comes through the client that got the page (axe finds
    the grey text on white it makes), and an image without a text alternative is found too."""
    import flask

    app = flask.Flask(__name__)
    app.add_url_rule("/page", "page", lambda: '<!doctype html><html lang="en"><head><title>t</title>'
                     '<link rel="stylesheet" href="/faint.css"></head><body><main><p class="faint">faint words</p>'
                     '<img src="/favicon.svg"></main></body></html>')
    app.add_url_rule("/faint.css", "css", lambda: flask.Response(".faint { color: #ccc; background: #fff }",
                                                                 mimetype="text/css"))
    app.add_url_rule("/favicon.svg", "svg", lambda: flask.Response(
        '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>', mimetype="image/svg+xml"))
    client = app.test_client()
    context = browser.new_context()
    pages = ClientPages(context)
    try:
        page = context.new_page()
        pages.show(page, client, client.get("/page"))
        found = axe_serious_nodes(page)
    finally:
        context.close()
    assert pages.errors == []
    rules = sorted(line.split(" at ")[0] for line in found)
    assert rules == ["color-contrast (serious)", "image-alt (critical)"], found
    assert any("faint words" in line for line in found)
