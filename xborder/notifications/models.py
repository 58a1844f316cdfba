"""A notification: for one user (or a whole organisation, or an address), about a case, in Chinese and English."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from xborder.core.timeutil import utcnow
from xborder.extensions import db


class Notification(db.Model):
    """Something a user should know about a case: a transition, a reminder, an overdue deadline, an open window."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Exactly one recipient: a user, an organisation as a whole (then any of its users sees and reads it), or an
    # e-mail address that is nobody's account yet (a rejected applicant, an invitee): mailed only, seen by no one.
    email: Mapped[Optional[str]] = mapped_column(sa.String(254))  # noqa: UP045
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))  # noqa: UP045
    organisation_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("organisations.id"))  # noqa: UP045
    case_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("cases.id"), index=True)  # noqa: UP045
    kind: Mapped[str] = mapped_column(sa.String(40))
    text_zh: Mapped[str] = mapped_column(sa.Text)
    text_en: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    read_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))  # noqa: UP045
    # E-mail copy: claimed (set) before sending so two senders never mail it twice; cleared again on failure.
    emailed_at: Mapped[Optional[dt.datetime]] = mapped_column(sa.DateTime(timezone=True))  # noqa: UP045
    email_attempts: Mapped[int] = mapped_column(default=0, server_default="0")

    __table_args__ = (
        sa.CheckConstraint("(CASE WHEN user_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN organisation_id IS NULL THEN 0 "
                           "ELSE 1 END) + (CASE WHEN email IS NULL THEN 0 ELSE 1 END) = 1", name="one_recipient"),
        sa.Index("ix_notifications_user_created", "user_id", "created_at"),
        sa.Index("ix_notifications_organisation_created", "organisation_id", "created_at"),
    )

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} user={self.user_id} org={self.organisation_id}>"


def addressed_to(user) -> sa.ColumnElement[bool]:
    """The WHERE clause for the notifications a user may see: their own and their organisation's."""
    return sa.or_(Notification.user_id == user.id, Notification.organisation_id == user.organisation_id)
