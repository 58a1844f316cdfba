"""Filing materials (申报材料 / 备案材料): which ones a case's mechanism files, which are attached, and the
three-month freshness of the self-assessment or PIA report — all read from `forms/materials/`.

A material is an evidence file with a `kind`: it goes through the same upload checks (size, type detected from the
content, safe file name, only while the exporter may edit the case) and into the dossier bundle like any other
evidence. `submit`, `forward_to_regulator` and `record_filing` refuse while a material required at that step is
missing (transitions.py calls `missing_at`), each at path `materials/<kind>`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from xborder.cases.models import AnswerVersion, Case, Evidence
from xborder.core.errors import field_error
from xborder.core.timeutil import CHINA, china_today
from xborder.extensions import db
from xborder.law import formsdata

SA, BAND = "security_assessment", "standard_contract_or_certification"
#: The steps a requirement names; a material required at `submit` is checked again at the official's step.
STEPS = ("submit", "forward_to_regulator", "record_filing")


def rules(on: dt.date | None = None) -> Mapping[str, Any]:
    """The forms/materials version in force on `on` (today, China time, by default)."""
    found = formsdata.in_force(formsdata.versions_of("materials"), on or china_today())
    if found is None:
        raise formsdata.FormsError(f"forms/materials has no version in force on {on}")
    return found


def _rules_for(case: Case) -> Mapping[str, Any]:
    return rules(case.as_of or china_today())


def mechanism_of(case: Case, body: Mapping[str, Any] | None = None) -> str | None:
    """The case's mechanism: `security_assessment`, or for the standard-contract band the one chosen at `submit`
    (`mechanism` in the body or kept on the case; a standard contract by default, workflow.md); None when exempt."""
    if case.pathway == SA:
        return SA
    if case.pathway != BAND:
        return None
    chosen = (body or {}).get("mechanism") or getattr(case, "mechanism", None) or (case.workflow or {}).get("mechanism")
    return chosen if chosen in ("standard_contract", "certification") else "standard_contract"


def _undecided_band(case: Case, body: Mapping[str, Any] | None) -> bool:
    # A draft of the standard-contract band whose route is still to be chosen at submit (workflow.md).
    chosen = (body or {}).get("mechanism") or getattr(case, "mechanism", None) or (case.workflow or {}).get("mechanism")
    return case.pathway == BAND and case.status == "draft" and not chosen


def requirements(case: Case, body: Mapping[str, Any] | None = None, *, preview: bool = True) -> list[dict[str, Any]]:
    """The materials the case's mechanism files, with their titles, step, basis and whether provisional. Before the
    route of the standard-contract band is chosen, both routes' materials, each with the `routes` that file it, so
    the enterprise can prepare for the route it will choose (`submit` checks only the chosen route's)."""
    doc = _rules_for(case)
    titles = {k["id"]: k for k in doc["kinds"]}
    routes = (["standard_contract", "certification"] if preview and _undecided_band(case, body)
              else [m] if (m := mechanism_of(case, body)) else [])
    found: dict[str, dict[str, Any]] = {}
    for route in routes:
        for r in doc["mechanisms"].get(route) or []:
            entry = found.setdefault(r["kind"], {
                "kind": r["kind"], "title_zh": titles[r["kind"]]["zh"], "title_en": titles[r["kind"]]["en"],
                "required_at": r["required_at"], "provisional": bool(r.get("provisional")),
                "legal_basis": r["legal_basis"], "routes": []})
            entry["routes"].append(route)
    return list(found.values())


def known_kinds(case: Case) -> dict[str, dict[str, str]]:
    """Every material kind forms/ names, by id (a case may attach any of them, required or not)."""
    return {k["id"]: k for k in _rules_for(case)["kinds"]}


def attached(case: Case) -> list[Evidence]:
    """The case's materials (evidence with a kind), oldest first."""
    return list(db.session.scalars(sa.select(Evidence).where(Evidence.case_id == case.id, Evidence.kind.is_not(None))
                                   .order_by(Evidence.id)))


def item(row: Evidence) -> dict[str, Any]:
    """One attached material as api.md shows it."""
    return {"id": row.id, "kind": row.kind, "filename": row.filename, "sha256": row.sha256, "bytes": row.size}


def report(case: Case) -> dict[str, Any]:
    """`GET /cases/{id}/materials`: the required materials with `present`, and the attached ones."""
    rows = attached(case)
    present = {row.kind for row in rows}
    required = [{"kind": r["kind"], "title_zh": r["title_zh"], "title_en": r["title_en"],
                 "present": r["kind"] in present, "routes": r["routes"]} for r in requirements(case)]
    return {"required": required, "items": [item(row) for row in rows]}


def missing_at(case: Case, step: str, body: Mapping[str, Any] | None = None) -> list[dict[str, str]]:
    """A field error at `materials/<kind>` for each material required by `step` (or earlier) that is missing."""
    present = {row.kind for row in attached(case)}
    return [field_error(f"materials/{r['kind']}", "missing", f"Attach the material: {r['title_en']}",
                        f"请上传申报材料：{r['title_zh']}")
            for r in requirements(case, body, preview=False)
            if r["required_at"] in ("submit", step) and r["kind"] not in present]


def latest_evidence_id(case: Case) -> int | None:
    """The newest evidence (or material) of the case: a request answered by uploading a file has changed the case."""
    with db.session.no_autoflush:  # read inside a transition, whose changes are flushed once
        return db.session.scalar(sa.select(sa.func.max(Evidence.id)).where(Evidence.case_id == case.id))


# --- Three-month freshness of the self-assessment / PIA report ---------------------------------------------------

def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later (or earlier); with no such day, the month's last day
    (Civil Code art 202, as `add_years` counts)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def last_answers_saved(case: Case) -> dt.date | None:
    """The day (China time) the self-assessment answers were last saved, None before any answer."""
    with db.session.no_autoflush:  # read inside a transition: a flush here would bump the case's version twice
        at = db.session.scalar(sa.select(AnswerVersion.created_at).where(AnswerVersion.case_id == case.id)
                               .order_by(AnswerVersion.revision.desc()).limit(1))
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(CHINA).date()


def completed_on(case: Case, body: Mapping[str, Any] | None = None) -> dt.date | None:
    """When the self-assessment / PIA was completed: the date the enterprise states at `submit`, else the one it
    stated before, else the day its answers were last saved."""
    for value in ((body or {}).get("assessment_completed_on"), (case.workflow or {}).get("assessment_completed_on")):
        if value:
            try:
                return dt.date.fromisoformat(str(value))
            except ValueError:
                return None
    return last_answers_saved(case)


def freshness(case: Case, on: dt.date | None = None, body: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    """The report's completion date, the last day it may be declared on, the day the warning starts and the state
    (`fresh`, `warn`, `stale`) on `on`; None when nothing is recorded yet or the case is exempt."""
    if mechanism_of(case, body) is None:
        return None
    done = completed_on(case, body)
    if done is None:
        return None
    rule = _rules_for(case)["freshness"]
    on = on or china_today()
    last = add_months(done, rule["months"])
    warn_from = add_months(last, -rule["warn_months_before"])
    state = "stale" if on > last else "warn" if on >= warn_from else "fresh"
    return {"completed_on": done.isoformat(), "last_day": last.isoformat(), "warn_from": warn_from.isoformat(),
            "state": state, "months": rule["months"], "source": rule["source"], "legal_basis": rule["legal_basis"]}


def freshness_problems(case: Case, body: Mapping[str, Any]) -> list[dict[str, str]]:
    """`submit`'s check: the completion date is a real date, not in the future, and within the months forms/ allow."""
    value = body.get("assessment_completed_on")
    if value not in (None, ""):
        try:
            day = dt.date.fromisoformat(str(value))
        except ValueError:
            return [field_error("assessment_completed_on", "format", "assessment_completed_on is a date YYYY-MM-DD",
                                "assessment_completed_on 须为 YYYY-MM-DD 日期")]
        if day > china_today():
            return [field_error("assessment_completed_on", "future", "The completion date cannot be in the future",
                                "自评估完成日期不能晚于今天")]
    state = freshness(case, body=body)
    if state is None or state["state"] != "stale":
        return []
    months = state["months"]
    return [field_error(
        "assessment_completed_on", "stale",
        f"The self-assessment / PIA report was completed on {state['completed_on']}, more than {months} months ago; "
        f"complete it again before declaring",
        f"自评估/个人信息保护影响评估完成于 {state['completed_on']}，已超过 {months} 个月，请重新开展评估后再申报")]


def record_completion(case: Case, body: Mapping[str, Any]) -> None:
    """`submit`'s effect: keep the completion date the check accepted, so the case and its dossier state it."""
    done = completed_on(case, body)
    if done is not None:
        case.workflow = {**case.workflow, "assessment_completed_on": done.isoformat()}
