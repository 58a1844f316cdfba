"""Writes on cases: intake, declaration edits, self-assessment answers. They flush and audit, never commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from xborder.cases import counting, intake
from xborder.cases.evidence import answer_problems
from xborder.cases.keypoints import applicable_key_points, keep_key_points
from xborder.cases.models import ENTERPRISE, AnswerVersion, Case, DeclarationVersion
from xborder.cases.models.status import CaseStatus
from xborder.cases.next_due import nearest_due
from xborder.cases.permissions import require_party, statuses_for
from xborder.core import audit
from xborder.core.errors import Forbidden, Unprocessable, field_error
from xborder.core.text import check_text, check_tree, normalise_tree
from xborder.core.timeutil import utcnow
from xborder.extensions import db
from xborder.law.catalogue import regime_for
from xborder.law.declaration import DeclarationInvalid, validate_declaration
from xborder.law.keypoints import applicable_key_points as applicable_key_points_of
from xborder.law.keypoints import validate_answers
from xborder.law.pathway import determine_pathway
from xborder.law.risk import assess_risk, validate_overrides


def _validated(raw: Any, user) -> dict:
    try:
        declaration = validate_declaration(raw)
    except DeclarationInvalid as exc:
        raise Unprocessable("The declaration is invalid", exc.errors) from None
    if unsafe := check_tree(raw):  # its names and purposes go into documents
        raise Unprocessable("The declaration is invalid", unsafe)
    if declaration["exporter"]["uscc"] != user.organisation.uscc:
        raise Unprocessable("An enterprise declares for itself only", [field_error(
            "exporter/uscc", "not_own_organisation",
            f"Must be your organisation's USCC {user.organisation.uscc}",
            f"只能以本单位名义申报，统一社会信用代码应为 {user.organisation.uscc}")])
    return declaration


def determine_for_case(declaration: dict, exporter_id: int, before_case_id: int | None) -> dict:
    """Determine the pathway counting the exporter's earlier cases in the window, and say which were counted."""
    regime = regime_for(declaration["as_of"])
    assert regime is not None  # validate_declaration refuses dates before the first regime
    start = regime.window_start(declaration["as_of"])
    earlier, references, count = counting.earlier_transfers(exporter_id, start, declaration["as_of"], before_case_id)
    determination = determine_pathway(declaration, earlier)
    counted = determination.setdefault("counted", {})
    counted["cases"] = references
    counted["cases_total"] = count
    counted["cases_pi_individuals"] = sum(row["pi_individuals"] for row in earlier)
    counted["cases_sensitive_pi_individuals"] = sum(row["sensitive_pi_individuals"] for row in earlier)
    return determination


def _apply_declaration(case: Case, declaration: dict, raw: dict, determination: dict) -> None:
    case.declaration_revision = (case.declaration_revision or 0) + 1
    case.declaration = raw
    case.determination = determination
    case.as_of = declaration["as_of"]
    case.regime = determination["regime"]
    case.pathway = determination["pathway"]
    refresh_risk(case, declaration=declaration)


_DECLARATION_VERSION = sa.insert(DeclarationVersion.__table__)  # built once (issue 20)


def _record_declaration(case: Case, declaration: dict, raw: dict, determination: dict, user) -> None:
    # The case's own INSERT or versioned UPDATE first, as the unit of work ordered it (a stale version stops here,
    # 409, before anything else is written); then what hangs off it as plain INSERTs, no ORM objects to track.
    db.session.flush()
    db.session.execute(_DECLARATION_VERSION, {
        "case_id": case.id, "revision": case.declaration_revision, "declaration": raw, "determination": determination,
        "created_by_id": user.id})
    if case.declaration_revision > 1:  # a new case has no transfers yet to take back
        counting.remove_transfers(case.id, case.exporter_id)
    _record_transfers(case, declaration, determination)


def _record_transfers(case: Case, declaration: dict, determination: dict) -> None:
    counting.record_transfers(case.id, case.exporter_id, _transfer_rows(declaration, determination))


