"""Time in one place: aware UTC for storage, Asia/Shanghai for legal dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


def china_today() -> dt.date:
    """Today's date in China, which is what legal deadlines count from."""
    return dt.datetime.now(CHINA).date()


def as_utc(value: dt.datetime) -> dt.datetime:
    """Treat a naive datetime read back from SQLite as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
