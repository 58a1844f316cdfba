"""The pages: upload with CSRF, preview, apply, exports, declaring from selected rows, the flag on the case."""

from __future__ import annotations

import io
import re

import pytest

from tests.helpers.inventory import flow, workbook
from tests.helpers.web import ENTERPRISE_USCC, People, csrf_token


@pytest.fixture
def people(app, db):
    return People(app, db)


def _upload(app, people, content: bytes):
    page = people.enterprise.get("/inventory")
    assert page.status_code == 200
    response = people.enterprise.post("/inventory/imports", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)), "file": (io.BytesIO(content), "inv.xlsx")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    run_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    if app.config["XBORDER"].redis_url:
        from xborder.inventory.tasks import preview_import

        preview_import(run_id)
    return run_id


def test_upload_preview_apply_export_and_declare_in_the_browser(app, db, people):
    rows = [flow("W1", 150_000, purpose="售后服务"), flow("W2", 20_000, group="员工", category="人事信息")]
    run_id = _upload(app, people, workbook(rows))
    page = people.enterprise.get(f"/inventory/imports/{run_id}").get_data(as_text=True)
    assert "新增" in page and "<script" not in page
    response = people.enterprise.post(f"/inventory/imports/{run_id}/apply", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302
    if app.config["XBORDER"].redis_url:
        from xborder.inventory.tasks import apply_import

        apply_import(run_id)
    index = people.enterprise.get("/inventory").get_data(as_text=True)
    assert 'value="W1"' in index and "Example GmbH" in index
    export = people.enterprise.get("/inventory/export.xlsx")
    assert export.status_code == 200 and export.data[:2] == b"PK"
    assert people.enterprise.get("/inventory/export.json").get_json()["flows"][0]["entry_key"] == "W1"
    assert people.official.get("/inventory/exports/cases.csv").status_code == 200
    draft = people.enterprise.get("/inventory/declare?entry_keys=W1&entry_keys=W2&as_of=2025-06-30")
    html = draft.get_data(as_text=True)
    assert draft.status_code == 200 and 'value="170000"' in html
    response = people.enterprise.post("/inventory/declare", data={
        "csrf_token": csrf_token(html), "entry_keys": ["W1", "W2"], "as_of": "2025-06-30", "title": "网页申报",
        "t0_purpose": "售后服务", "t0_pi": "170,000", "t0_sensitive": "0", "create": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    case_page = people.enterprise.get(response.headers["Location"])
    assert case_page.status_code == 200
    assert 'id="inventory-links"' in case_page.get_data(as_text=True)  # the rows behind the case are shown on it
    from xborder.cases.models import Case

    case = db.session.scalar(__import__("sqlalchemy").select(Case).where(Case.title == "网页申报"))
    assert case.pathway == "standard_contract_or_certification"
    assert case.exporter.uscc == ENTERPRISE_USCC


def test_a_bad_upload_shows_every_error_and_pages_refuse_other_roles(app, db, people):
    run_id = _upload(app, people, workbook([flow("B1", level="secret")]))
    page = people.enterprise.get(f"/inventory/imports/{run_id}").get_data(as_text=True)
    assert re.search(r"第2行D列", page)
    assert people.assessor.get("/inventory").status_code == 403
    assert people.assessor.get(f"/inventory/imports/{run_id}").status_code == 403
    response = people.enterprise.post("/inventory/imports", data={"file": (io.BytesIO(b"x"), "inv.xlsx")},
                                      content_type="multipart/form-data")
    assert response.status_code == 400  # no CSRF token


def _applied(app, people, rows):
    run_id = _upload(app, people, workbook(rows))
    page = people.enterprise.get(f"/inventory/imports/{run_id}").get_data(as_text=True)
    assert people.enterprise.post(f"/inventory/imports/{run_id}/apply",
                                  data={"csrf_token": csrf_token(page)}).status_code == 302
    if app.config["XBORDER"].redis_url:
        from xborder.inventory.tasks import apply_import

        apply_import(run_id)


def test_drafting_rows_of_an_open_case_warns_with_the_case_reference(app, db, people):
    """Issue 18 acceptance 4 in the browser: the draft page (before the case is opened) and the live panel's answer
    name the open case the rows are already in, with a link to it; the sector comes from the organisation."""
    from xborder.cases.models import Case

    _applied(app, people, [flow("V1", 300_000, purpose="售后服务"),
                           flow("V2", 16_000, level="sensitive_personal", category="健康信息")])
    html = people.enterprise.get("/inventory/declare?entry_keys=V1&entry_keys=V2&as_of=2025-06-30")\
        .get_data(as_text=True)
    assert 'id="draft-warnings" role="status" hidden' in html  # nothing declared yet: no warning
    response = people.enterprise.post("/inventory/declare", data={
        "csrf_token": csrf_token(html), "entry_keys": ["V1", "V2"], "as_of": "2025-06-30", "title": "清单申报",
        "sector": "finance", "t0_pi": "300,000", "t0_sensitive": "16,000", "create": "1"})
    assert response.status_code == 302
    case = db.session.scalar(__import__("sqlalchemy").select(Case).where(Case.title == "清单申报"))

    draft = people.enterprise.get("/inventory/declare?entry_keys=V1&entry_keys=V2&as_of=2025-06-30")
    html = draft.get_data(as_text=True)
    assert draft.status_code == 200
    assert 'id="draft-warnings" role="status" >' in html
    assert f'href="/cases/{case.id}"' in html and case.reference in html and "清单申报" in html
    assert "已在未结案件" in html and "重复计入" in html
    assert '<option value="finance" selected>' in html  # 所属行业 from the organisation's latest case
    assert "安全评估" in html  # the doubled count (600,000 / 32,000 sensitive) reaches the security assessment

    answer = people.enterprise.get("/inventory/declare/preview?entry_keys=V2&as_of=2025-06-30")
    body = answer.get_json()
    assert answer.status_code == 200 and body["determination"]["pathway"] == "security_assessment"
    assert [(w["case"]["reference"], w["case"]["url"], w["entry_keys"]) for w in body["warnings"]] == [
        (case.reference, f"/cases/{case.id}", ["V2"])]
    assert people.assessor.get("/inventory/declare/preview?entry_keys=V2").status_code == 403
    assert people.enterprise.get("/inventory/declare/preview").status_code == 422  # nothing ticked
