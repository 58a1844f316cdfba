"""Cumulative counting across an exporter's cases: what its earlier cases add to a new determination."""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from xborder.cases.models import Case, CaseTransfer, CaseTransferTotal
from xborder.cases.models.status import NOT_COUNTED
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


def add_to_totals(exporter_id: int, rows: Iterable[TransferRow], sign: int = 1) -> None:
    """Add (sign 1) or take away (sign -1) transfers from the exporter's running totals, in this transaction."""
    deltas: dict[tuple[dt.date, str], list[int]] = collections.defaultdict(lambda: [0, 0, 0, 0])
    for day, exemption, index, pi, sensitive in rows:
        delta = deltas[(day, exemption or "")]
        delta[0] += sign * (index == 0)
        delta[1] += sign
        delta[2] += sign * int(pi)
        delta[3] += sign * int(sensitive)
    if not deltas:
        return
    dialect = db.session.get_bind(mapper=CaseTransferTotal).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = CaseTransferTotal.__table__
    for (day, exemption), (cases, transfers, pi, sensitive) in sorted(deltas.items()):
        statement = insert(table).values(exporter_id=exporter_id, as_of=day, exemption=exemption, cases=cases,
                                         transfers=transfers, pi_individuals=pi, sensitive_pi_individuals=sensitive)
        # An atomic upsert: concurrent intakes of one exporter serialise on the row, and both additions land.
        db.session.execute(statement.on_conflict_do_update(
            index_elements=[table.c.exporter_id, table.c.as_of, table.c.exemption],
            set_={column: table.c[column] + statement.excluded[column]
                  for column in ("cases", "transfers", "pi_individuals", "sensitive_pi_individuals")}))


def _from_totals(exporter_id: int, window_start: dt.date, as_of: dt.date) -> tuple[list[dict], list[str], int]:
    # Every case's transfers per day and exemption, minus those of cases that do not count. Summed per day first,
    # so "the last day with a counted transfer" per exemption is exactly what the row-by-row query gives.
    net: dict[tuple[dt.date, str | None], list[int]] = collections.defaultdict(lambda: [0, 0, 0, 0])
    totals = db.session.execute(
        sa.select(CaseTransferTotal.as_of, CaseTransferTotal.exemption, CaseTransferTotal.cases,
                  CaseTransferTotal.transfers, CaseTransferTotal.pi_individuals,
                  CaseTransferTotal.sensitive_pi_individuals)
        .where(CaseTransferTotal.exporter_id == exporter_id, CaseTransferTotal.as_of >= window_start,
               CaseTransferTotal.as_of <= as_of))
    for day, exemption, *figures in totals:
        row = net[(day, exemption or None)]
        for position, value in enumerate(figures):
            row[position] += int(value or 0)
    not_counted = db.session.execute(
        sa.select(CaseTransfer.as_of, CaseTransfer.exemption,
                  sa.func.sum(sa.case((CaseTransfer.index == 0, 1), else_=0)), sa.func.count(),
                  sa.func.sum(CaseTransfer.pi_individuals), sa.func.sum(CaseTransfer.sensitive_pi_individuals))
        .join(Case, Case.id == CaseTransfer.case_id)
        .where(Case.exporter_id == exporter_id, Case.status.in_(NOT_COUNTED),
               CaseTransfer.as_of >= window_start, CaseTransfer.as_of <= as_of)
        .group_by(CaseTransfer.as_of, CaseTransfer.exemption))
    for day, exemption, *figures in not_counted:
        row = net[(day, exemption or None)]
        for position, value in enumerate(figures):
            row[position] -= int(value or 0)
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
    return list(by_exemption.values()), _newest_counted(exporter_id, window_start, as_of), count


def _newest_counted(exporter_id: int, window_start: dt.date, as_of: dt.date) -> list[str]:
    """References of the exporter's newest counted cases in the window, newest first, at most LISTED_REFERENCES.

    Read in batches backwards along (exporter_id, id) and filtered here: a query filtering on the window in SQL lets
    the planner walk the (exporter_id, as_of) index through the whole window and sort, which is O(history).
    A case's transfers share its as_of, so the case's own as_of places it in the window.
    """
    found: list[str] = []
    cursor: int | None = None
    # A correlated LIMIT 1 subquery, probed per row through ix_case_transfers_case_id: PostgreSQL may turn an EXISTS
    # into a hash over every transfer row, which is O(history) again.
    has_transfers = sa.select(sa.literal(1)).where(CaseTransfer.case_id == Case.id).limit(1).scalar_subquery()
    while len(found) < LISTED_REFERENCES:
        query = sa.select(Case.id, Case.reference, Case.as_of, Case.status, has_transfers).where(
            Case.exporter_id == exporter_id)
        if cursor is not None:
            query = query.where(Case.id < cursor)
        batch = db.session.execute(query.order_by(Case.id.desc()).limit(LISTED_REFERENCES)).all()
        if not batch:
            break
        cursor = batch[-1].id
        found += [row.reference for row in batch if row[4] is not None and row.as_of is not None
                  and window_start <= row.as_of <= as_of and row.status not in NOT_COUNTED]
        if len(batch) < LISTED_REFERENCES:
            break
    return found[:LISTED_REFERENCES]
