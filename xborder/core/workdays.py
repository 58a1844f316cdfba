"""Chinese working days and the procedure deadlines counted in them, with durations read from `forms/deadlines/`."""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

import chinese_calendar

from xborder.law.formsdata import FormsError, in_force, versions_of

REGIMES = ("cac-2022", "cac-2024")
_ONE_DAY = dt.timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class Deadline:
    """A due date; `provisional` when a day it counted lies in a year the holiday calendar does not know yet."""

    due: dt.date
    provisional: bool = False
    # Only windows ("within the last 60 working days before expiry") have an opening day.
    opens: dt.date | None = None


# Cached: the calendar is fixed for the life of the process, and chinese_calendar scans its whole table of holidays
# on every call (a deadline counted back 60 working days made the dashboard's 20 rows cost ~70 ms).
@functools.cache
def working_day(day: dt.date) -> tuple[bool, bool]:
    """Return (is a working day, the official calendar knows the day's year) for `day`."""
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        # The State Council publishes a year's holidays late in the year before, so the package never knows the
        # far future: fall back to weekends only and let the caller mark the result provisional.
        return day.weekday() < 5, False


def is_working_day(day: dt.date) -> bool:
    """Tell whether `day` is a Chinese working day (weekends only for a year the calendar does not know)."""
    return working_day(day)[0]


def _count(start: dt.date, n: int, step: dt.timedelta) -> Deadline:
    if n < 0:
        raise ValueError(f"a number of working days cannot be negative (got {n})")
    day, counted, provisional = start, 0, False
    while counted < n:
        day += step
        working, known = working_day(day)
        provisional = provisional or not known
        if working:
            counted += 1
    return Deadline(due=day, provisional=provisional)


def add_working_days(start: dt.date, n: int) -> Deadline:
    """Return the n-th working day after `start` (the event's own day is not counted), i.e. "within n working days"."""
    return _count(start, n, _ONE_DAY)


def subtract_working_days(end: dt.date, n: int) -> Deadline:
    """Return the n-th working day before `end` (not counting `end`), i.e. where "the last n working days" begin."""
    return _count(end, n, -_ONE_DAY)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Count the working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
    day, counted = start, 0
    while day < end:
        day += _ONE_DAY
        counted += is_working_day(day)
    return counted


def add_years(day: dt.date, n: int) -> dt.date:
    """Return the same calendar day n years later (or earlier); 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + n)
    except ValueError:
        # Civil Code art 202: with no corresponding day, the period ends on the last day of that month.
        return dt.date(day.year + n, 2, 28)


def add_months(day: dt.date, n: int) -> dt.date:
    """Return the same calendar day n months later (or earlier, n < 0); with no such day, the month's last day."""
    year, month = divmod(day.year * 12 + day.month - 1 + n, 12)
    month += 1
    # Civil Code art 202, as for years: a period ending on a day the month lacks ends on the month's last day.
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def deadline_rule(kind: str, on: dt.date, regime: str) -> dict[str, Any]:
    """Return the rule for deadline `kind` in force on `on` under `regime`: unit, count, window, labels, legal basis."""
    if regime not in REGIMES:
        raise ValueError(f"unknown regime {regime!r}")
    version = in_force(versions_of("deadlines"), on)
    if version is None:
        raise ValueError(f"no deadline rules in force on {on.isoformat()}")
    kinds: Mapping[str, Any] = version["kinds"]
    if kind not in kinds:
        raise ValueError(f"unknown deadline kind {kind!r}")
    entry = kinds[kind]
    if in_force([entry], on) is None:
        raise ValueError(f"deadline kind {kind!r} is not in force on {on.isoformat()}")
    rule = {key: value for key, value in entry.items() if key not in ("regimes", "effective_from")}
    rule.update((entry.get("regimes") or {}).get(regime, {}))
    rule.setdefault("direction", "after")
    rule.setdefault("legal_basis", [])
    rule["legal_basis"] = [dict(basis) for basis in rule["legal_basis"]]
    if "count" not in rule:
        raise FormsError(f"forms/deadlines: {kind} has no count for {regime}")
    if rule["direction"] == "before" and rule.get("window") not in ("no_later_than", "within_last"):
        raise FormsError(f"forms/deadlines: {kind} counts back but says no window for {regime}")
    return {"kind": kind, "regime": regime, **rule}


def deadline_for(kind: str, start: dt.date, regime: str) -> Deadline:
    """Compute the deadline of `kind` from the event on `start` under `regime`, by the rule in force on `start`."""
    rule = deadline_rule(kind, start, regime)
    count = rule["count"]
    if rule["unit"] == "years":
        return Deadline(due=add_years(start, count))
    if rule["unit"] == "months":
        # Calendar months (e.g. a certificate's renewal "6 months before expiry", pi-cert-measures-2025 art 8):
        # no working-day count, so never provisional.
        return Deadline(due=add_months(start, -count if rule["direction"] == "before" else count))
    if rule["direction"] == "after":
        return add_working_days(start, count)
    first = subtract_working_days(start, count)
    if rule["window"] == "no_later_than":
        return first
    # "Within the last n working days before expiry": the window opens on the n-th working day before the last day
    # of validity and stays open until that last day.
    return Deadline(due=start, provisional=first.provisional, opens=first.due)
