"""The case workflow as one table: each action's role, statuses, checks and effects, and the deadlines it opens."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

from xborder.cases.models import FINAL_STATUSES, Case
from xborder.core import audit
from xborder.core.errors import Forbidden, Unprocessable, field_error
from xborder.core.timeutil import china_today, utcnow
from xborder.extensions import db

Check = Callable[[Case, dict, Any], list[dict[str, str]]]
Listener = Callable[[Case, str, str, dict, Any], None]

_LISTENERS = "xborder.transition_listeners"


def on_transition(app: Flask, listener: Listener) -> Listener:
    """Register `listener(case, action, source_status, body, user)` for transitions taken in `app`, called inside
    the transition's transaction after the status changed and the audit entry was written (e.g. stage signing,
    notifications). Each package's `init_app` does it, so an app has exactly the listeners it was built with."""
    listeners = app.extensions.setdefault(_LISTENERS, [])
    if listener not in listeners:
        listeners.append(listener)
    return listener


def _error(path: str, code: str, en: str, zh: str) -> list[dict[str, str]]:
    return [field_error(path, code, en, zh)]


def _reads_body(check: Check) -> Check:
    """Mark a check as one that judges the request body (a comment, a number, a choice the caller sends): such
    checks cannot be answered before the request, so `available_actions` leaves them out."""
    check.reads_body = True  # type: ignore[attr-defined]
    return check


def reads_body(check: Check) -> bool:
    """Tell whether `check` depends on the request body rather than only on the case."""
    return getattr(check, "reads_body", False)


def _pathway(*allowed: str) -> Check:
    def check(case: Case, body: dict, user) -> list[dict[str, str]]:
        if case.pathway in allowed:
            return []
        return _error("pathway", "pathway", f"Needs pathway {' or '.join(allowed)}; the case is {case.pathway}",
                      f"该操作要求路径为 {' 或 '.join(allowed)}，本案件为 {case.pathway}")
    return check


def _not_exempt(case: Case, body: dict, user) -> list[dict[str, str]]:
    if case.pathway != "exempt":
        return []
    return _error("pathway", "pathway", "An exempt case is recorded, not submitted", "豁免案件应记录豁免，无需提交评估")


@_reads_body
def _comment(case: Case, body: dict, user) -> list[dict[str, str]]:
    if str(body.get("comment") or "").strip():
        return []
    return _error("comment", "required", "A comment is required", "必须填写说明")


def _all_answered(case: Case, body: dict, user) -> list[dict[str, str]]:
    from xborder.cases.presenters import key_point_status

    missing = [kp["id"] for kp in key_point_status(case) if not kp["answered"]]
    if not missing:
        return []
    return _error("key_points", "unanswered", f"Unanswered key points: {', '.join(missing)}",
                  f"以下评估重点尚未回答：{'、'.join(missing)}")


@_reads_body
def _assessor_named(case: Case, body: dict, user) -> list[dict[str, str]]:
    from xborder.accounts.models import Organisation

    org_id = body.get("assessor_org_id")
    org = db.session.get(Organisation, org_id) if isinstance(org_id, int) and not isinstance(org_id, bool) else None
    if org is not None and org.kind == "assessor":
        return []
    return _error("assessor_org_id", "required",
                  "Name a third-party assessment body (see /organisations?kind=assessor)",
                  "请选择第三方评估机构（见 /organisations?kind=assessor）")


@_reads_body
def _key_points_listed(case: Case, body: dict, user) -> list[dict[str, str]]:
    from xborder.cases.presenters import key_point_status

    listed = body.get("key_points")
    known = {kp["id"] for kp in key_point_status(case)}
    if isinstance(listed, list) and listed and all(isinstance(k, str) and k in known for k in listed):
        return []
    return _error("key_points", "required", "List the key points to fix (ids that apply to this case)",
                  "请列出需要整改的评估重点（须为本案件适用的编号）")


def _changed_since_request(case: Case, body: dict, user) -> list[dict[str, str]]:
    request = case.workflow.get("open_request") or {}
    if (case.answers_revision, case.declaration_revision) != (request.get("answers_revision"),
                                                              request.get("declaration_revision")):
        return []
    return _error("answers", "unchanged", "Nothing changed since the request; change what was asked for first",
                  "自提出要求以来未作任何修改，请先按要求修改")


def _all_reviewed(case: Case, body: dict, user) -> list[dict[str, str]]:
    from xborder.cases.presenters import key_point_status

    reviewed = {r["key_point"] for r in case.review or []}
    missing = [kp["id"] for kp in key_point_status(case) if kp["id"] not in reviewed]
    if not missing:
        return []
    return _error("reviews", "unreviewed", f"Key points without a finding: {', '.join(missing)}",
                  f"以下评估重点尚无评估结论：{'、'.join(missing)}")


