"""A build whose worker died stays "building" in its row; once its heartbeat is older than `STALE_AFTER` it no
longer blocks the case: the next request marks it failed and starts a new build, and a retried job finishes it.
On committed data, the build run in-process as its job would run it."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa


@pytest.fixture
def dead_build(app, submitted_case):  # noqa: F811
    """A build left at "building" 60% by a worker that died, its heartbeat `age` ago (set per test)."""
    from flask import g

    from xborder.accounts.models import User
    from xborder.cases.models import Case
    from xborder.dossiers import builds
    from xborder.dossiers.models import DossierBuild
    from xborder.extensions import db

    def make(age: dt.timedelta) -> int:
        with app.app_context():
            case = db.session.get(Case, submitted_case["case"])
            build = builds.request_build(case, db.session.get(User, submitted_case["user"]))
            g.pop("after_commit", None)  # no job: its worker "died"
            db.session.commit()
            build_id = build.id
            db.session.execute(sa.update(DossierBuild).where(DossierBuild.id == build_id).values(
                status="building", progress=60, step="writing the archive",
                updated_at=sa.literal(builds.utcnow() - age, sa.DateTime(timezone=True))))
            db.session.commit()
            db.session.remove()
        return build_id

    return make


def _request(app, case_id: int):
    """What a download does first: find or start the build; returns (id, status) and the queued job's build ids."""
    from flask import g

    from xborder.cases.models import Case
    from xborder.dossiers import builds
    from xborder.extensions import db

    with app.app_context():
        build = builds.request_build(db.session.get(Case, case_id), None)
        started = [args[0] for _fn, args, _kw in g.pop("after_commit", [])]
        db.session.commit()
        result = (build.id, build.status), started
        db.session.remove()
    return result


def test_a_build_that_stopped_moving_is_replaced_by_a_new_one(app, submitted_case, dead_build):  # noqa: F811
    from xborder.dossiers import builds, stages
    from xborder.dossiers.models import DossierBuild
    from xborder.dossiers.pki import verification_anchors
    from xborder.dossiers.verify import verify_bundle
    from xborder.extensions import db

    dead = dead_build(builds.STALE_AFTER + dt.timedelta(minutes=1))
    (new_id, new_status), started = _request(app, submitted_case["case"])
    assert new_id != dead and new_status == "queued"
    assert started == [new_id]  # its job is queued after the commit
    with app.app_context():
        old = db.session.get(DossierBuild, dead)
        assert (old.status, old.step) == ("failed", "abandoned")
        assert "No progress for 15 minutes at 60% (writing the archive)" in old.error
        db.session.remove()  # end the read, so the job's commit is seen
        # The new build runs as its job would and ends ready, the blob and the mark written together.
        sha = builds.build_dossier(new_id)
        new = db.session.get(DossierBuild, new_id)
        assert (new.status, new.progress, new.blob_sha256) == ("ready", 100, sha)
        assert verify_bundle(stages.blob(sha), ca_pem=verification_anchors()[0]).exit_code == 0
        db.session.remove()
    # From now on the finished build is what the case gives.
    assert _request(app, submitted_case["case"]) == ((new_id, "ready"), [])


def test_a_build_that_is_still_moving_is_waited_for(app, submitted_case, dead_build):  # noqa: F811
    from xborder.dossiers import builds

    slow = dead_build(builds.STALE_AFTER - dt.timedelta(minutes=1))
    assert _request(app, submitted_case["case"]) == ((slow, "building"), [])


def test_a_retried_job_restarts_its_abandoned_build(app, submitted_case, dead_build):  # noqa: F811
    from xborder.dossiers import builds
    from xborder.dossiers.models import DossierBuild
    from xborder.extensions import db

    dead = dead_build(builds.STALE_AFTER + dt.timedelta(hours=1))
    with app.app_context():
        assert builds.is_stale(db.session.get(DossierBuild, dead))
        db.session.remove()  # end the read, so the job's commit is seen
        sha = builds.build_dossier(dead)  # RQ retries the job of a dead worker with the same build id
        build = db.session.get(DossierBuild, dead)
        assert (build.status, build.progress, build.blob_sha256) == ("ready", 100, sha)
        assert not builds.is_stale(build)
        db.session.remove()
    assert _request(app, submitted_case["case"]) == ((dead, "ready"), [])
