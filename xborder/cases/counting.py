"""Cumulative counting across an exporter's cases: what its earlier cases add to a new determination."""

from __future__ import annotations

import collections
import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from xborder.cases.models import Case, CaseTransfer, CaseTransferTotal
from xborder.cases.models.case import COUNTED_SQL
from xborder.cases.models.status import NOT_COUNTED
from xborder.core.database import DriverStatement
from xborder.extensions import db

LISTED_REFERENCES = 100


def earlier_transfers(exporter_id: int, window_start: dt.date, as_of: dt.date,
                      before_case_id: int | None) -> tuple[list[dict], list[str], int]:
    """The exporter's earlier cases' transfers in the window, aggregated per applied exemption.

    Returns the aggregated rows for the engine (few, whatever the history's length), the references of the most
    recent counted cases (at most LISTED_REFERENCES), and how many cases were counted in all. A new case (no
    `before_case_id`: every case of the exporter is earlier) reads the running totals; re-determining an existing
    case counts only the cases opened before it, which the totals cannot tell apart, so it aggregates the rows.
    """
    if before_case_id is None:
        return _from_totals(exporter_id, window_start, as_of)
    in_window = [
        CaseTransfer.exporter_id == exporter_id,
        CaseTransfer.as_of >= window_start,
        CaseTransfer.as_of <= as_of,
        Case.status.not_in(NOT_COUNTED),
    ]
    if before_case_id is not None:
        in_window.append(CaseTransfer.case_id < before_case_id)
    joined = sa.select(CaseTransfer).join(Case, Case.id == CaseTransfer.case_id).where(*in_window).subquery()
    rows = db.session.execute(
        sa.select(
            joined.c.exemption,
            sa.func.max(joined.c.as_of),
            sa.func.sum(joined.c.pi_individuals),
            sa.func.sum(joined.c.sensitive_pi_individuals),
        ).group_by(joined.c.exemption)
    ).all()
    earlier = [
        {"date": last, "pi_individuals": int(pi or 0), "sensitive_pi_individuals": int(spi or 0),
         "exemption": exemption, "case": None}
        for exemption, last, pi, spi in rows
    ]
    count = db.session.scalar(sa.select(sa.func.count(sa.distinct(joined.c.case_id)))) or 0
    # Newest first and limited on the transfers side, so the scan stops after LISTED_REFERENCES cases.
    newest = (sa.select(CaseTransfer.case_id).join(Case, Case.id == CaseTransfer.case_id).where(*in_window)
              .group_by(CaseTransfer.case_id).order_by(CaseTransfer.case_id.desc()).limit(LISTED_REFERENCES)
              .subquery())
    references = db.session.scalars(
        sa.select(Case.reference).join(newest, newest.c.case_id == Case.id).order_by(Case.id.desc())
    ).all()
    return earlier, list(references), int(count)


# ---------------------------------------------------------------------------------------------------------------
# Running totals (CaseTransferTotal): O(days x exemptions in the window) per determination, not O(cases).

TransferRow = tuple[dt.date, str | None, int, int, int]  # as_of, exemption applied, index, persons, sensitive


def transfer_rows_of(case_id: int) -> list[TransferRow]:
    """The case's recorded transfers, as `add_to_totals` takes them (read before they are replaced)."""
    return [tuple(row) for row in db.session.execute(  # type: ignore[misc]
        sa.select(CaseTransfer.as_of, CaseTransfer.exemption, CaseTransfer.index, CaseTransfer.pi_individuals,
                  CaseTransfer.sensitive_pi_individuals).where(CaseTransfer.case_id == case_id))]


_TOTALS_FIGURES = ("cases", "transfers", "pi_individuals", "sensitive_pi_individuals")


