"""The deadlines a case has open now, computed from its status and the events the workflow recorded
(`deadline_start`), counted by `core.workdays` over `forms/deadlines`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xborder.cases.models.case import Case
from xborder.cases.models.status import BEFORE_PROVINCE, WITH_DEADLINES, CaseStatus
from xborder.core.timeutil import china_today
from xborder.core.workdays import deadline_for, deadline_rule


def deadline_start(case: Case, kind: str) -> dt.date | None:
    """The day the event that starts deadline `kind` happened (recorded by the workflow), None if not yet."""
    start = ((case.workflow or {}).get("deadline_starts") or {}).get(kind)
    return dt.date.fromisoformat(start) if start else None


def _deadline_entry(kind: str, start: dt.date, regime: str, due: dt.date | None = None,
                    **extra: Any) -> dict[str, Any] | None:
    try:
        rule = deadline_rule(kind, start, regime)
        deadline = deadline_for(kind, start, regime)
    except ValueError:
        return None  # the kind is not in force for an event on that day (e.g. a contract before 2023-06-01)
    due = due or deadline.due
    entry = {"kind": kind, "label_zh": rule.get("label_zh"), "label_en": rule.get("label_en"),
             "starts": start.isoformat(), "due": due.isoformat(), "provisional": deadline.provisional,
             "overdue": due < china_today(), "legal_basis": rule["legal_basis"]}
    if deadline.opens:
        entry["opens"] = deadline.opens.isoformat()
    if rule.get("xborder_default"):
        entry["xborder_default"] = True
    return {**entry, **extra}


def open_deadlines(case: Case) -> list[dict[str, Any]]:
    """The deadlines running for the case now, each with its due date, legal basis and whether it is provisional."""
    if not case.regime or case.status not in WITH_DEADLINES:
        return []
    workflow = case.workflow or {}
    entries: list[dict[str, Any] | None] = []
    started = {kind: deadline_start(case, kind) for kind in (
        "provincial_completeness_check", "regulator_acceptance", "supplement")}
    if case.status == CaseStatus.PROVINCIAL_REVIEW and started["provincial_completeness_check"]:
        # Stored under the completeness check's name, the start is the day the materials reached the province. The
        # 5-day check (sa-measures-2022 art 7) is for security-assessment declarations; a standard contract's filing
        # is reviewed within 15 working days (filing guide).
        kind = ("filing_review" if case.pathway == "standard_contract_or_certification"
                else "provincial_completeness_check")
        entries.append(_deadline_entry(kind, started["provincial_completeness_check"], case.regime))
    notice = deadline_start(case, "acceptance_notice")
    if case.status == CaseStatus.SUBMITTED_TO_REGULATOR and notice is not None:
        # Recorded by the official (record_acceptance): the acceptance is decided, the 45 working days run from it.
        entries.append(_deadline_entry("assessment", notice, case.regime, start_estimated=False))
    elif case.status == CaseStatus.SUBMITTED_TO_REGULATOR and started["regulator_acceptance"]:
        acceptance = _deadline_entry("regulator_acceptance", started["regulator_acceptance"], case.regime)
        entries.append(acceptance)
        # Until the notice is recorded, count from the last day acceptance may take: the latest the result can be due.
        if acceptance is not None:
            entries.append(_deadline_entry("assessment", dt.date.fromisoformat(acceptance["due"]), case.regime,
                                           start_estimated=True))
    if case.status == CaseStatus.SUPPLEMENT_REQUESTED and started["supplement"]:
        set_by_official = (workflow.get("open_request") or {}).get("due_date")
        entries.append(_deadline_entry(
            "supplement", started["supplement"], case.regime,
            due=dt.date.fromisoformat(set_by_official) if set_by_official else None,
            due_set_by_authority=bool(set_by_official)))
    contract = (case.declaration or {}).get("contract_effective_date")
    if (case.pathway == "standard_contract_or_certification" and contract and case.reached_provincial_at is None
            and case.status in BEFORE_PROVINCE and case.mechanism != "certification"):
        # Filed once the materials reach the provincial authority (sign_opinion hands them over).
        entries.append(_deadline_entry("standard_contract_filing", dt.date.fromisoformat(contract), case.regime))
    decision = workflow.get("decision") or {}
    if case.status == CaseStatus.REJECTED and decision.get("decision_date"):
        # From the day the result was received (sa-measures-2022 art 13) when the official recorded it; else taken
        # as received on its decision date, the earliest it can be (the conservative count).
        received = decision.get("result_received_date") or decision["decision_date"]
        entries.append(_deadline_entry("reassessment_request", dt.date.fromisoformat(received), case.regime))
    if case.status == CaseStatus.APPROVED and case.valid_until:
        window = _deadline_entry("extension_window", case.valid_until, case.regime)
        if window is not None:
            window.pop("starts", None)
            entries.append(window)
    if case.status == CaseStatus.CERTIFIED and case.valid_until:
        # Apply again no later than six months before the certificate expires (pi-cert-measures-2025 art 8).
        renewal = _deadline_entry("certification_renewal", case.valid_until, case.regime,
                                  valid_until=case.valid_until.isoformat())
        if renewal is not None:
            renewal.pop("starts", None)
            entries.append(renewal)
    return [entry for entry in entries if entry is not None]
