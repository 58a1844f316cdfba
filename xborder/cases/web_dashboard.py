"""Web: the provincial official's dashboard — cases by status, pathway and deadline, overdue first, searchable."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import render_template, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from xborder.accounts.models import Organisation
from xborder.cases.deadlines import open_deadlines
from xborder.cases.models import Case, visible_to
from xborder.cases.models.status import ALL as ALL_STATUSES
from xborder.core.timeutil import china_today
from xborder.extensions import db
from xborder.law import catalogue

PATHWAYS = tuple(reversed(catalogue.PATHWAYS))  # most demanding first, as officials read them
PER_PAGE = 20
# Nearest deadline first: a due date before today is overdue, so overdue cases lead; cases without a running deadline
# last; newest first among equals. `ix_cases_official_next_due` serves it.
ORDER = (Case.next_due.asc().nulls_last(), Case.id.desc())


def case_filters(user, status: str | None, pathway: str | None, search: str | None) -> list[sa.ColumnElement[bool]]:
    """The WHERE clauses for the user's visible cases matching the filters; `search` matches reference, title,
    exporter name or USCC."""
    where = [visible_to(user)]
    if status in ALL_STATUSES:
        where.append(Case.status == status)
    if pathway in PATHWAYS:
        where.append(Case.pathway == pathway)
    if search:
        like = f"%{search.strip()}%"
        exporters = sa.select(Organisation.id).where(sa.or_(Organisation.name.ilike(like),
                                                            Organisation.uscc.ilike(like.upper())))
        where.append(sa.or_(Case.reference.ilike(like), Case.title.ilike(like), Case.exporter_id.in_(exporters)))
    return where


def tallies(where: list[sa.ColumnElement[bool]]) -> tuple[dict[str, int], int]:
    """The matching cases per status (in the workflow's order) and how many are overdue, in one grouped query."""
    rows = db.session.execute(
        sa.select(Case.status, sa.func.count(), sa.func.count().filter(Case.next_due < china_today()))
        .where(*where).group_by(Case.status)).all()
    counts = {status: count for status, count, _ in rows}
    return {status: counts[status] for status in ALL_STATUSES if status in counts}, sum(row[2] for row in rows)


def with_deadlines(cases: list[Case]) -> list[dict[str, Any]]:
    """Each case with its nearest running deadline as the engine computes it now (label, due date, overdue)."""
    rows = []
    for case in cases:
        deadlines = open_deadlines(case)
        rows.append({"case": case, "deadline": min(deadlines, key=lambda d: d["due"]) if deadlines else None})
    return rows


def dashboard():
    """The dashboard page (served at `/` for provincial officials)."""
    status = request.args.get("status") or None
    pathway = request.args.get("pathway") or None
    search = (request.args.get("q") or "").strip()[:100] or None
    where = case_filters(current_user, status, pathway, search)
    counts, overdue = tallies(where)
    total = sum(counts.values())
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    # The page's ids first, from the index alone (skipping the earlier pages costs no row reads), then their rows.
    ids = db.session.scalars(sa.select(Case.id).where(*where).order_by(*ORDER)
                             .limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    cases = {case.id: case for case in db.session.scalars(
        sa.select(Case).options(joinedload(Case.exporter)).where(Case.id.in_(ids)))}
    return render_template(
        "cases/dashboard.html", rows=with_deadlines([cases[i] for i in ids]), page=page, pages=pages, total=total,
        status=status, pathway=pathway, q=search or "", statuses=ALL_STATUSES, pathways=PATHWAYS, counts=counts,
        overdue=overdue)
