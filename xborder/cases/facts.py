"""The case's transfer details (出境详情, issue 16): what the regulator's templates ask for and the declaration does not
carry — per transfer the data-item table, transfer method, storage place and period abroad, onward recipients and the
recipient's contact; for the case the self-assessment work, storage at home, the export link (both sides' domain
names and addresses), storage abroad, onward provision, the three-year forecast and the contract's 附录二.

The fields, their labels and the template sections they fill are data (forms/case_facts/*.yaml, by effective date);
this module reads them into the marshmallow schema the API and the page validate with. The facts are a case field
beside the declaration (declaration.md refuses unknown keys); stage 1's case.json carries them from `submit` on, so a
signed document never changes afterwards (dossiers/stages.py `case_record`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import marshmallow as ma

from xborder.core.errors import Unprocessable, field_error, flatten_marshmallow
from xborder.core.text import SafeText, normalise_tree
from xborder.law import formsdata
from xborder.law.declaration import LIMITS


@dataclass(frozen=True)
class FactField:
    """One field of the transfer details: stored name, labels, help, the template sections it fills, its bound."""

    name: str
    zh: str
    en: str
    help_zh: str
    help_en: str
    feeds: tuple[str, ...]
    max_length: int
    multiline: bool = False
    required: bool = False


@dataclass(frozen=True)
class FactsShape:
    """The version of forms/case_facts in force: the case's fields, each transfer's, each data item's."""

    effective_from: dt.date
    max_data_items: int
    case: tuple[FactField, ...]
    transfer: tuple[FactField, ...]
    data_item: tuple[FactField, ...]


def _fields(entries: list[Mapping[str, Any]]) -> tuple[FactField, ...]:
    return tuple(FactField(e["name"], e["zh"], e["en"], e["help"]["zh"], e["help"]["en"], tuple(e["feeds"]),
                           int(e["max_length"]), bool(e.get("multiline")), bool(e.get("required")))
                 for e in entries)


@functools.cache
def _shape_of(effective_from: dt.date) -> FactsShape:
    chosen = next(v for v in formsdata.versions_of("case_facts") if v["effective_from"] == effective_from)
    return FactsShape(effective_from, int(chosen["max_data_items"]), _fields(chosen["case"]),
                      _fields(chosen["transfer"]), _fields(chosen["data_item"]))


def shape(on: dt.date | None = None) -> FactsShape:
    """The fields in force on `on` (today when None); a case dated before the first version uses the first."""
    versions = formsdata.versions_of("case_facts")
    chosen = formsdata.in_force(versions, on or dt.date.today()) or versions[0]
    return _shape_of(chosen["effective_from"])


formsdata.on_clear(_shape_of.cache_clear)

# Bounds and marshmallow's own messages, in Chinese too (field-level messages zh/en).
_TOO_LONG = "At most {max} characters."
_TOO_MANY = "At most {max} items."
_EMPTY = "May not be empty."
_TRANSLATIONS = (
    (re.compile(r"At most (\d+) characters\."), "max_length", "最多 {0} 个字符"),
    (re.compile(r"At most (\d+) items\."), "max_items", "最多 {0} 项"),
    (re.compile(re.escape(_EMPTY)), "required", "请填写此项"),
)


def _text(f: FactField) -> SafeText:
    bounds: list[ma.validate.Validator] = [ma.validate.Length(max=f.max_length, error=_TOO_LONG)]
    if f.required:  # not blank: a row of the data-item table is named
        bounds.insert(0, ma.validate.Regexp(r"[\s\S]*\S", error=_EMPTY))
    presence: dict[str, Any] = {"required": True} if f.required else {"allow_none": True, "load_default": None}
    return SafeText(**presence, multiline=f.multiline, validate=bounds,
                    metadata={"description": f"{f.zh} / {f.en} — {'; '.join(f.feeds)}"})


def _schema(name: str, fields: tuple[FactField, ...], extra: Mapping[str, ma.fields.Field]) -> type[ma.Schema]:
    attrs: dict[str, Any] = {f.name: _text(f) for f in fields}
    attrs.update(extra)
    attrs["Meta"] = type("Meta", (), {"unknown": ma.RAISE})
    return type(name, (ma.Schema,), attrs)


