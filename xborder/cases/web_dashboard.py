"""Web: the provincial official's dashboard — cases by status, pathway and deadline, overdue first, searchable."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import render_template, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from xborder.accounts.models import Organisation
from xborder.cases.models import STATUSES, Case, visible_to
from xborder.cases.workflow import open_deadlines
from xborder.extensions import db
from xborder.law import catalogue

PATHWAYS = tuple(reversed(catalogue.PATHWAYS))  # most demanding first, as officials read them
PER_PAGE = 20


def filtered_cases(user, status: str | None, pathway: str | None, search: str | None) -> list[Case]:
    """The user's visible cases matching the filters; `search` matches reference, exporter name or USCC."""
    where = [visible_to(user)]
    if status in STATUSES:
        where.append(Case.status == status)
    if pathway in PATHWAYS:
        where.append(Case.pathway == pathway)
    if search:
        like = f"%{search.strip()}%"
        where.append(sa.or_(Case.reference.ilike(like), Case.title.ilike(like), Organisation.name.ilike(like),
                            Organisation.uscc.ilike(like.upper())))
    return list(db.session.scalars(
        sa.select(Case).join(Organisation, Organisation.id == Case.exporter_id).options(joinedload(Case.exporter))
        .where(*where).order_by(Case.created_at.desc(), Case.id.desc())))


def with_deadlines(cases: list[Case]) -> list[dict[str, Any]]:
    """Each case with its next running deadline, sorted overdue first, then by due date, then the rest."""
    rows = []
    for case in cases:
        deadlines = open_deadlines(case)
        nearest = min(deadlines, key=lambda d: d["due"]) if deadlines else None
        rows.append({"case": case, "deadline": nearest})
    far = dt.date.max.isoformat()
    rows.sort(key=lambda r: (not (r["deadline"] or {}).get("overdue"), (r["deadline"] or {}).get("due") or far))
    return rows


def dashboard():
    """The dashboard page (served at `/` for provincial officials)."""
    status = request.args.get("status") or None
    pathway = request.args.get("pathway") or None
    search = (request.args.get("q") or "").strip()[:100] or None
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows = with_deadlines(filtered_cases(current_user, status, pathway, search))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["case"].status] = counts.get(row["case"].status, 0) + 1
    total = len(rows)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    return render_template(
        "cases/dashboard.html", rows=rows[(page - 1) * PER_PAGE: page * PER_PAGE], page=page, pages=pages,
        total=total, status=status, pathway=pathway, q=search or "", statuses=STATUSES, pathways=PATHWAYS,
        counts=counts, overdue=sum(1 for r in rows if (r["deadline"] or {}).get("overdue")))
