"""A 50,000-row import through a real RQ worker (another process, so the data is committed for real and removed
afterwards), and the same job in-process as on the embedded default."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from tests.helpers.factories import make_uscc
from tests.helpers.inventory import flows, workbook

ROWS = 50_000


@pytest.fixture(scope="module")
def big_workbook() -> bytes:
    return workbook(flows(ROWS))


@pytest.fixture
def committed_run(app, big_workbook):
    """An enterprise, its user and a queued 50,000-row upload, committed; everything removed afterwards."""
    from xborder.accounts.models import Organisation, User
    from xborder.core.audit import AuditEntry
    from xborder.extensions import db
    from xborder.inventory import operations
    from xborder.inventory.models import MODELS, CaseInventoryLink, ImportFile, ImportRun, InventoryHead

    with app.app_context():
        org = Organisation(kind="enterprise", name="清单导入测试企业", uscc=make_uscc(990_100 + os.getpid() % 1000),
                           province="310000")
        db.session.add(org)
        db.session.flush()
        user = User(email=f"inventory-job-{org.id}@example.test", role="enterprise", organisation=org)
        user.set_password("correct horse")
        db.session.add(user)
        db.session.flush()
        run = operations.start_import(user, [("big.xlsx", big_workbook)], apply_when_valid=True)
        db.session.commit()
        ids = (org.id, user.id, run.id)
        yield ids
        db.session.rollback()
        db.session.execute(sa.delete(CaseInventoryLink).where(CaseInventoryLink.organisation_id == org.id))
        db.session.execute(sa.delete(ImportFile).where(ImportFile.run_id == run.id))
        db.session.execute(sa.delete(ImportRun).where(ImportRun.organisation_id == org.id))
        for model in MODELS.values():
            db.session.execute(sa.delete(model).where(model.organisation_id == org.id))
        db.session.execute(sa.delete(InventoryHead).where(InventoryHead.organisation_id == org.id))
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.actor_id == user.id))
        db.session.execute(sa.delete(User).where(User.id == user.id))
        db.session.execute(sa.delete(Organisation).where(Organisation.id == org.id))
        db.session.commit()
        db.session.remove()


def _outcome(app, org_id: int, run_id: int):
    from xborder.extensions import db
    from xborder.inventory.models import ImportRun, InventoryFlow

    with app.app_context():
        run = db.session.get(ImportRun, run_id)
        count = db.session.scalar(sa.select(sa.func.count()).select_from(InventoryFlow)
                                  .where(InventoryFlow.organisation_id == org_id))
        outcome = (run.status, run.progress, run.total, run.preview["applied"]["flows"]["added"], count)
        db.session.remove()
    return outcome


def test_a_50000_row_import_on_a_real_rq_worker(redis_url, app, app_env, committed_run):
    from redis import Redis
    from rq import Queue

    from xborder.inventory.tasks import preview_import

    org_id, _, run_id = committed_run
    queue_name = f"xborder-inventory-test-{os.getpid()}"
    queue = Queue(queue_name, connection=Redis.from_url(redis_url))
    job = queue.enqueue(preview_import, run_id, job_timeout=900)
    env = {**os.environ, **app_env, "REDIS_URL": redis_url, "XBORDER_QUEUES": queue_name}
    worker = subprocess.run([sys.executable, "-m", "xborder", "worker", "--burst"], env=env, capture_output=True,
                            text=True, timeout=900)
    assert worker.returncode == 0, worker.stderr[-2000:]
    job.refresh()
    assert job.get_status() == "finished", worker.stderr[-2000:]
    assert job.return_value() == "applied"
    assert _outcome(app, org_id, run_id) == ("applied", ROWS + 3, ROWS + 3, ROWS, ROWS)  # + recipients and documents
    queue.delete(delete_jobs=True)


def test_a_50000_row_import_in_process(app, committed_run):
    from xborder.inventory.tasks import preview_import

    org_id, _, run_id = committed_run
    with app.app_context():
        assert preview_import(run_id) == "applied"  # what `enqueue` runs in-process without Redis
    assert _outcome(app, org_id, run_id) == ("applied", ROWS + 3, ROWS + 3, ROWS, ROWS)  # + recipients and documents
