"""The bundle build as an RQ job run by a real `xborder worker --burst` on the suite's database and Redis."""

from __future__ import annotations

import os
import subprocess
import sys


def test_bundle_is_built_by_a_real_rq_worker_with_progress(redis_url, app, app_env, submitted_case):
    from flask import g
    from redis import Redis
    from rq import Queue

    from xborder.accounts.models import User
    from xborder.cases.models import Case
    from xborder.dossiers import builds, stages
    from xborder.dossiers.models import DossierBuild
    from xborder.dossiers.pki import verification_anchors
    from xborder.dossiers.verify import verify_bundle
    from xborder.extensions import db

    with app.app_context():
        case = db.session.get(Case, submitted_case["case"])
        build = builds.request_build(case, db.session.get(User, submitted_case["user"]))
        g.pop("after_commit", None)  # the test queues the job itself, on its own queue
        db.session.commit()
        build_id = build.id
        assert (build.status, build.progress) == ("queued", 0)
        db.session.remove()

    queue_name = f"xborder-dossier-test-{os.getpid()}"
    queue = Queue(queue_name, connection=Redis.from_url(redis_url))
    job = queue.enqueue(builds.build_dossier, build_id)
    env = {**os.environ, **app_env, "REDIS_URL": redis_url, "XBORDER_QUEUES": queue_name}
    run = subprocess.run([sys.executable, "-m", "xborder", "worker", "--burst"], env=env, capture_output=True,
                         text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-2000:]
    job.refresh()
    assert job.get_status() == "finished", run.stderr[-3000:]
    with app.app_context():
        build = db.session.get(DossierBuild, build_id)
        assert (build.status, build.progress, build.step) == ("ready", 100, "ready")
        assert job.return_value() == build.blob_sha256
        data = stages.blob(build.blob_sha256)
        assert verify_bundle(data, ca_pem=verification_anchors()[0]).exit_code == 0
        case = db.session.get(Case, submitted_case["case"])
        # The same case state asks for the same bundle: the finished build is found, not a new one queued.
        assert builds.request_build(case, None).id == build_id
        g.pop("after_commit", None)
        db.session.rollback()
        db.session.remove()
    queue.delete(delete_jobs=True)
