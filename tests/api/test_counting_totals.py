"""The running totals that new cases count from agree with aggregating the earlier cases' transfer rows."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.helpers.factories import declaration
from xborder.cases import counting, operations
from xborder.cases.models import Case, CaseTransfer, CaseTransferTotal

WINDOW = (dt.date(2025, 1, 1), dt.date(2025, 6, 30))


def by_rows(exporter_id: int) -> tuple[list[dict], list[str], int]:
    """The row-by-row aggregate over every case (all are "before" an id beyond the last one)."""
    last = sa.select(sa.func.max(Case.id)).scalar_subquery()
    from xborder.extensions import db

    return counting.earlier_transfers(exporter_id, *WINDOW, db.session.scalar(sa.select(last + 1)))


def by_totals(exporter_id: int) -> tuple[list[dict], list[str], int]:
    return counting.earlier_transfers(exporter_id, *WINDOW, None)


def canonical(result: tuple[list[dict], list[str], int]) -> tuple:
    earlier, references, count = result
    return sorted(earlier, key=lambda row: row["exemption"] or ""), references, count


def test_totals_follow_intake_edits_exemptions_withdrawals_and_windows(db, factory):
    org = factory.organisation()
    user = factory.user(organisation=org)
    other = factory.organisation()
    other_user = factory.user(organisation=other)
    operations.create_case(other_user, "别家", declaration(other.uscc, pi=70_000))
    cases = []
    for n, (as_of, pi, exemption) in enumerate([
        ("2025-02-10", 60_000, None), ("2025-02-10", 800, "cross_border_hr"), ("2025-03-01", 5, None),
        ("2024-12-31", 90_000, None), ("2025-06-30", 2_500, "contract_with_individual"), ("2025-07-01", 9, None),
        ("2025-04-01", 0, "trade_academic_manufacturing"),
    ]):
        cases.append(operations.create_case(user, f"案件 {n}", declaration(org.uscc, as_of=as_of, pi=pi,
                                                                            exemption=exemption)))
        assert canonical(by_totals(org.id)) == canonical(by_rows(org.id))
    edited = cases[2]
    operations.update_declaration(user, edited, edited.version, declaration(org.uscc, as_of="2025-05-05", pi=40_000,
                                                                            sensitive=3))
    assert canonical(by_totals(org.id)) == canonical(by_rows(org.id))
    cases[0].status = "withdrawn"
    cases[4].status = "rejected"
    db.session.flush()
    totals = canonical(by_totals(org.id))
    assert totals == canonical(by_rows(org.id))
    earlier, references, count = totals
    assert count == 3  # cases 1, 2 (edited) and 6; 0 and 4 do not count, 3 and 5 are outside the window
    assert references == [cases[6].reference, cases[2].reference, cases[1].reference]
    assert {row["exemption"]: row["pi_individuals"] for row in earlier} == {
        None: 40_000, "cross_border_hr": 800, "trade_academic_manufacturing": 0}


def test_totals_equal_the_transfer_rows_they_summarise(db, factory):
    org = factory.organisation()
    user = factory.user(organisation=org)
    case = operations.create_case(user, "一", declaration(org.uscc, pi=10))
    operations.update_declaration(user, case, case.version, declaration(org.uscc, pi=20, as_of="2025-03-03"))
    operations.create_case(user, "二", declaration(org.uscc, pi=5))
    rows = db.session.execute(
        sa.select(CaseTransfer.as_of, sa.func.count(), sa.func.sum(CaseTransfer.pi_individuals))
        .where(CaseTransfer.exporter_id == org.id).group_by(CaseTransfer.as_of)).all()
    totals = db.session.execute(
        sa.select(CaseTransferTotal.as_of, CaseTransferTotal.transfers, CaseTransferTotal.pi_individuals)
        .where(CaseTransferTotal.exporter_id == org.id, CaseTransferTotal.transfers != 0)).all()
    assert sorted(map(tuple, rows)) == sorted(map(tuple, totals))


def test_the_listing_reads_further_batches_when_the_newest_cases_do_not_count(db, factory, monkeypatch):
    monkeypatch.setattr(counting, "LISTED_REFERENCES", 3)
    org = factory.organisation()
    user = factory.user(organisation=org)
    cases = [operations.create_case(user, f"批次 {n}", declaration(org.uscc, as_of="2025-03-01", pi=n + 1))
             for n in range(11)]
    for case in cases[3:10]:  # the newest but one of every batch of three do not count, nor most of the next
        case.status = "withdrawn"
    db.session.flush()
    assert canonical(by_totals(org.id)) == canonical(by_rows(org.id))
    earlier, references, count = by_totals(org.id)
    assert references == [cases[10].reference, cases[2].reference, cases[1].reference]
    assert count == 4


def totals_rows(exporter_id: int) -> list[tuple]:
    from xborder.extensions import db

    return sorted(map(tuple, db.session.execute(
        sa.select(CaseTransferTotal.as_of, CaseTransferTotal.exemption, CaseTransferTotal.cases,
                  CaseTransferTotal.transfers, CaseTransferTotal.pi_individuals,
                  CaseTransferTotal.sensitive_pi_individuals)
        .where(CaseTransferTotal.exporter_id == exporter_id, CaseTransferTotal.transfers != 0))))


def counted_rows(exporter_id: int) -> list[tuple]:
    """The same figures aggregated from the transfer rows of the cases that count, row by row."""
    from xborder.extensions import db

    exemption = sa.func.coalesce(CaseTransfer.exemption, sa.literal_column("''"))
    return sorted(map(tuple, db.session.execute(
        sa.select(CaseTransfer.as_of, exemption,
                  sa.func.sum(sa.case((CaseTransfer.index == 0, 1), else_=0)), sa.func.count(),
                  sa.func.sum(CaseTransfer.pi_individuals), sa.func.sum(CaseTransfer.sensitive_pi_individuals))
        .join(Case, Case.id == CaseTransfer.case_id)
        .where(CaseTransfer.exporter_id == exporter_id, Case.status.not_in(["withdrawn", "rejected"]))
        .group_by(CaseTransfer.as_of, exemption))))


def test_the_totals_hold_only_counted_cases_whatever_changes_the_status(db, factory):
    from xborder.cases import workflow

    org = factory.organisation()
    user = factory.user(organisation=org)
    cases = [operations.create_case(user, f"状态 {n}", declaration(org.uscc, as_of=as_of, pi=pi, exemption=exemption))
             for n, (as_of, pi, exemption) in enumerate([
                 ("2025-02-10", 60_000, None), ("2025-02-10", 700, None), ("2025-02-10", 800, "cross_border_hr"),
                 ("2025-03-01", 5, None)])]
    assert totals_rows(org.id) == counted_rows(org.id)
    # Through the workflow, in the transition's own transaction (the trigger runs on the versioned UPDATE).
    withdrawn = workflow.transition(cases[0], user, "withdraw", {"version": cases[0].version, "comment": "撤回"})
    db.session.flush()
    assert totals_rows(org.id) == counted_rows(org.id)
    assert (dt.date(2025, 2, 10), "", 1, 1, 700, 0) in totals_rows(org.id)
    # Any other writer of the status: a direct UPDATE, and (should a case ever return) back to a counted status.
    db.session.execute(sa.update(Case).where(Case.id == cases[2].id).values(status="rejected"))
    assert totals_rows(org.id) == counted_rows(org.id)
    assert [row[1] for row in totals_rows(org.id)] == ["", ""]
    db.session.execute(sa.update(Case).where(Case.id == withdrawn.id).values(status="draft"))
    assert totals_rows(org.id) == counted_rows(org.id)
    assert (dt.date(2025, 2, 10), "", 2, 2, 60_700, 0) in totals_rows(org.id)
    # A change between two statuses on the same side moves nothing.
    db.session.execute(sa.update(Case).where(Case.id == cases[2].id).values(status="withdrawn"))
    db.session.execute(sa.update(Case).where(Case.id == cases[3].id).values(status="third_party_review"))
    assert totals_rows(org.id) == counted_rows(org.id)


def test_counting_a_new_case_is_one_statement_however_many_newest_cases_were_withdrawn(db, factory, monkeypatch):
    """Before, the newest-counted listing stepped back over the withdrawn cases a batch per round trip, and the
    totals' correction aggregated every withdrawn case's transfers: both grew with the exporter's history."""
    from xborder.extensions import db as xdb

    monkeypatch.setattr(counting, "LISTED_REFERENCES", 3)
    org = factory.organisation()
    user = factory.user(organisation=org)
    cases = [operations.create_case(user, f"撤回 {n}", declaration(org.uscc, as_of="2025-03-01", pi=n + 1))
             for n in range(12)]
    for case in cases[2:]:
        case.status = "withdrawn"
    db.session.flush()
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    sa.event.listen(xdb.engine, "before_cursor_execute", seen)
    try:
        earlier, references, count = by_totals(org.id)
    finally:
        sa.event.remove(xdb.engine, "before_cursor_execute", seen)
    assert len(statements) == 1
    assert references == [cases[1].reference, cases[0].reference]
    assert count == 2
    assert earlier == [{"date": dt.date(2025, 3, 1), "pi_individuals": 3, "sensitive_pi_individuals": 0,
                        "exemption": None, "case": None}]
