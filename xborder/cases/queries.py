"""Reads on cases, always scoped to what the caller may see."""

from __future__ import annotations

import base64
import datetime as dt
import functools

import sqlalchemy as sa
from sqlalchemy.orm import defer, joinedload

from xborder.cases.evidence import evidence_aggregate, evidence_from_aggregate
from xborder.cases.models import Case, visible_to
from xborder.core.database import DriverStatement
from xborder.core.errors import NotFound, Unprocessable, field_error
from xborder.core.timeutil import as_utc
from xborder.extensions import db


def encode_cursor(case) -> str:
    """An opaque position after `case` (a Case or a row with its `created_at` and `id`) in the newest-first order."""
    return cursor_at(case.created_at, case.id)


def cursor_at(created_at: dt.datetime, case_id: int) -> str:
    """An opaque position after the case created at `created_at` with id `case_id`, in the newest-first order."""
    raw = f"{as_utc(created_at).isoformat()}|{case_id}".encode()
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


# The API's list and tallies run statements built once per shape (role, status filter, cursor or offset) with the
# values bound at execution: no statement construction and no cache-key computation per request (SQLAlchemy memoises
# the key of a statement object), plain Core rows and no ORM objects. The scope is `visible_to`'s, written with a
# bound parameter; tests/api/test_statement_counts.py holds their answers equal to the general ORM paths' for every
# role.
def _scope(role: str) -> sa.ColumnElement[bool]:
    cases = Case.__table__.c
    if role == "admin":
        return sa.true()
    if role == "enterprise":
        return cases.exporter_id == sa.bindparam("scope")
    if role == "assessor":
        return cases.assessor_org_id == sa.bindparam("scope")
    if role == "provincial_official":
        return sa.and_(cases.province == sa.bindparam("scope"), cases.reached_provincial_at.is_not(None))
    return sa.false()


def _scope_value(user) -> object:
    """The value `_scope(user.role)` binds: the organisation, or for an official its province."""
    return user.organisation.province if user.role == "provincial_official" else user.organisation_id


@functools.lru_cache(maxsize=512)
def _summary_statements(role: str, by_status: bool, keyset: bool, per_page: int,
                        first: bool) -> tuple[sa.Select, sa.Select]:
    """The count and the page of a list, for one shape; the page carries the count as its last column (an uncorrelated
    scalar subquery, evaluated once), so a page with rows is one statement.

    The page size is a number in the statement's text and the first page has no OFFSET: with LIMIT and OFFSET as
    parameters PostgreSQL's generic plan guessed a tenth of the rows, lost to the custom plans, and every list was
    planned again at each execution (0.37 ms of the server's CPU; 0.10 written out). Sizes are 1 to 100, so the
    shapes are bounded; a later page keeps its OFFSET a parameter (rare, and planned as before)."""
    from xborder.accounts.models import Organisation

    cases, orgs = Case.__table__.c, Organisation.__table__.c
    where = [_scope(role)]
    if by_status:
        where.append(cases.status == sa.bindparam("status"))
    count = sa.select(sa.func.count()).select_from(Case.__table__).where(*where)
    page = (sa.select(cases.id, cases.reference, cases.title, cases.status, cases.version, cases.province,
                      cases.created_at, cases.updated_at, orgs.name, orgs.uscc, count.scalar_subquery())
            .join_from(Case.__table__, Organisation.__table__, orgs.id == cases.exporter_id).where(*where)
            .order_by(cases.created_at.desc(), cases.id.desc()).limit(sa.literal_column(str(int(per_page)))))
    if keyset:
        page = page.where(sa.or_(cases.created_at < sa.bindparam("created"),
                                 sa.and_(cases.created_at == sa.bindparam("created"),
                                         cases.id < sa.bindparam("case_id"))))
    elif not first:
        page = page.offset(sa.bindparam("offset"))
    return count, page


def _dialect() -> sa.Dialect:
    return db.session.get_bind(mapper=Case).dialect