def _transfer_rows(declaration: dict, determination: dict) -> list[counting.TransferRow]:
    exempt = {t["index"]: t.get("exemption_applied") for t in determination["transfers"]}
    return [(declaration["as_of"], exempt.get(index), index, transfer["data"]["pi_individuals"],
             transfer["data"]["sensitive_pi_individuals"]) for index, transfer in enumerate(declaration["transfers"])]


def refresh_risk(case: Case, overrides: list[dict] | None = None, declaration: dict | None = None) -> None:
    """Recompute the case's risk picture from its declaration (pass it when already validated), determination and
    answers."""
    declaration = declaration if declaration is not None else validate_declaration(case.declaration)
    case.risk = assess_risk(declaration, case.determination, case.answers or [], overrides or [])
    case.risk_level = case.risk["level"]


def create_case(user, title: str, raw_declaration: Any) -> Case:
    """Open a draft case for the user's organisation from a declaration, determined and risk-scored."""
    if user.role != ENTERPRISE:
        raise Forbidden("Only an enterprise opens cases")
    if unsafe := check_text(title, "title", multiline=False):  # a title reaches documents and e-mail subjects
        raise Unprocessable("The title is invalid", unsafe)
    declaration = _validated(raw_declaration, user)
    org = user.organisation
    determination = determine_for_case(declaration, org.id, None)
    # The key points once, for the risk engine and the answer (keypoints.applicable_key_points keeps them).
    points = applicable_key_points_of(declaration, determination)
    risk = assess_risk(declaration, determination, [], [], points=points)
    now = utcnow()
    case = Case(exporter=org, exporter_id=org.id, province=org.province, title=title, status=CaseStatus.DRAFT,
                version=1, created_at=now, updated_at=now, declaration=raw_declaration, determination=determination,
                declaration_revision=intake.FIRST_REVISION, as_of=declaration["as_of"],
                regime=determination["regime"], pathway=determination["pathway"], answers=[], answers_revision=0,
                risk=risk, risk_level=risk["level"], review=[], workflow={})
    case.next_due = nearest_due(case)  # what the flush listener would store (a draft has no deadline running)
    intake.insert_case(case, user, dt.date.today().year, _transfer_rows(declaration, determination), (
        "case.created", {"title": title, "declaration_revision": 1, "pathway": determination["pathway"]}))
    keep_key_points(case, points)
    return case


def update_declaration(user, case: Case, version: int, raw_declaration: Any, title: str | None = None) -> Case:
    """Replace the declaration of a draft case, keeping the old one as a version, and re-determine."""
    case.check_version(version)
    require_party(user, case, "edit_declaration")
    if case.status not in statuses_for("edit_declaration"):
        raise Unprocessable(f"The declaration cannot change in status {case.status}", [field_error(
            "status", "not_editable", "Only a draft or a case sent back may be edited",
            "仅草稿或被退回整改/补充的案件可修改申报")])
    if unsafe := check_text(title, "title", multiline=False):
        raise Unprocessable("The title is invalid", unsafe)
    declaration = _validated(raw_declaration, user)
    determination = determine_for_case(declaration, case.exporter_id, case.id)
    if title:
        case.title = title
    _apply_declaration(case, declaration, raw_declaration, determination)
    _record_declaration(case, declaration, raw_declaration, determination, user)
    db.session.flush()  # the UPDATE carries "AND version = <seen>" and bumps the version
    audit.record(case, "declaration.updated", {"declaration_revision": case.declaration_revision,
                                               "pathway": determination["pathway"]}, user)
    return case


