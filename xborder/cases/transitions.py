"""The workflow's action table (workflow.md, Actions), defined once.

Each row says who takes the action, from which statuses to which, the fields the caller sends (with their
validation), what is checked and what changes, and which deadlines start. Everything else is derived from it:
the API's request schema (`TransitionSchema`), the web form (`web_forms.ActionForm`), the audit entry
(`audit_payload`) and the engine in `workflow.py`; no other module lists an action's fields.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

import marshmallow as ma

from xborder.accounts.models import Organisation
from xborder.cases.deadlines import deadline_start
from xborder.cases.keypoints import key_point_status, unanswered
from xborder.cases.materials import freshness_problems, latest_evidence_id, missing_at, record_completion
from xborder.cases.models import ASSESSOR, ENTERPRISE, PROVINCIAL_OFFICIAL, Case
from xborder.cases.models.status import AWAITING_CERTIFICATE, DECISIONS, LIVE, CaseStatus
from xborder.core.errors import Unprocessable, field_error, flatten_marshmallow
from xborder.core.text import SafeText
from xborder.core.timeutil import china_today, utcnow
from xborder.extensions import db
from xborder.law import validity
from xborder.law.declaration import validate_declaration
from xborder.law.mechanism import MECHANISMS, certification_bodies, mechanism_allowed

S = CaseStatus
BAND = "standard_contract_or_certification"
STANDARD_CONTRACT, CERTIFICATION = MECHANISMS
Check = Callable[[Case, dict, Any], list[dict[str, str]]]
Effect = Callable[[Case, dict, Any], None]


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


# --- Fields ------------------------------------------------------------------------------------------------------

class FieldKind(StrEnum):
    """What a field holds; each kind has one API field type and one web widget."""

    TEXT = "text"  # free text, several lines (a comment)
    LINE = "line"  # one line of text (a number issued by an authority)
    REF = "ref"  # the id of another record
    IDS = "ids"  # a list of short ids
    DATE = "date"  # an ISO date YYYY-MM-DD
    FLAG = "flag"  # a confirmation
    CHOICE = "choice"  # one of `choices`


#: The longest text each kind takes when the field does not say (an ISO date is 10 characters).
DEFAULT_MAX_LENGTH = {FieldKind.TEXT: 4000, FieldKind.LINE: 100, FieldKind.IDS: 20, FieldKind.DATE: 10,
                      FieldKind.CHOICE: 20}


@dataclasses.dataclass(frozen=True)
class Field:
    """One field an action takes: its kind and length, whether it is required (with the message when it is
    missing) and any further validation (`check`, which reads the whole body)."""

    name: str
    kind: FieldKind
    missing: tuple[str, str] | None = None  # (en, zh) when the field is required and absent or blank
    check: Check | None = None
    choices: tuple[str, ...] = ()
    max_length: int | None = None  # of the text, or of each id for IDS; the kind's default when None

    @property
    def required(self) -> bool:
        """The action needs this field."""
        return self.missing is not None or (self.check is not None and getattr(self.check, "required", False))

    @property
    def length(self) -> int | None:
        """The longest value (each item for IDS) the API and the web form accept."""
        return self.max_length if self.max_length is not None else DEFAULT_MAX_LENGTH.get(self.kind)

    def api_field(self, used_by: list[str]) -> ma.fields.Field:
        """The marshmallow field of the API's request schema (type and length; the rest is the action's check)."""
        meta = {"description": f"Used by: {', '.join(used_by)}"}
        if self.choices:
            meta["enum"] = list(self.choices)
        length = ma.validate.Length(max=self.length) if self.length else None
        if self.kind is FieldKind.REF:
            return ma.fields.Integer(strict=True, metadata=meta)
        if self.kind is FieldKind.FLAG:
            return ma.fields.Boolean(metadata=meta)
        if self.kind is FieldKind.IDS:
            return ma.fields.List(ma.fields.String(validate=length), metadata=meta)
        if self.kind in (FieldKind.TEXT, FieldKind.LINE):
            # Text reaches documents, e-mail subjects and file names: no control characters (core/text.py).
            return SafeText(validate=length, metadata=meta, multiline=self.kind is FieldKind.TEXT)
        return ma.fields.String(validate=length, metadata=meta)

    def present(self, body: Mapping[str, Any]) -> bool:
        """Whether the body carries a usable value for this field (blank text counts as absent)."""
        value = body.get(self.name)
        if self.kind is FieldKind.FLAG:
            return value is True
        if isinstance(value, str):
            return bool(value.strip())
        return value not in (None, [], "")

    def checks(self) -> tuple[Check, ...]:
        """The checks this field adds to its action: required (when it says so), then its own."""
        out: list[Check] = []
        if self.missing is not None:
            en, zh = self.missing
            field = self

            @_reads_body
            def required(case: Case, body: dict, user) -> list[dict[str, str]]:
                return [] if field.present(body) else _error(field.name, "required", en, zh)

            out.append(required)
        if self.check is not None:
            out.append(_reads_body(self.check))
        return tuple(out)


def _required_check(check: Check) -> Check:
    """Mark a field's own check as one that refuses an absent value (the field is required)."""
    check.required = True  # type: ignore[attr-defined]
    return check


