"""Cumulative counting across an exporter's cases: what its earlier cases add to a new determination."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from xborder.cases.models import Case, CaseTransfer
from xborder.extensions import db

# Cases whose transfers never happened do not count: withdrawn (the rule) and rejected (not allowed).
NOT_COUNTED_STATUSES = ("withdrawn", "rejected")
LISTED_REFERENCES = 100


def earlier_transfers(exporter_id: int, window_start: dt.date, as_of: dt.date,
                      before_case_id: int | None) -> tuple[list[dict], list[str], int]:
    """The exporter's earlier cases' transfers in the window, aggregated per applied exemption.

    Returns the aggregated rows for the engine (few, whatever the history's length), the references of the most
    recent counted cases (at most LISTED_REFERENCES), and how many cases were counted in all.
    """
    in_window = [
        CaseTransfer.exporter_id == exporter_id,
        CaseTransfer.as_of >= window_start,
        CaseTransfer.as_of <= as_of,
        Case.status.not_in(NOT_COUNTED_STATUSES),
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
