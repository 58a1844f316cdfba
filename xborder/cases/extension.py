"""The extension check of an approved case (cbdf-2024 art 9; the six conditions of the 3rd-edition guide): inside
the extension window the enterprise answers the conditions, xborder says whether an extension may be applied for or
a new declaration is needed, and keeps the answer for the official's `record_extension` (transitions.py).

The judgement is `law.validity.extension_check`; this module adds who, when and the audit entry. It flushes and
audits, never commits.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from xborder.cases.models import Case
from xborder.cases.models.status import CaseStatus
from xborder.cases.permissions import require_party
from xborder.core import audit
from xborder.core.errors import Unprocessable, field_error
from xborder.core.timeutil import china_today
from xborder.core.unit_of_work import flush
from xborder.law import validity


class ExtensionCheckSchema(ma.Schema):
    """The enterprise's answers to the six conditions, with the case version it last saw."""

    class Meta:
        unknown = ma.RAISE

    version = ma.fields.Integer(required=True, strict=True)
    answers = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Length(max=60)), values=ma.fields.Raw(allow_none=True),
        required=True, metadata={"description": "A boolean per `unchanged` condition id; for each `growth` "
                                 "condition its forecast and approved numbers"})


class ConditionSchema(ma.Schema):
    """One condition and whether it is met."""

    id = ma.fields.String(required=True)
    met = ma.fields.Boolean(required=True)
    zh = ma.fields.String(required=True)
    en = ma.fields.String(required=True)
    legal_basis = ma.fields.List(ma.fields.Dict(), required=True)


class ExtensionStateSchema(ma.Schema):
    """The questions, the window and the last check of an approved case."""

    version = ma.fields.Integer(required=True)
    valid_until = ma.fields.String(allow_none=True, required=True)
    window = ma.fields.Dict(allow_none=True, required=True)
    open = ma.fields.Boolean(required=True, metadata={"description": "Today lies inside the extension window"})
    questions = ma.fields.List(ma.fields.Dict(), required=True)
    check = ma.fields.Dict(allow_none=True, required=True, metadata={
        "description": "The last check for this validity period: answers, outcome (may_apply | declare_anew), "
                       "failed condition ids, conditions, provisional, on"})


def window_of(case: Case) -> dict[str, Any] | None:
    """The extension window of an approved case with a validity, None otherwise."""
    if case.status != CaseStatus.APPROVED or case.valid_until is None:
        return None
    return validity.extension_window(case.valid_until)


def is_open(case: Case) -> bool:
    """Whether today (China) lies inside the case's extension window."""
    return window_of(case) is not None and validity.in_extension_window(case.valid_until, china_today())


def current_check(case: Case) -> dict[str, Any] | None:
    """The last extension check answered for the case's current validity period, None when none was."""
    check = (case.workflow or {}).get("extension_check")
    valid_until = case.valid_until.isoformat() if case.valid_until else None
    return check if check and check.get("valid_until") == valid_until else None


def state(case: Case) -> dict[str, Any]:
    """What `GET /cases/{id}/extension-check` and the case page show."""
    return {"version": case.version, "valid_until": case.valid_until.isoformat() if case.valid_until else None,
            "window": window_of(case), "open": is_open(case), "questions": validity.extension_questions(),
            "check": current_check(case)}


def answer_extension_check(user, case: Case, version: int, answers: dict[str, Any]) -> dict[str, Any]:
    """Judge the enterprise's answers and keep them with the outcome; 422 outside the window or per answer."""
    require_party(user, case, "extension_check")
    case.check_version(version)
    if case.status != CaseStatus.APPROVED:
        raise Unprocessable("Only an approved case is extended", [field_error(
            "status", "status", "The extension check is for an approved case", "延期核对仅适用于评估通过的案件")])
    if not is_open(case):
        window = window_of(case) or {}
        raise Unprocessable("Outside the extension window", [field_error(
            "valid_until", "outside_window",
            f"The extension check opens on {window.get('opens') or '—'} and closes on {window.get('due') or '—'}",
            f"延期核对自 {window.get('opens') or '—'} 起至 {window.get('due') or '—'} 止")])
    today = china_today()
    try:
        judged = validity.extension_check(answers, on=today)
    except validity.ExtensionAnswersInvalid as exc:
        raise Unprocessable("The extension check's answers are invalid",
                            [{**e, "path": f"answers.{e['path']}"} for e in exc.errors]) from None
    check = {"answers": dict(answers), "outcome": judged["outcome"], "failed": [c["id"] for c in judged["failed"]],
             "conditions": judged["conditions"], "provisional": judged["provisional"], "on": today.isoformat(),
             "valid_until": case.valid_until.isoformat() if case.valid_until else None}
    case.workflow = {**case.workflow, "extension_check": check}
    flush()
    audit.record(case, "extension_check", {"answers": check["answers"], "outcome": check["outcome"],
                                           "failed": check["failed"], "on": check["on"],
                                           "valid_until": check["valid_until"]}, user)
    return check