def comment(required: bool = False) -> Field:
    """The comment every action takes (workflow.md: who/when/why); some actions require it."""
    return Field("comment", FieldKind.TEXT, ("A comment is required", "必须填写说明") if required else None)


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


def _past_date_check(name: str, zh_name: str, required: bool) -> Check:
    def check(case: Case, body: dict, user) -> list[dict[str, str]]:
        return _past_date(body, name, zh_name, required)[1]
    check.__name__ = f"_{name}"
    return _required_check(check) if required else check


@_required_check
def _assessor_named(case: Case, body: dict, user) -> list[dict[str, str]]:
    org_id = body.get("assessor_org_id")
    org = db.session.get(Organisation, org_id) if isinstance(org_id, int) and not isinstance(org_id, bool) else None
    if org is not None and org.kind == "assessor":
        from xborder.accounts.records import accreditation_lapsed

        if accreditation_lapsed(org.id, china_today()):
            return _error("assessor_org_id", "not_accredited",
                          "This assessment body's accreditation has lapsed; name a currently accredited one",
                          "该评估机构的资质已过有效期，请选择资质有效的评估机构")
        return []
    return _error("assessor_org_id", "required",
                  "Name a third-party assessment body (see /organisations?kind=assessor)",
                  "请选择第三方评估机构（见 /organisations?kind=assessor）")


@_required_check
def _key_points_listed(case: Case, body: dict, user) -> list[dict[str, str]]:
    listed = body.get("key_points")
    known = {kp["id"] for kp in key_point_status(case)}
    if isinstance(listed, list) and listed and all(isinstance(k, str) and k in known for k in listed):
        return []
    if not listed:
        return _error("key_points", "required", "Choose at least one of the key points to fix",
                      "请至少选择一项需要整改的评估重点")
    return _error("key_points", "required", "List the key points to fix (ids that apply to this case)",
                  "请列出需要整改的评估重点（须为本案件适用的编号）")


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


@_required_check
def _decision_taken(case: Case, body: dict, user) -> list[dict[str, str]]:
    if body.get("decision") in DECISIONS:
        return []
    return _error("decision", "one_of", "decision is approved or rejected", "decision 须为 approved 或 rejected")


@_required_check
def _acceptance_date(case: Case, body: dict, user) -> list[dict[str, str]]:
    accepted, errors = _past_date(body, "acceptance_date", "受理日期")
    forwarded = deadline_start(case, "regulator_acceptance")
    if accepted and forwarded and accepted < forwarded:
        errors += _error("acceptance_date", "before_forwarding",
                         f"The acceptance cannot precede forwarding to the regulator ({forwarded.isoformat()})",
                         f"受理日期不能早于报送国家网信部门之日（{forwarded.isoformat()}）")
    return errors


