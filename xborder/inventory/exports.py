"""Exports as XLSX, CSV and JSON: the inventory, its empty template, and any case list the caller may see.

Text that a spreadsheet would take for a formula (= + - @ tab CR first) is written as text: a string-typed cell in
XLSX, an apostrophe first in CSV (OWASP's CSV-injection advice; reading.py drops that apostrophe on import)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from xborder.core.errors import Unprocessable, field_error
from xborder.core.text import spreadsheet_cell, xlsx_row
from xborder.extensions import db
from xborder.inventory import spec
from xborder.inventory.models import MODELS

FORMATS = ("xlsx", "csv", "json")
MIMETYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "csv": "text/csv; charset=utf-8", "json": "application/json"}


def check_format(fmt: str, sheet: str | None = None) -> None:
    """422 for a format or sheet that is not offered."""
    if fmt not in FORMATS:
        raise Unprocessable("Unknown format", [field_error("format", "one_of", "One of xlsx, csv, json",
                                                           "应为 xlsx、csv 或 json 之一")])
    if sheet is not None and sheet not in MODELS:
        raise Unprocessable("Unknown sheet", [field_error("sheet", "one_of", "One of flows, recipients, documents",
                                                          "应为 flows、recipients 或 documents 之一")])


def _cell(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def inventory_rows(organisation_id: int, sheet_id: str) -> Iterator[tuple]:
    """The organisation's rows of a sheet in the template's column order, sorted by key."""
    sheet, model = spec.sheet(sheet_id), MODELS[sheet_id]
    columns = [getattr(model, c.id) for c in sheet.columns]
    query = sa.select(*columns).where(model.organisation_id == organisation_id).order_by(
        *[getattr(model, k) for k in sheet.key])
    for row in db.session.execute(query.execution_options(yield_per=5000)):
        yield tuple(row)


def _xlsx(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        worksheet = workbook.create_sheet(title)
        worksheet.append(list(header))
        for row in rows:
            worksheet.append(xlsx_row(worksheet, [_cell(v) for v in row]))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else (("是" if v else "否") if isinstance(v, bool) else
                                              v.isoformat() if isinstance(v, dt.date) else spreadsheet_cell(v))
                         for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes spreadsheet programs read UTF-8


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def export_inventory(organisation, fmt: str, sheet_id: str | None = None) -> tuple[bytes, str]:
    """The inventory as a file: XLSX with every sheet, CSV of one sheet (flows unless named), or JSON of all."""
    check_format(fmt, sheet_id)
    stamp = dt.date.today().isoformat()
    if fmt == "xlsx":
        data = _xlsx((s.title, [c.header for c in s.columns], inventory_rows(organisation.id, s.id))
                     for s in spec.sheets())
        return data, f"inventory-{stamp}.xlsx"
    if fmt == "csv":
        sheet = spec.sheet(sheet_id or "flows")
        return _csv([c.header for c in sheet.columns], inventory_rows(organisation.id, sheet.id)), \
            f"inventory-{sheet.id}-{stamp}.csv"
    body: dict[str, Any] = {"organisation": {"name": organisation.name, "uscc": organisation.uscc},
                            "exported_on": stamp}
    for s in spec.sheets():
        body[s.id] = [{c.id: _json_value(v) for c, v in zip(s.columns, row, strict=True)}
                      for row in inventory_rows(organisation.id, s.id)]
    return json.dumps(body, ensure_ascii=False, indent=1).encode(), f"inventory-{stamp}.json"


def export_template(fmt: str, sheet_id: str | None = None) -> tuple[bytes, str]:
    """The empty template: XLSX with the three sheets and a notes sheet of accepted values; CSV of one sheet."""
    if fmt == "csv":
        check_format(fmt, sheet_id)
        sheet = spec.sheet(sheet_id or "flows")
        return _csv([c.header for c in sheet.columns], []), f"inventory-template-{sheet.id}.csv"
    if fmt != "xlsx":
        raise Unprocessable("Unknown format", [field_error("format", "one_of", "One of xlsx, csv",
                                                           "应为 xlsx 或 csv 之一")])
    return _template_workbook(), "inventory-template.xlsx"


def _accepted(column: spec.Column) -> str:
    if column.type == "vocabulary":
        return "；".join(f"{e['id']}（{e['zh']} / {e['en']}）" for e in spec.vocabulary(column.vocabulary or ""))
    if column.type == "scenario":
        from xborder.law import catalogue

        return "；".join(catalogue.scenario_ids()) + "（可留空 / may be blank）"
    return {"text": f"文本 text ≤ {column.max}", "count": "整数 ≥ 0 / whole number ≥ 0",
            "bool": "是/否 · yes/no", "date": "YYYY-MM-DD",
            "country": "ISO 3166-1 二位字母代码 / alpha-2 code (不含 CN)"}.get(column.type, column.type)


def _template_workbook() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in spec.sheets():
        worksheet = workbook.create_sheet(sheet.title)
        worksheet.append([c.header for c in sheet.columns])
        for index, column in enumerate(sheet.columns, start=1):
            cell = worksheet.cell(row=1, column=index)
            cell.font = Font(bold=column.required)
            worksheet.column_dimensions[cell.column_letter].width = max(14, len(column.header) + 4)
            if column.type == "vocabulary":
                ids = ",".join(e["id"] for e in spec.vocabulary(column.vocabulary or ""))
                check = DataValidation(type="list", formula1=f'"{ids}"', allow_blank=not column.required)
                worksheet.add_data_validation(check)
                check.add(f"{cell.column_letter}2:{cell.column_letter}100000")
        worksheet.freeze_panes = "A2"
    notes = workbook.create_sheet("说明 Notes")
    notes.append(["表 / Sheet", "列 / Column", "必填 / Required", "取值 / Accepted values"])
    for sheet in spec.sheets():
        for column in sheet.columns:
            notes.append([sheet.title, column.header, "是 yes" if column.required else "", _accepted(column)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# Case lists


def _case_rows(user, status: str | None) -> Iterator[tuple]:
    from sqlalchemy.orm import joinedload

    from xborder.cases.models import Case, visible_to

    where = [visible_to(user)]
    if status:
        where.append(Case.status == status)
    query = (sa.select(Case).options(joinedload(Case.exporter)).where(*where)
             .order_by(Case.created_at.desc(), Case.id.desc()).execution_options(yield_per=1000))
    for case in db.session.scalars(query):
        yield (case.reference, case.title, case.status, case.exporter.name, case.exporter.uscc, case.province,
               case.regime, case.pathway, case.as_of, case.risk_level, case.valid_until, case.created_at,
               case.updated_at)


def export_cases(user, fmt: str, status: str | None = None) -> tuple[bytes, str]:
    """The cases the user may see (xborder.cases.models.visible_to: own, queue or province), as a file."""
    from xborder.cases.models.status import ALL as ALL_STATUSES

    check_format(fmt)
    if status is not None and status not in ALL_STATUSES:
        raise Unprocessable("Unknown status", [field_error("status", "one_of", "Not a case status",
                                                           "不是案件状态")])
    columns = spec.case_list_columns()
    stamp = dt.date.today().isoformat()
    rows = _case_rows(user, status)
    if fmt == "xlsx":
        return _xlsx([("案件列表", [c.header for c in columns], rows)]), f"cases-{stamp}.xlsx"
    if fmt == "csv":
        return _csv([c.header for c in columns], rows), f"cases-{stamp}.csv"
    body = {"exported_on": stamp, "cases": [
        {c.id: (_json_value(_cell(v))) for c, v in zip(columns, row, strict=True)} for row in rows]}
    return json.dumps(body, ensure_ascii=False, indent=1).encode(), f"cases-{stamp}.json"
