"""Validation of a declaration (spec/declaration.md): every field checked, every error collected, in two languages."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
import pycountry
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc as stdnum_uscc

from xborder.law import catalogue, formsdata, zones
from xborder.law.checker import compile_schema

# Field messages by code. A validator raises "code" or "code:detail"; the part before the colon is the code a client
# sees, the whole key picks the text, so one code ("type") can say what type was expected.
MESSAGES: Mapping[str, tuple[str, str]] = {
    "required": ("This field is required.", "必填字段缺失。"),
    "null": ("This field may not be null.", "该字段不能为 null。"),
    "unknown_field": ("Unknown field: the declaration contract does not have it.", "未知字段：申报格式中没有该字段。"),
    "type:object": ("Expected a JSON object.", "应为 JSON 对象。"),
    "type:list": ("Expected a JSON array.", "应为 JSON 数组。"),
    "type:string": ("Expected a string.", "应为字符串。"),
    "type:integer": ("Expected an integer (not a boolean, fraction or string).",
                     "应为整数（不能是布尔值、小数或字符串）。"),
    "type:boolean": ("Expected true or false.", "应为 true 或 false。"),
    "type:date": ("Expected an ISO date string (YYYY-MM-DD).", "应为 ISO 日期字符串（YYYY-MM-DD）。"),
    "format:date": ("Not a valid ISO date (YYYY-MM-DD).", "不是有效的 ISO 日期（YYYY-MM-DD）。"),
    "blank": ("May not be empty.", "不能为空。"),
    "min": ("Must be 0 or more.", "不能小于 0。"),
    "min_items": ("At least one transfer must be declared.", "至少应申报一项数据出境传输。"),
    "unsupported_date": ("Dates before 2022-09-01 are not supported: no outbound transfer regime of xborder applies.",
                         "不支持2022年9月1日之前的日期：xborder 的数据出境制度均不适用。"),
    "after_as_of": ("A prior transfer cannot be dated after as_of.", "以往传输的日期不能晚于 as_of。"),
    "uscc_length": ("A unified social credit code has 18 characters.", "统一社会信用代码应为18位。"),
    "uscc_format": ("Not a unified social credit code: characters outside GB 32100-2015's alphabet.",
                    "统一社会信用代码含有 GB 32100-2015 字符集以外的字符。"),
    "uscc_checksum": ("The check character of the unified social credit code is wrong (GB 32100-2015).",
                      "统一社会信用代码校验码错误（GB 32100-2015）。"),
    "unknown_province": ("Not the GB/T 2260 code of one of the 31 province-level divisions.",
                         "不是31个省级行政区之一的 GB/T 2260 代码。"),
    "unknown_country": ("Not an ISO 3166-1 alpha-2 country code.", "不是 ISO 3166-1 二位字母国家或地区代码。"),
    "not_abroad": ("CN is not abroad: a recipient in mainland China is not an outbound transfer.",
                   "CN 不是境外：境内接收方不构成数据出境。"),
    "one_of": ("Not one of the exemption scenarios: trade_academic_manufacturing, transit, contract_with_individual, "
               "cross_border_hr, emergency, ftz_outside_negative_list, statutory_duty, or null.",
               "不是可主张的豁免情形之一（trade_academic_manufacturing、transit、contract_with_individual、"
               "cross_border_hr、emergency、ftz_outside_negative_list、statutory_duty）或 null。"),
    "unknown_ftz": ("Not one of the pilot free trade zones with a negative list: tianjin, beijing, shanghai, hainan, "
                    "zhejiang, guangxi, jiangsu, chongqing, fujian, or null.",
                    "不是设有数据出境负面清单的自由贸易试验区之一（tianjin、beijing、shanghai、hainan、zhejiang、"
                    "guangxi、jiangsu、chongqing、fujian）或 null。"),
    "ftz_province": ("The free trade zone is not in the exporter's province.", "该自由贸易试验区不在出口方所在省份。"),
    "max": ("Too large: a count of persons is at most 10,000,000,000.", "数值过大：人数不能超过100亿。"),
    "max_items:transfers": ("Too many transfers in one declaration (at most 1,000): split them across cases.",
                            "一份申报中的传输过多（最多1000项），请分多个案件申报。"),
    "max_items:prior_transfers": ("Too many prior transfers (at most 1,000): use the data inventory import.",
                                  "以往传输过多（最多1000项），请使用数据清单导入。"),
    "max_items:categories": ("Too many data categories for one transfer (at most 200).",
                             "一项传输的数据类别过多（最多200个）。"),
}
# xborder's own caps on one declaration (forms/limits.yaml): refused, never truncated. The texts above state them;
# a test holds the two equal.
LIMITS: Mapping[str, int] = {key: int(value) for key, value in formsdata.load("limits.yaml").items()}
_FIELD_MESSAGES = {"required": "required", "null": "null", "invalid": "type:list", "validator_failed": "invalid"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class DeclarationInvalid(Exception):
    """The declaration breaks the contract; `errors` lists every problem with its path, code and messages."""

    def __init__(self, errors: list[dict[str, str]]):
        super().__init__(f"{len(errors)} problem(s) in the declaration: " + ", ".join(
            f"{e['path'] or '(root)'} {e['code']}" for e in errors[:5]))
        self.errors = errors


def _error(path: str, key: str) -> dict[str, str]:
    en, zh = MESSAGES.get(key, (key, "输入不符合规则。"))
    return {"path": path, "code": key.split(":", 1)[0] if key in MESSAGES else "invalid",
            "message_en": en, "message_zh": zh}


# ---------------------------------------------------------------------------------------------------------------
# Fields: strict, because a JSON `true` counted as 1 person or "5" as 5 would silently change a legal outcome.


class _Strict(ma.fields.Field[Any]):
    def __init__(self, **kwargs: Any):
        kwargs.setdefault("error_messages", dict(_FIELD_MESSAGES))
        super().__init__(**kwargs)


class Count(_Strict):
    """A number of persons: a JSON integer ≥ 0, never a boolean."""

    # For the compiled checker: a test under which `_deserialize` returns VALUE unchanged (the common case).
    fast_accept = f"type(VALUE) is int and 0 <= VALUE <= {LIMITS['max_count']}"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ma.ValidationError("type:integer")
        if value < 0:
            raise ma.ValidationError("min")
        if value > LIMITS["max_count"]:
            raise ma.ValidationError("max")
        return value


class Flag(_Strict):
    """A JSON boolean, and only that."""

    fast_accept = "VALUE is True or VALUE is False"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise ma.ValidationError("type:boolean")
        return value


class Text(_Strict):
    """A string that is not blank."""

    fast_accept = "type(VALUE) is str and VALUE.strip()"

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise ma.ValidationError("type:string")
        if not value.strip():
            raise ma.ValidationError("blank")
        return value


class IsoDate(_Strict):
    """An ISO date `YYYY-MM-DD` (a `datetime.date` is accepted too, so a normalised declaration re-validates)."""

    def __init__(self, *, supported_only: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.supported_only = supported_only

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        parsed = parse_date(value)
        if parsed is None:
            raise ma.ValidationError("type:date" if not isinstance(value, str) else "format:date")
        if self.supported_only and parsed < catalogue.earliest_date():
            raise ma.ValidationError("unsupported_date")
        return parsed


class Uscc(_Strict):
    """A unified social credit code whose GB 32100-2015 check character is right; returned compacted."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise ma.ValidationError("type:string")
        compact, error = _uscc_checked(value) if len(value) <= _USCC_CACHED_LENGTH else _uscc_check(value)
        if error is not None:
            raise ma.ValidationError(error)
        return compact


