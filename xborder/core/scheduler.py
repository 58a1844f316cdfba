"""Periodic runs of the sweep (reminders, overdue, expiry, extension windows, mail).

With Redis, rq's built-in scheduler (the worker runs it: `Worker.work(with_scheduler=True)`) holds the next run as
a job scheduled for a fixed slot; each run schedules the one after it. The slot's time is in the job id, so
several workers, or a worker restarted, schedule each slot once, not once each.

Without Redis (the embedded default), `xborder serve` runs the sweep in a daemon thread of a gunicorn worker;
an exclusive lock on a file in the instance folder makes exactly one worker process the sweeper, and if that
process dies its lock goes with it and another worker's thread takes over. `xborder sweep` runs it once (cron).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import threading

from flask import Flask

log = logging.getLogger("xborder.scheduler")
SWEEP = "xborder.cases.deadline_tasks.scheduled_sweep"


def next_slot(now: dt.datetime, minutes: int) -> dt.datetime:
    """The next whole multiple of `minutes` since midnight UTC strictly after `now`."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    done = int((now - midnight).total_seconds() // (minutes * 60)) + 1
    return midnight + dt.timedelta(minutes=minutes * done)


def schedule_next_sweep(connection, queue_name: str, minutes: int, now: dt.datetime | None = None) -> str:
    """Schedule the sweep at the next slot on rq's scheduler; returns the job id (the same for the same slot)."""
    from rq import Queue

    at = next_slot(now or dt.datetime.now(dt.UTC), minutes)
    job_id = f"xborder-sweep-{at:%Y%m%dT%H%M}"
    Queue(queue_name, connection=connection).enqueue_at(at, SWEEP, job_id=job_id, result_ttl=86400)
    return job_id


def start_in_process_sweeper(app: Flask) -> threading.Thread:
    """Start the embedded mode's sweeper thread (one per process; only the lock holder sweeps)."""
    thread = threading.Thread(target=_sweep_forever, args=(app,), name="xborder-sweeper", daemon=True)
    thread.start()
    return thread


def _sweep_forever(app: Flask) -> None:
    from xborder.cases.deadline_tasks import sweep

    settings = app.config["XBORDER"]
    lock_path = settings.instance_path / "sweep.lock"
    pause = threading.Event()  # never set: waiting on it is the interval between runs
    with open(lock_path, "a+") as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                pause.wait(settings.sweep_minutes * 60)  # another process sweeps; take over if it goes away
                continue
            try:
                with app.app_context():
                    log.info("sweep: %s", sweep())
            except Exception:  # keep the thread alive; the failure is logged and the next run tries again
                log.exception("sweep failed")
            pause.wait(settings.sweep_minutes * 60)
