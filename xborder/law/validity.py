"""Validity of a result, its extension window, the extension check, and a certificate's dates: pure functions.

Readings encoded here (data in `forms/deadlines/`, `forms/extension.yaml`):
- An assessment result's validity is set by the rules in force on the day the result is issued, whatever regime
  the case was declared under: from 2024-03-22 three years (cbdf-2024 art 9, which prevails over the 2022
  measures by its art 13), before that two years (sa-measures-2022 art 14). Counted from the day of issue.
- The extension window follows the rules in force on the last day of validity: under cbdf-2024 an extension is
  applied for within the 60 working days before expiry; under the 2022 measures one re-declares no later than 60
  working days before it.
- The extension check needs all six conditions of the 3rd-edition guide; any failed one means a new declaration.
- A certificate is valid three years from issue; the renewal application falls due six months before expiry
  (pi-cert-measures-2025 art 8).

`record_decision`, `record_certificate` and the extension decision in the case workflow call these; nothing here
touches a case.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

from xborder.core.workdays import add_years, deadline_for, deadline_rule
from xborder.law import catalogue, formsdata
from xborder.law.catalogue import Citation

ASSESSMENT = "security_assessment"
MAY_APPLY, DECLARE_ANEW = "may_apply", "declare_anew"


class ExtensionAnswersInvalid(ValueError):
    """The answers to the extension check break a rule; `errors` lists each with its path, code and messages."""

    def __init__(self, errors: list[dict[str, str]]):
        super().__init__(", ".join(f"{e['path']} {e['code']}" for e in errors))
        self.errors = errors


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _regime_on(day: dt.date) -> str:
    found = catalogue.regime_for(day)
    if found is None:
        raise ValueError(f"no outbound transfer regime is in force on {day.isoformat()}")
    return found.id


def valid_until(pathway: str, declared_regime: str, decision_date: dt.date | str) -> dict[str, Any]:
    """Return the validity of an approved result: `valid_until`, `years`, the regime applied and its legal basis."""
    if pathway != ASSESSMENT:
        raise ValueError("only a security assessment result has a validity set by law (certificates: "
                         "certificate_dates)")
    decided = _date(decision_date)
    applied = _regime_on(decided)
    rule = deadline_rule("validity", decided, applied)
    basis = list(rule["legal_basis"])
    if applied != declared_regime and applied == "cac-2024":
        # A case declared under cac-2022 and decided after 2024-03-22: art 9 prevails by art 13.
        basis.append({"instrument": "cbdf-2024", "article": "13"})
    return {"valid_until": deadline_for("validity", decided, applied).due.isoformat(), "years": rule["count"],
            "starts": decided.isoformat(), "regime": applied, "declared_regime": declared_regime,
            "legal_basis": basis}


def extension_window(expiry: dt.date | str) -> dict[str, Any]:
    """Return the window before expiry: `opens` (when it is a window), `due`, its kind and legal basis."""
    last_day = _date(expiry)
    regime = _regime_on(last_day)
    rule = deadline_rule("extension_window", last_day, regime)
    deadline = deadline_for("extension_window", last_day, regime)
    return {"window": rule["window"], "opens": deadline.opens.isoformat() if deadline.opens else None,
            "due": deadline.due.isoformat(), "provisional": deadline.provisional, "regime": regime,
            "label_zh": rule["label_zh"], "label_en": rule["label_en"], "legal_basis": rule["legal_basis"]}


def in_extension_window(expiry: dt.date | str, today: dt.date | str) -> bool:
    """Say whether `today` lies inside the window for extending a result that expires on `expiry`."""
    window = extension_window(expiry)
    day = _date(today)
    if window["window"] == "within_last":
        return _date(window["opens"]) <= day <= _date(window["due"])
    return day <= _date(window["due"])


@functools.cache
def _extension() -> Mapping[str, Any]:
    doc: Mapping[str, Any] = formsdata.load("extension.yaml")
    for condition in doc["conditions"]:
        for raw in condition["legal_basis"]:
            if not catalogue.article_exists(str(raw["instrument"]), str(raw["article"]), raw.get("item")):
                raise formsdata.FormsError(f"forms/extension.yaml cites {raw}, which instruments.yaml does not have")
    return doc


formsdata.on_clear(_extension.cache_clear)


def extension_questions() -> list[dict[str, Any]]:
    """Return the six conditions as questions: id, kind, texts, and for growth the two numbers to give."""
    return [dict(condition) for condition in _extension()["conditions"]]


_MESSAGES = {
    "required": ("This answer is required.", "必须回答。"),
    "type:boolean": ("Expected true or false.", "应为 true 或 false。"),
    "type:integer": ("Expected a whole number 0 or more.", "应为不小于0的整数。"),
    "unknown_field": ("Unknown answer: the extension check does not ask it.", "未知回答：延期核对没有该问题。"),
}


def _error(path: str, code: str) -> dict[str, str]:
    en, zh = _MESSAGES[code]
    return {"path": path, "code": code.split(":")[0], "message_en": en, "message_zh": zh}


def _number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def extension_check(answers: Mapping[str, Any], on: dt.date | str | None = None) -> dict[str, Any]:
    """Judge the six extension conditions: "may_apply" when all hold, else "declare_anew" with the failed ones.

    `answers`: a boolean for each `unchanged` condition by its id; for each `growth` condition its `forecast` and
    `approved` numbers (the important-data pair may be null when no important data was approved or is forecast).
    """
    doc = _extension()
    errors: list[dict[str, str]] = []
    known: set[str] = set()
    results = []
    for condition in doc["conditions"]:
        cid = condition["id"]
        if condition["kind"] == "unchanged":
            known.add(cid)
            value = answers.get(cid)
            if value is None:
                errors.append(_error(cid, "required"))
            elif not isinstance(value, bool):
                errors.append(_error(cid, "type:boolean"))
            met = value is True
        else:
            forecast_key, approved_key = condition["forecast"], condition["approved"]
            known.update((forecast_key, approved_key))
            forecast, approved = answers.get(forecast_key), answers.get(approved_key)
            optional = cid == "important_data_growth"
            for key, value in ((forecast_key, forecast), (approved_key, approved)):
                if value is None and not optional:
                    errors.append(_error(key, "required"))
                elif value is not None and not _number(value):
                    errors.append(_error(key, "type:integer"))
            # 增长不超过20%: forecast ≤ approved × 120 %, in integers so 120 % itself is met.
            met = (_number(forecast) or forecast is None) and (_number(approved) or approved is None) and \
                (forecast or 0) * 100 <= (approved or 0) * int(condition["max_percent"])
        results.append({"id": cid, "met": bool(met), "zh": condition["zh"], "en": condition["en"],
                        "legal_basis": [dict(b) for b in condition["legal_basis"]]})
    errors.extend(_error(key, "unknown_field") for key in answers if key not in known)
    if errors:
        raise ExtensionAnswersInvalid(errors)
    failed = [r for r in results if not r["met"]]
    conditions_from = _date(doc["conditions_from"])
    return {"outcome": DECLARE_ANEW if failed else MAY_APPLY, "failed": failed, "conditions": results,
            "legal_basis": [dict(b) for b in doc["legal_basis"]],
            # Before the 3rd-edition guide the conditions were not published: the answer is then only indicative.
            "provisional": on is not None and _date(on) < conditions_from}


def _months_before(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def certificate_dates(issued_on: dt.date | str) -> dict[str, Any]:
    """Return a certificate's `valid_until` (three years from issue) and `renewal_due` (six months before)."""
    issued = _date(issued_on)
    validity = deadline_rule("certificate_validity", issued, _regime_on(issued))
    renewal = deadline_rule("certification_renewal", issued, _regime_on(issued))
    until = add_years(issued, int(validity["count"]))
    basis = {Citation(b["instrument"], b["article"]): None for b in validity["legal_basis"] + renewal["legal_basis"]}
    return {"issued_on": issued.isoformat(), "valid_until": until.isoformat(),
            "renewal_due": _months_before(until, int(renewal["count"])).isoformat(),
            "legal_basis": [c.as_json() for c in basis]}
