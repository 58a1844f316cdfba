"""The inventory's template and vocabularies, read from forms/inventory/: sheets, columns, levels, triggers."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xborder.law import formsdata


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a sheet: its id (the model attribute), bilingual header and the type its cells must have."""

    id: str
    zh: str
    en: str
    type: str
    required: bool = False
    max: int | None = None
    vocabulary: str | None = None
    references: str | None = None
    not_before: str | None = None

    @property
    def header(self) -> str:
        """The header cell the template and exports write."""
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True, slots=True)
class Sheet:
    """One sheet of the template: its id, names, key columns and columns in order."""

    id: str
    zh: str
    en: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def title(self) -> str:
        """The sheet's tab name in the template and exports."""
        return self.zh

    def column(self, column_id: str) -> Column:
        """The column with this id."""
        return next(c for c in self.columns if c.id == column_id)

    @property
    def key_index(self) -> tuple[int, ...]:
        """Positions of the key columns in `columns`."""
        ids = [c.id for c in self.columns]
        return tuple(ids.index(k) for k in self.key)


def _norm(text: str) -> str:
    return "".join(str(text).split()).lower()


@functools.cache
def sheets() -> tuple[Sheet, ...]:
    """The template's sheets in order (flows, recipients, documents)."""
    doc = formsdata.load("inventory/template.yaml")
    out = []
    for raw in doc["sheets"]:
        columns = tuple(Column(**{k: v for k, v in col.items()}) for col in raw["columns"])
        out.append(Sheet(id=raw["id"], zh=raw["zh"], en=raw["en"], key=tuple(raw["key"]), columns=columns))
    return tuple(out)


def sheet(sheet_id: str) -> Sheet:
    """The sheet with this id."""
    return next(s for s in sheets() if s.id == sheet_id)


@functools.cache
def sheet_names() -> Mapping[str, str]:
    """Every accepted name of a sheet (id, Chinese, English, normalised) → its id."""
    names: dict[str, str] = {}
    for s in sheets():
        for name in (s.id, s.zh, s.en, f"{s.zh} / {s.en}"):
            names[_norm(name)] = s.id
    return names


def sheet_for_name(name: str) -> str | None:
    """The sheet id a tab or file is named for, if any."""
    return sheet_names().get(_norm(name))


@functools.cache
def header_names(sheet_id: str) -> Mapping[str, str]:
    """Every accepted header of the sheet's columns (id, zh, en, "zh / en", normalised) → the column id."""
    names: dict[str, str] = {}
    for col in sheet(sheet_id).columns:
        for name in (col.id, col.zh, col.en, col.header):
            names[_norm(name)] = col.id
    return names


def column_for_header(sheet_id: str, header: Any) -> str | None:
    """The column id a header cell names, if any."""
    if header is None:
        return None
    return header_names(sheet_id).get(_norm(str(header)))


def sheet_for_headers(headers: list[Any]) -> str | None:
    """The sheet whose key columns all appear in this header row (how a CSV file says which sheet it is)."""
    best, best_hits = None, 0
    for s in sheets():
        found = {column_for_header(s.id, h) for h in headers}
        if all(k in found for k in s.key):
            hits = len(found & {c.id for c in s.columns})
            if hits > best_hits:
                best, best_hits = s.id, hits
    return best


@functools.cache
def _levels() -> Mapping[str, Any]:
    return formsdata.load("inventory/levels.yaml")


def vocabulary(name: str) -> tuple[Mapping[str, Any], ...]:
    """The entries of a vocabulary (data_level, industrial_level, document_kind), each with id, zh, en and basis."""
    return tuple(_levels()["vocabularies"][name])


def vocabulary_entry(name: str, entry_id: str | None) -> Mapping[str, Any] | None:
    """One entry of a vocabulary by id."""
    return next((e for e in vocabulary(name) if e["id"] == entry_id), None)


@functools.cache
def vocabulary_lookup(name: str) -> Mapping[str, str]:
    """Every accepted spelling of a vocabulary's values (id, Chinese, English, normalised) → the id."""
    out: dict[str, str] = {}
    for entry in vocabulary(name):
        for spelling in (entry["id"], entry["zh"], entry["en"]):
            out[_norm(spelling)] = entry["id"]
    return out


def normalise(text: str) -> str:
    """The form in which headers, sheet names and vocabulary values are compared (no spaces, lower case)."""
    return _norm(text)


def declaring_rules() -> Mapping[str, Any]:
    """How rows become a declaration (grouping of transfers and counting of persons)."""
    return _levels()["declaring"]


def declaring_warning(warning_id: str) -> Mapping[str, Any]:
    """A warning shown with a draft (zh and en templates with placeholders, and its legal basis)."""
    return _levels()["declaring_warnings"][warning_id]


def triggers() -> tuple[Mapping[str, Any], ...]:
    """The re-declaration triggers with the inventory fields each watches and its legal basis."""
    return tuple(_levels()["redeclaration_triggers"])


def label(entry: Mapping[str, Any] | None, lang: str) -> str:
    """An entry's name in `lang` (zh or en)."""
    if not entry:
        return ""
    return str(entry.get(lang) or entry.get("zh") or entry.get("id"))


def _clear() -> None:
    for fn in (sheets, sheet_names, header_names, _levels, vocabulary_lookup):
        fn.cache_clear()



def case_list_columns() -> tuple[Column, ...]:
    """The columns of a case list export."""
    doc = formsdata.load("inventory/template.yaml")["case_list"]
    return tuple(Column(id=c["id"], zh=c["zh"], en=c["en"], type="text") for c in doc["columns"])


formsdata.on_clear(_clear)