def _flag(name: str, en: str, zh: str) -> Check:
    def check(case: Case, body: dict, user) -> list[dict[str, str]]:
        return [] if body.get(name) is True else _error(name, "required", en, zh)
    return _reads_body(check)


def _text(name: str, en: str, zh: str) -> Check:
    def check(case: Case, body: dict, user) -> list[dict[str, str]]:
        value = body.get(name)
        ok = isinstance(value, str) and value.strip() and len(value) <= 100
        return [] if ok else _error(name, "required", en, zh)
    return _reads_body(check)


def _past_date(body: dict, name: str, zh_name: str, required: bool = True) -> tuple[dt.date | None, list]:
    """The ISO date `body[name]`, with an error when missing (if required), malformed or after today (China time)."""
    if body.get(name) in (None, "") and not required:
        return None, []
    try:
        day = dt.date.fromisoformat(str(body.get(name)))
    except ValueError:
        return None, _error(name, "format", f"{name} is a date YYYY-MM-DD", f"{name} 须为 YYYY-MM-DD 日期")
    if day > china_today():
        return None, _error(name, "future", f"{name} cannot be in the future", f"{zh_name}不能晚于今天")
    return day, []


@_reads_body
def _decision(case: Case, body: dict, user) -> list[dict[str, str]]:
    errors = []
    if body.get("decision") not in ("approved", "rejected"):
        errors += _error("decision", "one_of", "decision is approved or rejected", "decision 须为 approved 或 rejected")
    errors += _text("decision_number", "decision_number is required", "须填写决定文号")(case, body, user)
    decided, problems = _past_date(body, "decision_date", "决定日期")
    received, more = _past_date(body, "result_received_date", "收到评估结果的日期", required=False)
    errors += problems + more
    if decided and received and received < decided:
        errors += _error("result_received_date", "before_decision",
                         "The result cannot be received before the decision date", "收到评估结果的日期不能早于决定日期")
    return errors


def _acceptance_not_recorded(case: Case, body: dict, user) -> list[dict[str, str]]:
    if _started(case, "acceptance_notice") is None:
        return []
    return _error("acceptance_date", "recorded", "The acceptance notice is already recorded", "受理通知书已登记")


@_reads_body
def _acceptance_date(case: Case, body: dict, user) -> list[dict[str, str]]:
    accepted, errors = _past_date(body, "acceptance_date", "受理日期")
    forwarded = _started(case, "regulator_acceptance")
    if accepted and forwarded and accepted < forwarded:
        errors += _error("acceptance_date", "before_forwarding",
                         f"The acceptance cannot precede forwarding to the regulator ({forwarded.isoformat()})",
                         f"受理日期不能早于报送国家网信部门之日（{forwarded.isoformat()}）")
    return errors


@_reads_body
def _due_date(case: Case, body: dict, user) -> list[dict[str, str]]:
    if body.get("due_date") in (None, ""):
        return []  # the default period from forms/deadlines (kind `supplement`) applies
    try:
        due = dt.date.fromisoformat(str(body["due_date"]))
    except ValueError:
        return _error("due_date", "format", "due_date is a date YYYY-MM-DD", "due_date 须为 YYYY-MM-DD 日期")
    if due <= china_today():
        return _error("due_date", "past", "The due date must be after today", "补充材料期限须晚于今天")
    return []


@dataclasses.dataclass(frozen=True)
class Action:
    """One row of the workflow table."""

    role: str
    sources: tuple[str, ...]
    target: str | dict[str, str]
    checks: tuple[Check, ...] = ()
    deadlines: tuple[str, ...] = ()


NON_FINAL = tuple(s for s in (
    "draft", "third_party_review", "rectification", "provincial_review", "supplement_requested",
    "submitted_to_regulator", "filed", "approved") if s not in FINAL_STATUSES)

