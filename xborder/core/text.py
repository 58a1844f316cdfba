"""Text that is safe everywhere it goes: documents (XML 1.0), e-mail headers, file names and spreadsheets.

What is refused, and why:
- control characters other than tab and line feed (C0, DEL, C1): XML 1.0 forbids most of them, so python-docx
  cannot write them into a document, and a CR or LF in a header splits it;
- in single-line text (titles, names, numbers) line breaks and tabs too: a title becomes an e-mail subject;
- noncharacters U+FFFE/U+FFFF and lone surrogates: not text, and not encodable as UTF-8;
- in file names also the bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069), which make
  "invoice\u202egpj.exe" read as "invoiceexe.jpg" (CVE-2021-42574's trick).

Line breaks typed in a browser's text area arrive as CR LF; `normalise_newlines` turns them into LF at input, which
is the only removal done silently. Spreadsheet cells are neutralised on the way out (`spreadsheet_cell`), following
OWASP's advice on CSV injection (CWE-1236).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import marshmallow as ma

_CONTROL = "\x00-\x08\x0b\x0c\x0d\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff"
_MULTILINE_UNSAFE = re.compile(f"[{_CONTROL}]")
_SINGLE_LINE_UNSAFE = re.compile(f"[{_CONTROL}\t\n\u2028\u2029]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")

# code → (English, Chinese); the English text is also what marshmallow reports, mapped to its code in core/errors.py.
MESSAGES: dict[str, tuple[str, str]] = {
    "control_character": ("Contains a control character; only tab and line breaks are allowed",
                          "含有控制字符，仅允许制表符和换行"),
    "line_break": ("Must be a single line, without line breaks, tabs or control characters",
                   "须为单行文本，不能包含换行、制表符或控制字符"),
    "bidi_override": ("Contains a bidirectional-override character (U+202A–U+202E, U+2066–U+2069)",
                      "含有双向文本控制字符（U+202A–U+202E、U+2066–U+2069）"),
}
# For core/errors.py: marshmallow's message → (code, Chinese).
MARSHMALLOW_CODES = {en: (code, zh) for code, (en, zh) in MESSAGES.items()}


def normalise_newlines(value: str) -> str:
    """CR LF and lone CR (as browsers and old Macs send line breaks) become LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value


def unsafe_character(value: str, *, multiline: bool = True, filename: bool = False) -> str | None:
    """The code of the first problem in `value` (see MESSAGES), or None when it is safe."""
    if filename and _BIDI.search(value):
        return "bidi_override"
    if multiline:
        return "control_character" if _MULTILINE_UNSAFE.search(value) else None
    match = _SINGLE_LINE_UNSAFE.search(value)
    if match is None:
        return None
    return "line_break" if match.group() in "\t\n\r\u2028\u2029" else "control_character"


def text_error(path: str, code: str) -> dict[str, str]:
    """A bilingual field error for an unsafe text at `path`."""
    en, zh = MESSAGES[code]
    return {"path": path, "code": code, "message_en": en, "message_zh": zh}


def check_text(value: Any, path: str, *, multiline: bool = True, filename: bool = False) -> list[dict[str, str]]:
    """The error (as a list of zero or one) for one text value; non-strings are left to the type checks."""
    if not isinstance(value, str):
        return []
    code = unsafe_character(value, multiline=multiline, filename=filename)
    return [text_error(path, code)] if code else []


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    # Iterative, so a deeply nested value cannot exhaust the stack here.
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, inner in item.items():
                sub = f"{where}/{key}" if where else str(key)
                if isinstance(key, str):
                    stack.append((key, f"{sub}#key"))
                stack.append((inner, sub))
        elif isinstance(item, list | tuple):
            stack.extend((inner, f"{where}/{i}" if where else str(i)) for i, inner in enumerate(item))


def check_tree(value: Any, path: str = "") -> list[dict[str, str]]:
    """Errors for every string (keys included) anywhere in a JSON-like value, with its `/`-path, in path order."""
    errors = [text_error(where.removesuffix("#key"), code) for where, text in _strings(value, path)
              if (code := unsafe_character(text, multiline=True))]
    return sorted(errors, key=lambda e: e["path"])


def normalise_tree(value: Any) -> Any:
    """A copy of a JSON-like value with every string's line breaks normalised (CR LF → LF)."""
    if isinstance(value, str):
        return normalise_newlines(value)
    if isinstance(value, dict):
        return {key: normalise_tree(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [normalise_tree(inner) for inner in value]
    return value


def single_line(value: str) -> str:
    """The text on one line: line breaks, tabs and control characters become spaces (for e-mail subjects)."""
    return re.sub(r"\s+", " ", _SINGLE_LINE_UNSAFE.sub(" ", value)).strip()


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def strip_unsafe(value: str) -> str:
    """The text without control characters other than tab and line feed (for writing text stored before these
    checks existed: openpyxl and python-docx refuse such characters)."""
    return _MULTILINE_UNSAFE.sub("", normalise_newlines(value))


def spreadsheet_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet program runs as a formula: text starting with = + - @ tab or CR gets a
    leading apostrophe (OWASP's CSV-injection advice); numbers, dates and other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + strip_unsafe(value)
    return strip_unsafe(value) if isinstance(value, str) else value


def xlsx_row(worksheet: Any, row: Iterable[Any]) -> list[Any]:
    """Values for `worksheet.append`: text that looks like a formula becomes a cell typed as text (shown and
    re-read exactly as written, never evaluated); control characters openpyxl refuses are dropped."""
    from openpyxl.cell import WriteOnlyCell

    out: list[Any] = []
    for value in row:
        if isinstance(value, str):
            formula_like = value.startswith(FORMULA_PREFIXES)
            value = strip_unsafe(value)
            if formula_like:
                cell = WriteOnlyCell(worksheet, value)
                cell.data_type = "s"  # openpyxl types "=…" as a formula; a string cell is never evaluated
                value = cell
        out.append(value)
    return out


class SafeText(ma.fields.String):
    """A string field refusing control characters (single-line by default; `multiline=True` keeps tabs and line
    breaks, normalised to LF; `filename=True` also refuses bidirectional overrides)."""

    def __init__(self, *args: Any, multiline: bool = False, filename: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.multiline, self.filename = multiline, filename

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        text = super()._deserialize(value, attr, data, **kwargs)
        if self.multiline:
            text = normalise_newlines(text)
        code = unsafe_character(text, multiline=self.multiline, filename=self.filename)
        if code:
            raise ma.ValidationError(MESSAGES[code][0])
        return text
