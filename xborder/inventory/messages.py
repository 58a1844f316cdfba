"""Bilingual messages for import errors, each naming the sheet, row and column it is about."""

from __future__ import annotations

from typing import Any

from xborder.inventory import spec

# code → (English, Chinese); {placeholders} filled from the error's parameters.
REASONS: dict[str, tuple[str, str]] = {
    "required": ("a value is required", "必须填写"),
    "too_long": ("at most {max} characters", "不能超过{max}个字符"),
    "nul": ("contains a NUL character", "含有 NUL 字符"),
    "control": ("contains a control character (only tab and line breaks are allowed)",
                "含有控制字符（仅允许制表符和换行）"),
    "not_integer": ("must be a whole number", "应为整数"),
    "negative": ("must be 0 or more", "不能小于0"),
    "too_large": ("the number is too large", "数值过大"),
    "not_bool": ("must be 是/否 (yes/no)", "应为“是”或“否”"),
    "not_date": ("must be a date YYYY-MM-DD", "应为日期（YYYY-MM-DD）"),
    "not_abroad": ("CN is not abroad: a recipient in mainland China is not an outbound transfer",
                   "CN 不是境外：境内接收方不构成数据出境"),
    "unknown_country": ("not an ISO 3166-1 alpha-2 country code", "不是 ISO 3166-1 二位字母国家或地区代码"),
    "not_in_vocabulary": ("must be one of {allowed}", "应为以下之一：{allowed}"),
    "not_scenario": ("must be blank or one of {allowed}", "应为空或以下之一：{allowed}"),
    "duplicate_key": ("the same entry as row {first_row}", "与第{first_row}行重复"),
    "unknown_column": ("the header “{header}” is not a column of this sheet", "表头“{header}”不是本表的列"),
    "before": ("must not be before {other_en}", "不能早于{other_zh}"),
    "unknown_recipient": ("“{value}” is not in the recipients sheet", "“{value}”不在境外接收方表中"),
    "recipient_in_use": ("the recipient “{value}” is still used by entry {entry}",
                         "境外接收方“{value}”仍被条目 {entry} 使用"),
    "missing_column": ("the column {column_en} is missing", "缺少“{column_zh}”列"),
    "duplicate_sheet": ("the sheet appears twice in the upload", "上传中该表出现了两次"),
    "no_header": ("the sheet has no header row", "该表没有表头行"),
    "no_sheets": ("no inventory sheet found (flows, recipients or documents)",
                  "未找到清单表（数据出境清单、境外接收方或法律文件）"),
    "not_a_workbook": ("not a readable .xlsx workbook", "不是可读取的 .xlsx 工作簿"),
    "not_text": ("not a UTF-8 or GB18030 text file", "不是 UTF-8 或 GB18030 编码的文本文件"),
    "not_csv": ("not a readable CSV file (a field is too long or the quoting is broken)",
                "不是可读取的 CSV 文件（字段过长或引号不匹配）"),
    "dtd": ("the workbook's XML declares a DTD or entities, which Excel never writes; refused for safety",
            "工作簿的 XML 含有 DTD 或实体声明（Excel 不会生成），为安全起见拒绝读取"),
    "too_large_inside": ("the workbook unpacks to parts larger than {max_mb} MB; refused",
                         "工作簿解压后的部件超过 {max_mb} MB，拒绝读取"),
    "too_many_rows": ("more than {max} rows in this sheet; reading stopped there. Split the upload or ask the "
                      "administrator to raise XBORDER_IMPORT_MAX_ROWS",
                      "该表超过 {max} 行，已停止读取。请拆分上传，或请管理员调高 XBORDER_IMPORT_MAX_ROWS"),
    "too_many_cells": ("more than {max} cells in the upload; reading stopped there. Split the upload or ask the "
                       "administrator to raise XBORDER_IMPORT_MAX_CELLS",
                       "上传内容超过 {max} 个单元格，已停止读取。请拆分上传，或请管理员调高 XBORDER_IMPORT_MAX_CELLS"),
    "too_many_errors": ("{max} errors found by row {row}; reading stopped there. Correct these and upload again",
                        "读取到第{row}行时已发现 {max} 处错误，已停止读取。请更正后重新上传"),
    "unknown_sheet": ("not recognised as a sheet of the template: use the template's header row",
                      "无法识别为模板中的表：请使用模板的表头行"),
}


def _reason(code: str, params: dict[str, Any]) -> tuple[str, str]:
    en, zh = REASONS.get(code, (code, code))
    try:
        return en.format(**params), zh.format(**params)
    except (KeyError, IndexError):
        return en, zh


def cell_error(sheet: spec.Sheet, title: str, row: int | None, letter: str | None, column: spec.Column | None,
               code: str, **params: Any) -> dict[str, Any]:
    """An error about one cell: where it is (sheet, row, column letter and header) and what is wrong, in zh and en."""
    if "other" in params:
        other = params.pop("other")
        params.update(other_en=other.en, other_zh=other.zh)
    value = params.pop("value", None)
    if value is not None:
        params.setdefault("value", str(value)[:100])
    en, zh = _reason(code, params)
    where_en = f"Sheet “{title}”" + (f", row {row}" if row else "") + (f", column {letter}" if letter else "")
    where_zh = f"工作表“{title}”" + (f"第{row}行" if row else "") + (f"{letter}列" if letter else "")
    if column is not None:
        where_en += f" ({column.en})"
        where_zh += f"（{column.zh}）"
    return {
        "path": "/".join(str(p) for p in (sheet.id, row, column.id if column else None) if p is not None),
        "code": code, "sheet": sheet.id, "sheet_title": title, "row": row, "column": letter,
        "field": column.id if column else None,
        "message_en": f"{where_en}: {en}", "message_zh": f"{where_zh}：{zh}",
    }


def file_error(sheet: spec.Sheet | None, title: str, code: str, **params: Any) -> dict[str, Any]:
    """An error about a whole sheet or file."""
    column = params.pop("column", None)
    if column is not None:
        params.update(column_en=column.en, column_zh=column.zh)
    en, zh = _reason(code, params)
    label_en = f"Sheet “{title}”" if sheet else f"File “{title}”"
    label_zh = f"工作表“{title}”" if sheet else f"文件“{title}”"
    return {"path": sheet.id if sheet else "file", "code": code, "sheet": sheet.id if sheet else None,
            "sheet_title": title, "row": 1 if column else None, "column": None,
            "field": column.id if column else None,
            "message_en": f"{label_en}: {en}", "message_zh": f"{label_zh}：{zh}"}
