"""The transfer details page (出境详情, issue 16): reachable from the case page and the wizard's end, Chinese first,
rows of data items added and removed without a script, CSRF, errors naming the field with nothing typed lost."""

from __future__ import annotations

from tests.helpers.web import csrf_token, wizard_data

LINK = "crm.example.cn（203.0.113.10）→ api.example.de（198.51.100.20），HTTPS"


def _form(page: str, **fields) -> dict:
    import re

    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    return {"csrf_token": csrf_token(page), "version": version.group(1), **fields}


def test_the_page_saves_rows_and_shows_them_again(people, db):
    case = people.case()
    page = people.enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"/cases/{case.id}/facts" in page and "出境详情" in page
    page = people.enterprise.get(f"/cases/{case.id}/facts")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "数据出境链路" in html and "数据项名称" in html and "添加一行" in html
    assert 'name="t0-rows" value="1"' in html  # one spare row to type into

    # "Add a row" without a script: nothing saved, what was typed comes back, and there is one more row.
    grown = people.enterprise.post(f"/cases/{case.id}/facts", data=_form(
        html, **{"case-export_link": LINK, "t0-rows": "1", "t0-item0-name": "手机号码", "add_row": "0"}))
    grown_html = grown.get_data(as_text=True)
    assert grown.status_code == 200 and LINK in grown_html and 'value="手机号码"' in grown_html
    assert 'name="t0-rows" value="3"' in grown_html  # the typed row, the row asked for, the spare
    db.session.refresh(case)
    assert not case.facts

    saved = people.enterprise.post(f"/cases/{case.id}/facts", data=_form(
        grown_html, **{"case-export_link": LINK, "t0-rows": "3", "t0-item0-name": "手机号码",
                       "t0-item0-description": "客户联系电话", "t0-item1-name": "姓名",
                       "t0-transfer_method": "HTTPS 接口", "t0-storage_place": "德国法兰克福"}))
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/cases/{case.id}/facts")
    db.session.refresh(case)
    assert case.facts["export_link"] == LINK
    assert [i["name"] for i in case.facts["transfers"][0]["data_items"]] == ["手机号码", "姓名"]
    again = people.enterprise.get(f"/cases/{case.id}/facts").get_data(as_text=True)
    assert 'value="客户联系电话"' in again and "德国法兰克福" in again and LINK in again

    # Removing a row: its box ticked, it is gone after saving.
    people.enterprise.post(f"/cases/{case.id}/facts", data=_form(
        again, **{"case-export_link": LINK, "t0-rows": "3", "t0-item0-name": "手机号码", "t0-item1-name": "姓名",
                  "t0-item0-remove": "on"}))
    db.session.refresh(case)
    assert [i["name"] for i in case.facts["transfers"][0]["data_items"]] == ["姓名"]


def test_an_error_names_the_field_and_keeps_what_was_typed(people, db):
    case = people.case()
    html = people.enterprise.get(f"/cases/{case.id}/facts").get_data(as_text=True)
    too_long = "地" * 501
    bad = people.enterprise.post(f"/cases/{case.id}/facts", data=_form(
        html, **{"case-export_link": LINK, "t0-storage_place": too_long, "t0-rows": "1",
                 "t0-item0-description": "只有描述没有名称"}))
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "出境后保存地点" in page and "最多 500 个字符" in page  # the summary names the field
    assert "数据项第 1 行 · 数据项名称" in page and "请填写此项" in page
    assert LINK in page and too_long in page and 'value="只有描述没有名称"' in page
    db.session.refresh(case)
    assert not case.facts


def test_csrf_language_and_who_may_write(people, db):
    case = people.case()
    html = people.enterprise.get(f"/cases/{case.id}/facts").get_data(as_text=True)
    form = _form(html, **{"case-export_link": LINK, "t0-rows": "1"})
    assert people.enterprise.post(f"/cases/{case.id}/facts", data={**form, "csrf_token": "x"}).status_code == 400
    db.session.refresh(case)
    assert not case.facts
    people.enterprise.get("/lang/en")
    english = people.enterprise.get(f"/cases/{case.id}/facts").get_data(as_text=True)
    assert "Transfer details" in english and "The export link" in english and "Add a row" in english
    # Another organisation's user does not find the case; the assessor may not write.
    assert people.assessor.get(f"/cases/{case.id}/facts").status_code == 404
    submitted = people.submitted()
    seen = people.assessor.get(f"/cases/{submitted.id}/facts")
    assert seen.status_code == 200 and "Save the transfer details" not in seen.get_data(as_text=True)
    seen_html = seen.get_data(as_text=True)
    assert 'disabled' in seen_html
    refused = people.assessor.post(f"/cases/{submitted.id}/facts", data=_form(seen_html, **{"case-onward": "有"}))
    assert refused.status_code == 403


def test_the_wizard_goes_on_to_the_transfer_details(people, db):
    token = csrf_token(people.enterprise.get("/cases/new").get_data(as_text=True))
    assert "保存并填写出境详情" in people.enterprise.get("/cases/new").get_data(as_text=True)
    data = wizard_data(token, then="facts")
    del data["save"]
    response = people.enterprise.post("/cases/new", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith("/facts"), response.get_data(
        as_text=True)[:500]
    page = people.enterprise.get(response.headers["Location"]).get_data(as_text=True)
    assert "出境详情" in page and "Example GmbH" in page
