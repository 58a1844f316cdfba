"""Reading an uploaded inventory (XLSX or CSV files) into typed rows, every bad cell located by sheet, row, column.

Reading streams (openpyxl's read-only mode, the csv module) and stops at the deployment's limits — rows per sheet,
cells per upload, errors kept — saying so in the last error, so that a small file that unpacks to a million rows
costs seconds and little memory, not minutes and gigabytes. A workbook whose XML declares a DTD is refused before
any parser sees it: Excel never writes one, and entities are how billion-laughs and XXE files work.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from xborder.core.text import FORMULA_PREFIXES, normalise_newlines, unsafe_character
from xborder.inventory import spec
from xborder.inventory.messages import cell_error, file_error

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 2000


class CellInvalid(Exception):
    """A cell's value breaks its column's rule; `code` picks the message."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class SheetRows:
    """The rows read from one sheet: key → values in the sheet's column order, and the file row of each key."""

    sheet: str
    title: str
    rows: dict[tuple, tuple] = field(default_factory=dict)
    row_numbers: dict[tuple, int] = field(default_factory=dict)
    column_letters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Limits:
    """How much one upload may make the server read (config: XBORDER_IMPORT_MAX_ROWS, _MAX_CELLS, _MAX_ERRORS)."""

    rows: int = 100_000  # per sheet, counting empty lines too
    cells: int = 2_000_000  # in the whole upload
    errors: int = 1_000  # reading stops once this many errors were found


class LimitReached(Exception):
    """Reading stopped at a limit; `code` and `params` make the bilingual message."""

    def __init__(self, sheet: spec.Sheet | None, title: str, code: str, **params: Any):
        super().__init__(code)
        self.sheet, self.title, self.code, self.params = sheet, title, code, params


@dataclass
class Upload:
    """Everything read from an upload: the sheets found, and every error."""

    sheets: dict[str, SheetRows] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    rows_read: int = 0
    limits: Limits = field(default_factory=Limits)
    cells_read: int = 0
    stopped: bool = False  # reading stopped at a limit: the errors are the first ones, not all


# ---------------------------------------------------------------------------------------------------------------
# Cell converters: one closure per column, so the hot loop is a list of calls.

_TRUE = frozenset({"是", "yes", "y", "true", "t", "1", "√", "有"})
_FALSE = frozenset({"否", "no", "n", "false", "f", "0", "无", "×"})


def _text(column: spec.Column) -> Callable[[Any], Any]:
    limit = column.max or 10_000

    def convert(value: Any) -> str | None:
        if value is None:
            return None
        text = (value if type(value) is str else _plain(value)).strip()
        if not text:
            return None
        if text[0] == "'" and text[1:2] in FORMULA_PREFIXES:
            text = text[1:]  # the apostrophe our CSV export puts before formula-like text
        if len(text) > limit:
            raise CellInvalid("too_long", max=limit)
        if "\x00" in text:
            raise CellInvalid("nul")
        if "\r" in text:
            text = normalise_newlines(text)
        if unsafe_character(text, multiline=True) is not None:
            raise CellInvalid("control")
        return text

    return convert


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _count(column: spec.Column) -> Callable[[Any], Any]:
    def convert(value: Any) -> int | None:
        if value is None:
            return None
        kind = type(value)
        if kind is int:
            number = value
        elif kind is float:
            if not value.is_integer():
                raise CellInvalid("not_integer")
            number = int(value)
        elif kind is str:
            text = value.strip().replace(",", "").replace("，", "").replace(" ", "")
            if not text:
                return None
            if not text.lstrip("-").isdigit():
                raise CellInvalid("not_integer")
            number = int(text)
        else:
            raise CellInvalid("not_integer")
        if number < 0:
            raise CellInvalid("negative")
        if number > 9_000_000_000_000:
            raise CellInvalid("too_large")
        return number

    return convert


def _bool(column: spec.Column) -> Callable[[Any], Any]:
    def convert(value: Any) -> bool:
        if value is True or value is False:
            return value
        text = spec.normalise(_plain(value)) if value is not None else ""
        if not text:
            return False  # blank is "no", as the table's default
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise CellInvalid("not_bool")

    return convert


