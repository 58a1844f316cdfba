"""`Case.next_due`, the nearest due date of a case's open deadlines: computed by the deadline engine and stored on
every flush that inserts or changes a case, in the same INSERT or UPDATE (the sweep re-checks it when the calendar
changes, see `deadline_tasks.refresh_next_due`)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm

from xborder.cases.models.case import Case


def nearest_due(case: Case) -> dt.date | None:
    """The earliest due date among `open_deadlines(case)`, None when no deadline runs.

    Overdue is `due < china_today()` in the engine, so ordering by this date ascending puts overdue cases first."""
    from xborder.cases.deadlines import open_deadlines

    dues = [deadline["due"] for deadline in open_deadlines(case)]
    return dt.date.fromisoformat(min(dues)) if dues else None


def listen() -> None:
    """Store `Case.next_due` on every flush from now on (`xborder.cases.init_app` calls it; once is enough, the
    listener is on the Session class that every app's session uses)."""
    if not sa.event.contains(sa.orm.Session, "before_flush", _store_next_due):
        sa.event.listen(sa.orm.Session, "before_flush", _store_next_due)


def _store_next_due(session: sa.orm.Session, flush_context, instances) -> None:
    for case in [*session.new, *session.dirty]:
        if not isinstance(case, Case):
            continue
        if case not in session.new:
            # Only a case whose own columns changed: touching an unchanged case here would cost it an UPDATE and a
            # version (a stale value on such a case is the sweep's to fix, without a version).
            if not session.is_modified(case, include_collections=False):
                continue
        elif case.workflow is None:
            case.workflow = {}  # the column default, which the engine reads before the INSERT would apply it
        due = nearest_due(case)
        if case.next_due != due:
            case.next_due = due
