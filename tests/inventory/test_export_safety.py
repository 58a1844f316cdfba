"""Inventory exports write formula-like text as text (OWASP's CSV-injection advice, CWE-1236) and still import back
as they were."""

from __future__ import annotations

import csv
import io
import zipfile

from tests.helpers.inventory import csv_file, flow, run_jobs_inline, upload, workbook

FORMULA = '=HYPERLINK("https://evil.example/","x")'


def _apply(app, client, headers, files):
    run = upload(client, headers, files, apply=True)
    run_jobs_inline(app, run["id"])
    if app.config["XBORDER"].redis_url:  # the apply-when-valid run was queued: apply it here too
        run_jobs_inline(app, run["id"], apply=True)
    body = client.get(f"/api/v1/inventory/imports/{run['id']}", headers=headers).get_json()
    assert body["status"] == "applied", body
    return body


def test_formula_like_text_exports_as_text_and_round_trips(app, client, db, enterprise):
    from xborder.inventory.exports import inventory_rows

    user, headers = enterprise
    rows = [flow("F1", purpose=FORMULA), flow("F2", purpose="-5 天内删除"), flow("F3", purpose="@mention")]
    _apply(app, client, headers, [("inv.xlsx", workbook(rows[1:]))])  # the recipients
    # As typed text (a CSV cell): openpyxl would write "=…" into the workbook as a formula, read back as no value.
    _apply(app, client, headers, [("flows.csv", csv_file("flows", rows))])
    before = list(inventory_rows(user.organisation_id, "flows"))
    assert before[0][7] == FORMULA
    xlsx = client.get("/api/v1/inventory/export?format=xlsx", headers=headers).data
    archive = zipfile.ZipFile(io.BytesIO(xlsx))
    sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and all("<f>" not in s for s in sheets)  # no formula anywhere
    assert any("<t>=HYPERLINK(" in s.replace("&quot;", '"') for s in sheets)  # the text, as a string cell
    text = client.get("/api/v1/inventory/export?format=csv", headers=headers).data
    purposes = [r[7] for r in csv.reader(io.StringIO(text.decode("utf-8-sig")))][1:]
    assert purposes == ["'" + FORMULA, "'-5 天内删除", "'@mention"]
    for name, data in (("flows.csv", text), ("inv.xlsx", xlsx)):
        run = _apply(app, client, headers, [(name, data)])
        assert run["preview"]["applied"]["flows"] == {"added": 0, "changed": 0, "removed": 0}, name
    assert list(inventory_rows(user.organisation_id, "flows")) == before
