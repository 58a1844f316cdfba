"""Whether the third-party review is likely to overrun a standard contract's filing deadline — an operational
estimate from xborder's own history, never a legal figure.

A standard contract is filed within 10 working days of taking effect (sc-measures-2023 art 7); in xborder the
filing reaches the provincial authority when the assessor signs the opinion. No verified figure exists for how long
that review takes (`filing-guides-2026.md` has none), so the law cannot say whether the deadline will hold. What
xborder can say is how long reviews took here: the median working days (Chinese calendar, `core.workdays`) from a
case's first `submit` to the assessor's signature (`reached_provincial_at`, set by `sign_opinion`), over the chosen
assessor body's most recent signed cases — all assessors' when it has fewer than `MIN_CASES`, and the configured
`review_estimate_days` when there are none at all. Every figure says which of the three it rests on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import statistics
from typing import Any

import sqlalchemy as sa
from flask import current_app

from xborder.cases.models import Case
from xborder.cases.models.status import CaseStatus
from xborder.core.audit import AuditEntry
from xborder.core.timeutil import CHINA, as_utc, china_today
from xborder.core.workdays import add_working_days, deadline_rule, working_days_between
from xborder.extensions import db

#: The most recent signed cases the median is taken over (per basis).
SAMPLE = 20
#: Fewer signed cases of the chosen assessor than this, and all assessors' cases are used instead.
MIN_CASES = 3
#: Statuses in which the review is under way: the working days since the submission count towards it.
IN_REVIEW = frozenset({CaseStatus.THIRD_PARTY_REVIEW, CaseStatus.RECTIFICATION})


@dataclasses.dataclass(frozen=True)
class ReviewEstimate:
    """The working days a review is estimated to take, what the figure rests on, and how far this case's has run."""

    working_days: int
    basis: str  # "assessor" (the chosen body's cases), "all_assessors", or "setting" (no history)
    cases: int  # how many signed cases the median was taken over (0 for "setting")
    elapsed: int  # working days since this case was submitted (0 before)


def _china_day(moment: dt.datetime) -> dt.date:
    return as_utc(moment).astimezone(CHINA).date()


def _recent_signed(assessor_org_id: int | None) -> sa.ScalarSelect[int]:
    query = sa.select(Case.id).where(Case.reached_provincial_at.is_not(None), Case.assessor_org_id.is_not(None))
    if assessor_org_id is not None:
        query = query.where(Case.assessor_org_id == assessor_org_id)
    return query.order_by(Case.reached_provincial_at.desc()).limit(SAMPLE).scalar_subquery()


def estimate_review(case: Case, default_days: int) -> ReviewEstimate:
    """Estimate the review of `case` from the signed cases of its assessor body (or of all, or the setting).

    One aggregate query: each sampled case's first submission (from the audit trail) and signature, and this case's
    own submission, for the most recent `SAMPLE` signed cases of the chosen body and of all bodies."""
    own = case.assessor_org_id
    sampled = [Case.id.in_(_recent_signed(None))]
    if own is not None:
        sampled.append(Case.id.in_(_recent_signed(own)))
    if case.id is not None:
        sampled.append(Case.id == case.id)
    rows = db.session.execute(
        sa.select(Case.id, Case.assessor_org_id, Case.reached_provincial_at, sa.func.min(AuditEntry.created_at))
        .join(AuditEntry, AuditEntry.case_id == Case.id)
        .where(AuditEntry.action == "transition.submit", sa.or_(*sampled))
        .group_by(Case.id, Case.assessor_org_id, Case.reached_provincial_at)).all()
    durations: dict[str, list[tuple[dt.datetime, int]]] = {"assessor": [], "all_assessors": []}
    elapsed = 0
    for case_id, assessor, signed, submitted in rows:
        if case_id == case.id:
            elapsed = working_days_between(_china_day(submitted), china_today()) if signed is None else 0
        if signed is None:
            continue
        took = (as_utc(signed), working_days_between(_china_day(submitted), _china_day(signed)))
        durations["all_assessors"].append(took)
        if own is not None and assessor == own:
            durations["assessor"].append(took)
    for basis in ("assessor", "all_assessors"):
        # The query may bring the other basis's cases too: keep the most recent SAMPLE of this one.
        recent = [days for _, days in sorted(durations[basis], reverse=True)[:SAMPLE]]
        if len(recent) >= (MIN_CASES if basis == "assessor" else 1):
            return ReviewEstimate(math.ceil(statistics.median(recent)), basis, len(recent), elapsed)
    return ReviewEstimate(default_days, "setting", 0, elapsed)