ACTIONS: dict[str, Action] = {
    "record_exemption": Action("enterprise", ("draft",), "exempt_recorded", (_pathway("exempt"),)),
    "submit": Action("enterprise", ("draft",), "third_party_review", (_not_exempt, _all_answered, _assessor_named)),
    "request_rectification": Action("assessor", ("third_party_review",), "rectification",
                                    (_comment, _key_points_listed)),
    "resubmit": Action("enterprise", ("rectification", "supplement_requested"),
                       {"rectification": "third_party_review", "supplement_requested": "provincial_review"},
                       (_changed_since_request,)),
    "sign_opinion": Action("assessor", ("third_party_review",), "provincial_review", (_all_reviewed,),
                           ("provincial_completeness_check",)),
    "request_supplement": Action("provincial_official", ("provincial_review",), "supplement_requested",
                                 (_comment, _due_date), ("supplement",)),
    "forward_to_regulator": Action("provincial_official", ("provincial_review",), "submitted_to_regulator", (
        _pathway("security_assessment"),
        _flag("completeness_confirmed", "Confirm the materials are complete", "请确认材料齐全")),
        ("regulator_acceptance",)),
    "record_filing": Action("provincial_official", ("provincial_review",), "filed", (
        _pathway("standard_contract_or_certification"),
        _text("filing_number", "filing_number is required", "须填写备案编号"))),
    # The national CAC's written acceptance notice (sa-measures-2022 art 12): the 45 working days run from it.
    "record_acceptance": Action("provincial_official", ("submitted_to_regulator",), "submitted_to_regulator",
                                (_acceptance_not_recorded, _acceptance_date)),
    "record_decision": Action("provincial_official", ("submitted_to_regulator",),
                              {"submitted_to_regulator": "decided"}, (_decision,)),
    "withdraw": Action("enterprise", NON_FINAL, "withdrawn", (_comment,)),
}


def _allowed_by_role_and_org(case: Case, user, action: Action) -> bool:
    if user.role != action.role:
        return False
    if action.role == "enterprise":
        return case.exporter_id == user.organisation_id
    if action.role == "assessor":
        return case.assessor_org_id == user.organisation_id
    return user.organisation.kind == "authority" and case.province == user.organisation.province


def available_actions(case: Case, user) -> list[str]:
    """The actions this caller may take on the case now (role, organisation, status and preconditions all hold)."""
    out = []
    for name, action in ACTIONS.items():
        if case.status in action.sources and _allowed_by_role_and_org(case, user, action):
            # Only what the case itself decides; what the caller will send is judged when it is sent.
            if not any(check(case, {}, user) for check in action.checks if not reads_body(check)):
                out.append(name)
    return out


def transition(case: Case, user, name: str, body: dict) -> Case:
    """Take action `name` on the case: 403 for the wrong role, 422 with reasons for status or preconditions."""
    from xborder.cases.operations import check_version

    action = ACTIONS.get(name)
    if action is None:
        raise Unprocessable(f"Unknown action {name}", _error("action", "one_of", f"Actions: {', '.join(ACTIONS)}",
                                                              f"可用操作：{'、'.join(ACTIONS)}"))
    if not _allowed_by_role_and_org(case, user, action):
        raise Forbidden(f"{name} is taken by the {action.role} of this case")
    check_version(case, body.get("version"))
    if case.status not in action.sources:
        raise Unprocessable(f"{name} is not possible in status {case.status}", _error(
            "status", "status", f"{name} needs status {' or '.join(action.sources)}",
            f"{name} 仅适用于状态 {'、'.join(action.sources)}"))
    errors = [e for check in action.checks for e in check(case, body, user)]
    if errors:
        raise Unprocessable(f"{name}: preconditions not met", errors)
    source = case.status
    target = action.target if isinstance(action.target, str) else action.target[source]
    _apply_effects(case, name, body, user)
    if target == "decided":
        target = body["decision"]
    case.status = target
    today = china_today()
    events = dict(case.workflow.get("deadline_starts") or {})
    for kind in action.deadlines:
        events[kind] = today.isoformat()
    case.workflow = {**case.workflow, "deadline_starts": events}
    from xborder.core.unit_of_work import flush

    flush()  # the versioned UPDATE: of two concurrent transitions the second becomes 409 here, not a 500
    audit.record(case, f"transition.{name}", {
        "from": source, "to": target, "comment": body.get("comment"),
        **{k: body[k] for k in ("assessor_org_id", "key_points", "due_date", "filing_number", "decision",
                                 "decision_number", "decision_date", "result_received_date", "acceptance_date")
           if k in body}}, user)
    for listener in current_app.extensions.get(_LISTENERS, ()):
        listener(case, name, source, body, user)
    return case


