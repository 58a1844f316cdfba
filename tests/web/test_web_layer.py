"""The shared web layer: the inventory pages speak through the message catalogue (Chinese first, English second,
both complete), and a refused action goes back to the case page whatever the form says."""

from __future__ import annotations

import pathlib

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.helpers.web import csrf_token

ROOT = pathlib.Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "xborder" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"


def _inventory_msgids() -> set[str]:
    """Every message the inventory pages and views mark for translation, extracted as pybabel does (babel.cfg)."""
    found: set[str] = set()
    for sub, method in (("templates/inventory", "jinja2"), ("xborder/inventory", "python")):
        pattern = "**.html" if method == "jinja2" else "**.py"
        for _file, _line, message, _comments, _context in extract_from_dir(ROOT / sub, [(pattern, method)]):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_inventory_message_has_a_chinese_translation():
    with CATALOGUE.open("rb") as fh:
        catalogue = {m.id: m.string for m in read_po(fh) if m.id}
    msgids = _inventory_msgids()
    assert len(msgids) > 60  # the pages were extracted, not silently skipped
    missing = sorted(m for m in msgids if not catalogue.get(m))
    assert missing == []


def test_no_inventory_page_hard_codes_a_language():
    for path in (ROOT / "templates" / "inventory").glob("*.html"):
        assert "bi(" not in path.read_text(encoding="utf-8"), path.name


def test_inventory_page_in_chinese_then_in_english(people):
    html = people.enterprise.get("/inventory").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "数据出境条目" in html and "上传并预览" in html
    assert "Outbound data flows" not in html
    people.enterprise.get("/lang/en")
    html = people.enterprise.get("/inventory").get_data(as_text=True)
    assert '<html lang="en">' in html and "Outbound data flows" in html and "Upload and preview" in html
    assert "数据出境条目" not in html


def test_a_refused_action_returns_to_the_case_page_not_to_a_posted_address(people):
    case = people.case()
    html = people.enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    response = people.enterprise.post(f"/cases/{case.id}/actions", data={
        "csrf_token": csrf_token(html), "action": "submit", "version": case.version,
        "assessor_org_id": people.assessor_org_id, "back": "https://evil.example/phish"})
    # The case page shown again with the refusal (issue 18: nothing typed is lost), never a redirect elsewhere.
    assert response.status_code == 422 and "Location" not in response.headers
    page = response.get_data(as_text=True)
    assert case.reference in page and 'id="error-summary"' in page and "evil.example" not in page
    assert case.status == "draft"


def test_links_to_every_feature_are_shown(people):
    html = people.enterprise.get("/").get_data(as_text=True)
    for href in ('href="/inventory"', 'href="/notifications/"', 'href="/verify"'):
        assert href in html
