"""Jobs run on a real RQ worker against the real Redis, and in-process on the embedded default."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from tests.helpers.factories import make_uscc
from xborder.cases.tasks import expire_cases


@pytest.fixture
def committed_cases(app):
    """Cases committed for real (a worker in another process must see them), removed afterwards."""
    from xborder.accounts.models import Organisation
    from xborder.cases.models import Case
    from xborder.core.audit import AuditEntry
    from xborder.extensions import db

    with app.app_context():
        org = Organisation(kind="enterprise", name="到期测试企业", uscc=make_uscc(990_001), province="330000")
        db.session.add(org)
        db.session.flush()
        yesterday = dt.date.today() - dt.timedelta(days=1)
        lapsed = Case(reference="XB-330000-2022-900001", exporter=org, province="330000", title="已到期",
                      status="approved", valid_until=yesterday - dt.timedelta(days=400))
        live = Case(reference="XB-330000-2025-900002", exporter=org, province="330000", title="有效期内",
                    status="filed", valid_until=yesterday + dt.timedelta(days=400))
        db.session.add_all([lapsed, live])
        db.session.commit()
        ids = (lapsed.id, live.id)
        yield ids
        db.session.rollback()
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.case_id.in_(ids)))
        db.session.execute(sa.delete(Case).where(Case.id.in_(ids)))
        db.session.execute(sa.delete(Organisation).where(Organisation.id == org.id))
        db.session.commit()
        db.session.remove()


def _statuses(app, ids):
    from xborder.cases.models import Case
    from xborder.core.audit import verify_chain
    from xborder.extensions import db

    with app.app_context():
        rows = db.session.execute(sa.select(Case.id, Case.status).where(Case.id.in_(ids)).order_by(Case.id)).all()
        chains = [verify_chain(i).ok for i in ids]
        db.session.remove()
    return [status for _, status in rows], chains


def test_expiry_job_on_a_real_rq_worker(redis_url, app, app_env, committed_cases):
    from redis import Redis
    from rq import Queue

    queue_name = f"xborder-test-{os.getpid()}"
    connection = Redis.from_url(redis_url)
    queue = Queue(queue_name, connection=connection)
    job = queue.enqueue(expire_cases)
    env = {**os.environ, **app_env, "REDIS_URL": redis_url, "XBORDER_QUEUES": queue_name}
    run = subprocess.run([sys.executable, "-m", "xborder", "worker", "--burst"], env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    job.refresh()
    assert job.get_status() == "finished", run.stderr[-2000:]
    assert job.return_value() == ["XB-330000-2022-900001"]
    assert _statuses(app, committed_cases) == (["expired", "filed"], [True, True])
    queue.delete(delete_jobs=True)


def test_expiry_job_in_process_without_redis(app, committed_cases):
    from xborder.core.jobs import enqueue

    with app.app_context():
        if app.config["XBORDER"].redis_url is None:
            assert enqueue(expire_cases) is None  # the embedded default runs the job in-process
        else:
            expire_cases()  # the same function the worker runs, called directly
    assert _statuses(app, committed_cases) == (["expired", "filed"], [True, True])
