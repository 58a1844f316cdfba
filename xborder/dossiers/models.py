"""Dossier storage: the deployment's CAs, organisations' signing certificates, content-addressed blobs, the signed
stages (immutable once written) and the bundle builds users wait for."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xborder.core.timeutil import utcnow
from xborder.extensions import db

if TYPE_CHECKING:
    from xborder.accounts.models import Organisation

BUILD_STATUSES = ("queued", "building", "ready", "failed")


class TrustAnchor(db.Model):
    """A CA the deployment trusts: its own (with the key, encrypted) or another CA whose certificates it accepts."""

    __tablename__ = "dossier_trust_anchors"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "deployment" for the CA created at first start (at most one: the unique index), "external" for the others.
    kind: Mapped[str] = mapped_column(sa.String(20))
    deployment: Mapped[Optional[bool]] = mapped_column(unique=True)  # noqa: UP045  True for the one deployment CA
    subject: Mapped[str] = mapped_column(sa.String(500))
    certificate_pem: Mapped[bytes] = mapped_column(sa.LargeBinary)
    # Encrypted PKCS#8 PEM (BestAvailableEncryption under XBORDER_KEY_PASSPHRASE); external CAs have none.
    encrypted_key_pem: Mapped[Optional[bytes]] = mapped_column(sa.LargeBinary)  # noqa: UP045
    fingerprint: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    # The deployment CA's current CRL (PEM), issued again at each revocation: bundles carry it, and verifying here
    # reads it without the CA's key.
    crl_pem: Mapped[Optional[bytes]] = mapped_column(sa.LargeBinary)  # noqa: UP045

    __table_args__ = (sa.CheckConstraint("kind IN ('deployment', 'external')", name="kind"),)


class SigningCertificate(db.Model):
    """A signing certificate for an organisation's role: issued here to a named person of it (`user_id`), or the
    organisation's own uploaded one; the active one signs. A deactivated person's certificates are revoked."""

    __tablename__ = "dossier_signing_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(30))
    source: Mapped[str] = mapped_column(sa.String(20))  # "issued" by the deployment CA or "uploaded"
    certificate_pem: Mapped[bytes] = mapped_column(sa.LargeBinary)
    chain_pem: Mapped[bytes] = mapped_column(sa.LargeBinary)  # intermediates and anchor, sent with signatures
    encrypted_key_pem: Mapped[bytes] = mapped_column(sa.LargeBinary)
    fingerprint: Mapped[str] = mapped_column(sa.String(64), unique=True)
    not_after: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"), index=True)  # noqa: UP045
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))  # noqa: UP045

    organisation: Mapped[Organisation] = relationship()

    __table_args__ = (
        sa.CheckConstraint("source IN ('issued', 'uploaded')", name="source"),
        sa.CheckConstraint("role IN ('enterprise', 'assessor', 'provincial_official')", name="role"),
    )


class Blob(db.Model):
    """Bytes stored once under their SHA-256: documents, stage manifests and signatures, evidence, bundles.

    Up to `blobs.CHUNK_BYTES` the bytes are in `data`; larger ones (evidence, bundles) are in `chunks` rows of
    `BlobChunk` and `data` is empty, so neither storing nor reading one ever holds it whole (blobs.py)."""

    __tablename__ = "dossier_blobs"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    chunks: Mapped[int] = mapped_column(default=0, server_default="0")  # 0: the bytes are in `data`
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class BlobChunk(db.Model):
    """One piece of a large blob, in order (`seq` from 0); written in the transaction that writes its blob."""

    __tablename__ = "dossier_blob_chunks"

    sha256: Mapped[str] = mapped_column(sa.ForeignKey("dossier_blobs.sha256"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


class Stage(db.Model):
    """One signed stage of a case's dossier: the exact manifest bytes, the signature over them, who signed.

    `round` counts the enterprise's submissions: a resubmission after rectification signs a new stage 1 (round 2),
    and the earlier round stays as it was signed.
    """

    __tablename__ = "dossier_stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    round: Mapped[int]
    stage: Mapped[int]
    role: Mapped[str] = mapped_column(sa.String(30))
    action: Mapped[str] = mapped_column(sa.String(40))
    manifest_sha256: Mapped[str] = mapped_column(sa.ForeignKey("dossier_blobs.sha256"))
    signature_sha256: Mapped[str] = mapped_column(sa.ForeignKey("dossier_blobs.sha256"))
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("dossier_signing_certificates.id"))
    signed_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))  # noqa: UP045
    signed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))

    files: Mapped[list[StageFile]] = relationship(back_populates="stage", order_by="StageFile.path")

    __table_args__ = (sa.UniqueConstraint("case_id", "round", "stage", name="uq_dossier_stages_case_round_stage"),)


class StageFile(db.Model):
    """A content file a stage added (documents/…, case.json, records/…), by path and content address."""

    __tablename__ = "dossier_stage_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("dossier_stages.id"), index=True)
    path: Mapped[str] = mapped_column(sa.String(512))
    sha256: Mapped[str] = mapped_column(sa.ForeignKey("dossier_blobs.sha256"))
    size: Mapped[int]

    stage: Mapped[Stage] = relationship(back_populates="files")


class DossierBuild(db.Model):
    """A request for a case's bundle: what it is built from (`build_key`), its progress, and the result."""

    __tablename__ = "dossier_builds"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    # SHA-256 over the stages' signatures and the case summary: the same key is the same bundle.
    build_key: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(20), default="queued")
    progress: Mapped[int] = mapped_column(default=0)
    step: Mapped[str] = mapped_column(sa.String(100), default="")
    error: Mapped[Optional[str]] = mapped_column(sa.Text)  # noqa: UP045
    job_id: Mapped[Optional[str]] = mapped_column(sa.String(64))  # noqa: UP045
    blob_sha256: Mapped[Optional[str]] = mapped_column(sa.ForeignKey("dossier_blobs.sha256"))  # noqa: UP045
    requested_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))  # noqa: UP045
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))  # noqa: UP045
    # The heartbeat: set by every write to the row, so a queued or building row that stopped moving is seen as
    # abandoned (its worker died) and the next request starts a new build.
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in BUILD_STATUSES) + ")", name="status"),
        sa.Index("ix_dossier_builds_case_key", "case_id", "build_key"),
    )


def _immutable(mapper, connection, target) -> None:
    raise ValueError(f"{type(target).__name__} rows are immutable once written: signed material never changes")


for _model in (Blob, BlobChunk, Stage, StageFile):
    event.listen(_model, "before_update", _immutable)
    event.listen(_model, "before_delete", _immutable)