def _deltas(rows: Iterable[TransferRow], sign: int) -> list[tuple[dt.date, str, int, int, int, int]]:
    """What `rows` add to the totals (sign 1) or take away (sign -1), per day and exemption ("" for none), in key
    order: two intakes of one exporter then take the rows' locks in the same order."""
    deltas: dict[tuple[dt.date, str], list[int]] = collections.defaultdict(lambda: [0, 0, 0, 0])
    for day, exemption, index, pi, sensitive in rows:
        delta = deltas[(day, exemption or "")]
        delta[0] += sign * (index == 0)
        delta[1] += sign
        delta[2] += sign * int(pi)
        delta[3] += sign * int(sensitive)
    return [(day, exemption, *figures) for (day, exemption), figures in sorted(deltas.items())]


def add_to_totals(exporter_id: int, rows: Iterable[TransferRow], sign: int = 1) -> None:
    """Add (sign 1) or take away (sign -1) transfers from the exporter's running totals, in this transaction."""
    deltas = _deltas(rows, sign)
    if not deltas:
        return
    db.session.execute(_totals_upsert(db.session.get_bind(mapper=CaseTransferTotal).dialect.name), [
        {"exporter_id": exporter_id, "as_of": day, "exemption": exemption,
         **dict(zip(_TOTALS_FIGURES, figures, strict=True))} for day, exemption, *figures in deltas])


@functools.cache
def _totals_upsert(dialect: str) -> sa.Insert:
    """An atomic upsert adding to a total (built once per dialect): concurrent intakes of one exporter serialise on
    the row, and both additions land."""
    table = CaseTransferTotal.__table__
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.exporter_id, table.c.as_of, table.c.exemption],
        set_={column: table.c[column] + statement.excluded[column] for column in _TOTALS_FIGURES})


_TRANSFERS = sa.insert(CaseTransfer.__table__)


def record_transfers(case_id: int, exporter_id: int, rows: list[TransferRow]) -> None:
    """Write the case's transfers (its first, or after `remove_transfers`) and add them to the running totals."""
    if rows:
        # A plain INSERT of every row: nothing in the request reads them back as objects (issue 20).
        db.session.execute(_TRANSFERS, [
            {"case_id": case_id, "exporter_id": exporter_id, "as_of": day, "exemption": exemption, "index": index,
             "pi_individuals": pi, "sensitive_pi_individuals": sensitive}
            for day, exemption, index, pi, sensitive in rows])
    add_to_totals(exporter_id, rows)


# A new case's transfers and what they add to the totals as parts of the intake's one statement (PostgreSQL; issue
# 20: two round trips fewer per creation). The rows travel as arrays, one per column, unnested in SQL.

_TRANSFER_ARRAYS = (("t_as_of", sa.Date()), ("t_exemption", sa.String()), ("t_index", sa.Integer()),
                    ("t_pi", sa.BigInteger()), ("t_sensitive", sa.BigInteger()))
_TOTAL_ARRAYS = (("s_as_of", sa.Date()), ("s_exemption", sa.String()), *(
    (f"s_{figure}", sa.BigInteger()) for figure in _TOTALS_FIGURES))


def _unnested(arrays: tuple[tuple[str, sa.types.TypeEngine], ...]) -> sa.TableValuedAlias:
    return sa.func.unnest(*(sa.bindparam(name, type_=postgresql.ARRAY(type_)) for name, type_ in arrays)) \
        .table_valued(*(name for name, _ in arrays)).render_derived()