def _date(column: spec.Column) -> Callable[[Any], Any]:
    def convert(value: Any) -> dt.date | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text.replace("/", "-")) if len(text) == 10 else _bad_date()
        except ValueError:
            raise CellInvalid("not_date") from None

    return convert


def _bad_date() -> dt.date:
    raise CellInvalid("not_date")


@functools.cache
def _alpha_2() -> frozenset[str]:
    import pycountry

    return frozenset(country.alpha_2 for country in pycountry.countries)


def _country(column: spec.Column) -> Callable[[Any], Any]:
    codes = _alpha_2()

    def convert(value: Any) -> str | None:
        if value is None:
            return None
        code = str(value).strip().upper()
        if not code:
            return None
        if code == "CN":
            raise CellInvalid("not_abroad")
        if code not in codes:
            raise CellInvalid("unknown_country")
        return code

    return convert


def _vocabulary(column: spec.Column) -> Callable[[Any], Any]:
    assert column.vocabulary
    lookup = spec.vocabulary_lookup(column.vocabulary)
    allowed = "、".join(e["id"] for e in spec.vocabulary(column.vocabulary))

    def convert(value: Any) -> str | None:
        if value is None:
            return None
        text = str(value)
        found = lookup.get(text) or lookup.get(spec.normalise(text))
        if found:
            return found
        if not text.strip():
            return None
        raise CellInvalid("not_in_vocabulary", allowed=allowed)

    return convert


def _scenario(column: spec.Column) -> Callable[[Any], Any]:
    from xborder.law import catalogue

    ids = frozenset(catalogue.scenario_ids())

    def convert(value: Any) -> str | None:
        if value is None:
            return None
        text = str(value).strip()
        if not text:
            return None
        if text not in ids:
            raise CellInvalid("not_scenario", allowed="、".join(sorted(ids)))
        return text

    return convert


CONVERTERS = {"text": _text, "count": _count, "bool": _bool, "date": _date, "country": _country,
              "vocabulary": _vocabulary, "scenario": _scenario}


def converter(column: spec.Column) -> Callable[[Any], Any]:
    """The function turning a raw cell into the column's value, raising CellInvalid."""
    return CONVERTERS[column.type](column)


# ---------------------------------------------------------------------------------------------------------------


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def read_sheet(upload: Upload, sheet_id: str, title: str, rows: Iterator[tuple], total: int,
               progress: Progress | None) -> None:
    """Read one sheet's rows (the first is the header row) into `upload`, collecting every error."""
    sheet = spec.sheet(sheet_id)
    if sheet_id in upload.sheets:
        upload.errors.append(file_error(sheet, title, "duplicate_sheet"))
        return
    result = SheetRows(sheet=sheet_id, title=title)
    upload.sheets[sheet_id] = result
    limits = upload.limits
    header = next(rows, None)
    if header is not None:
        upload.cells_read += len(header)
    if header is None:
        upload.errors.append(file_error(sheet, title, "no_header"))
        return
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        if cell is None or not str(cell).strip():
            continue
        column_id = spec.column_for_header(sheet_id, cell)
        if column_id is None or column_id in positions:
            upload.errors.append(cell_error(sheet, title, 1, _letter(index), None, "unknown_column",
                                            header=str(cell)))
            continue
        positions[column_id] = index
    missing = [c for c in sheet.columns if c.required and c.id not in positions]
    for column in missing:
        upload.errors.append(file_error(sheet, title, "missing_column", column=column))
    if missing:
        return
    result.column_letters = {cid: _letter(i) for cid, i in positions.items()}
    plan = [(column, positions.get(column.id), converter(column)) for column in sheet.columns]
    key_index = sheet.key_index
    width = max(positions.values()) + 1
    errors = upload.errors
    keys_seen = result.row_numbers
    out = result.rows
    number = 1
    for raw in rows:
        number += 1
        # Counted before anything else, empty lines included: a file of a million blank rows stops here too.
        upload.cells_read += len(raw)
        if number - 1 > limits.rows:
            raise LimitReached(sheet, title, "too_many_rows", max=limits.rows)
        if upload.cells_read > limits.cells:
            raise LimitReached(sheet, title, "too_many_cells", max=limits.cells)
        if len(errors) >= limits.errors:
            raise LimitReached(sheet, title, "too_many_errors", max=limits.errors, row=number)
        if all(c is None or (type(c) is str and not c.strip()) for c in raw):
            continue  # an empty line
        if len(raw) < width:
            raw = tuple(raw) + (None,) * (width - len(raw))
        values = []
        bad = False
        for column, position, convert in plan:
            if position is None:
                values.append(None)
                continue
            cell = raw[position]
            try:
                value = convert(cell)
            except CellInvalid as exc:
                errors.append(cell_error(sheet, title, number, result.column_letters[column.id], column, exc.code,
                                         value=cell, **exc.params))
                bad = True
                values.append(None)
                continue
            if value is None and column.required:
                errors.append(cell_error(sheet, title, number, result.column_letters[column.id], column,
                                         "required"))
                bad = True
            values.append(value)
        upload.rows_read += 1
        if progress is not None and upload.rows_read % PROGRESS_EVERY == 0:
            progress(upload.rows_read, total)
        if bad:
            continue
        row = tuple(values)
        key = tuple(row[i] for i in key_index)
        if key in keys_seen:
            first = sheet.key[0]
            errors.append(cell_error(sheet, title, number, result.column_letters[first], sheet.column(first),
                                     "duplicate_key", first_row=keys_seen[key]))
            continue
        keys_seen[key] = number
        out[key] = row
    _check_order(upload, sheet, result)


