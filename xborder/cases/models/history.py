"""What was declared and answered, every version of it, and the transfers that count toward thresholds."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from xborder.core.timeutil import utcnow
from xborder.extensions import JSONDocument, JSONType, db


class DeclarationVersion(db.Model):
    """One saved declaration of a case with the determination made from it; never changed once written."""

    __tablename__ = "declaration_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    revision: Mapped[int]
    declaration: Mapped[dict] = mapped_column(JSONType)
    determination: Mapped[dict] = mapped_column(JSONDocument)
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


class CaseTransferTotal(db.Model):
    """Running totals of `case_transfers` per exporter, day (`as_of`) and applied exemption, of its counted cases.

    Written with the transfer rows in the same transaction (`xborder.cases.counting.add_to_totals`), so counting an
    exporter's earlier cases reads at most one row per day and exemption in the window, however many cases there
    are. A case that stops counting (withdrawn, rejected) is taken out by a trigger on the status column in the
    same transaction (migration b8d4f0e2a316), whatever writes the status; a row may then net to zero.
    `exemption` is "" for none (a key column cannot be NULL); `cases` counts each case once (its transfer 0).
    """

    __tablename__ = "case_transfer_totals"

    exporter_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"),
                                             primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    exemption: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    cases: Mapped[int] = mapped_column(default=0)
    transfers: Mapped[int] = mapped_column(default=0)
    pi_individuals: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    sensitive_pi_individuals: Mapped[int] = mapped_column(sa.BigInteger, default=0)

