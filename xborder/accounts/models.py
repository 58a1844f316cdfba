"""Organisations, users and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Optional

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from xborder.core.timeutil import as_utc, utcnow
from xborder.extensions import JSONType, db


class Organisation(db.Model):
    """An exporter, a third-party assessment body or a provincial authority."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    uscc: Mapped[str] = mapped_column(sa.String(18), unique=True)
    province: Mapped[str] = mapped_column(sa.String(6), index=True)
    # The profile the filing documents draw on (accounts/profile.py); cases copy it at submit.
    profile: Mapped[Optional[dict]] = mapped_column(JSONType)  # noqa: UP045
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organisation")

    __table_args__ = (sa.CheckConstraint("kind IN ('enterprise', 'assessor', 'authority')", name="kind"),)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.kind} {self.uscc}>"


class User(UserMixin, db.Model):
    """A person who logs in; belongs to one organisation and has one role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(30))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(sa.String(10), default="zh_CN")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="users")
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")

    __table_args__ = (
        sa.CheckConstraint("role IN ('enterprise', 'assessor', 'provincial_official', 'admin')", name="role"),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def set_password(self, password: str) -> None:
        """Store a salted hash of `password` (werkzeug's scrypt), never the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """True when `password` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


def hash_token(token: str) -> str:
    """Tokens are stored as their SHA-256, so a database leak does not leak usable tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    """A bearer token: stored hashed, with an expiry, revocable."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))  # noqa: UP045

    user: Mapped[User] = relationship(back_populates="tokens")

    def is_valid(self, now: dt.datetime | None = None) -> bool:
        """A token is valid until it expires or is revoked."""
        now = now or utcnow()
        return self.revoked_at is None and as_utc(self.expires_at) > now