@functools.lru_cache(maxsize=512)
def _summary_driver(role: str, by_status: bool, keyset: bool, per_page: int, first: bool,
                    dialect: sa.Dialect) -> tuple[DriverStatement, DriverStatement]:
    """`_summary_statements` compiled for `driver_execute` (issue 20: SQLAlchemy's execution and result objects were
    a third of a list's Python)."""
    count, page = _summary_statements(role, by_status, keyset, per_page, first)
    return DriverStatement(count, dialect), DriverStatement(page, dialect)


def list_case_summaries(user, *, page: int = 1, per_page: int = 20, status: str | None = None,
                        after: str | None = None) -> dict:
    """`list_cases` as the API sends it: the same page and count, the items as plain dicts of the columns the list
    shows (one statement: the page, joined to the exporter, with the count; the count alone only when the page is
    empty) — no ORM objects and no marshmallow dump on the hot path. tests/api/test_statement_counts.py holds it
    equal to CasePageSchema's dump of `list_cases`, the documented shape."""
    params: dict[str, object] = {"scope": _scope_value(user), "status": status}
    if after:
        params["created"], params["case_id"] = decode_cursor(after)
    elif page > 1:
        params["offset"] = (page - 1) * per_page
    count, page_query = _summary_driver(user.role, bool(status), bool(after), per_page, page == 1, _dialect())
    rows = page_query.rows(db.session, params)
    total = rows[0][10] if rows else count.rows(db.session, params)[0][0] or 0
    items = [{"id": row[0], "reference": row[1], "title": row[2], "status": str(row[3]), "version": row[4],
              "province": row[5], "created_at": as_utc(row[6]).isoformat(), "updated_at": as_utc(row[7]).isoformat(),
              "exporter_name": row[8], "exporter_uscc": row[9]} for row in rows]
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": (total + per_page - 1) // per_page,
            "next_cursor": cursor_at(rows[-1][6], rows[-1][0]) if len(rows) == per_page else None}


@functools.lru_cache(maxsize=64)
def _counts_statement(role: str, dialect: sa.Dialect) -> DriverStatement:
    status = Case.__table__.c.status
    return DriverStatement(sa.select(status, sa.func.count()).where(_scope(role)).group_by(status), dialect)


def count_by_status(user) -> dict[str, int]:
    """How many visible cases are in each status (the dashboard's tallies), in one grouped query."""
    rows = _counts_statement(user.role, _dialect()).rows(db.session, {"scope": _scope_value(user)})
    return {status: count for status, count in rows}


def get_case(user, case_id: int) -> Case:
    """The case if the user may see it; 404 otherwise, so its existence is not disclosed."""
    case = db.session.scalar(sa.select(Case).where(Case.id == case_id, visible_to(user)))
    if case is None:
        raise NotFound(f"No case {case_id} visible to you")
    return case


@functools.cache
def _case_with_evidence_statement(role: str, dialect: str) -> sa.Select:
    return sa.select(Case, evidence_aggregate(dialect)).where(Case.id == sa.bindparam("case_id"), _scope(role))


def get_case_with_evidence(user, case_id: int) -> tuple[Case, list[dict]]:
    """`get_case` and the case's `evidence_list` in one statement (a JSON aggregate beside the case's columns, built
    once per role and database): a write that answers with the case reads it in one round trip, not two (issue 20).
    The scope is `_scope`'s, the one the list uses, held equal to `visible_to` by tests/api/test_statement_counts.py;
    tests/api/test_transition_reads.py holds both answers equal to `get_case` and `evidence_list`'s."""
    statement = _case_with_evidence_statement(user.role, db.session.get_bind(mapper=Case).dialect.name)
    row = db.session.execute(statement, {"case_id": case_id, "scope": _scope_value(user)}).first()
    if row is None:
        raise NotFound(f"No case {case_id} visible to you")
    return row[0], evidence_from_aggregate(row[1])