def mechanism_of(case: Case) -> str | None:
    """The route a case takes in the standard-contract band (`standard_contract` unless it chose certification at
    submit), None for the other pathways."""
    if case.pathway != BAND:
        return None
    return case.mechanism or STANDARD_CONTRACT


def _mechanism(case: Case, body: dict, user) -> list[dict[str, str]]:
    chosen = body.get("mechanism")
    if chosen in (None, "") or (chosen == STANDARD_CONTRACT and case.pathway == BAND):
        return []  # the default route of the band; absent outside it
    if chosen not in MECHANISMS:
        return _error("mechanism", "one_of", "mechanism is standard_contract or certification",
                      "mechanism 须为 standard_contract 或 certification")
    # Certification only for a non-CIIO in the band without important data (cbdf-2024 arts 7-8; pi-cert art 5).
    judged = mechanism_allowed(validate_declaration(case.declaration), case.determination or {}, chosen)
    if judged["allowed"]:
        return []
    return [field_error("mechanism", "not_allowed", " ".join(r["message_en"] for r in judged["reasons"]),
                        "".join(r["message_zh"] for r in judged["reasons"]))]


def _certification_body(case: Case, body: dict, user) -> list[dict[str, str]]:
    bodies = certification_bodies()
    if body.get("certification_body") in bodies:
        return []
    names = "、".join(f"{b['name_zh']}（{key}）" for key, b in bodies.items())
    return _error("certification_body", "one_of", f"certification_body is one of the bodies filed with the CAC: "
                  f"{', '.join(bodies)}", f"认证机构须为已向国家网信办备案的机构之一：{names}")


def _new_valid_until(case: Case, body: dict, user) -> list[dict[str, str]]:
    try:
        until = dt.date.fromisoformat(str(body.get("valid_until")))
    except ValueError:
        return _error("valid_until", "format", "valid_until is a date YYYY-MM-DD", "valid_until 须为 YYYY-MM-DD 日期")
    if case.valid_until and until <= case.valid_until:
        return _error("valid_until", "not_later", f"The extension must end after {case.valid_until.isoformat()}",
                      f"延长后的有效期须晚于 {case.valid_until.isoformat()}")
    return []


ASSESSOR_ORG = Field("assessor_org_id", FieldKind.REF, check=_assessor_named)
KEY_POINTS = Field("key_points", FieldKind.IDS, check=_key_points_listed)
DUE_DATE = Field("due_date", FieldKind.DATE, check=_due_date)
COMPLETENESS_CONFIRMED = Field("completeness_confirmed", FieldKind.FLAG,
                               ("Confirm the materials are complete", "请确认材料齐全"))
FILING_NUMBER = Field("filing_number", FieldKind.LINE, ("filing_number is required", "须填写备案编号"))
DECISION = Field("decision", FieldKind.CHOICE, check=_decision_taken, choices=tuple(DECISIONS))
DECISION_NUMBER = Field("decision_number", FieldKind.LINE, ("decision_number is required", "须填写决定文号"))
DECISION_DATE = Field("decision_date", FieldKind.DATE, check=_past_date_check("decision_date", "决定日期", True))
RESULT_RECEIVED_DATE = Field("result_received_date", FieldKind.DATE,
                             check=_past_date_check("result_received_date", "收到评估结果的日期", False))
ACCEPTANCE_DATE = Field("acceptance_date", FieldKind.DATE, check=_acceptance_date)
MECHANISM = Field("mechanism", FieldKind.CHOICE, check=_mechanism, choices=MECHANISMS, max_length=30)
CERTIFICATE_NUMBER = Field("certificate_number", FieldKind.LINE,
                           ("certificate_number is required", "须填写认证证书编号"))
