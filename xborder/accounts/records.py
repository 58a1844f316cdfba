"""Onboarding and sign-in security: registrations, the accounts audit chain, accreditations, TOTP and reset links.

Kept in their own tables (not columns on users or organisations) so the organisation profile can grow separately."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xborder.core.audit import GENESIS, canonical
from xborder.core.sealing import Sealed
from xborder.core.timeutil import as_utc, utcnow
from xborder.extensions import JSONType, db


class RegistrationStatus:
    """The three states of a registration (no literal elsewhere)."""

    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    ALL = (pending, approved, rejected)


class Registration(db.Model):
    """An enterprise's or assessor body's application: the organisation and its first user, waiting for the provincial
    official (or an admin) to decide. Nothing can sign in from here: the user exists only once it is approved."""

    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=RegistrationStatus.pending, index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    org_name: Mapped[str] = mapped_column(sa.String(200))
    uscc: Mapped[str] = mapped_column(sa.String(18), index=True)
    province: Mapped[str] = mapped_column(sa.String(6), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    user_name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    accreditation_scope: Mapped[Optional[str]] = mapped_column(sa.String(500))  # noqa: UP045
    accredited_until: Mapped[Optional[dt.date]] = mapped_column(sa.Date)  # noqa: UP045
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))  # noqa: UP045
    decided_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))  # noqa: UP045
    comment: Mapped[Optional[str]] = mapped_column(sa.String(2000))  # noqa: UP045
    organisation_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("organisations.id"))  # noqa: UP045

    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
        sa.CheckConstraint("kind IN ('enterprise', 'assessor')", name="kind"),
    )


class Accreditation(db.Model):
    """An assessor body's accreditation: what it may assess and until when (an enterprise may name it at `submit`
    only while it lasts)."""

    __tablename__ = "accreditations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), unique=True)
    scope: Mapped[str] = mapped_column(sa.String(500))
    valid_until: Mapped[dt.date] = mapped_column(sa.Date)


def accreditation_lapsed(organisation_id: int, today: dt.date) -> bool:
    """True when the assessor body's accreditation ended before `today`. A body made by an administrator with the
    CLI (or the demo) has no accreditation row: the administrator vouched for it; one that registered has its row."""
    until = db.session.scalar(sa.select(Accreditation.valid_until)
                              .where(Accreditation.organisation_id == organisation_id))
    return until is not None and until < today


class UserTotp(db.Model):
    """A user's TOTP authenticator (RFC 6238): the shared secret, on once confirmed with a first code, and the hashes
    of the one-time recovery codes still unused."""

    __tablename__ = "user_totp"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    # Sealed under XBORDER_KEY_PASSPHRASE (core/sealing.py): the column never holds the base32 secret.
    secret: Mapped[str] = mapped_column(Sealed())
    confirmed_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))  # noqa: UP045
    # The last time step accepted: a code seen once is not accepted again (RFC 6238 section 5.2).
    last_step: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    recovery_hashes: Mapped[list] = mapped_column(JSONType, default=list)

    user = relationship("User")


class PasswordReset(db.Model):
    """A password-reset link: stored as the SHA-256 of its secret, single-use, expiring."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    used_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))  # noqa: UP045

    user = relationship("User")

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        """Unused and not expired."""
        return self.used_at is None and as_utc(self.expires_at) > (now or utcnow())


class AccountAuditEntry(db.Model):
    """One recorded accounts decision (registration, approval, rejection, organisation or user created): one SHA-256
    chain for the deployment, built like a case's audit chain (core/audit.py)."""

    __tablename__ = "account_audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    actor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))  # noqa: UP045
    action: Mapped[str] = mapped_column(sa.String(60))
    payload: Mapped[dict] = mapped_column(JSONType)
    payload_digest: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    def compute_hash(self) -> str:
        """SHA-256 over the canonical JSON of the chained fields."""
        return hashlib.sha256(canonical({
            "seq": self.seq, "actor_id": self.actor_id, "action": self.action, "payload_digest": self.payload_digest,
            "created_at": as_utc(self.created_at).isoformat(timespec="microseconds"), "prev_hash": self.prev_hash,
        })).hexdigest()


# Any fixed number: appends to the one accounts chain take this transaction-scoped advisory lock on PostgreSQL.
_CHAIN_LOCK = 0x78626163


def audit(action: str, payload: dict[str, Any], actor=None) -> AccountAuditEntry:
    """Append to the accounts audit chain in the current transaction (the caller's commit makes it durable)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    last = db.session.execute(sa.select(AccountAuditEntry.seq, AccountAuditEntry.hash)
                              .order_by(AccountAuditEntry.seq.desc()).limit(1)).first()
    entry = AccountAuditEntry(
        seq=(last.seq + 1) if last else 1, actor_id=getattr(actor, "id", None), action=action, payload=payload,
        payload_digest=hashlib.sha256(canonical(payload)).hexdigest(), created_at=utcnow(),
        prev_hash=last.hash if last else GENESIS)
    entry.hash = entry.compute_hash()
    db.session.add(entry)
    db.session.flush()
    return entry


def verify_accounts_chain() -> tuple[bool, int]:
    """Recompute the accounts chain: (every digest and link holds, number of entries)."""
    entries = db.session.scalars(sa.select(AccountAuditEntry).order_by(AccountAuditEntry.seq)).all()
    prev = GENESIS
    for expected, entry in enumerate(entries, start=1):
        if (entry.seq != expected or entry.prev_hash != prev or entry.compute_hash() != entry.hash
                or hashlib.sha256(canonical(entry.payload)).hexdigest() != entry.payload_digest):
            return False, len(entries)
        prev = entry.hash
    return True, len(entries)


class OrganisationAdmin(db.Model):
    """A user who administers their own organisation's people: invites colleagues and deactivates them."""

    __tablename__ = "organisation_admins"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)


class Invitation(db.Model):
    """An invitation to join an organisation: a link whose secret is stored as SHA-256, single-use, expiring."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    role: Mapped[str] = mapped_column(sa.String(30))
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    accepted_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))  # noqa: UP045

    @property
    def organisation_name(self) -> str:
        """The inviting organisation's name (for the invitation page)."""
        from xborder.accounts.models import Organisation

        org = db.session.get(Organisation, self.organisation_id)
        return org.name if org is not None else ""

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        """Not accepted yet and not expired."""
        return self.accepted_at is None and as_utc(self.expires_at) > (now or utcnow())


def is_org_admin(user) -> bool:
    """True when `user` administers their organisation's people."""
    return db.session.get(OrganisationAdmin, user.id) is not None


def make_org_admin(user) -> None:
    """Give `user` the administration of their organisation (the first user of an approved registration)."""
    if db.session.get(OrganisationAdmin, user.id) is None:
        db.session.add(OrganisationAdmin(user_id=user.id, organisation_id=user.organisation_id))
        db.session.flush()