# An exporter sends its own code on every request: the check (python-stdnum's compaction and GB 32100 checksum) is
# remembered for codes of a plausible length, a bounded number of them.
_USCC_CACHED_LENGTH = 40


def _uscc_check(value: str) -> tuple[str, str | None]:
    """Return (the compacted code, None), or ("", the error code) when `value` is not a valid USCC."""
    try:
        return stdnum_uscc.validate(value), None
    except stdnum_errors.InvalidLength:
        return "", "uscc_length"
    except stdnum_errors.InvalidChecksum:
        return "", "uscc_checksum"
    except stdnum_errors.ValidationError:
        return "", "uscc_format"


_uscc_checked = functools.lru_cache(maxsize=4096)(_uscc_check)


class ProvinceCode(_Strict):
    """The GB/T 2260 code of one of the 31 province-level divisions listed in forms."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise ma.ValidationError("type:string")
        if catalogue.province(value) is None:
            raise ma.ValidationError("unknown_province")
        return value


@functools.cache
def _alpha_2() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


class Country(_Strict):
    """An ISO 3166-1 alpha-2 code other than CN (HK, MO and TW are outbound for this regime); returned upper-case."""

    # For the compiled checker: a code already in its canonical form is returned unchanged by `_deserialize`.
    fast_accept = "type(VALUE) is str and VALUE in FAST_COUNTRIES_ABROAD"

    @staticmethod
    def fast_accept_names() -> dict[str, Any]:
        return {"FAST_COUNTRIES_ABROAD": _alpha_2() - {"CN"}}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise ma.ValidationError("type:string")
        code = value.strip().upper()
        if code == "CN":
            raise ma.ValidationError("not_abroad")
        if code not in _alpha_2():
            raise ma.ValidationError("unknown_country")
        return code


class Scenario(_Strict):
    """An exemption scenario id from forms, or null."""

    def __init__(self, **kwargs: Any):
        super().__init__(load_default=None, allow_none=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise ma.ValidationError("type:string")
        if value not in catalogue.scenario_ids():
            raise ma.ValidationError("one_of")
        return value


class FtzZone(_Strict):
    """A pilot free trade zone with a negative list (forms/ftz/zones.yaml), or null."""

    def __init__(self, **kwargs: Any):
        super().__init__(load_default=None, allow_none=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise ma.ValidationError("type:string")
        if zones.zone(value) is None:
            raise ma.ValidationError("unknown_ftz")
        return value


def _nested(schema: type[ma.Schema], **kwargs: Any) -> ma.fields.Nested:
    return ma.fields.Nested(schema, error_messages=dict(_FIELD_MESSAGES), **kwargs)


def _list(inner: ma.fields.Field[Any], **kwargs: Any) -> ma.fields.List[Any]:
    return ma.fields.List(inner, error_messages=dict(_FIELD_MESSAGES), **kwargs)


def _at_least_one(value: list[Any]) -> None:
    if not value:
        raise ma.ValidationError("min_items")


def _at_most_categories(value: list[Any]) -> None:
    if len(value) > LIMITS["max_categories"]:
        raise ma.ValidationError("max_items:categories")


# ---------------------------------------------------------------------------------------------------------------
# Schemas: each lists its fields; unknown fields are an error at every level.


class _Schema(ma.Schema):
    error_messages = {"unknown": "unknown_field", "type": "type:object"}

    class Meta:
        unknown = ma.RAISE


class ExporterSchema(_Schema):
    """The exporter: identity, province, whether it is a CIIO, and how many persons' PI it processes."""

    name = Text(required=True)
    uscc = Uscc(required=True)
    province = ProvinceCode(required=True)
    sector = Text(load_default=None, allow_none=True)
    is_ciio = Flag(required=True)
    # Required only by regimes that use it (cac-2022); checked against the regime after loading.
    pi_subjects_processed = Count(load_default=None, allow_none=True)
    # The pilot free trade zone the exporter is registered in (cbdf-2024 art 6); its province is checked across.
    ftz = FtzZone()