CERTIFICATION_BODY = Field("certification_body", FieldKind.CHOICE, check=_required_check(_certification_body),
                           choices=tuple(certification_bodies()), max_length=30)
ISSUED_ON = Field("issued_on", FieldKind.DATE, check=_past_date_check("issued_on", "证书颁发日期", True))
NEW_VALID_UNTIL = Field("valid_until", FieldKind.DATE, check=_required_check(_new_valid_until))
# The extension decision's date, when the official has it: optional, so earlier clients keep working.
EXTENSION_DATE = Field("decision_date", FieldKind.DATE, check=_past_date_check("decision_date", "决定日期", False))


def _report_fresh(case: Case, body: dict, user) -> list[dict[str, str]]:
    return freshness_problems(case, body)


# The self-assessment / PIA completion date (forms/materials `freshness`); without it, the day the answers were last
# saved stands for it.
ASSESSMENT_COMPLETED_ON = Field("assessment_completed_on", FieldKind.DATE, check=_report_fresh)


# --- Checks on the case (answerable before the request) and across fields ----------------------------------------

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


def _all_answered(case: Case, body: dict, user) -> list[dict[str, str]]:
    missing = unanswered(case)
    if not missing:
        return []
    return _error("key_points", "unanswered", f"Unanswered key points: {', '.join(missing)}",
                  f"以下评估重点尚未回答：{'、'.join(missing)}")


def _changed_since_request(case: Case, body: dict, user) -> list[dict[str, str]]:
    request = case.workflow.get("open_request") or {}
    if (case.answers_revision, case.declaration_revision) != (request.get("answers_revision"),
                                                              request.get("declaration_revision")):
        return []
    if latest_evidence_id(case) != request.get("evidence_id"):
        return []  # a file uploaded since (a material asked for) answers the request too
    return _error("answers", "unchanged", "Nothing changed since the request; change what was asked for first",
                  "自提出要求以来未作任何修改，请先按要求修改")


def _all_reviewed(case: Case, body: dict, user) -> list[dict[str, str]]:
    reviewed = {r["key_point"] for r in case.review or []}
    missing = [kp["id"] for kp in key_point_status(case) if kp["id"] not in reviewed]
    if not missing:
        return []
    return _error("reviews", "unreviewed", f"Key points without a finding: {', '.join(missing)}",
                  f"以下评估重点尚无评估结论：{'、'.join(missing)}")


def _files_a_contract(case: Case, body: dict, user) -> list[dict[str, str]]:
    if mechanism_of(case) != CERTIFICATION:
        return []
    return _error("mechanism", "certification", "A certification case is certified, not filed",
                  "选择认证的案件应登记认证证书，无需备案标准合同")


def _contract_date_known(case: Case, body: dict, user) -> list[dict[str, str]]:
    if mechanism_of(case) != STANDARD_CONTRACT or (case.declaration or {}).get("contract_effective_date"):
        return []
    # The filing is due within 10 working days of the contract taking effect (sc-measures-2023 art 7): the day must
    # be on the case before it is filed (ask for it with request_supplement).
    return _error("declaration/contract_effective_date", "required",
                  "The declaration must give the day the standard contract takes effect before the filing is recorded",
                  "记录备案前，申报须填写标准合同生效日期")


def _extension_may_apply(case: Case, body: dict, user) -> list[dict[str, str]]:
    check = (case.workflow or {}).get("extension_check") or {}
    if check.get("outcome") == validity.MAY_APPLY and check.get("valid_until") == (
            case.valid_until.isoformat() if case.valid_until else None):
        return []
    return _error("extension_check", "not_passed",
                  "The enterprise's extension check for this validity period does not say an extension may be "
                  "applied for (PUT /cases/{id}/extension-check)",
                  "企业尚未就本有效期完成延期核对，或核对结果为须重新申报")


