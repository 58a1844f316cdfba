"""The rows of a new case (issue 20): the case, its reference, its first declaration version, its transfers (and the
exporter's totals) and its first audit entry, written as Core statements built once, not by the ORM's flush.

The case is built in memory with every column's value (the ORM's column defaults for those the caller left unset),
so the answer is made from what is already there and nothing is read back but the new id. On PostgreSQL one
statement allocates the reference, inserts the case, its declaration version, its transfers and its audit entry and
adds to the totals (data-modifying CTEs, the declaration and determination serialised once); on SQLite (no
data-modifying CTEs) they are separate statements. The
case then joins the session as if loaded, so later changes to it in the request are UPDATEs as usual.
`tests/api/test_case_intake_rows.py` holds the rows equal to those the ORM's flush wrote.
"""

from __future__ import annotations

import functools
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
from sqlalchemy.dialects import postgresql

from xborder.cases import counting
from xborder.cases.models import Case, DeclarationVersion, ReferenceCounter, next_reference
from xborder.core import audit
from xborder.extensions import db

FIRST_REVISION = 1


@functools.cache
def _columns() -> tuple[tuple[str, sa.Column[Any]], ...]:
    """The case's mapped columns (attribute name, column) but its id, which the database assigns."""
    return tuple((attr.key, attr.columns[0]) for attr in sa.inspect(Case).column_attrs if attr.key != "id")


def _fill_defaults(case: Case) -> None:
    """Give each column the caller left unset the value the ORM's INSERT would have given it (its Python default)."""
    state = vars(case)
    for key, column in _columns():
        if key in state or key == "reference":
            continue
        default = column.default
        if default is None:
            value = None
        elif default.is_callable:
            value = default.arg(None)  # type: ignore[attr-defined]
        elif default.is_scalar:
            value = default.arg  # type: ignore[attr-defined]
        else:  # a SQL expression: only the database could compute it, and the answer needs the value
            raise TypeError(f"Case.{key}: a SQL default is not supported by the intake INSERT")
        setattr(case, key, value)


def _bound(column: sa.Column[Any], value: Any) -> Any:
    # None in a JSON column is SQL NULL, as the ORM leaves a column it has no value for (a bound None would be the
    # JSON document `null`).
    return sa.null() if value is None and isinstance(column.type, sa.JSON) else value


def insert_case(case: Case, created_by, year: int, transfers: list[counting.TransferRow],
                created: tuple[str, dict[str, Any]]) -> None:
    """Write the new `case` (not in the session; its declaration is revision 1) with its reference for `year`, its
    first declaration version, its `transfers` (and what they add to the exporter's totals) and its first audit
    entry (`created`: action and payload, by `created_by`), then attach it to the session as a persistent, unchanged
    object."""
    _fill_defaults(case)
    values = {key: _bound(column, getattr(case, key)) for key, column in _columns() if key != "reference"}
    action, payload = created
    one_statement = db.session.get_bind(mapper=Case).dialect.name == "postgresql"
    if one_statement:
        row = db.session.execute(_insert_with_reference_and_version(), {
            **values, "reference_prefix": f"XB-{case.province}-{year}-", "year": year,
            "created_by_id": created_by.id, **counting.new_case_transfer_parameters(case.exporter_id, transfers),
            **audit.first_entry_parameters(action, payload, created_by)}).one()
        case.id, case.reference = row.id, row.reference
    else:
        case.reference = next_reference(case.province, year)
        case.id = db.session.execute(_insert_case(), {**values, "reference": case.reference}).scalar_one()
        db.session.execute(_DECLARATION_VERSION, {
            "case_id": case.id, "revision": case.declaration_revision, "declaration": case.declaration,
            "determination": case.determination, "created_by_id": created_by.id, "created_at": case.created_at})
    sa.orm.make_transient_to_detached(case)  # its values become the loaded state: no history, nothing to flush
    db.session.add(case)
    if not one_statement:
        counting.record_transfers(case.id, case.exporter_id, transfers)
        audit.record(case, action, payload, created_by, new_case=True)


_DECLARATION_VERSION = sa.insert(DeclarationVersion.__table__)


@functools.cache
def _insert_case() -> sa.Insert:
    table = Case.__table__
    return sa.insert(table).returning(table.c.id)


@functools.cache
def _insert_with_reference_and_version() -> sa.Select[Any]:
    """The counter's upsert, the case's INSERT and its declaration version's INSERT as one statement (PostgreSQL).

    The reference is the counter's new value after `reference_prefix`, zero-padded to six digits like
    `next_reference`'s `{last:06d}` (wider numbers keep every digit). The version copies the case's declaration,
    determination, revision and time from the inserted row."""
    cases, counters, versions = Case.__table__, ReferenceCounter.__table__, DeclarationVersion.__table__
    province = sa.bindparam("province", type_=cases.c.province.type)
    counter = (postgresql.insert(counters)
               .values(province=province, year=sa.bindparam("year", type_=counters.c.year.type), last=1)
               .on_conflict_do_update(index_elements=[counters.c.province, counters.c.year],
                                      set_={"last": counters.c.last + 1})
               .returning(counters.c.last).cte("counter"))
    number = sa.cast(counter.c.last, sa.Text())
    reference = sa.select(sa.func.concat(
        sa.bindparam("reference_prefix", type_=sa.Text()),
        sa.func.lpad(number, sa.func.greatest(6, sa.func.length(number)), "0"))).scalar_subquery()
    values: dict[str, Any] = {key: sa.bindparam(key, type_=column.type) for key, column in _columns()}
    values.update(province=province, reference=reference)
    new_case = (sa.insert(cases).values(values)
                .returning(cases.c.id, cases.c.reference, cases.c.declaration, cases.c.determination,
                           cases.c.declaration_revision, cases.c.created_at)
                .cte("new_case"))
    version = sa.insert(versions).from_select(
        ["case_id", "revision", "declaration", "determination", "created_by_id", "created_at"],
        sa.select(new_case.c.id, new_case.c.declaration_revision, new_case.c.declaration, new_case.c.determination,
                  sa.bindparam("created_by_id", type_=versions.c.created_by_id.type), new_case.c.created_at),
    ).cte("declaration_version")
    case_id = sa.select(new_case.c.id).scalar_subquery()
    transfers, totals = counting.new_case_transfers(case_id)
    return sa.select(new_case.c.id, new_case.c.reference).add_cte(
        version, transfers.cte("transfers"), totals.cte("totals"), audit.first_entry(case_id).cte("created"))
