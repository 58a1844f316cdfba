"""Organisations, users and API tokens."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from typing import Optional

import sqlalchemy as sa
from blinker import Namespace
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from xborder.core.timeutil import as_utc, utcnow
from xborder.extensions import JSONType, db

# Sent with the user when they are deactivated, in the transaction that does it: the dossiers package revokes
# their signing certificates (accounts knows no feature package that listens).
user_deactivated = Namespace().signal("user-deactivated")

# werkzeug's scrypt with its current parameters; a stored hash with another prefix is upgraded at the next sign-in.
PASSWORD_METHOD = "scrypt:32768:8:1"


class OrganisationKind(enum.StrEnum):
    """What an organisation is in the procedure."""

    enterprise = "enterprise"
    assessor = "assessor"
    authority = "authority"


class Role(enum.StrEnum):
    """A user's one role."""

    enterprise = "enterprise"
    assessor = "assessor"
    provincial_official = "provincial_official"
    admin = "admin"


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

    def set_password(self, password: str, *, keep_token: ApiToken | None = None,
                     keep_session: UserSession | None = None) -> None:
        """Store a salted hash of `password` (werkzeug's scrypt), never the password; for an existing user, every
        token and web session ends with the old password (but `keep_token` / `keep_session`, the caller's own)."""
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
        if self.id is not None:
            self.revoke_credentials(keep_token=keep_token, keep_session=keep_session)

    def deactivate(self) -> None:
        """Stop the user from signing in, end every token and web session they hold now, and tell the listeners
        of `user_deactivated` (their signing certificates are revoked)."""
        self.active = False
        self.revoke_credentials()
        user_deactivated.send(self)

    def revoke_credentials(self, *, keep_token: ApiToken | None = None,
                           keep_session: UserSession | None = None) -> None:
        """Revoke the user's bearer tokens and end their web sessions (in this transaction), except those kept."""
        now = utcnow()
        tokens = sa.update(ApiToken).where(ApiToken.user_id == self.id, ApiToken.revoked_at.is_(None))
        sessions = sa.delete(UserSession).where(UserSession.user_id == self.id)
        if keep_token is not None:
            tokens = tokens.where(ApiToken.id != keep_token.id)
        if keep_session is not None:
            sessions = sessions.where(UserSession.id != keep_session.id)
        db.session.execute(tokens.values(revoked_at=now).execution_options(synchronize_session="fetch"))
        db.session.execute(sessions.execution_options(synchronize_session="fetch"))

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
    # A person's name for a token made on the tokens page; tokens from `POST /auth/token` have none.
    name: Mapped[Optional[str]] = mapped_column(sa.String(100))  # noqa: UP045
    # To the hour, not the request: written only when an hour old (accounts.tokens.note_use), one UPDATE.
    last_used_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))  # noqa: UP045

    user: Mapped[User] = relationship(back_populates="tokens")

    def is_valid(self, now: dt.datetime | None = None) -> bool:
        """A token is valid until it expires or is revoked."""
        now = now or utcnow()
        return self.revoked_at is None and as_utc(self.expires_at) > now


class UserSession(db.Model):
    """A signed-in browser: the session cookie carries a random id whose hash is this row, so signing out, a new
    password or deactivation ends the session on the server — a copy of the old cookie no longer signs anyone in."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))

    user: Mapped[User] = relationship()

    def is_valid(self, now: dt.datetime | None = None) -> bool:
        """A session is valid until it expires (or its row is deleted)."""
        return as_utc(self.expires_at) > (now or utcnow())