def _acceptance_not_recorded(case: Case, body: dict, user) -> list[dict[str, str]]:
    if deadline_start(case, "acceptance_notice") is None:
        return []
    return _error("acceptance_date", "recorded", "The acceptance notice is already recorded", "受理通知书已登记")


@_reads_body
def _received_after_decision(case: Case, body: dict, user) -> list[dict[str, str]]:
    decided, problems = _past_date(body, "decision_date", "决定日期")
    received, more = _past_date(body, "result_received_date", "收到评估结果的日期", required=False)
    if problems or more or not (decided and received) or received >= decided:
        return []  # a malformed date is reported at its own field
    return _error("result_received_date", "before_decision",
                  "The result cannot be received before the decision date", "收到评估结果的日期不能早于决定日期")


def _materials(step: str) -> Check:
    """The filing materials forms/materials requires by `step` are attached (the mechanism may be in the body)."""
    @_reads_body
    def check(case: Case, body: dict, user) -> list[dict[str, str]]:
        return missing_at(case, step, body)
    check.__name__ = f"_materials_{step}"
    return check


# --- Effects (run after every check passed, before the status changes) -------------------------------------------

def _name_assessor(case: Case, body: dict, user) -> None:
    case.assessor_org_id = body["assessor_org_id"]


def _open_request(name: str) -> Effect:
    def effect(case: Case, body: dict, user) -> None:
        case.workflow = {**case.workflow, "open_request": {
            "action": name, "comment": body["comment"], "key_points": body.get("key_points"),
            "answers_revision": case.answers_revision, "declaration_revision": case.declaration_revision,
            "evidence_id": latest_evidence_id(case), "due_date": body.get("due_date")}}
    return effect


def _close_request(case: Case, body: dict, user) -> None:
    # Kept so the assessor (or official) can see what changed in this round: GET /cases/{id}/changes.
    workflow = dict(case.workflow)
    request = workflow.pop("open_request", None) or {}
    workflow["last_round"] = {**request, "resubmitted_answers_revision": case.answers_revision,
                              "resubmitted_declaration_revision": case.declaration_revision}
    case.workflow = workflow


def _record_completion(case: Case, body: dict, user) -> None:
    record_completion(case, body)


def _hand_to_province(case: Case, body: dict, user) -> None:
    if mechanism_of(case) == CERTIFICATION:
        return  # a certification case goes to a certification body, not to the provincial authority
    case.reached_provincial_at = case.reached_provincial_at or utcnow()


def _keep_mechanism(case: Case, body: dict, user) -> None:
    case.mechanism = (body.get("mechanism") or STANDARD_CONTRACT) if case.pathway == BAND else None


def _keep_certificate(case: Case, body: dict, user) -> None:
    dates = validity.certificate_dates(body["issued_on"])
    case.valid_until = dt.date.fromisoformat(dates["valid_until"])
    case.workflow = {**case.workflow, "certificate": {
        "certificate_number": body["certificate_number"], "certification_body": body["certification_body"],
        **dates}}


def _keep_extension(case: Case, body: dict, user) -> None:
    extensions = list(case.workflow.get("extensions") or [])
    extensions.append({"decision_number": body["decision_number"], "decision_date": body.get("decision_date"),
                       "previous_valid_until":
                       case.valid_until.isoformat() if case.valid_until else None,
                       "valid_until": body["valid_until"], "check": case.workflow.get("extension_check")})
    workflow = {**case.workflow, "extensions": extensions}
    workflow.pop("extension_check", None)  # answered for the period that just ended
    workflow.pop("extension_window_opened", None)  # the new period's window opens (and is announced) in its time
    case.workflow = workflow
    case.valid_until = dt.date.fromisoformat(body["valid_until"])


def _keep_filing_number(case: Case, body: dict, user) -> None:
    case.workflow = {**case.workflow, "filing_number": body["filing_number"]}


