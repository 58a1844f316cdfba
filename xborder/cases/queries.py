"""Reads on cases, always scoped to what the caller may see."""

from __future__ import annotations

import base64
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import defer, joinedload

from xborder.cases.models import Case, visible_to
from xborder.core.errors import NotFound, Unprocessable, field_error
from xborder.core.timeutil import as_utc
from xborder.extensions import db


def encode_cursor(case) -> str:
    """An opaque position after `case` (a Case or a row with its `created_at` and `id`) in the newest-first order."""
    raw = f"{as_utc(case.created_at).isoformat()}|{case.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    """The position a cursor names; 422 for anything this API did not hand out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, case_id = raw.split("|")
        return as_utc(dt.datetime.fromisoformat(created)), int(case_id)
    except (ValueError, UnicodeDecodeError):
        raise Unprocessable("Invalid cursor", [field_error("after", "invalid", "Use next_cursor from a previous page",
                                                           "请使用上一页返回的 next_cursor")]) from None


# A list shows a case's name, status and dates: leave its large documents (declaration, answers, workflow …) unread.
LIST_DEFERRED = tuple(defer(column) for column in (Case.declaration, Case.determination, Case.answers, Case.risk,
                                                   Case.review, Case.workflow))


def list_cases(user, *, page: int = 1, per_page: int = 20, status: str | None = None,
               after: str | None = None) -> dict:
    """A page of the cases the user may see, newest first, with the total count. With `after` (a `next_cursor`)
    the page starts right after that case — keyset pagination, as fast on page 5,000 as on page 1."""
    where = [visible_to(user)]
    if status:
        where.append(Case.status == status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(*where)) or 0
    query = (sa.select(Case).options(joinedload(Case.exporter), *LIST_DEFERRED).where(*where)
             .order_by(Case.created_at.desc(), Case.id.desc()).limit(per_page))
    if after:
        created, case_id = decode_cursor(after)
        query = query.where(sa.or_(Case.created_at < created, sa.and_(Case.created_at == created, Case.id < case_id)))
    else:
        query = query.offset((page - 1) * per_page)
    items = db.session.scalars(query).all()
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": (total + per_page - 1) // per_page,
            "next_cursor": encode_cursor(items[-1]) if len(items) == per_page else None}


# What a list shows of each case (CaseSummarySchema's fields): read as plain columns, no ORM objects.
_SUMMARY_COLUMNS = (Case.id, Case.reference, Case.title, Case.status, Case.version, Case.province, Case.created_at,
                    Case.updated_at)


def list_case_summaries(user, *, page: int = 1, per_page: int = 20, status: str | None = None,
                        after: str | None = None) -> dict:
    """`list_cases` as the API sends it: the same page and count, the items as plain dicts of the columns the list
    shows (one query for the page, joined to the exporter, one for the count) — no ORM objects and no marshmallow
    dump on the hot path. tests/api/test_statement_counts.py holds it equal to CasePageSchema's dump of
    `list_cases`, the documented shape."""
    from xborder.accounts.models import Organisation

    where = [visible_to(user)]
    if status:
        where.append(Case.status == status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(*where)) or 0
    query = (sa.select(*_SUMMARY_COLUMNS, Organisation.name, Organisation.uscc)
             .join(Organisation, Organisation.id == Case.exporter_id).where(*where)
             .order_by(Case.created_at.desc(), Case.id.desc()).limit(per_page))
    if after:
        created, case_id = decode_cursor(after)
        query = query.where(sa.or_(Case.created_at < created, sa.and_(Case.created_at == created, Case.id < case_id)))
    else:
        query = query.offset((page - 1) * per_page)
    rows = db.session.execute(query).all()
    items = [{"id": row[0], "reference": row[1], "title": row[2], "status": str(row[3]), "version": row[4],
              "province": row[5], "created_at": as_utc(row[6]).isoformat(), "updated_at": as_utc(row[7]).isoformat(),
              "exporter_name": row[8], "exporter_uscc": row[9]} for row in rows]
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": (total + per_page - 1) // per_page,
            "next_cursor": encode_cursor(rows[-1]) if len(rows) == per_page else None}


def count_by_status(user) -> dict[str, int]:
    """How many visible cases are in each status (the dashboard's tallies), in one grouped query."""
    rows = db.session.execute(sa.select(Case.status, sa.func.count()).where(visible_to(user)).group_by(Case.status))
    return {status: count for status, count in rows}


def get_case(user, case_id: int) -> Case:
    """The case if the user may see it; 404 otherwise, so its existence is not disclosed."""
    case = db.session.scalar(sa.select(Case).where(Case.id == case_id, visible_to(user)))
    if case is None:
        raise NotFound(f"No case {case_id} visible to you")
    return case
