"""Helpers shared by every feature's pages: locale-aware labels, error messages, template globals."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Blueprint, abort, flash
from flask_login import current_user

from xborder.core.errors import ApiError
from xborder.core.i18n import current_locale


def is_zh() -> bool:
    """Whether this request is served in Chinese."""
    return current_locale() == "zh_CN"


def lang() -> str:
    """`zh` or `en`: the suffix of bilingual fields (`message_zh`, a vocabulary's `zh`) for this request."""
    return "zh" if is_zh() else "en"


def localized(obj: Mapping[str, Any] | None, base: str) -> str:
    """`obj[base_zh]` or `obj[base_en]` for the current locale, falling back to the other language."""
    if not obj:
        return ""
    first, second = ("zh", "en") if is_zh() else ("en", "zh")
    for lang in (first, second):
        for key in (f"{base}_{lang}", lang) if base else (lang,):
            if obj.get(key):
                return str(obj[key])
    return str(obj.get(base) or "")


# The engine's messages are written for API clients ("Expected an integer …", "as_of"); a page says the same to a
# compliance officer in plain words. Keyed by the engine's English text (xborder/law/declaration.py MESSAGES).
PLAIN_MESSAGES = {
    "Expected an integer (not a boolean, fraction or string).": (
        "Enter a whole number, for example 120000.", "请填写整数，例如 120000。"),
    "May not be empty.": ("Please fill this in.", "请填写此项。"),
    # The action table's messages (transitions.py) name the API's fields; a form names them by their labels.
    "filing_number is required": ("Enter the filing number.", "须填写备案编号"),
    "decision_number is required": ("Enter the decision number.", "须填写决定文号"),
    "certificate_number is required": ("Enter the certificate number.", "须填写认证证书编号"),
    "decision is approved or rejected": ("Choose the decision: approved or rejected.",
                                         "请选择决定结果：通过或不通过。"),
    **{f"{name} is a date YYYY-MM-DD": ("Enter a date, for example 2025-06-30.", "请填写日期，例如 2025-06-30。")
       for name in ("decision_date", "result_received_date", "acceptance_date", "due_date", "issued_on",
                    "valid_until")},
    "This field is required.": ("Please fill this in.", "请填写此项。"),
    "This field may not be null.": ("Please fill this in.", "请填写此项。"),
    "Expected an ISO date string (YYYY-MM-DD).": ("Enter a date, for example 2025-06-30.",
                                                  "请填写日期，例如 2025-06-30。"),
    "Not a valid ISO date (YYYY-MM-DD).": ("Enter a date, for example 2025-06-30.", "请填写日期，例如 2025-06-30。"),
    "Not an ISO 3166-1 alpha-2 country code.": ("Choose the recipient's country or region from the list.",
                                                "请从列表中选择接收方所在的国家或地区。"),
    "Not the GB/T 2260 code of one of the 31 province-level divisions.": (
        "Choose the province from the list.", "请从列表中选择省份。"),
    "A prior transfer cannot be dated after as_of.": (
        "An earlier transfer cannot be dated after the planned transfer date.", "以往传输的日期不能晚于计划出境日期。"),
    "Must be 0 or more.": ("Enter 0 or more persons.", "人数不能小于 0。"),
}


def _message(error: Mapping[str, Any]) -> str:
    plain = PLAIN_MESSAGES.get(str(error.get("message_en") or ""))
    if plain:
        return plain[1] if is_zh() else plain[0]
    return str(error.get(f"message_{lang()}") or error.get("message_en") or "")


def error_messages(error: ApiError) -> list[str]:
    """The error's field messages in the current language (or its detail when it has none)."""
    messages = [_message(e) for e in error.errors]
    return [m for m in messages if m] or [error.detail]


def flash_error(error: ApiError) -> None:
    """Show an operation's refusal on the next page, one message per field error."""
    for message in error_messages(error):
        flash(message, "error")


def field_errors(error: ApiError) -> dict[str, list[str]]:
    """Field messages keyed by the error's `/`-path, for showing next to form fields."""
    out: dict[str, list[str]] = {}
    for e in error.errors:
        out.setdefault(str(e.get("path", "")), []).append(_message(e))
    return out


def form_labels(form: Any) -> dict[str, str]:
    """Each field's id and the label a person sees, transfers numbered ("Transfer 2 · Country"), so that an error
    summary names the field it links to."""
    from flask_babel import gettext
    from wtforms import FieldList, FormField

    out: dict[str, str] = {}

    def walk(fields: Iterable[Any], prefix: str) -> None:
        for field in fields:
            if isinstance(field, FieldList):
                for index, entry in enumerate(field.entries):
                    name = gettext("Transfer") if field.name == "transfers" else gettext("Earlier transfer")
                    walk(entry if isinstance(entry, FormField) else [entry], f"{prefix}{name} {index + 1} · ")
            elif isinstance(field, FormField):
                walk(field, prefix)
            elif getattr(field, "label", None) is not None and field.type not in ("HiddenField", "CSRFTokenField"):
                out[field.id] = f"{prefix}{field.label.text}"

    walk(form, "")
    return out


@contextlib.contextmanager
def attempt():
    """Run an operation in a savepoint, so a refusal leaves nothing half-written and the page can show it."""
    from xborder.extensions import db

    with db.session.begin_nested():
        yield


def form_version(raw: Any) -> int:
    """The case version a form was built on; 400 with a message when it is not a whole number (a tampered form)."""
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        abort(400, "表单的版本号无效，请刷新页面后重试 / The form's version is not a whole number; reload the page "
                   "and try again")


def require_role(*roles: str) -> None:
    """Refuse (403) a signed-in user whose role does not use this page."""
    if current_user.role not in roles and current_user.role != "admin":
        abort(403)


def parse_count(raw: str | None) -> int | str | None:
    """A person count typed with thousands separators ("1,200,000" or "120 000") as an int; text stays text so that
    the engine reports it as a field error."""
    text = (raw or "").strip().replace(",", "").replace("，", "").replace(" ", "").replace("_", "")
    if text == "":
        return None
    return int(text) if text.isdigit() else raw


# How Chinese official documents name Taiwan (CLDR's zh_Hans has 台湾); HK and MO are CLDR's SAR names already.
_ZH_OVERRIDES = {"TW": "中国台湾"}


@functools.lru_cache(maxsize=4)
def _countries(locale: str) -> tuple[tuple[str, str], ...]:
    """Every ISO 3166-1 country but CN, named by CLDR (Babel's checked, maintained names: pycountry's zh_CN
    translations misspell some, e.g. 柬埔塞 for 柬埔寨)."""
    import babel
    import pycountry

    names = babel.Locale.parse("zh_Hans_CN" if locale == "zh_CN" else "en").territories
    rows = []
    for country in pycountry.countries:
        if country.alpha_2 == "CN":
            continue  # a recipient in mainland China is not abroad
        fallback = getattr(country, "common_name", None) or country.name
        name = (_ZH_OVERRIDES.get(country.alpha_2) if locale == "zh_CN" else None) or names.get(country.alpha_2,
                                                                                             fallback)
        label = f"{name}（{country.alpha_2}）" if locale == "zh_CN" else f"{name} ({country.alpha_2})"
        rows.append((country.alpha_2, label))
    return tuple(sorted(rows, key=lambda row: row[0]))


def country_choices() -> list[tuple[str, str]]:
    """Every ISO 3166-1 country except CN, named in the current language; the curated ones (forms/countries) first."""
    from xborder.core.timeutil import china_today
    from xborder.law.risk import curated_countries

    curated = list(curated_countries(china_today()).keys())
    rows = list(_countries(current_locale()))
    first = [row for code in curated for row in rows if row[0] == code]
    return first + [row for row in rows if row[0] not in curated]


def country_name(code: str | None) -> str:
    """The country's name in the current language."""
    for alpha, label in _countries(current_locale()):
        if alpha == code:
            return label
    return code or ""


def cite(citation: Mapping[str, Any]) -> str:
    """A legal basis as people read it (《个人信息保护法》第三十九条 / PIPL art. 39)."""
    from xborder.law.catalogue import citation_label

    try:
        return citation_label(citation, lang())
    except (KeyError, ValueError):
        return f"{citation.get('instrument')} {citation.get('article')}"


def catalogue_text(section: str, code: str | None) -> str:
    """A pathway or scenario name from forms/reasons.yaml in the current language."""
    from xborder.law.catalogue import text

    if not code:
        return ""
    try:
        return localized(text(section, code), "")
    except KeyError:
        return code


def level_label(dimension: str, level: str | None) -> str:
    """The name of a risk, impact or likelihood level from forms/risk in the current language."""
    from xborder.core.timeutil import china_today
    from xborder.law.risk import risk_method

    for row in risk_method(china_today())["levels"][dimension]:
        if row["id"] == level:
            return localized(row, "")
    return level or "—"


def number(value: Any) -> str:
    """A count with thousands separators."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def join(items: Iterable[Any]) -> str:
    """Join a list the way the current language does."""
    return ("、" if is_zh() else ", ").join(str(i) for i in items)


@functools.lru_cache(maxsize=1)
def _key_point_names() -> dict[str, dict[str, Any]]:
    """Every key point, question and option of every catalogue in forms/key_points, by id."""
    from xborder.law.formsdata import versions_of

    names: dict[str, dict[str, Any]] = {}
    for version in versions_of("key_points"):
        for point in version.get("key_points") or []:
            names.setdefault(point["id"], {"zh": point["title_zh"], "en": point["title_en"]})
            for question in point.get("questions") or []:
                names.setdefault(question["id"], {
                    "zh": question["label_zh"], "en": question["label_en"],
                    "options": {o["value"]: o for o in question.get("options") or []}})
    return names


def key_point_title(point_id: str | None) -> str:
    """`PIA-2` as people read it: its title, with the id after it for reference."""
    found = _key_point_names().get(point_id or "")
    if not found:
        return point_id or ""
    return f"{point_id} {found[lang()]}"


def change_field(path: str) -> str:
    """The field of a key point's answer named in a diff (`answer`, `measures`, `responses/PIA-2.q4`)."""
    from xborder.core.labels import FIELD_LABELS

    last = path.split("/")[-1]
    if last in FIELD_LABELS:
        return str(FIELD_LABELS[last])
    found = _key_point_names().get(last)
    return found[lang()] if found else last


def change_value(path: str, value: Any) -> str:
    """A value in a diff: a question's option by its label, a missing value as a dash."""
    if value is None:
        return "—"
    found = _key_point_names().get(path.split("/")[-1]) or {}
    option = (found.get("options") or {}).get(value) if isinstance(value, str) else None
    return option[lang()] if option else str(value)


# Saves by one person closer together than this are one editing session in the history.
EDITING_SESSION_MINUTES = 30
FOLDED_EVENTS = {"self_assessment.saved", "review.saved", "declaration.updated", "facts.saved"}


def fold_history(entries: Iterable[Mapping[str, Any]], minutes: int = EDITING_SESSION_MINUTES) -> list[dict]:
    """The case history for reading: consecutive saves of the same kind by the same person, each within `minutes`
    of the next, shown as one entry with a count (a display fold only; the audit chain keeps every entry)."""
    import datetime as dt

    out: list[dict] = []
    gap = dt.timedelta(minutes=minutes)
    for entry in entries:  # newest first
        last = out[-1] if out else None
        if (last is not None and entry["action"] in FOLDED_EVENTS and last["action"] == entry["action"]
                and last["actor"] == entry["actor"] and last["organisation"] == entry["organisation"]
                and last["session_start"] - entry["at"] <= gap):
            last["count"] += 1
            last["session_start"] = entry["at"]
            continue
        out.append({**entry, "count": 1, "session_start": entry["at"]})
    return out


def _request_guide(case: Any) -> dict | None:
    from xborder.web.guide import request_guide

    return request_guide(case)


def _changed_points(case: Any) -> set[str]:
    from xborder.web.guide import changed_points

    return changed_points(case)


def register(bp: Blueprint) -> None:
    """Make the helpers available to every template once the blueprint is registered."""

    @bp.app_context_processor
    def _web_helpers() -> dict[str, object]:
        return {"lt": localized, "cite": cite, "number": number,
                "pathway_label": lambda code: catalogue_text("pathways", code),
                "scenario_label": lambda code: catalogue_text("scenarios", code),
                "level_label": level_label, "country_name": country_name, "fold_history": fold_history,
                "key_point_title": key_point_title, "change_field": change_field, "change_value": change_value,
                "join_list": join, "is_zh": is_zh, "form_labels": form_labels,
                "unmet_titles": lambda ids: [key_point_title(i) for i in ids],
                "request_guide": _request_guide, "changed_points": _changed_points}
