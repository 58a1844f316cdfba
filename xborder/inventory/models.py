"""The enterprise's data inventory: flows, recipients, legal documents; import runs; links from cases to rows."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xborder.core.timeutil import utcnow
from xborder.extensions import JSONType, db

# Columns are named as the template's column ids (forms/inventory/template.yaml), so rows move between the file and
# the table by name.


class InventoryFlow(db.Model):
    """One outbound data flow: a data category of a system going to one recipient, with its volumes per year."""

    __tablename__ = "inventory_flows"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    entry_key: Mapped[str] = mapped_column(sa.String(64))
    system: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str] = mapped_column(sa.String(200))
    level: Mapped[str] = mapped_column(sa.String(30))
    industrial_level: Mapped[Optional[str]] = mapped_column(sa.String(30))  # noqa: UP045
    subject_group: Mapped[Optional[str]] = mapped_column(sa.String(100))  # noqa: UP045
    recipient: Mapped[str] = mapped_column(sa.String(200))
    purpose: Mapped[Optional[str]] = mapped_column(sa.String(500))  # noqa: UP045
    exemption: Mapped[Optional[str]] = mapped_column(sa.String(40))  # noqa: UP045
    persons_per_year: Mapped[int] = mapped_column(sa.BigInteger)
    records_per_year: Mapped[Optional[int]] = mapped_column(sa.BigInteger)  # noqa: UP045
    storage_location: Mapped[Optional[str]] = mapped_column(sa.String(200))  # noqa: UP045
    retention_months: Mapped[Optional[int]] = mapped_column(sa.Integer)  # noqa: UP045

    __table_args__ = (sa.UniqueConstraint("organisation_id", "entry_key"),)


class InventoryRecipient(db.Model):
    """A recipient abroad and where it is."""

    __tablename__ = "inventory_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(sa.String(200))
    country: Mapped[str] = mapped_column(sa.String(2))
    onward_transfer: Mapped[bool] = mapped_column(default=False)
    contact: Mapped[Optional[str]] = mapped_column(sa.String(200))  # noqa: UP045

    __table_args__ = (sa.UniqueConstraint("organisation_id", "recipient"),)


class InventoryDocument(db.Model):
    """A legal document in force with a recipient (contract, standard contract, certification …)."""

    __tablename__ = "inventory_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    signed_on: Mapped[Optional[dt.date]] = mapped_column(sa.Date)  # noqa: UP045
    valid_until: Mapped[Optional[dt.date]] = mapped_column(sa.Date)  # noqa: UP045

    __table_args__ = (sa.UniqueConstraint("organisation_id", "recipient", "kind", "title"),)


# The sheet each table holds.
MODELS: dict[str, type[db.Model]] = {
    "flows": InventoryFlow, "recipients": InventoryRecipient, "documents": InventoryDocument,
}


class InventoryHead(db.Model):
    """The revision of an organisation's inventory: an import previewed at one revision applies only at that one."""

    __tablename__ = "inventory_heads"

    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"),
                                                 primary_key=True)
    revision: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


IMPORT_STATUSES = ("queued", "validating", "invalid", "previewed", "applying", "applied", "stale", "failed",
                   "discarded")


class ImportRun(db.Model):
    """One upload: its files, its progress, the errors found, the preview of changes, and whether it was applied."""

    __tablename__ = "inventory_import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))  # noqa: UP045
    status: Mapped[str] = mapped_column(sa.String(20), default="queued")
    filenames: Mapped[list] = mapped_column(JSONType, default=list)
    apply_when_valid: Mapped[bool] = mapped_column(default=False)
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list] = mapped_column(JSONType, default=list)
    preview: Mapped[Optional[dict]] = mapped_column(JSONType)  # noqa: UP045
    base_revision: Mapped[Optional[int]] = mapped_column()  # noqa: UP045
    message: Mapped[Optional[str]] = mapped_column(sa.String(500))  # noqa: UP045
    job_id: Mapped[Optional[str]] = mapped_column(sa.String(64))  # noqa: UP045
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # Moves with every write to the row (status, progress): a running run that stopped moving lost its worker.
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))  # noqa: UP045
    applied_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))  # noqa: UP045

    __table_args__ = (
        sa.CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in IMPORT_STATUSES) + ")", name="status"),
    )

    @property
    def running(self) -> bool:
        """Whether a job is still working on the run."""
        return self.status in ("queued", "validating", "applying")


class ImportFile(db.Model):
    """A file of an upload, kept in the database so that a worker on another machine reads the same bytes."""

    __tablename__ = "inventory_import_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("inventory_import_runs.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


class CaseInventoryLink(db.Model):
    """Which inventory row fed which case, with the row as it was then: a later change flags the case."""

    __tablename__ = "inventory_case_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    entry_key: Mapped[str] = mapped_column(sa.String(64))
    snapshot: Mapped[dict] = mapped_column(JSONType)
    # Re-declaration triggers the inventory set off since the snapshot: [{"trigger", "fields", "legal_basis"}].
    flags: Mapped[list] = mapped_column(JSONType, default=list)
    flagged_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))  # noqa: UP045
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    case = relationship("Case", viewonly=True)

    __table_args__ = (sa.UniqueConstraint("case_id", "entry_key"),)

    @property
    def case_reference(self) -> str:
        """The linked case's reference."""
        return self.case.reference