class PriorTransferSchema(_Schema):
    """A transfer already made outside this declaration."""

    date = IsoDate(required=True)
    pi_individuals = Count(required=True)
    sensitive_pi_individuals = Count(required=True)
    exemption = Scenario()


class RecipientSchema(_Schema):
    """The recipient abroad."""

    name = Text(required=True)
    country = Country(required=True)
    onward_transfer = Flag(load_default=False)


class DataSchema(_Schema):
    """What the transfer carries, in persons and kinds of data."""

    pi_individuals = Count(required=True)
    sensitive_pi_individuals = Count(required=True)
    important_data = Flag(required=True)
    core_data = Flag(required=True)
    # False is the conservative default: it never makes art 4 apply.
    transit_only = Flag(load_default=False)
    categories = _list(Text(), load_default=list, validate=_at_most_categories)


class TransferSchema(_Schema):
    """One transfer being declared now."""

    purpose = Text(load_default=None, allow_none=True)
    exemption = Scenario()
    recipient = _nested(RecipientSchema, required=True)
    data = _nested(DataSchema, required=True)


class DeclarationSchema(_Schema):
    """The whole declaration."""

    as_of = IsoDate(required=True, supported_only=True)
    exporter = _nested(ExporterSchema, required=True)
    prior_transfers = _list(_nested(PriorTransferSchema), load_default=list)
    transfers = _list(_nested(TransferSchema), required=True, validate=_at_least_one)
    # When the standard contract takes effect: the 10 working days for filing it run from here (sc-measures-2023
    # art 7). Optional: unknown while the contract is being negotiated, and irrelevant to other pathways.
    contract_effective_date = IsoDate(load_default=None, allow_none=True)


