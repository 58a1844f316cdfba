"""An RQ worker killed (SIGKILL, worker and work-horse) in the middle of a job: nothing half-done is visible, RQ's
abandoned-job handling retries the job, and the retry completes it exactly once. Real worker processes
(`xborder worker`), real Redis, real database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
import sqlalchemy as sa

from tests.helpers.factories import make_uscc
from tests.helpers.slow_jobs import rename_case_in_one_transaction
from xborder import ROOT


@pytest.fixture
def committed_case(app):
    """A case committed for real (the worker is another process), removed afterwards."""
    from xborder.accounts.models import Organisation
    from xborder.cases.models import Case
    from xborder.core.audit import AuditEntry
    from xborder.extensions import db

    with app.app_context():
        org = Organisation(kind="enterprise", name="中断测试企业", uscc=make_uscc(990_101), province="330000")
        db.session.add(org)
        db.session.flush()
        case = Case(reference=f"XB-330000-2025-{uuid.uuid4().int % 10**6:06d}", exporter=org, province="330000",
                    title="原标题", status="draft")
        db.session.add(case)
        db.session.commit()
        case_id, org_id = case.id, org.id
        db.session.remove()
    yield case_id
    with app.app_context():
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.case_id == case_id))
        db.session.execute(sa.delete(Case).where(Case.id == case_id))
        db.session.execute(sa.delete(Organisation).where(Organisation.id == org_id))
        db.session.commit()
        db.session.remove()


def _state(app, case_id: int) -> tuple[str, list[str]]:
    from xborder.cases.models import Case
    from xborder.core.audit import AuditEntry
    from xborder.extensions import db

    with app.app_context():
        title = db.session.scalar(sa.select(Case.title).where(Case.id == case_id))
        actions = list(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.case_id == case_id)))
        db.session.remove()
    return title, actions


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return [int(child) for child in listing.read().split()]


def _worker(app_env, redis_url: str, queue_name: str, *, burst: bool) -> subprocess.Popen:
    env = {**os.environ, **app_env, "REDIS_URL": redis_url, "XBORDER_QUEUES": queue_name}
    args = [sys.executable, "-m", "xborder", "worker"] + (["--burst"] if burst else [])
    # Its own process group, so the work-horse it forks dies with it, as when a machine or container goes.
    return subprocess.Popen(args, env=env, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def test_killed_worker_leaves_nothing_half_done_and_the_job_is_retried(redis_url, app, app_env, committed_case):
    from redis import Redis
    from rq import Queue, Retry
    from rq.registry import StartedJobRegistry

    connection = Redis.from_url(redis_url)
    run = uuid.uuid4().hex[:8]
    queue_name, started_key, gate_key = f"xborder-kill-{run}", f"xborder-kill-{run}:started", f"xborder-kill-{run}:gate"
    queue = Queue(queue_name, connection=connection)
    job = queue.enqueue(rename_case_in_one_transaction, committed_case, "新标题", redis_url, started_key, gate_key,
                        retry=Retry(max=2))
    worker = _worker(app_env, redis_url, queue_name, burst=False)
    try:
        # Short blocking reads, for at most two minutes: redis-py's socket timeout is shorter than one long BLPOP,
        # and a worker starting on a busy machine can take longer than that.
        assert any(connection.blpop([started_key], timeout=1) for _ in range(120)), "the job never started"
        # Half-way: the title is changed inside the job's open transaction, the audit entry not yet written.
        # The work-horse runs in a session of its own (RQ calls setsid), so it is killed by its pid, after the worker.
        horses = _children(worker.pid)
        assert horses, "the worker forked no work-horse"
        os.killpg(worker.pid, signal.SIGKILL)
        for pid in horses:
            os.kill(pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
        worker.stdout.close()
    assert _state(app, committed_case) == ("原标题", [])  # nothing of the half-done job is visible

    # RQ finds the job abandoned (its worker's heartbeat will never come) and, having retries left, queues it again.
    # Cleaning up "as of" a later time makes that happen now rather than after the heartbeat's TTL.
    StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 24 * 3600)
    assert job.get_status(refresh=True) == "queued"
    # More than one "go": the killed work-horse's BLPOP may still be registered with Redis for a moment.
    connection.rpush(gate_key, "go", "go", "go")
    again = _worker(app_env, redis_url, queue_name, burst=True)
    output, _ = again.communicate(timeout=120)
    assert again.returncode == 0, output[-3000:]
    assert job.get_status(refresh=True) == "finished", output[-3000:]
    assert _state(app, committed_case) == ("新标题", ["test_renamed"])  # done once, whole
    queue.delete(delete_jobs=True)
    connection.delete(started_key, gate_key)