def _basis_text(estimate: ReviewEstimate, assessor_chosen: bool) -> tuple[str, str]:
    days, n = estimate.working_days, estimate.cases
    if estimate.basis == "assessor":
        return (f"按该评估机构近 {n} 个案件的中位用时 {days} 个工作日估算",
                f"estimated from this assessor's median of {days} working days over its last {n} cases")
    if estimate.basis == "all_assessors" and not assessor_chosen:
        return (f"尚未选定评估机构，按所有评估机构近 {n} 个案件的中位用时 {days} 个工作日估算",
                f"no assessor chosen yet: estimated from all assessors' median of {days} working days over their "
                f"last {n} cases")
    if estimate.basis == "all_assessors":
        return (f"该评估机构已签署的案件不足 {MIN_CASES} 个，按所有评估机构近 {n} 个案件的中位用时 {days} 个工作日估算",
                f"this assessor has signed fewer than {MIN_CASES} cases: estimated from all assessors' median of "
                f"{days} working days over their last {n} cases")
    return (f"尚无已签署的评估案件，按系统默认的 {days} 个工作日估算",
            f"no signed case yet: estimated at xborder's default of {days} working days")


def review_overrun(case: Case, filing: dict[str, Any]) -> dict[str, Any]:
    """The review estimate for the standard contract's filing deadline `filing` (an `open_deadlines` entry): when
    the review is expected done, what the estimate rests on, and (`overrun`) whether today + the remaining review +
    the hand-over to the province passes the due date, with the warning to show in Chinese and English."""
    settings = current_app.config["XBORDER"]
    estimate = estimate_review(case, settings.review_estimate_days)
    remaining = estimate.working_days
    if case.status in IN_REVIEW:
        remaining = max(remaining - estimate.elapsed, 0)
    expected = add_working_days(china_today(), remaining + settings.filing_handover_days)
    due = dt.date.fromisoformat(filing["due"])
    basis_zh, basis_en = _basis_text(estimate, case.assessor_org_id is not None)
    count = deadline_rule("standard_contract_filing", dt.date.fromisoformat(filing["starts"]), case.regime or "")
    out: dict[str, Any] = {
        "working_days": estimate.working_days, "basis": estimate.basis, "cases": estimate.cases,
        "remaining_working_days": remaining, "expected_by": expected.due.isoformat(),
        "overrun": expected.due > due, "estimate_zh": basis_zh, "estimate_en": basis_en,
    }
    if out["overrun"]:
        n = count["count"]
        out["warning_zh"] = (f"标准合同应于 {due.isoformat()} 前备案（合同生效之日起 {n} 个工作日内），"
                             f"第三方评估预计于 {expected.due.isoformat()} 方能完成，可能逾期：{basis_zh}。"
                             "此为运营估计，并非法定期限。")
        out["warning_en"] = (f"The standard contract must be filed by {due.isoformat()} ({n} working days after it "
                             f"takes effect); the third-party review is expected to finish only by "
                             f"{expected.due.isoformat()} and may overrun it: {basis_en}. An operational estimate, "
                             "not a legal period.")
    return out


def with_review_estimate(case: Case, deadlines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`deadlines` with the review estimate on a standard contract's running (not yet overdue) filing deadline."""
    return [{**d, "review_estimate": review_overrun(case, d)}
            if d["kind"] == "standard_contract_filing" and not d["overdue"] else d for d in deadlines]
