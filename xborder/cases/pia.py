"""The enterprise's own record of its PI protection impact assessment (个人信息保护影响评估, issue 15).

pipl art 55 item 4 and art 56 (restated by cbdf-2024 art 10) ask for a PIA before any PI leaves China, an exempt
transfer included, and for the report to be kept at least three years. The determination names the duty
(`pi_impact_assessment`); this module keeps what the enterprise states about it — completion date, who carried it
out, the conclusion — on the case (`workflow["pia"]`, beside the other recorded events), and the retention date,
completion + the years forms/reasons.yaml gives (Civil Code art 202 for 29 February).

The record is kept apart from `assessment_completed_on`: that one is the date `submit` checks for freshness and
stage 1 signs; an exempt case is never submitted, and a later PIA record must not change what a dossier signed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from xborder.cases.models import Case
from xborder.cases.models.status import EDITABLE, CaseStatus
from xborder.core import audit
from xborder.core.errors import Forbidden, Unprocessable, field_error
from xborder.core.text import check_text
from xborder.core.timeutil import china_today
from xborder.core.workdays import add_years
from xborder.law import catalogue

OBLIGATION = "pi_impact_assessment"
CARRIED_OUT_BY = ("internal", "third_party")
CONCLUSION_MAX = 2000
NAME_MAX = 200
#: Where the record may be kept: while the exporter edits, and once an exemption is recorded (the duty outlives it).
RECORDABLE: frozenset[CaseStatus] = EDITABLE | {CaseStatus.EXEMPT_RECORDED}


def retention_rule() -> Mapping[str, Any]:
    """How long the report is kept and why: forms/reasons.yaml, the obligation's `retention`."""
    return catalogue.text("obligations", OBLIGATION)["retention"]  # type: ignore[return-value]


def required(case: Case) -> bool:
    """Whether the case's determination carries the PIA duty (every case whose transfers carry PI)."""
    return any(o.get("code") == OBLIGATION for o in (case.determination or {}).get("obligations") or [])


def retain_until(done: dt.date) -> dt.date:
    """The last day the report must be kept: the completion date plus the years forms/ give."""
    return add_years(done, int(retention_rule()["years"]))


def view(case: Case) -> dict[str, Any] | None:
    """The recorded PIA as the API and the page show it, with its retention date and basis; None before one."""
    stored = (case.workflow or {}).get("pia")
    if not stored:
        return None
    rule = retention_rule()
    done = dt.date.fromisoformat(stored["completed_on"])
    return {**stored, "retain_until": retain_until(done).isoformat(), "retention_years": rule["years"],
            "retention_basis": [catalogue.citation_label(b, "zh") for b in rule["legal_basis"]]}


def _problems(body: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    errors, clean = [], {}
    raw = body.get("completed_on")
    try:
        day = dt.date.fromisoformat(str(raw)) if isinstance(raw, str) and len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None:
        errors.append(field_error("completed_on", "format", "completed_on is a date YYYY-MM-DD",
                                  "评估完成日期须为 YYYY-MM-DD 日期"))
    elif day > china_today():
        errors.append(field_error("completed_on", "future", "The completion date cannot be in the future",
                                  "评估完成日期不能晚于今天"))
    else:
        clean["completed_on"] = day.isoformat()
    by = body.get("carried_out_by")
    if by not in CARRIED_OUT_BY:
        errors.append(field_error("carried_out_by", "choice", "carried_out_by is internal or third_party",
                                  "评估实施方须为“自行开展”或“委托第三方机构”"))
    else:
        clean["carried_out_by"] = by
    for key in ("third_party_name", "conclusion"):
        if not isinstance(body.get(key), str | None):
            errors.append(field_error(key, "type", f"{key} is text", "须为文本"))
    name = body["third_party_name"].strip() if isinstance(body.get("third_party_name"), str) else ""
    if by == "third_party" and not name:
        errors.append(field_error("third_party_name", "required", "Name the third party that carried it out",
                                  "委托第三方机构的，请填写机构名称"))
    elif len(name) > NAME_MAX:
        errors.append(field_error("third_party_name", "too_long", f"At most {NAME_MAX} characters",
                                  f"最多 {NAME_MAX} 个字符"))
    clean["third_party_name"] = name if by == "third_party" else None
    conclusion = body["conclusion"].strip() if isinstance(body.get("conclusion"), str) else ""
    if not conclusion and isinstance(body.get("conclusion"), str | None):
        errors.append(field_error("conclusion", "required", "Summarise the assessment's conclusion",
                                  "请填写评估结论摘要"))
    elif len(conclusion) > CONCLUSION_MAX:
        errors.append(field_error("conclusion", "too_long", f"At most {CONCLUSION_MAX} characters",
                                  f"最多 {CONCLUSION_MAX} 个字符"))
    clean["conclusion"] = conclusion
    for key in ("third_party_name", "conclusion"):
        if clean.get(key):
            errors += check_text(clean[key], key)
    return clean, errors


def record(user, case: Case, body: Mapping[str, Any]) -> Case:
    """Keep the enterprise's PIA record on the case (replacing an earlier one) and audit it; 403 for anyone but the
    exporter, 422 with field paths for a bad body or a case without the duty."""
    if user.role != "enterprise" or user.organisation_id != case.exporter_id:
        raise Forbidden("The PIA is recorded by the exporter of this case")
    if not required(case):
        raise Unprocessable("The case carries no personal information", [field_error(
            "case", "no_pia_duty", "The determination names no PI protection impact assessment for this case",
            "本案件的判定结果未要求开展个人信息保护影响评估")])
    if case.status not in RECORDABLE:
        raise Unprocessable(f"The PIA cannot be recorded in status {case.status}", [field_error(
            "status", "not_recordable", "Record the PIA on a draft, a case sent back, or a recorded exemption",
            "仅草稿、被退回的案件或已记录豁免的案件可记录个人信息保护影响评估")])
    clean, errors = _problems(body)
    if errors:
        raise Unprocessable("The PIA record is invalid", errors)
    case.workflow = {**(case.workflow or {}), "pia": clean}
    audit.record(case, "pia.recorded", {**clean, "retain_until": retain_until(
        dt.date.fromisoformat(clean["completed_on"])).isoformat()}, user)
    return case