def _apply_effects(case: Case, name: str, body: dict, user) -> None:
    workflow = dict(case.workflow or {})
    if name == "submit":
        case.assessor_org_id = body["assessor_org_id"]
    if name in ("request_rectification", "request_supplement"):
        workflow["open_request"] = {"action": name, "comment": body["comment"], "key_points": body.get("key_points"),
                                    "answers_revision": case.answers_revision,
                                    "declaration_revision": case.declaration_revision,
                                    "due_date": body.get("due_date")}
    if name == "resubmit":
        # Kept so the assessor (or official) can see what changed in this round: GET /cases/{id}/changes.
        request = workflow.pop("open_request", None) or {}
        workflow["last_round"] = {**request, "resubmitted_answers_revision": case.answers_revision,
                                  "resubmitted_declaration_revision": case.declaration_revision}
    if name == "sign_opinion":
        case.reached_provincial_at = case.reached_provincial_at or utcnow()
    if name == "record_filing":
        workflow["filing_number"] = body["filing_number"]
    if name == "record_acceptance":
        workflow["deadline_starts"] = {**(workflow.get("deadline_starts") or {}),
                                       "acceptance_notice": body["acceptance_date"]}
    if name == "record_decision":
        workflow["decision"] = {k: body[k] for k in ("decision", "decision_number", "decision_date",
                                                     "result_received_date") if body.get(k)}
        if body["decision"] == "approved":
            from xborder.core.workdays import add_years

            years = (case.determination.get("validity") or {}).get("years") or 0
            # Same calendar day N years on (Civil Code arts 201-202), as the deadlines forms count it.
            case.valid_until = add_years(dt.date.fromisoformat(body["decision_date"]), years)
    case.workflow = workflow


def _deadline_entry(kind: str, start: dt.date, regime: str, due: dt.date | None = None,
                    **extra: Any) -> dict[str, Any] | None:
    from xborder.core.workdays import deadline_for, deadline_rule

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


def _started(case: Case, kind: str) -> dt.date | None:
    start = (case.workflow.get("deadline_starts") or {}).get(kind)
    return dt.date.fromisoformat(start) if start else None


def open_deadlines(case: Case) -> list[dict[str, Any]]:
    """The deadlines running for the case now, each with its due date, legal basis and whether it is provisional."""
    if not case.regime or case.status in ("exempt_recorded", "withdrawn", "expired"):
        return []
    workflow = case.workflow or {}
    entries: list[dict[str, Any] | None] = []
    started = {kind: _started(case, kind) for kind in (
        "provincial_completeness_check", "regulator_acceptance", "supplement")}
    if case.status == "provincial_review" and started["provincial_completeness_check"]:
        # Stored under the completeness check's name, the start is the day the materials reached the province. The
        # 5-day check (sa-measures-2022 art 7) is for security-assessment declarations; a standard contract's filing
        # is reviewed within 15 working days (filing guide).
        kind = ("filing_review" if case.pathway == "standard_contract_or_certification"
                else "provincial_completeness_check")
        entries.append(_deadline_entry(kind, started["provincial_completeness_check"], case.regime))
    notice = _started(case, "acceptance_notice")
    if case.status == "submitted_to_regulator" and notice is not None:
        # Recorded by the official (record_acceptance): the acceptance is decided, the 45 working days run from it.
        entries.append(_deadline_entry("assessment", notice, case.regime, start_estimated=False))
    elif case.status == "submitted_to_regulator" and started["regulator_acceptance"]:
        acceptance = _deadline_entry("regulator_acceptance", started["regulator_acceptance"], case.regime)
        entries.append(acceptance)
        # Until the notice is recorded, count from the last day acceptance may take: the latest the result can be due.
        if acceptance is not None:
            entries.append(_deadline_entry("assessment", dt.date.fromisoformat(acceptance["due"]), case.regime,
                                           start_estimated=True))
    if case.status == "supplement_requested" and started["supplement"]:
        set_by_official = (workflow.get("open_request") or {}).get("due_date")
        entries.append(_deadline_entry(
            "supplement", started["supplement"], case.regime,
            due=dt.date.fromisoformat(set_by_official) if set_by_official else None,
            due_set_by_authority=bool(set_by_official)))
    contract = (case.declaration or {}).get("contract_effective_date")
    if (case.pathway == "standard_contract_or_certification" and contract and case.reached_provincial_at is None
            and case.status in ("draft", "third_party_review", "rectification")):
        # Filed once the materials reach the provincial authority (sign_opinion hands them over).
        entries.append(_deadline_entry("standard_contract_filing", dt.date.fromisoformat(contract), case.regime))
    decision = workflow.get("decision") or {}
    if case.status == "rejected" and decision.get("decision_date"):
        # From the day the result was received (sa-measures-2022 art 13) when the official recorded it; else taken
        # as received on its decision date, the earliest it can be (the conservative count).
        received = decision.get("result_received_date") or decision["decision_date"]
        entries.append(_deadline_entry("reassessment_request", dt.date.fromisoformat(received), case.regime))
    if case.status == "approved" and case.valid_until:
        window = _deadline_entry("extension_window", case.valid_until, case.regime)
        if window is not None:
            window.pop("starts", None)
            entries.append(window)
    return [entry for entry in entries if entry is not None]