def _check_order(upload: Upload, sheet: spec.Sheet, result: SheetRows) -> None:
    """Columns that must not be before another column of the same row (valid_until ≥ signed_on)."""
    ids = [c.id for c in sheet.columns]
    for column in sheet.columns:
        if not column.not_before:
            continue
        late, early = ids.index(column.id), ids.index(column.not_before)
        for key, row in result.rows.items():
            if row[late] is not None and row[early] is not None and row[late] < row[early]:
                upload.errors.append(cell_error(sheet, result.title, result.row_numbers[key],
                                                result.column_letters[column.id], column, "before",
                                                other=sheet.column(column.not_before)))


def read_files(files: Iterable[tuple[str, bytes]], progress: Progress | None = None,
               limits: Limits | None = None) -> Upload:
    """Read every uploaded file: XLSX workbooks sheet by sheet (read-only mode), CSV files as one sheet each;
    stop at the first limit reached, the last error saying which."""
    upload = Upload(limits=limits or Limits())
    try:
        for filename, data in files:
            if data[:2] == b"PK":
                _read_workbook(upload, filename, data, progress)
            else:
                _read_csv(upload, filename, data, progress)
    except LimitReached as stop:
        upload.stopped = True
        del upload.errors[upload.limits.errors:]
        upload.errors.append(file_error(stop.sheet, stop.title, stop.code, **stop.params))
        return upload
    if not upload.sheets and not upload.errors:
        upload.errors.append(file_error(None, "", "no_sheets"))
    return upload


# Parts other than worksheets (shared strings, styles, the workbook) are read whole by openpyxl: cap their size.
MAX_WHOLE_PART = 32 * 1024 * 1024
MAX_PARTS = 2_000
# A DTD in any encoding Excel might use; OOXML never has one, and entity expansion needs one.
_DTD_MARKERS = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY") for enc in ("ascii", "utf-16-le", "utf-16-be"))


def _xml_errors() -> tuple[type[BaseException], ...]:
    """The exceptions the XML parsers openpyxl may use raise on a malformed or hostile part."""
    from xml.etree.ElementTree import ParseError

    errors: list[type[BaseException]] = [ParseError, SyntaxError]
    try:
        from lxml.etree import LxmlError

        errors.append(LxmlError)
    except ImportError:  # pragma: no cover - lxml is optional for openpyxl
        pass
    return tuple(errors)