def _start_assessment_period(case: Case, body: dict, user) -> None:
    case.workflow = {**case.workflow, "deadline_starts": {**(case.workflow.get("deadline_starts") or {}),
                                                          "acceptance_notice": body["acceptance_date"]}}


def _keep_decision(case: Case, body: dict, user) -> None:
    decision = {k: body[k] for k in ("decision", "decision_number", "decision_date", "result_received_date")
                if body.get(k)}
    if body["decision"] == S.APPROVED:
        # By the rules in force on the decision date, not the declaration's: a cac-2022 case approved from
        # 2024-03-22 gets three years (cbdf-2024 art 9, prevailing by art 13).
        decided = validity.valid_until(case.pathway or "", case.regime or "", body["decision_date"])
        decision["validity"] = {k: decided[k] for k in ("years", "regime", "legal_basis")}
        case.valid_until = dt.date.fromisoformat(decided["valid_until"])
    case.workflow = {**case.workflow, "decision": decision}


def _by_mechanism(case: Case, target: CaseStatus) -> CaseStatus:
    # The opinion of a certification case goes with the application to a certification body (pi-cert art 7).
    return S.CERTIFICATION_PENDING if mechanism_of(case) == CERTIFICATION else target


# --- The table ----------------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Confirmation:
    """What a person is told before an action that signs or records for good (the web asks for a confirmed second
    post; the API takes the action at once): the dossier stage it signs and its consequence, in both languages. The
    stage is signed in the person's name with the certificate `dossiers.pki.signer_for` picks (their own from the
    deployment CA, or their organisation's uploaded one); the confirmation page names it."""

    stage: int  # the dossier stage the action signs (dossiers/stages.py STAGE_OF_ACTION agrees, checked by a test)
    stage_name: tuple[str, str]  # (en, zh)
    consequence: tuple[str, str]  # (en, zh)


@dataclasses.dataclass(frozen=True)
class Action:
    """One row of the workflow table."""

    role: str
    sources: tuple[CaseStatus, ...]
    # The status after the action: one status, one per source status, or (`decided_by`) the value of a field.
    target: CaseStatus | Mapping[CaseStatus, CaseStatus] | None
    fields: tuple[Field, ...] = (comment(),)
    checks: tuple[Check, ...] = ()  # on the case (answerable before the request) or across fields
    effects: tuple[Effect, ...] = ()
    deadlines: tuple[str, ...] = ()  # deadline kinds (forms/deadlines) that start today
    decided_by: str | None = None
    # The status after the action when the case decides it (e.g. its mechanism), given the table's target.
    routed: Callable[[Case, CaseStatus], CaseStatus] | None = None
    confirm: Confirmation | None = None  # asked before the web takes it (signing, forwarding, filing, decisions)

    def all_checks(self) -> tuple[Check, ...]:
        """The case's checks first, then each field's, in the order the fields are declared."""
        case_checks = tuple(c for c in self.checks if not reads_body(c))
        return case_checks + tuple(c for f in self.fields for c in f.checks()) + tuple(
            c for c in self.checks if reads_body(c))

    def target_for(self, source: str, body: Mapping[str, Any], case: Case | None = None) -> CaseStatus:
        """The status the case moves to from `source` with this (validated) body."""
        if self.decided_by is not None:
            return CaseStatus(body[self.decided_by])
        if isinstance(self.target, Mapping):
            return self.target[CaseStatus(source)]
        assert self.target is not None
        if self.routed is not None and case is not None:
            return self.routed(case, self.target)
        return self.target

    def field(self, name: str) -> Field | None:
        """The field `name` of this action, None when the action does not take it."""
        return next((f for f in self.fields if f.name == name), None)


