"""Evidence attached to a case's key points, stored in the database so every app server sees it."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column

from xborder.core.timeutil import utcnow
from xborder.extensions import db


class Evidence(db.Model):
    """An uploaded file: its detected type, size and SHA-256, and the bytes (loaded only when downloaded)."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    key_point: Mapped[Optional[str]] = mapped_column(sa.String(20))  # noqa: UP045
    # A filing material's kind (forms/materials), None for other evidence: cases/materials.py.
    kind: Mapped[Optional[str]] = mapped_column(sa.String(40))  # noqa: UP045
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))  # noqa: UP045
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