def new_case_transfers(case_id: sa.ColumnElement[int]) -> tuple[sa.Insert, sa.Insert]:
    """The INSERT of a new case's transfers, `case_id` a column of the statement's own case INSERT, and the upsert of
    what they add to the exporter's totals, both as `record_transfers` writes them; bound by
    `new_case_transfer_parameters`."""
    table = CaseTransfer.__table__
    rows = _unnested(_TRANSFER_ARRAYS)
    transfers = sa.insert(table).from_select(
        ["case_id", "exporter_id", "as_of", "exemption", "index", "pi_individuals", "sensitive_pi_individuals"],
        sa.select(case_id, sa.bindparam("t_exporter_id", type_=sa.Integer()), *rows.c))
    totals_table = CaseTransferTotal.__table__
    deltas = _unnested(_TOTAL_ARRAYS)
    upsert = postgresql.insert(totals_table).from_select(
        ["exporter_id", "as_of", "exemption", *_TOTALS_FIGURES],
        sa.select(sa.bindparam("t_exporter_id", type_=sa.Integer()), *deltas.c))
    upsert = upsert.on_conflict_do_update(
        index_elements=[totals_table.c.exporter_id, totals_table.c.as_of, totals_table.c.exemption],
        set_={column: totals_table.c[column] + upsert.excluded[column] for column in _TOTALS_FIGURES})
    return transfers, upsert


def new_case_transfer_parameters(exporter_id: int, rows: list[TransferRow]) -> dict[str, Any]:
    """The parameters of `new_case_transfers`' statements for `rows`."""
    deltas = _deltas(rows, 1)
    return {"t_exporter_id": exporter_id,
            **{name: [row[i] for row in rows] for i, (name, _) in enumerate(_TRANSFER_ARRAYS)},
            **{name: [row[i] for row in deltas] for i, (name, _) in enumerate(_TOTAL_ARRAYS)}}


def remove_transfers(case_id: int, exporter_id: int) -> None:
    """Take the case's transfers away from the running totals and delete them (its declaration is replaced)."""
    add_to_totals(exporter_id, transfer_rows_of(case_id), -1)
    db.session.execute(sa.delete(CaseTransfer.__table__).where(CaseTransfer.__table__.c.case_id == case_id))


def _from_totals(exporter_id: int, window_start: dt.date, as_of: dt.date) -> tuple[list[dict], list[str], int]:
    # The counted cases' transfers per day and exemption (withdrawn and rejected cases are taken out of the totals
    # when their status changes: migration b8d4f0e2a316's trigger). Summed per day first, so "the last day with a
    # counted transfer" per exemption is exactly what the row-by-row query gives.
    net: dict[tuple[dt.date, str | None], list[int]] = collections.defaultdict(lambda: [0, 0, 0, 0])
    newest: list[tuple[int, str, dt.date | None, str, bool]] = []
    params = {"exporter_id": exporter_id, "window_start": window_start, "as_of": as_of, "listed": LISTED_REFERENCES}
    reads = _counting_driver(db.session.get_bind(mapper=CaseTransferTotal).dialect)
    for kind, day, exemption, *figures, case_id, reference, status, has_transfers in reads.rows(db.session, params):
        if kind == _NEWEST:
            newest.append((case_id, reference, day, status, has_transfers is not None))
            continue
        row = net[(day, exemption or None)]
        for position, value in enumerate(figures):
            row[position] += int(value or 0)
    by_exemption: dict[str | None, dict] = {}
    count = 0
    for (day, exemption), (cases, transfers, pi, sensitive) in sorted(
            net.items(), key=lambda item: (item[0][1] or "", item[0][0])):
        if transfers <= 0:
            continue
        count += cases
        row = by_exemption.setdefault(exemption, {"date": day, "pi_individuals": 0, "sensitive_pi_individuals": 0,
                                                  "exemption": exemption, "case": None})
        row["date"] = max(row["date"], day)
        row["pi_individuals"] += pi
        row["sensitive_pi_individuals"] += sensitive
    newest.sort(key=lambda row: row[0], reverse=True)
    return list(by_exemption.values()), _newest_counted(exporter_id, window_start, as_of, newest), count


_TOTALS, _NEWEST = 1, 2


