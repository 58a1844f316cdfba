"""Scheduled jobs on deadlines: reminders before they fall due, marking overdue ones, opening extension windows,
and the sweep that runs every scheduled job in turn.

Each job takes `today` (ISO date, China time; default: today) so that a run is reproducible, and each is
idempotent: what it did is recorded in `case.workflow`, so running it twice on the same day changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from xborder.cases.models import Case
from xborder.core import audit
from xborder.core.jobs import job_app
from xborder.core.timeutil import china_today
from xborder.core.workdays import working_day
from xborder.extensions import db

log = logging.getLogger("xborder.jobs")

# Statuses in which some deadline may run (rejected: the re-assessment request).
LIVE = ("draft", "third_party_review", "rectification", "provincial_review", "supplement_requested",
        "submitted_to_regulator", "approved", "filed", "rejected")


def working_days_left(today: dt.date, due: dt.date) -> int:
    """The working days after `today` up to and including `due` (0 when due today or past)."""
    left, day = 0, today
    while day < due:
        day += dt.timedelta(days=1)
        left += working_day(day)[0]
    return left


def last_day_within(today: dt.date, working_days: int) -> dt.date:
    """The last day with at most `working_days` working days after `today` (the day before the next one)."""
    day, counted = today, 0
    while counted <= working_days:
        day += dt.timedelta(days=1)
        counted += working_day(day)[0]
    return day - dt.timedelta(days=1)


def _day(today: str | None) -> dt.date:
    return dt.date.fromisoformat(today) if today else china_today()


def _each_case(*candidates: sa.ColumnElement[bool]) -> Iterator[Case]:
    ids = db.session.scalars(sa.select(Case.id).where(Case.status.in_(LIVE), Case.regime.is_not(None), *candidates)
                             .order_by(Case.id)).all()
    for case_id in ids:
        case = db.session.get(Case, case_id)
        if case is not None:
            yield case


def _commit_each(work: Callable[[Case], bool], *candidates: sa.ColumnElement[bool]) -> list[str]:
    """Run `work` on each live case meeting `candidates` (conditions on the stored `next_due` that every case the
    work could change meets) and commit per case; a case changed meanwhile by a user is left for the next run (the
    user's write wins, the job's is rolled back)."""
    from xborder.notifications.mail import dispatch

    done = []
    for case in _each_case(*candidates):
        try:
            if work(case):
                db.session.commit()
                done.append(case.reference)
        except StaleDataError:
            db.session.rollback()
            log.info("case %s changed while a job worked on it; next run", case.reference)
    if done:
        dispatch()
    return done


def _deadlines(case: Case) -> list[dict]:
    from xborder.cases.workflow import open_deadlines

    return open_deadlines(case)


def mark_overdue(today: str | None = None) -> list[str]:
    """Record each deadline that fell due before `today` without the step being taken, once: in case.workflow
    (`overdue`), in the audit trail and as a notification; returns the references of the cases marked."""
    from xborder.notifications import texts
    from xborder.notifications.operations import notify, users_concerned

    app = job_app()
    with app.app_context():
        day = _day(today)

        def work(case: Case) -> bool:
            marked = dict((case.workflow or {}).get("overdue") or {})
            new = [d for d in _deadlines(case) if dt.date.fromisoformat(d["due"]) < day
                   and f"{d['kind']}:{d['due']}" not in marked]
            if not new:
                return False
            for deadline in new:
                marked[f"{deadline['kind']}:{deadline['due']}"] = {"kind": deadline["kind"], "due": deadline["due"],
                                                                   "marked_on": day.isoformat()}
            case.workflow = {**case.workflow, "overdue": marked}
            db.session.flush()
            for deadline in new:
                audit.record(case, "job.overdue", {"kind": deadline["kind"], "due": deadline["due"],
                                                   "on": day.isoformat()})
                notify(case, "deadline.overdue", texts.overdue_text(case, deadline), users_concerned(case))
            return True

        # A deadline due before `day` makes the nearest one due before it too.
        return _commit_each(work, Case.next_due < day)


def remind_deadlines(today: str | None = None, days_ahead: tuple[int, ...] | None = None) -> list[str]:
    """Remind the users concerned when a deadline falls due within each of `days_ahead` working days (default:
    XBORDER_REMINDER_DAYS), once per threshold; returns the references of the cases reminded."""
    from xborder.notifications import texts
    from xborder.notifications.operations import notify, users_concerned

    app = job_app()
    with app.app_context():
        day = _day(today)
        thresholds = tuple(sorted(days_ahead or app.config["XBORDER"].reminder_days))

        def work(case: Case) -> bool:
            sent = list((case.workflow or {}).get("reminders") or [])
            due_now = []
            for deadline in _deadlines(case):
                due = dt.date.fromisoformat(deadline["due"])
                if due < day:
                    continue
                left = working_days_left(day, due)
                # One reminder for the tightest threshold reached; the wider ones count as done with it.
                reached = [n for n in thresholds if left <= n]
                keys = [f"{deadline['kind']}:{deadline['due']}:{n}" for n in reached]
                if reached and keys[0] not in sent:
                    sent += [key for key in keys if key not in sent]
                    due_now.append((deadline, left))
            if not due_now:
                return False
            case.workflow = {**case.workflow, "reminders": sent}
            db.session.flush()
            for deadline, left in due_now:
                audit.record(case, "job.reminder", {"kind": deadline["kind"], "due": deadline["due"],
                                                    "working_days_left": left, "on": day.isoformat()})
                notify(case, "deadline.reminder", texts.reminder_text(case, deadline, left), users_concerned(case))
            return True

        # A deadline within the widest threshold makes the nearest one no later than the last day within it.
        return _commit_each(work, Case.next_due <= last_day_within(day, thresholds[-1]))


def open_extension_windows(today: str | None = None) -> list[str]:
    """Tell the exporter (and the others concerned) once when the extension window before expiry opens."""
    from xborder.notifications import texts
    from xborder.notifications.operations import notify, users_concerned

    app = job_app()
    with app.app_context():
        day = _day(today)

        def work(case: Case) -> bool:
            window = next((d for d in _deadlines(case) if d["kind"] == "extension_window"), None)
            # Only a window opens ("within the last 60 working days", cac-2024); a "no later than" date under
            # cac-2022 is a plain deadline, reminded and marked overdue like the others.
            if window is None or not window.get("opens") or (case.workflow or {}).get("extension_window_opened"):
                return False
            opens = dt.date.fromisoformat(window["opens"])
            if not opens <= day <= dt.date.fromisoformat(window["due"]):
                return False
            case.workflow = {**case.workflow, "extension_window_opened": {"opens": window.get("opens"),
                                                                          "due": window["due"],
                                                                          "on": day.isoformat()}}
            db.session.flush()
            audit.record(case, "job.extension_window_opened", {"opens": window.get("opens"), "due": window["due"],
                                                               "on": day.isoformat()})
            notify(case, "extension_window.opened", texts.window_text(case, window), users_concerned(case))
            return True

        return _commit_each(work, Case.next_due.is_not(None))  # a window is one of the case's open deadlines


def refresh_next_due(batch_size: int = 500) -> int:
    """Store `next_due` again wherever the engine now computes another date (a provisional year's holidays became
    official, forms/deadlines changed); returns how many cases changed.

    A plain UPDATE guarded by the version read: the case itself did not change, so neither its version nor its
    `updated_at` moves, and a case a user changed meanwhile keeps the value its own flush stored."""
    from sqlalchemy.orm import load_only
    from sqlalchemy.orm.attributes import set_committed_value

    from xborder.cases.next_due import nearest_due

    app = job_app()
    with app.app_context():
        table = Case.__table__
        changed, last = 0, 0
        while True:
            # Every case a deadline may run for, and any other still holding a date; only the columns the engine reads.
            cases = db.session.scalars(
                sa.select(Case).options(load_only(
                    Case.version, Case.status, Case.regime, Case.pathway, Case.workflow, Case.declaration,
                    Case.reached_provincial_at, Case.valid_until, Case.next_due))
                .where(Case.id > last, sa.or_(Case.status.in_(LIVE), Case.next_due.is_not(None)))
                .order_by(Case.id).limit(batch_size)).all()
            if not cases:
                return changed
            last = cases[-1].id
            for case in cases:
                due = nearest_due(case)
                if due == case.next_due:
                    continue
                stored = db.session.execute(
                    table.update().where(table.c.id == case.id, table.c.version == case.version)
                    .values(next_due=due, updated_at=table.c.updated_at))
                if stored.rowcount:
                    set_committed_value(case, "next_due", due)
                    changed += 1
            db.session.commit()


def sweep(today: str | None = None) -> dict[str, object]:
    """Run every scheduled job in order (the stored next due dates first, which the deadline jobs pick their cases
    by; expiry before reminders, so an expired case gets no reminder), then send the mail."""
    from xborder.cases.tasks import expire_cases
    from xborder.core.idempotency import purge_expired
    from xborder.inventory.tasks import recover_stuck_imports
    from xborder.notifications.mail import send_pending_emails

    app = job_app()
    with app.app_context():
        result: dict[str, object] = {
            "next_due_refreshed": refresh_next_due(),
            "expired": expire_cases(today),
            "overdue": mark_overdue(today),
            "reminded": remind_deadlines(today),
            "extension_windows": open_extension_windows(today),
            "idempotency_keys_purged": purge_expired(),
            "imports_recovered": recover_stuck_imports(),
        }
        try:
            result["emails"] = send_pending_emails()
        except Exception as exc:  # the rows stay pending; the next sweep tries again
            log.warning("sweep: e-mail not sent: %s", exc)
            result["emails"] = 0
        return result


def scheduled_sweep() -> dict[str, object]:
    """The sweep as rq's scheduler runs it: do it, then schedule the next run (even when this one failed)."""
    from rq import get_current_job

    from xborder.core.scheduler import schedule_next_sweep

    job = get_current_job()
    try:
        return sweep()
    finally:
        if job is not None:
            minutes = job_app().config["XBORDER"].sweep_minutes
            schedule_next_sweep(job.connection, job.origin, minutes)
