"""The periodic sweep: each package's periodic work, in the order the law needs it, then the mail.

The packages expose their periodic work as plain functions (cases: the stored next due dates, expiry and the
deadline jobs; core: the idempotency keys' purge; notifications: the pending e-mail); this module alone knows the
whole list and its order. `xborder sweep` runs it once (cron), `xborder worker` keeps it on rq's scheduler, and
`xborder serve` without Redis runs it in a thread (`core.scheduler` carries both, handed the job from here).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from flask import Flask

from xborder.core import scheduler
from xborder.core.jobs import job_app

log = logging.getLogger("xborder.jobs")


def sweep(today: str | None = None) -> dict[str, object]:
    """Run every periodic job in order (the stored next due dates first, which the deadline jobs pick their cases
    by; expiry before reminders, so an expired case gets no reminder), then send the mail."""
    from xborder.cases.deadline_tasks import mark_overdue, open_extension_windows, refresh_next_due, remind_deadlines
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


def schedule_next_sweep(connection, queue_name: str, minutes: int, now: dt.datetime | None = None) -> str:
    """Schedule the sweep at the next slot on rq's scheduler; returns the job id (the same for the same slot)."""
    return scheduler.schedule_at_next_slot(connection, queue_name, minutes, f"{__name__}.scheduled_sweep", "sweep",
                                           now)


def scheduled_sweep() -> dict[str, object]:
    """The sweep as rq's scheduler runs it: do it, then schedule the next run (even when this one failed)."""
    from rq import get_current_job

    job = get_current_job()
    try:
        return sweep()
    finally:
        if job is not None:
            minutes = job_app().config["XBORDER"].sweep_minutes
            schedule_next_sweep(job.connection, job.origin, minutes)


def start_sweeper(app: Flask) -> threading.Thread:
    """The embedded mode's sweeper thread for `app` (no Redis, so no rq scheduler)."""
    return scheduler.start_in_process_sweeper(app, sweep)