def _unsafe_archive(data: bytes) -> str | None:
    """Why the workbook's ZIP must not reach the XML parsers (a DTD, an oversized part), or None."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return "not_a_workbook"
    if len(parts) > MAX_PARTS:
        return "too_large_inside"
    keep = max(len(m) for m in _DTD_MARKERS)
    with archive:
        for part in parts:
            if part.is_dir():
                continue
            if part.file_size > MAX_WHOLE_PART and not part.filename.startswith("xl/worksheets/"):
                return "too_large_inside"
            if not part.filename.endswith((".xml", ".rels", ".vml")):
                continue
            try:
                with archive.open(part) as stream:
                    tail = b""
                    while chunk := stream.read(1 << 20):
                        window = tail + chunk
                        if any(marker in window for marker in _DTD_MARKERS):
                            return "dtd"
                        tail = window[-keep:]
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError, EOFError,
                    zlib.error):
                return "not_a_workbook"
    return None


@functools.cache
def _size_from_header_only() -> None:
    """Make openpyxl's read-only sheets look for <dimension> only before <sheetData>, where the schema puts it.

    openpyxl otherwise parses the whole sheet when <dimension> is missing, before reading a single row: the bomb's
    million rows cost that full parse whatever the limits say. A sheet without one is read unsized (openpyxl's
    iter_rows handles that). openpyxl's reader names the class at module level, so it is replaced there, once."""
    import openpyxl.reader.excel
    from openpyxl.utils import range_boundaries
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    dimension, data = f"{{{SHEET_MAIN_NS}}}dimension", f"{{{SHEET_MAIN_NS}}}sheetData"

    class HeaderSizedWorksheet(ReadOnlyWorksheet):
        def _get_size(self) -> None:
            with self._get_source() as source:
                for _event, element in iterparse(source, events=("start",)):
                    if element.tag == dimension and element.get("ref"):
                        try:
                            bounds = range_boundaries(element.get("ref"))
                        except ValueError:
                            return
                        if None not in bounds:
                            self._min_column, self._min_row, self._max_column, self._max_row = bounds
                        return
                    if element.tag == data:
                        return

    openpyxl.reader.excel.ReadOnlyWorksheet = HeaderSizedWorksheet  # type: ignore[misc]


def _read_workbook(upload: Upload, filename: str, data: bytes, progress: Progress | None) -> None:
    import openpyxl

    _size_from_header_only()
    problem = _unsafe_archive(data)
    if problem is not None:
        upload.errors.append(file_error(None, filename, problem, max_mb=MAX_WHOLE_PART // 1048576))
        return
    broken = (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError, zlib.error, *_xml_errors())
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except broken:
        upload.errors.append(file_error(None, filename, "not_a_workbook"))
        return
    try:
        for worksheet in workbook.worksheets:
            sheet_id = spec.sheet_for_name(worksheet.title)
            if sheet_id is None:
                continue  # notes, pivot tables and other tabs are not part of the inventory
            total = max((worksheet.max_row or 1) - 1, 0)
            read_sheet(upload, sheet_id, worksheet.title, worksheet.iter_rows(values_only=True), total, progress)
    except broken:
        # A part that parses badly half-way: say so in words rather than let the parser's exception end the run.
        upload.errors.append(file_error(None, filename, "not_a_workbook"))
    finally:
        workbook.close()


def _read_csv(upload: Upload, filename: str, data: bytes, progress: Progress | None) -> None:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        upload.errors.append(file_error(None, filename, "not_text"))
        return
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error:
        upload.errors.append(file_error(None, filename, "not_csv"))
        return
    sheet_id = spec.sheet_for_headers(list(header or []))
    if sheet_id is None:
        stem = filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        sheet_id = spec.sheet_for_name(stem)
    if sheet_id is None:
        upload.errors.append(file_error(None, filename, "unknown_sheet"))
        return
    total = max(text.count("\n") - 1, 0)
    rows = ((tuple(c if c != "" else None for c in row)) for row in reader)
    try:
        read_sheet(upload, sheet_id, filename, _prepend(tuple(header or ()), rows), total, progress)
    except csv.Error:  # e.g. a field over the csv module's size limit
        upload.errors.append(file_error(None, filename, "not_csv"))


def _prepend(first: tuple, rest: Iterator[tuple]) -> Iterator[tuple]:
    yield first
    yield from rest
