"""What was declared and answered, every version of it, and the transfers that count toward thresholds."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from xborder.core.timeutil import utcnow
from xborder.extensions import JSONType, db


class DeclarationVersion(db.Model):
    """One saved declaration of a case with the determination made from it; never changed once written."""

    __tablename__ = "declaration_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    revision: Mapped[int]
    declaration: Mapped[dict] = mapped_column(JSONType)
    determination: Mapped[dict] = mapped_column(JSONType)
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))  # noqa: UP045
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("case_id", "revision"),)


class AnswerVersion(db.Model):
    """One saved set of self-assessment answers of a case; never changed once written."""

    __tablename__ = "answer_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    revision: Mapped[int]
    answers: Mapped[list] = mapped_column(JSONType)
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))  # noqa: UP045
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("case_id", "revision"),)


class CaseTransfer(db.Model):
    """A declared transfer of a case as it counts toward the exporter's cumulative numbers.

    Kept as rows (rewritten whenever the declaration changes) so that counting an exporter's earlier cases is one
    indexed aggregate query, not a walk over every earlier declaration.
    """

    __tablename__ = "case_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    exporter_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    as_of: Mapped[dt.date] = mapped_column(sa.Date)
    index: Mapped[int]
    pi_individuals: Mapped[int] = mapped_column(sa.BigInteger)
    sensitive_pi_individuals: Mapped[int] = mapped_column(sa.BigInteger)
    # The scenario exemption (cbdf-2024 arts 3-6) the engine applied to this transfer, or None.
    exemption: Mapped[Optional[str]] = mapped_column(sa.String(40))  # noqa: UP045

    __table_args__ = (sa.Index("ix_case_transfers_exporter_as_of", "exporter_id", "as_of"),)