@functools.cache
def schemas(effective_from: dt.date) -> dict[str, type[ma.Schema]]:
    """The marshmallow schemas of one version: `facts` (the whole), `transfer`, `data_item`."""
    s = _shape_of(effective_from)
    item = _schema("DataItemSchema", s.data_item, {})
    transfer = _schema("TransferFactsSchema", s.transfer, {"data_items": ma.fields.List(
        ma.fields.Nested(item), load_default=list, validate=ma.validate.Length(max=s.max_data_items, error=_TOO_MANY),
        metadata={"description": "数据项 / data items ([TPL-SA] 二(二)3)"})})
    facts = _schema("CaseFactsSchema", s.case, {"transfers": ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Length(max=8, error=_TOO_LONG)), values=ma.fields.Nested(transfer),
        load_default=dict, validate=ma.validate.Length(max=LIMITS["max_transfers"], error=_TOO_MANY),
        metadata={"description": "Per transfer, keyed by its index in the declaration (\"0\", \"1\", …)"})})
    return {"facts": facts, "transfer": transfer, "data_item": item}


formsdata.on_clear(schemas.cache_clear)

# The schema documented in the OpenAPI (the version in force when the app starts; the fields change only with a
# new forms/case_facts file).
CaseFactsSchema = schemas(shape().effective_from)["facts"]


def _bilingual(errors: list[dict[str, str]]) -> list[dict[str, str]]:
    out = []
    for error in errors:
        path = re.sub(r"(transfers/[^/]+)/(value|key)(?=/|$)", r"\1", error["path"])
        for pattern, code, zh in _TRANSLATIONS:
            match = pattern.fullmatch(error["message_en"])
            if match:
                error = field_error(path, code, error["message_en"], zh.format(*match.groups()))
                break
        out.append({**error, "path": path})
    return out


def _stored_text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _clean(data: Mapping[str, Any], fields: tuple[FactField, ...]) -> dict[str, str]:
    return {f.name: text for f in fields if (text := _stored_text(data.get(f.name)))}


def transfer_count(case) -> int:
    """How many transfers the case's declaration has (the indexes its facts may use)."""
    return len((case.declaration or {}).get("transfers") or [])


def load(raw: Any, case) -> dict[str, Any]:
    """Validated facts as stored on the case: text trimmed, blanks absent, `transfers` a list by declaration index
    (empty entries for transfers without facts). Refuses (422, paths under `facts/`) out-of-bound text, unknown keys
    and indexes outside the declaration."""
    s = shape(case.as_of)
    try:
        data = schemas(s.effective_from)["facts"]().load(normalise_tree(raw) if isinstance(raw, dict) else raw)
    except ma.ValidationError as exc:
        raise Unprocessable("The transfer details are invalid", _bilingual(flatten_marshmallow(exc.messages,
                                                                                               "facts"))) from None
    count = transfer_count(case)
    errors, per_transfer = [], [{} for _ in range(count)]
    for key, entry in data["transfers"].items():
        if not re.fullmatch(r"0|[1-9][0-9]{0,7}", key) or int(key) >= count:
            errors.append(field_error(f"facts/transfers/{key}", "unknown_transfer",
                                      f"Not a transfer of the declaration (indexes 0 to {count - 1})",
                                      f"申报中没有该出境活动（序号应为 0 至 {count - 1}）"))
            continue
        stored: dict[str, Any] = _clean(entry, s.transfer)
        items = [_clean(item, s.data_item) for item in entry.get("data_items") or []]
        if items:
            stored["data_items"] = items
        per_transfer[int(key)] = stored
    if errors:
        raise Unprocessable("The transfer details are invalid", errors)
    return {**_clean(data, s.case), "transfers": per_transfer}


def view(case) -> dict[str, Any]:
    """The facts as the API shows them: every field present (None when not filled in), each transfer of the
    declaration keyed by its index."""
    s = shape(case.as_of)
    facts = case.facts or {}
    stored = facts.get("transfers") or []
    transfers = {}
    for index in range(transfer_count(case)):
        entry = stored[index] if index < len(stored) else {}
        transfers[str(index)] = {**{f.name: entry.get(f.name) for f in s.transfer},
                                 "data_items": [{f.name: item.get(f.name) for f in s.data_item}
                                                for item in entry.get("data_items") or []]}
    return {**{f.name: facts.get(f.name) for f in s.case}, "transfers": transfers}


def summary(facts: Mapping[str, Any]) -> dict[str, Any]:
    """What the audit entry records of a change: which case fields and which transfers have details."""
    return {"fields": sorted(k for k in facts if k != "transfers"),
            "transfers": [i for i, entry in enumerate(facts.get("transfers") or []) if entry]}