ACTIONS: dict[str, Action] = {
    "record_exemption": Action(ENTERPRISE, (S.DRAFT,), S.EXEMPT_RECORDED, checks=(_pathway("exempt"),)),
    "submit": Action(ENTERPRISE, (S.DRAFT,), S.THIRD_PARTY_REVIEW,
                     (ASSESSOR_ORG, MECHANISM, ASSESSMENT_COMPLETED_ON, comment()),
                     (_not_exempt, _all_answered, _materials("submit")),
                     (_record_completion, _name_assessor, _keep_mechanism)),
    "request_rectification": Action(ASSESSOR, (S.THIRD_PARTY_REVIEW,), S.RECTIFICATION,
                                    (comment(required=True), KEY_POINTS),
                                    effects=(_open_request("request_rectification"),)),
    "resubmit": Action(ENTERPRISE, (S.RECTIFICATION, S.SUPPLEMENT_REQUESTED),
                       {S.RECTIFICATION: S.THIRD_PARTY_REVIEW, S.SUPPLEMENT_REQUESTED: S.PROVINCIAL_REVIEW},
                       checks=(_changed_since_request,), effects=(_close_request,)),
    "sign_opinion": Action(ASSESSOR, (S.THIRD_PARTY_REVIEW,), S.PROVINCIAL_REVIEW, checks=(_all_reviewed,),
                           effects=(_hand_to_province,), deadlines=("provincial_completeness_check",),
                           routed=_by_mechanism, confirm=Confirmation(
                               2, ("the assessment body's opinion", "评估机构的评估意见"),
                               ("The findings and the opinion are signed in your name and added to the dossier; they "
                                "cannot be changed afterwards, and no further rectification can be asked for in "
                                "this round.",
                                "评估结论和评估意见将以您的名义签名并加入卷宗，签署后不能修改，本轮也不能再要求整改。"))),
    # The certificate from a body filed with the CAC: live three years, renewal due six months before (pi-cert art 8).
    "record_certificate": Action(ENTERPRISE, tuple(AWAITING_CERTIFICATE), S.CERTIFIED,
                                 (CERTIFICATE_NUMBER, CERTIFICATION_BODY, ISSUED_ON, comment()),
                                 effects=(_keep_certificate,)),
    "request_supplement": Action(PROVINCIAL_OFFICIAL, (S.PROVINCIAL_REVIEW,), S.SUPPLEMENT_REQUESTED,
                                 (comment(required=True), DUE_DATE),
                                 effects=(_open_request("request_supplement"),), deadlines=("supplement",)),
    "forward_to_regulator": Action(PROVINCIAL_OFFICIAL, (S.PROVINCIAL_REVIEW,), S.SUBMITTED_TO_REGULATOR,
                                   (COMPLETENESS_CONFIRMED, comment()),
                                   (_pathway("security_assessment"), _materials("forward_to_regulator")),
                                   deadlines=("regulator_acceptance",), confirm=Confirmation(
                                       3, ("the provincial authority's record", "省级网信部门的记录"),
                                       ("The provincial record is signed in your name and added to the dossier and "
                                        "the case goes to the national regulator; no supplement can be asked for "
                                        "afterwards, and the period for the regulator's acceptance starts today.",
                                        "省级记录将以您的名义签名并加入卷宗，案件报送国家网信部门；此后不能再要求补充材料，"
                                        "国家网信部门受理的期限自今日起计算。"))),
    "record_filing": Action(PROVINCIAL_OFFICIAL, (S.PROVINCIAL_REVIEW,), S.FILED, (FILING_NUMBER, comment()),
                            (_pathway("standard_contract_or_certification"), _files_a_contract,
                             _contract_date_known, _materials("record_filing")),
                            (_keep_filing_number,), confirm=Confirmation(
                                3, ("the provincial authority's record", "省级网信部门的记录"),
                                ("The filing number is recorded, the provincial record is signed in your name and "
                                 "added to the dossier, and the case is filed; this cannot be undone.",
                                 "备案编号将记入案件，省级记录以您的名义签名并加入卷宗，案件完成备案；此操作不能撤销。"))),
    # The national CAC's written acceptance notice (sa-measures-2022 art 12): the 45 working days run from it.
    "record_acceptance": Action(PROVINCIAL_OFFICIAL, (S.SUBMITTED_TO_REGULATOR,), S.SUBMITTED_TO_REGULATOR,
                                (ACCEPTANCE_DATE, comment()), (_acceptance_not_recorded,),
                                (_start_assessment_period,)),
    "record_decision": Action(PROVINCIAL_OFFICIAL, (S.SUBMITTED_TO_REGULATOR,), None,
                              (DECISION, DECISION_NUMBER, DECISION_DATE, RESULT_RECEIVED_DATE, comment()),
                              (_received_after_decision,), (_keep_decision,), decided_by="decision",
                              confirm=Confirmation(
                                  4, ("the regulator's decision", "国家网信部门的决定"),
                                  ("The decision, its number and date are recorded and signed in your name into the "
                                   "dossier and the case is closed with this outcome; an approval's validity runs "
                                   "from the decision date. This cannot be undone.",
                                   "决定结果、文号和日期将记入案件并以您的名义签名加入卷宗，案件以此结果结束；评估通过的，"
                                   "有效期自决定日期起计算。此操作不能撤销。"))),
    # The extension of a passed assessment (cbdf-2024 art 9), after the enterprise's extension check said it may
    # be applied for: the authority's new end of validity.
    "record_extension": Action(PROVINCIAL_OFFICIAL, (S.APPROVED,), S.APPROVED,
                               (DECISION_NUMBER, NEW_VALID_UNTIL, EXTENSION_DATE, comment()),
                               (_extension_may_apply,),
                               (_keep_extension,)),
    "withdraw": Action(ENTERPRISE, LIVE, S.WITHDRAWN, (comment(required=True),)),
}