def save_answers(user, case: Case, version: int, answers: list[dict]) -> Case:
    """Store a new revision of the self-assessment answers and recompute the risk."""
    case.check_version(version)
    require_party(user, case, "answer")
    if case.status not in statuses_for("answer"):
        raise Unprocessable(f"Answers cannot change in status {case.status}", [field_error(
            "status", "not_editable", "Only a draft or a case sent back may be answered",
            "仅草稿或被退回整改/补充的案件可修改自评估")])
    answers = normalise_tree(answers)  # line breaks as browsers send them (CR LF) become LF
    errors = validate_answers(answers, applicable_key_points(case)) or answer_problems(case, answers)
    if errors:
        raise Unprocessable("Some answers are invalid", errors)
    merged = {a["key_point"]: a for a in case.answers or []}
    for answer in answers:
        merged[answer["key_point"]] = answer
    case.answers = sorted(merged.values(), key=lambda a: a["key_point"])
    case.answers_revision += 1
    db.session.add(AnswerVersion(case_id=case.id, revision=case.answers_revision, answers=case.answers,
                                 created_by_id=user.id))
    refresh_risk(case)
    db.session.flush()
    audit.record(case, "self_assessment.saved", {"answers_revision": case.answers_revision,
                                                 "key_points": sorted(a["key_point"] for a in answers)}, user)
    return case


FINDINGS = ("satisfied", "not_satisfied", "not_applicable")


def save_review(user, case: Case, version: int, reviews: list[dict]) -> Case:
    """Store the assessor's findings per key point (merged by key point) and re-score with its overrides."""
    case.check_version(version)
    require_party(user, case, "review")
    if case.status not in statuses_for("review"):
        raise Unprocessable(f"Reviews are recorded in third-party review, not {case.status}", [field_error(
            "status", "status", "The case is not in third-party review", "案件不在第三方评估阶段")])
    applicable = applicable_key_points(case)
    known = {p["id"] for p in applicable}
    errors = []
    for i, review in enumerate(reviews):
        if not isinstance(review, dict) or review.get("key_point") not in known:
            errors.append(field_error(f"reviews/{i}/key_point", "unknown_key_point",
                                      "Not a key point of this case", "不是本案件适用的评估重点"))
        elif review.get("finding") not in FINDINGS:
            errors.append(field_error(f"reviews/{i}/finding", "one_of", f"One of {', '.join(FINDINGS)}",
                                      f"须为 {'、'.join(FINDINGS)} 之一"))
    overrides = [r for r in reviews if isinstance(r, dict) and (r.get("impact") or r.get("likelihood"))]
    errors += validate_overrides(overrides, applicable, case.as_of) if not errors else []
    reviews = normalise_tree(reviews)
    errors += check_tree(reviews, "reviews")  # comments and justifications go into the assessor's opinion
    if errors:
        raise Unprocessable("Some reviews are invalid", errors)
    merged = {r["key_point"]: r for r in case.review or []}
    for review in reviews:
        merged[review["key_point"]] = {k: review.get(k) for k in (
            "key_point", "finding", "comment", "impact", "likelihood", "justification")}
    case.review = sorted(merged.values(), key=lambda r: r["key_point"])
    refresh_risk(case, [r for r in case.review if r.get("impact") or r.get("likelihood")])
    db.session.flush()
    audit.record(case, "review.saved", {"key_points": sorted(r["key_point"] for r in reviews)}, user)
    return case


def save_facts(user, case: Case, version: int, raw: Any) -> Case:
    """Replace the case's transfer details (cases/facts.py) with validated ones, while the exporter may edit."""
    from xborder.cases import facts

    require_party(user, case, "edit_facts")
    case.check_version(version)
    if case.status not in statuses_for("edit_facts"):
        raise Unprocessable(f"The transfer details cannot change in status {case.status}", [field_error(
            "status", "not_editable", "Only a draft or a case sent back may be edited",
            "仅草稿或被退回整改/补充的案件可修改出境详情")])
    stored = facts.load(raw, case)
    if stored == (case.facts or {}):
        return case  # nothing changed: no new version, no audit entry
    case.facts = stored
    db.session.flush()
    audit.record(case, "facts.saved", facts.summary(stored), user)
    return case
