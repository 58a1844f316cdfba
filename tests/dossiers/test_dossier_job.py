"""The bundle build as an RQ job run by a real `xborder worker --burst` on the suite's database and Redis."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from tests.factories import declaration, make_uscc

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


@pytest.fixture
def submitted_case(app):
    """A case submitted (stage 1 signed) and committed for real, so a worker process sees it; removed afterwards."""
    from flask import g

    from tests.materials_helpers import attach_materials_db
    from xborder.accounts.models import Organisation, User
    from xborder.cases import operations, workflow
    from xborder.cases.models import AnswerVersion, Case, DeclarationVersion
    from xborder.cases.presenters import key_point_status
    from xborder.core.audit import AuditEntry
    from xborder.dossiers import models
    from xborder.extensions import db

    with app.app_context():
        uscc = make_uscc(990_101)
        exporter = Organisation(kind="enterprise", name="卷宗任务测试企业", uscc=uscc, province="330000")
        assessor = Organisation(kind="assessor", name="卷宗任务测试评估机构", uscc=make_uscc(990_102),
                                province="330000")
        db.session.add_all([exporter, assessor])
        db.session.flush()
        user = User(email="dossier-job@example.test", role="enterprise", organisation=exporter)
        user.set_password("x")
        db.session.add(user)
        db.session.flush()
        case = operations.create_case(user, "任务测试", declaration(uscc, pi=0, important=True, province="330000"))
        answers = [{"key_point": kp["id"], "answer": "已评估"} for kp in key_point_status(case)]
        operations.save_answers(user, case, case.version, answers)
        attach_materials_db(case, user)  # a submission carries its filing materials (issue 16)
        workflow.transition(case, user, "submit", {"version": case.version, "assessor_org_id": assessor.id})
        db.session.commit()
        ids = {"case": case.id, "user": user.id, "orgs": (exporter.id, assessor.id)}
        yield ids
        g.pop("after_commit", None)
        db.session.rollback()
        stage_ids = sa.select(models.Stage.id).where(models.Stage.case_id == ids["case"])
        tables = db.metadata.tables
        # Other features' rows about the case (notifications of the submission, counted transfers), if present.
        others = [sa.delete(tables[name]).where(tables[name].c.case_id == ids["case"])
                  for name in ("notifications", "case_transfers", "evidence") if name in tables]
        for statement in (
            *others,
            sa.delete(models.DossierBuild).where(models.DossierBuild.case_id == ids["case"]),
            sa.delete(models.StageFile).where(models.StageFile.stage_id.in_(stage_ids)),
            sa.delete(models.Stage).where(models.Stage.case_id == ids["case"]),
            sa.delete(models.SigningCertificate).where(models.SigningCertificate.organisation_id.in_(ids["orgs"])),
            sa.delete(AuditEntry).where(AuditEntry.case_id == ids["case"]),
            sa.delete(AnswerVersion).where(AnswerVersion.case_id == ids["case"]),
            sa.delete(DeclarationVersion).where(DeclarationVersion.case_id == ids["case"]),
            sa.delete(Case).where(Case.id == ids["case"]),
            sa.delete(User).where(User.id == ids["user"]),
            sa.delete(Organisation).where(Organisation.id.in_(ids["orgs"])),
        ):
            db.session.execute(statement)
        db.session.commit()
        db.session.remove()


def test_bundle_is_built_by_a_real_rq_worker_with_progress(app, app_env, submitted_case):
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
    queue = Queue(queue_name, connection=Redis.from_url(REDIS_URL))
    job = queue.enqueue(builds.build_dossier, build_id)
    env = {**os.environ, **app_env, "REDIS_URL": REDIS_URL, "XBORDER_QUEUES": queue_name}
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
