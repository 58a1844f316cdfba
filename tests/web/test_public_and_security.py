"""Everyone's pages: the public quick check, permissions (404 for others' cases, 403 for the wrong role), no inline
script or handlers anywhere, friendly errors, the language switch, and links only to pages that exist."""

from __future__ import annotations

import re

import pytest

from tests.helpers.web import csrf_token


def test_quick_check_runs_the_engine_without_an_account(client):
    page = client.get("/quick-check")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="zh-CN">' in html and "快速判定" in html
    response = client.post("/quick-check", data={
        "csrf_token": csrf_token(html), "as_of": "2025-06-30", "exporter_name": "示例企业",
        "exporter_uscc": "9131011552601815X1", "exporter_province": "310000",
        "transfers-0-recipient_name": "Example Ltd", "transfers-0-country": "GB",
        "transfers-0-pi_individuals": "20,000", "transfers-0-sensitive_pi_individuals": "12,000", "check": "1"})
    result = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "申报数据出境安全评估" in result and "《促进和规范数据跨境流动规定》第七条" in result


def test_quick_check_reports_invalid_facts_and_needs_csrf(client):
    html = client.get("/quick-check").get_data(as_text=True)
    bad = client.post("/quick-check", data={"csrf_token": csrf_token(html), "as_of": "2025-06-30",
                                            "exporter_uscc": "123", "exporter_province": "310000",
                                            "transfers-0-country": "CN", "check": "1"})
    assert bad.status_code == 422 and 'href="#exporter_uscc"' in bad.get_data(as_text=True)
    assert client.post("/quick-check", data={"as_of": "2025-06-30", "check": "1"}).status_code == 400


def test_quick_check_in_english(client):
    client.get("/lang/en")
    html = client.get("/quick-check").get_data(as_text=True)
    assert '<html lang="en">' in html and "Quick check: which pathway does my transfer need?" in html
    assert '<option value="DE">Germany (DE)</option>' in html


def test_others_cases_are_404_and_wrong_roles_403(people, factory, app):
    from tests.helpers.web import sign_in

    case = people.case()
    other = factory.user(email="other@example.test", password="pw")
    outsider = sign_in(app, "other@example.test", "pw")
    for url in (f"/cases/{case.id}", f"/cases/{case.id}/self-assessment", f"/cases/{case.id}/declaration",
                f"/cases/{case.id}/review"):
        assert outsider.get(url).status_code == 404, url
    assert other.organisation_id != case.exporter_id
    assert people.official.get(f"/cases/{case.id}").status_code == 404  # not yet at provincial review
    assert people.assessor.get("/cases/new").status_code == 403
    assert people.official.get("/cases/new").status_code == 403
    submitted = people.submitted(title="已送评")
    assert people.assessor.get(f"/cases/{submitted.id}/declaration").status_code == 403
    html = people.assessor.get(f"/cases/{submitted.id}").get_data(as_text=True)
    response = people.assessor.post(f"/cases/{submitted.id}/self-assessment/autosave",
                                    json={"key_point": "PIA-1", "version": submitted.version, "fields": {}},
                                    headers={"X-CSRFToken": csrf_token(html)})
    assert response.status_code == 403


PAGES = ("/", "/cases/new", "/cases/{id}", "/cases/{id}/self-assessment", "/cases/{id}/declaration",
         "/quick-check")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_no_inline_script_style_or_event_handlers(people, lang):
    case = people.case()
    people.enterprise.get(f"/lang/{lang}")
    signed = people.signed(title="已签署")
    pages = [(people.enterprise, p.format(id=case.id)) for p in PAGES]
    pages += [(people.assessor, f"/cases/{signed.id}/review"), (people.official, "/"),
              (people.official, f"/cases/{signed.id}"), (people.official, "/statistics")]
    for client, url in pages:
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\son[a-z]+\s*=", html), url
        assert not re.search(r"\sstyle\s*=", html), url
        assert "<style" not in html, url
        # An unset ARIA attribute is left out, not written as the text "None" (which screen readers would follow).
        assert not re.search(r'\saria-[a-z]+="None"', html), url


FIELD_WITH_ID = r'<(?:input|select|textarea)(?![^>]*type="(?:hidden|radio|checkbox|submit)")[^>]*\sid="([^"]+)"'


def test_every_input_has_a_label(people):
    case = people.case()
    for url in (f"/cases/{case.id}/self-assessment", "/cases/new", "/quick-check"):
        html = people.enterprise.get(url).get_data(as_text=True)
        ids = re.findall(FIELD_WITH_ID, html)
        for field_id in ids:
            assert f'for="{field_id}"' in html, (url, field_id)


def test_friendly_error_page_for_a_missing_case(people):
    response = people.enterprise.get("/cases/999999", headers={"Accept": "text/html"})
    assert response.status_code == 404 and "未找到" in response.get_data(as_text=True)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_error_pages_speak_the_page_language(people, locale):
    """Issue 18: the project's own error pages, not werkzeug's English description, on the Chinese (and English) UI:
    an unknown address, a case not visible, a method not allowed, a form without its CSRF token."""
    import html as markup

    client = people.enterprise
    client.get(f"/lang/{locale}")
    english = {"The requested URL was not found on the server.", "No case 999999 visible to you",
               "The method is not allowed for the requested URL.", "CSRF token missing or invalid"}
    pages = {404: client.get("/no-such-page", headers={"Accept": "text/html"}),
             405: client.put("/verify", headers={"Accept": "text/html"}),
             400: client.post("/verify", headers={"Accept": "text/html"}, data={})}
    pages["missing case"] = client.get("/cases/999999", headers={"Accept": "text/html"})
    for what, response in pages.items():
        assert response.status_code == (404 if what == "missing case" else what), what
        assert response.mimetype == "text/html"
        main = response.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]
        page = " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", main.split(">", 1)[1])).split())
        if locale == "zh_CN":
            prose = re.search(r"\b[a-z]{2,} [a-z]{2,} [a-z]{2,}\b", page)
            assert not prose and not any(sentence in page for sentence in english), (what, page)
            assert "没有该页面" in page or what in (405, 400)
        else:
            assert not re.search(r"[\u4e00-\u9fff]", page), (what, page)
            assert "There is no such page" in page or what in (405, 400)


def test_nav_links_only_to_pages_that_exist(people, app):
    html = people.enterprise.get("/").get_data(as_text=True)
    assert ('href="/notifications' in html) == ("notifications.index" in app.view_functions)
    assert ('href="/inventory' in html) == ("inventory.index" in app.view_functions)
    assert 'href="/quick-check"' in html
