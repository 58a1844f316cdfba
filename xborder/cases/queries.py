"""Reads on cases, always scoped to what the caller may see."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from xborder.cases.models import Case, visible_to
from xborder.core.errors import NotFound
from xborder.extensions import db


def list_cases(user, *, page: int = 1, per_page: int = 20, status: str | None = None) -> dict:
    """A page of the cases the user may see, newest first, with the total count."""
    where = [visible_to(user)]
    if status:
        where.append(Case.status == status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(*where)) or 0
    items = db.session.scalars(
        sa.select(Case).options(joinedload(Case.exporter)).where(*where)
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": (total + per_page - 1) // per_page}


def get_case(user, case_id: int) -> Case:
    """The case if the user may see it; 404 otherwise, so its existence is not disclosed."""
    case = db.session.scalar(sa.select(Case).where(Case.id == case_id, visible_to(user)))
    if case is None:
        raise NotFound(f"No case {case_id} visible to you")
    return case
