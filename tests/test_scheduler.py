"""The periodic sweep: slots on rq's scheduler (one job per slot however often scheduled), and `xborder sweep`."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

from xborder.core.scheduler import next_slot
from xborder.sweep import schedule_next_sweep


def test_next_slot_is_the_next_whole_interval():
    now = dt.datetime(2026, 11, 25, 22, 59, 59, tzinfo=dt.UTC)
    assert next_slot(now, 60) == dt.datetime(2026, 11, 25, 23, 0, tzinfo=dt.UTC)
    assert next_slot(now.replace(minute=0, second=0), 60) == dt.datetime(2026, 11, 25, 23, 0, tzinfo=dt.UTC)
    assert next_slot(now.replace(hour=23, minute=30), 60) == dt.datetime(2026, 11, 26, 0, 0, tzinfo=dt.UTC)
    assert next_slot(now, 24 * 60) == dt.datetime(2026, 11, 26, tzinfo=dt.UTC)


def test_each_slot_is_scheduled_once_on_the_real_redis(redis_url):
    from redis import Redis
    from rq import Queue
    from rq.registry import ScheduledJobRegistry

    connection = Redis.from_url(redis_url)
    queue = Queue(f"xborder-sched-{os.getpid()}", connection=connection)
    now = dt.datetime(2030, 1, 1, 8, 15, tzinfo=dt.UTC)
    try:
        first = schedule_next_sweep(connection, queue.name, 60, now=now)
        second = schedule_next_sweep(connection, queue.name, 60, now=now + dt.timedelta(minutes=10))
        assert first == second == "xborder-sweep-20300101T0900"
        registry = ScheduledJobRegistry(queue=queue)
        assert registry.get_job_ids() == [first]
        assert registry.get_scheduled_time(first) == dt.datetime(2030, 1, 1, 9, 0, tzinfo=dt.UTC)
    finally:
        ScheduledJobRegistry(queue=queue).remove(first, delete_job=True)
        queue.delete(delete_jobs=True)


def test_sweep_command_runs_once_and_refuses_a_bad_date(app, app_env):
    env = {**os.environ, **app_env}
    env.pop("REDIS_URL", None)
    bad = subprocess.run([sys.executable, "-m", "xborder", "sweep", "--today", "2026-02-30"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and '"path": "today"' in bad.stderr
    run = subprocess.run([sys.executable, "-m", "xborder", "sweep", "--today", "2026-11-25"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert '"expired"' in run.stdout and '"reminded"' in run.stdout