# --- Derived: the request schema, body loading and the audit entry -----------------------------------------------

def fields_by_name() -> dict[str, Field]:
    """Every field any action takes, once: an action may require a field another takes optionally, but its kind,
    length and choices are the same everywhere (checked here, so the one API schema fits every action)."""
    out: dict[str, Field] = {}
    for action in ACTIONS.values():
        for field in action.fields:
            seen = out.setdefault(field.name, field)
            if (seen.kind, seen.length, seen.choices) != (field.kind, field.length, field.choices):
                raise ValueError(f"Field {field.name} is declared differently by two actions")
    return out


def _transition_schema() -> type[ma.Schema]:
    users = {name: [a for a, action in ACTIONS.items() if action.field(name)] for name in fields_by_name()}
    attrs: dict[str, Any] = {
        "__doc__": "A workflow action with the version the caller last saw and the action's own fields.",
        "Meta": type("Meta", (), {"unknown": ma.RAISE}),
        "action": ma.fields.String(required=True, validate=ma.validate.Length(max=40)),
        "version": ma.fields.Integer(required=True, strict=True),
        **{name: field.api_field(users[name]) for name, field in fields_by_name().items()},
    }
    return type("TransitionSchema", (ma.Schema,), attrs)


#: What `POST /cases/{id}/transitions` accepts (and the web form's post is loaded through).
TransitionSchema = _transition_schema()


#: One instance, as webargs keeps one per view: building a schema copies every declared field, and this one has
#: every action's (~1 ms a transition, issue 20). `load` keeps no state on the instance.
_TRANSITION_SCHEMA = TransitionSchema()


def load_body(name: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The body of action `name` loaded through `TransitionSchema` (types and lengths), or 422 with each field."""
    try:
        return _TRANSITION_SCHEMA.load({**body, "action": name})
    except ma.ValidationError as exc:
        raise Unprocessable(f"{name}: invalid fields", flatten_marshmallow(exc.messages)) from None


def audit_payload(action: Action, source: str, target: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """The audit entry of a transition: from, to, and every field the action takes (null when not sent)."""
    return {"from": str(source), "to": str(target), **{f.name: body.get(f.name) for f in action.fields}}