@functools.cache
def _counting_reads() -> sa.CompoundSelect:
    """What a new case counts from, in one round trip (issue 20; built once, its parameters bound per call).

    Two reads, told apart by the first column: the exporter's running totals per day and exemption in the window
    (_TOTALS), and its newest LISTED_REFERENCES counted cases (_NEWEST), the first batch of `_newest_counted`. The
    columns one read has not are NULL.
    """
    exporter_id, window_start, as_of = sa.bindparam("exporter_id"), sa.bindparam("window_start"), \
        sa.bindparam("as_of")

    def null(type_: sa.types.TypeEngine) -> sa.ColumnElement:
        return sa.cast(sa.null(), type_)

    totals = sa.select(
        sa.literal(_TOTALS), CaseTransferTotal.as_of, CaseTransferTotal.exemption, CaseTransferTotal.cases,
        CaseTransferTotal.transfers, CaseTransferTotal.pi_individuals, CaseTransferTotal.sensitive_pi_individuals,
        null(sa.Integer()), null(sa.String()), null(sa.String()), null(sa.Integer()),
    ).where(CaseTransferTotal.exporter_id == exporter_id, CaseTransferTotal.as_of >= window_start,
            CaseTransferTotal.as_of <= as_of)
    newest = _newest_batch(after=False).subquery()
    listed = sa.select(
        sa.literal(_NEWEST), newest.c.as_of, null(sa.String()), null(sa.BigInteger()), null(sa.BigInteger()),
        null(sa.BigInteger()), null(sa.BigInteger()), newest.c.id, newest.c.reference, newest.c.status,
        newest.c.has_transfers,
    )
    return sa.union_all(totals, listed)


@functools.lru_cache(maxsize=8)
def _counting_driver(dialect: sa.Dialect) -> DriverStatement:
    """`_counting_reads` compiled for psycopg's cursor (core.database.DriverStatement; issue 20)."""
    return DriverStatement(_counting_reads(), dialect)


@functools.cache
def _newest_batch(*, after: bool) -> sa.Select:
    """`listed` (LISTED_REFERENCES) of the exporter's cases newest first (before the case id `before` when `after`)."""
    # A correlated LIMIT 1 subquery, probed per row through ix_case_transfers_case_id: PostgreSQL may turn an EXISTS
    # into a hash over every transfer row, which is O(history) again.
    has_transfers = sa.select(sa.literal(1)).where(CaseTransfer.case_id == Case.id).limit(1).scalar_subquery()
    # Counted cases only, from the partial index: an exporter's withdrawn cases are not stepped over batch by batch.
    query = sa.select(Case.id, Case.reference, Case.as_of, Case.status, has_transfers.label("has_transfers")).where(
        Case.exporter_id == sa.bindparam("exporter_id"), sa.text("cases." + COUNTED_SQL))
    if after:
        query = query.where(Case.id < sa.bindparam("before"))
    return query.order_by(Case.id.desc()).limit(sa.bindparam("listed", type_=sa.Integer()))


def _newest_counted(exporter_id: int, window_start: dt.date, as_of: dt.date,
                    first: list[tuple[int, str, dt.date | None, str, bool]]) -> list[str]:
    """References of the exporter's newest counted cases in the window, newest first, at most LISTED_REFERENCES,
    from the first batch (`_counting_reads` brought it) and as many more as it takes.

    Read in batches backwards along (exporter_id, id) and filtered here: a query filtering on the window in SQL lets
    the planner walk the (exporter_id, as_of) index through the whole window and sort, which is O(history).
    A case's transfers share its as_of, so the case's own as_of places it in the window.
    """
    found: list[str] = []
    batch = first
    while True:
        found += [reference for _, reference, day, status, has_transfers in batch if has_transfers
                  and day is not None and window_start <= day <= as_of and status not in NOT_COUNTED]
        if len(found) >= LISTED_REFERENCES or len(batch) < LISTED_REFERENCES:
            break
        batch = [(row.id, row.reference, row.as_of, row.status, row.has_transfers is not None)
                 for row in db.session.execute(_newest_batch(after=True),
                                               {"exporter_id": exporter_id, "before": batch[-1][0],
                                                "listed": LISTED_REFERENCES})]
    return found[:LISTED_REFERENCES]
