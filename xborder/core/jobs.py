"""Background jobs: RQ on Redis when `REDIS_URL` is set, otherwise run in-process after the commit."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

log = logging.getLogger("xborder.jobs")

QUEUE = "xborder"
_job_app: Flask | None = None
_lock = threading.Lock()


def job_app() -> Flask:
    """The app that jobs run in: the current one if any, else one built once per worker process."""
    global _job_app
    try:
        return current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:
        pass
    with _lock:
        if _job_app is None:
            from xborder import create_app

            _job_app = create_app()
        return _job_app


def redis_connection(url: str):
    """A Redis connection for RQ."""
    from redis import Redis

    return Redis.from_url(url)


def enqueue(func: Callable[..., Any], *args: Any, job_id: str | None = None, **kwargs: Any) -> str | None:
    """Queue `func(*args)` on RQ, or run it in-process when there is no Redis; returns the RQ job id if any."""
    settings = current_app.config["XBORDER"]
    if settings.redis_url:
        from rq import Queue, Retry

        queue = Queue(QUEUE, connection=redis_connection(settings.redis_url))
        job = queue.enqueue(func, *args, job_id=job_id, retry=Retry(max=3, interval=[5, 30, 120]), **kwargs)
        return job.id
    func(*args, **kwargs)
    return None


def run_worker(*, burst: bool = False) -> int:
    """Run an RQ worker with the scheduler on xborder's queue; exit code 0 on clean shutdown."""
    from rq import Worker

    app = job_app()
    settings = app.config["XBORDER"]
    if not settings.redis_url:
        log.error("xborder worker needs REDIS_URL; without it jobs run in-process in the web server")
        return 2
    import os

    # XBORDER_QUEUES lets tests (and operators) run a worker on their own queues.
    queues = [q for q in (os.environ.get("XBORDER_QUEUES") or QUEUE).split(",") if q]
    worker = Worker(queues, connection=redis_connection(settings.redis_url))
    worker.work(with_scheduler=True, burst=burst)
    return 0