_SCHEMA = DeclarationSchema()
# The same rules compiled into plain Python (xborder/law/checker.py): what every request runs. `Schema.load` stays
# the reference path (`validate_declaration_reference`), and a property test holds the two equal.
_CHECK = compile_schema(_SCHEMA)


# ---------------------------------------------------------------------------------------------------------------


def parse_date(value: Any) -> dt.date | None:
    """Return the date an ISO `YYYY-MM-DD` string (or a date) stands for, or None when it is not one."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _flatten(messages: Any, path: str, out: list[dict[str, str]]) -> None:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            child = path if key == "_schema" else (f"{path}/{key}" if path else str(key))
            _flatten(value, child, out)
    elif isinstance(messages, list | tuple):
        for message in messages:
            _flatten(message, path, out)
    else:
        out.append(_error(path, str(messages)))


def _cross_checks(raw: Mapping[str, Any]) -> list[dict[str, str]]:
    """Rules across fields, checked on the raw document so they are reported alongside the field errors."""
    as_of = parse_date(raw.get("as_of"))
    if as_of is None or as_of < catalogue.earliest_date():
        return []
    errors = []
    priors = raw.get("prior_transfers")
    if isinstance(priors, list):
        for index, prior in enumerate(priors):
            date = parse_date(prior.get("date")) if isinstance(prior, Mapping) else None
            if date is not None and date > as_of:
                errors.append(_error(f"prior_transfers/{index}/date", "after_as_of"))
    exporter = raw.get("exporter")
    if isinstance(exporter, Mapping) and isinstance(exporter.get("ftz"), str):
        zone = zones.zone(exporter["ftz"])
        if zone is not None and isinstance(exporter.get("province"), str) and catalogue.province(
                exporter["province"]) is not None and zone.province != exporter["province"]:
            errors.append(_error("exporter/ftz", "ftz_province"))
    regime = catalogue.regime_for(as_of)
    for required in regime.required_fields if regime else ():
        node: Any = raw
        *parents, leaf = required.split("/")
        for part in parents:
            node = node.get(part) if isinstance(node, Mapping) else None
        if isinstance(node, Mapping) and node.get(leaf) is None:
            errors.append(_error(required, "required"))
    return errors


def _size_checks(raw: Mapping[str, Any]) -> None:
    """Refuse at once a declaration longer than xborder's caps, before any item is looked at (issue 17)."""
    errors = []
    for key, limit in (("transfers", "max_transfers"), ("prior_transfers", "max_prior_transfers")):
        value = raw.get(key)
        if isinstance(value, list) and len(value) > LIMITS[limit]:
            errors.append(_error(key, f"max_items:{key}"))
    if errors:
        raise DeclarationInvalid(errors)


def _raise_if_any(errors: list[dict[str, str]]) -> None:
    if errors:
        unique: dict[tuple[str, str], dict[str, str]] = {}
        for error in errors:
            unique.setdefault((error["path"], error["code"]), error)
        raise DeclarationInvalid(list(unique.values()))


def validate_declaration(raw: Any) -> dict[str, Any]:
    """Return the declaration normalised (dates as `datetime.date`, defaults filled) or raise DeclarationInvalid."""
    if not isinstance(raw, Mapping):
        raise DeclarationInvalid([_error("", "type:object")])
    _size_checks(raw)
    found: list[tuple[str, str]] = []
    loaded = _CHECK(raw, "", found)
    errors = [_error(path, key) for path, key in found]
    errors.extend(_cross_checks(raw))
    _raise_if_any(errors)
    return loaded


def validate_declaration_reference(raw: Any) -> dict[str, Any]:
    """`validate_declaration` through marshmallow's `Schema.load`: slower, kept as the reference the tests compare."""
    if not isinstance(raw, Mapping):
        raise DeclarationInvalid([_error("", "type:object")])
    _size_checks(raw)
    errors: list[dict[str, str]] = []
    loaded: dict[str, Any] = {}
    try:
        loaded = _SCHEMA.load(raw)
    except ma.ValidationError as exc:
        _flatten(exc.messages, "", errors)
    errors.extend(_cross_checks(raw))
    _raise_if_any(errors)
    return loaded
