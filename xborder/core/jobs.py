"""Background jobs: RQ on Redis when `REDIS_URL` is set, otherwise run in-process after the commit."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

log = logging.getLogger("xborder.jobs")

QUEUE = "xborder"
# A job whose worker died (abandoned, found by RQ's registry clean-up) or that raised is tried again, later each time.
RETRY_INTERVALS = [5, 30, 120]
_job_app: Flask | None = None
_app_factory: Callable[[], Flask] | None = None
_lock = threading.Lock()


def init_app(app: Flask, factory: Callable[[], Flask]) -> None:
    """Remember how to build the app a job runs in outside any app context (`create_app` passes itself): `core`
    knows no feature package, so it is told the factory rather than importing it."""
    global _app_factory
    _app_factory = factory


def job_app() -> Flask:
    """The app that jobs run in: the current one if any, else one built once per worker process."""
    global _job_app
    try:
        return current_app._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:
        pass
    with _lock:
        if _job_app is None:
            if _app_factory is None:
                raise RuntimeError("no app to run the job in: build one with xborder.create_app first")
            _job_app = _app_factory()
        return _job_app


def redis_connection(url: str):
    """A Redis connection for RQ."""
    from redis import Redis

    return Redis.from_url(url)


_web_connections: dict[str, Any] = {}


def web_connection(url: str):
    """The web server's Redis connection: short timeouts, so an unreachable Redis costs a request seconds, not
    minutes (a worker's blocking dequeue needs the default, untimed, connection of `redis_connection`)."""
    from redis import Redis

    with _lock:
        if url not in _web_connections:
            _web_connections[url] = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        return _web_connections[url]


def redis_available(url: str) -> tuple[bool, str | None]:
    """PING Redis; (False, reason) when it cannot be reached."""
    from redis.exceptions import RedisError

    try:
        web_connection(url).ping()
        return True, None
    except RedisError as exc:
        return False, f"{type(exc).__name__}: {exc}"[:200]


def enqueue(func: Callable[..., Any], *args: Any, job_id: str | None = None, **kwargs: Any) -> str | None:
    """Queue `func(*args)` on RQ, or run it in-process when there is no Redis; returns the RQ job id if any.

    If Redis is configured but unreachable, the job runs in-process like on the embedded default (every job is
    idempotent and records what it did), so nothing a user was told is lost; /api/v1/health shows `degraded`."""
    settings = current_app.config["XBORDER"]
    if settings.redis_url:
        from redis.exceptions import RedisError
        from rq import Queue, Retry

        queue = Queue(QUEUE, connection=web_connection(settings.redis_url))
        try:
            retry = Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS)
            job = queue.enqueue(func, *args, job_id=job_id, retry=retry, **kwargs)
            return job.id
        except RedisError as exc:
            log.warning("Redis unreachable (%s); running %s in-process", exc, getattr(func, "__name__", func))
    func(*args, **kwargs)
    return None


def run_worker(app: Flask, *, burst: bool = False,
               on_start: Callable[[Any, str, int], object] | None = None) -> int:
    """Run an RQ worker with the scheduler on xborder's queue, its jobs in `app`; exit code 0 on clean shutdown.

    `on_start(connection, queue_name, sweep_minutes)` runs first in a long-running worker (the CLI schedules the
    periodic sweep with it)."""
    global _job_app
    from rq import Worker

    with _lock:
        _job_app = app  # the work-horses fork from this process and run their jobs in this app
    settings = app.config["XBORDER"]
    if not settings.redis_url:
        log.error("xborder worker needs REDIS_URL; without it jobs run in-process in the web server")
        return 2
    import os

    # XBORDER_QUEUES lets tests (and operators) run a worker on their own queues.
    queues = [q for q in (os.environ.get("XBORDER_QUEUES") or QUEUE).split(",") if q]
    connection = redis_connection(settings.redis_url)
    if not burst and on_start is not None:
        on_start(connection, queues[0], settings.sweep_minutes)
    worker = Worker(queues, connection=connection)
    worker.work(with_scheduler=True, burst=burst)
    return 0
