"""Inventory files for tests (workbooks and CSV built with openpyxl and csv from plain rows) and their upload."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook

from xborder.inventory import spec

RECIPIENTS = [("Example GmbH", "DE", False, "dpo@example.de"), ("Example KK", "JP", True, None)]
DOCUMENTS = [("Example GmbH", "standard_contract", "标准合同 2025", "2025-01-10", "2028-01-09")]


def flow(key: str, persons: int = 1000, *, level: str = "personal", group: str | None = "客户",
         recipient: str = "Example GmbH", category: str = "联系方式", purpose: str = "售后服务",
         exemption: str | None = None, system: str = "CRM") -> tuple:
    """One flows row in the template's column order."""
    return (key, system, category, level, None, group, recipient, purpose, exemption, persons, persons * 3,
            "Frankfurt", 36)


def flows(n: int, prefix: str = "F") -> list[tuple]:
    """`n` distinct rows, to Example GmbH, half to Example KK."""
    return [flow(f"{prefix}{i:06d}", 100 + i, recipient="Example GmbH" if i % 2 else "Example KK",
                 category=f"类别{i % 7}", group=f"群体{i % 5}") for i in range(n)]


def headers(sheet_id: str) -> list[str]:
    """The template's header row of a sheet."""
    return [c.header for c in spec.sheet(sheet_id).columns]


def workbook(flow_rows: list[tuple], recipients: list[tuple] | None = None,
             documents: list[tuple] | None = None) -> bytes:
    """An .xlsx with the three sheets (write-only, as large files are written)."""
    book = Workbook(write_only=True)
    for sheet_id, rows in (("flows", flow_rows), ("recipients", RECIPIENTS if recipients is None else recipients),
                           ("documents", DOCUMENTS if documents is None else documents)):
        sheet = book.create_sheet(spec.sheet(sheet_id).title)
        sheet.append(headers(sheet_id))
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_file(sheet_id: str, rows: list[tuple]) -> bytes:
    """One sheet as CSV with the template's headers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers(sheet_id))
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode("utf-8")


def upload(client, headers, files, apply: bool = False):
    """POST files to the import API; returns the run (the job ran in-process or is queued)."""
    import io

    data = {"file": [(io.BytesIO(content), name) for name, content in files]}
    if apply:
        data["apply"] = "true"
    response = client.post("/api/v1/inventory/imports", headers=headers, data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    return response.get_json()


def run_jobs_inline(app, run_id: int, apply: bool = False) -> None:
    """With Redis configured the API queued the job; run the same function here (the worker test covers RQ)."""
    from xborder.inventory import tasks

    if app.config["XBORDER"].redis_url:
        (tasks.apply_import if apply else tasks.preview_import)(run_id)
