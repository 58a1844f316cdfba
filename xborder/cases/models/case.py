"""The case, its reference numbers, and who may see it."""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xborder.cases.models.status import ALL as ALL_STATUSES
from xborder.cases.models.status import NOT_COUNTED, CaseStatus
from xborder.core.errors import Conflict
from xborder.core.timeutil import utcnow
from xborder.extensions import JSONDocument, JSONType, db

#: A counted case (not withdrawn or rejected) as SQL with the statuses written out, so that a query saying the same
#: is answered from the partial index `ix_cases_exporter_counted` (a bound parameter would hide it from the planner).
COUNTED_SQL = "status NOT IN (" + ", ".join(f"'{s}'" for s in sorted(NOT_COUNTED)) + ")"
COUNTED = sa.text(COUNTED_SQL)

if TYPE_CHECKING:
    from xborder.accounts.models import Organisation, User

#: The roles that take part in a case, each through one organisation (see `Case.acts_as`).
ENTERPRISE, ASSESSOR, PROVINCIAL_OFFICIAL = "enterprise", "assessor", "provincial_official"


class Case(db.Model):
    """One declaration by one exporter, with its status and optimistic-locking version."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(32), unique=True)
    exporter_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    province: Mapped[str] = mapped_column(sa.String(6))
    title: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(30), default=CaseStatus.DRAFT.value)
    version: Mapped[int] = mapped_column(default=1)
    # Who may see the case beyond its exporter is decided by these two columns, never by the status alone:
    # an assessor body once named at submit, the province's authority once the case reached provincial review.
    assessor_org_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("organisations.id"))  # noqa: UP045
    reached_provincial_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))  # noqa: UP045
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    # The current declaration and what xborder concluded from it; every earlier one is in DeclarationVersion.
    declaration: Mapped[Optional[dict]] = mapped_column(JSONType)  # noqa: UP045
    determination: Mapped[Optional[dict]] = mapped_column(JSONDocument)  # noqa: UP045
    declaration_revision: Mapped[int] = mapped_column(default=0, server_default="0")
    as_of: Mapped[Optional[dt.date]] = mapped_column(sa.Date)  # noqa: UP045
    regime: Mapped[Optional[str]] = mapped_column(sa.String(20))  # noqa: UP045
    pathway: Mapped[Optional[str]] = mapped_column(sa.String(40))  # noqa: UP045
    # The current self-assessment answers and the computed risk; every earlier set is in AnswerVersion.
    answers: Mapped[list] = mapped_column(JSONType, default=list, server_default=sa.text("'[]'"))
    answers_revision: Mapped[int] = mapped_column(default=0, server_default="0")
    risk: Mapped[Optional[dict]] = mapped_column(JSONDocument)  # noqa: UP045
    risk_level: Mapped[Optional[str]] = mapped_column(sa.String(10))  # noqa: UP045
    valid_until: Mapped[Optional[dt.date]] = mapped_column(sa.Date)  # noqa: UP045
    # The route of the standard-contract band chosen at submit (`standard_contract` or `certification`,
    # law/mechanism.py); None for the other pathways.
    mechanism: Mapped[Optional[str]] = mapped_column(sa.String(30))  # noqa: UP045
    # The assessor's findings per key point, and the workflow's open requests, events and recorded decisions.
    review: Mapped[list] = mapped_column(JSONType, default=list, server_default=sa.text("'[]'"))
    workflow: Mapped[dict] = mapped_column(JSONType, default=dict, server_default=sa.text("'{}'"))
    # The exporter's organisation profile as it stood at submit (accounts/profile.py), for the signed documents.
    profile_snapshot: Mapped[Optional[dict]] = mapped_column(JSONType)  # noqa: UP045
    # The transfer details the templates need beside the declaration (cases/facts.py, forms/case_facts); stage 1's
    # case.json carries them from submit on.
    facts: Mapped[Optional[dict]] = mapped_column(JSONType)  # noqa: UP045
    # The nearest due date among the case's open deadlines (None when none runs), stored so that lists sort and count
    # by deadline in SQL; kept equal to `open_deadlines` on every flush and by the sweep (xborder/cases/next_due.py).
    next_due: Mapped[Optional[dt.date]] = mapped_column(sa.Date)  # noqa: UP045

    exporter: Mapped[Organisation] = relationship(foreign_keys=[exporter_id])
    assessor_org: Mapped[Optional[Organisation]] = relationship(foreign_keys=[assessor_org_id])  # noqa: UP045

    __table_args__ = (
        sa.CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in ALL_STATUSES) + ")", name="status"),
        sa.Index("ix_cases_exporter_created", "exporter_id", "created_at"),
        sa.Index("ix_cases_assessor_created", "assessor_org_id", "created_at"),
        sa.Index("ix_cases_province_created", "province", "created_at"),
        sa.Index("ix_cases_status", "status"),
        sa.Index("ix_cases_exporter_as_of", "exporter_id", "as_of"),
        sa.Index("ix_cases_exporter_id", "exporter_id", "id"),
        sa.Index("ix_cases_exporter_status", "exporter_id", "status"),
        # Counting: the exporter's newest counted cases, read backwards and stopping at the listed few, without
        # stepping over the withdrawn and rejected ones (which the running totals no longer hold either: a trigger,
        # migration b8d4f0e2a316, takes them out when the status changes).
        sa.Index("ix_cases_exporter_counted", "exporter_id", "id", postgresql_where=COUNTED, sqlite_where=COUNTED),
        # The official's dashboard: the cases at a provincial authority (`visible_to`) by nearest deadline, overdue
        # first since overdue is a due date before today; with status and pathway, so it counts and filters them
        # from the index alone.
        sa.Index("ix_cases_official_next_due", "province", "next_due", "id", postgresql_include=["status", "pathway"],
                 postgresql_where=sa.text("reached_provincial_at IS NOT NULL"),
                 sqlite_where=sa.text("reached_provincial_at IS NOT NULL")),
        # The official's and the assessor's tallies and status-filtered lists, answered from the index alone.
        sa.Index("ix_cases_official_status", "province", "status", "created_at",
                 postgresql_where=sa.text("reached_provincial_at IS NOT NULL"),
                 sqlite_where=sa.text("reached_provincial_at IS NOT NULL")),
        sa.Index("ix_cases_assessor_status", "assessor_org_id", "status", "created_at"),
        # The official's list without a status filter, newest first: ix_cases_province_created also holds the
        # province's cases that never reached it (drafts, the assessor's), which its scan had to read and drop.
        sa.Index("ix_cases_official_created", "province", "created_at",
                 postgresql_where=sa.text("reached_provincial_at IS NOT NULL"),
                 sqlite_where=sa.text("reached_provincial_at IS NOT NULL")),
        # Counting only (the official's tallies, the assessor's list total): with no created_at after the key, a key's
        # many cases share one index entry (PostgreSQL's B-tree deduplication), about a tenth of the pages to scan —
        # on 100,000 cases the official's tallies took 1.5 ms of the server's CPU from ix_cases_official_status,
        # 0.85 ms from this one; the assessor's count 0.56 ms from ix_cases_assessor_created, 0.36 ms.
        sa.Index("ix_cases_official_tally", "province", "status",
                 postgresql_where=sa.text("reached_provincial_at IS NOT NULL"),
                 sqlite_where=sa.text("reached_provincial_at IS NOT NULL")),
        sa.Index("ix_cases_assessor_org", "assessor_org_id"),
    )
    # SQLAlchemy adds "AND version = :old" to every UPDATE: of two concurrent writers exactly one wins.
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Case {self.reference} {self.status} v{self.version}>"

    def acts_as(self, user: User, role: str) -> bool:
        """Whether `user` takes part in this case as `role`: the exporter's enterprise user, a user of the assessment
        body named for it, or an official of the authority of its province (the one rule for every write)."""
        if user.role != role:
            return False
        if role == ENTERPRISE:
            return self.exporter_id == user.organisation_id
        if role == ASSESSOR:
            return self.assessor_org_id is not None and self.assessor_org_id == user.organisation_id
        if role == PROVINCIAL_OFFICIAL:
            return user.organisation.kind == "authority" and self.province == user.organisation.province
        return False

    def check_version(self, version: int | None) -> None:
        """Refuse (409) a write based on a stale view of the case: `version` is the one the caller last saw."""
        if version is None or version != self.version:
            raise Conflict(f"The case is at version {self.version}; you sent {version}. Reload and try again.")


def visible_to(user: User) -> sa.ColumnElement[bool]:
    """The WHERE clause limiting cases to those the user's organisation and role may see (the SQL form of who may
    see what: an admin everything, the others the cases they take part in, the authority once it has them)."""
    org = user.organisation
    if user.role == "admin":
        return sa.true()
    if user.role == ENTERPRISE:
        return Case.exporter_id == org.id
    if user.role == ASSESSOR:
        return Case.assessor_org_id == org.id
    if user.role == PROVINCIAL_OFFICIAL:
        return sa.and_(Case.province == org.province, Case.reached_provincial_at.is_not(None))
    return sa.false()


class ReferenceCounter(db.Model):
    """The last sequence number used for case references per province and year."""

    __tablename__ = "reference_counters"

    province: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


def next_reference(province: str, year: int) -> str:
    """Allocate the next reference like XB-310000-2025-000123, safely under concurrent requests."""
    statement = _reference_upsert(db.session.get_bind(mapper=ReferenceCounter).dialect.name)
    last = db.session.execute(statement, {"province": province, "year": year}).scalar_one()
    return f"XB-{province}-{year}-{last:06d}"


@functools.cache
def _reference_upsert(dialect: str) -> sa.Insert:
    """One atomic upsert (built once per dialect, issue 20): the first case of a province and year inserts 1, every
    later one increments under the row lock (PostgreSQL) or the database lock (SQLite), so two cases never share a
    number."""
    from sqlalchemy.dialects import postgresql, sqlite

    table = ReferenceCounter.__table__
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(
        province=sa.bindparam("province"), year=sa.bindparam("year"), last=1)
    return statement.on_conflict_do_update(index_elements=[table.c.province, table.c.year],
                                           set_={"last": table.c.last + 1}).returning(table.c.last)
