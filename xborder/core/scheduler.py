"""Periodic runs of the sweep (reminders, overdue, expiry, extension windows, mail).

With Redis, rq's built-in scheduler (the worker runs it: `Worker.work(with_scheduler=True)`) holds the next run as
a job scheduled for a fixed slot; each run schedules the one after it. The slot's time is in the job id, so
several workers, or a worker restarted, schedule each slot once, not once each.

Without Redis (the embedded default), `xborder serve` runs the sweep in a daemon thread of a gunicorn worker;
an exclusive lock on a file in the instance folder makes exactly one worker process the sweeper, and if that
process dies its lock goes with it and another worker's thread takes over. `xborder sweep` runs it once (cron).

What a run does is `xborder.sweep`'s business: this module is handed the job (its import path, or the function)
and knows no feature package.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import threading
from collections.abc import Callable

from flask import Flask

log = logging.getLogger("xborder.scheduler")


def next_slot(now: dt.datetime, minutes: int) -> dt.datetime:
    """The next whole multiple of `minutes` since midnight UTC strictly after `now`."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    done = int((now - midnight).total_seconds() // (minutes * 60)) + 1
    return midnight + dt.timedelta(minutes=minutes * done)


def schedule_at_next_slot(connection, queue_name: str, minutes: int, job: str, name: str,
                          now: dt.datetime | None = None) -> str:
    """Schedule `job` (an importable function path) at the next slot on rq's scheduler; returns the job id,
    `xborder-<name>-<slot>`, the same for the same slot."""
    from rq import Queue

    at = next_slot(now or dt.datetime.now(dt.UTC), minutes)
    job_id = f"xborder-{name}-{at:%Y%m%dT%H%M}"
    Queue(queue_name, connection=connection).enqueue_at(at, job, job_id=job_id, result_ttl=86400)
    return job_id


def start_in_process_sweeper(app: Flask, sweep: Callable[[], object]) -> threading.Thread:
    """Start the embedded mode's sweeper thread running `sweep()` in `app` (one thread per process; only the
    lock holder sweeps)."""
    thread = threading.Thread(target=_sweep_forever, args=(app, sweep), name="xborder-sweeper", daemon=True)
    thread.start()
    return thread


def _sweep_forever(app: Flask, sweep: Callable[[], object]) -> None:
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
