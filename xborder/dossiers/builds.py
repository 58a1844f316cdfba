"""Bundle builds: asked for by a download, run as a job, their progress in a DossierBuild row, the finished ZIP
stored content-addressed. The blob and the `ready` mark are written in one transaction, so no reader ever sees a
ready build without its complete bytes. A queued or building row whose heartbeat (`updated_at`) has not moved for
`STALE_AFTER` was abandoned by a dead worker: it is marked failed and the next request starts a new build."""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from typing import Any

import sqlalchemy as sa

from xborder.cases.models import Case
from xborder.core.jobs import enqueue, job_app
from xborder.core.timeutil import as_utc, utcnow
from xborder.core.unit_of_work import after_commit
from xborder.dossiers import blobs, bundle, pki, stages
from xborder.dossiers.models import DossierBuild
from xborder.extensions import db


def case_summary(case: Case) -> dict[str, Any]:
    """manifest.json's case summary: only facts the signed stages state (dossier.md), as `xborder verify`
    recomputes them; what happened after the last signature is not in the bundle."""
    chain = stages.chain_of(case.id)
    files, _ = stages.signed_material(chain)
    return bundle.summary_from_files(files, stages.chain_slots(chain))


# Bumped when what a bundle holds beside its signed stages changes, so builds made before are not served again.
_BUNDLE_LAYOUT = "summary-from-signed-stages+evidence"


def build_key(case: Case) -> str | None:
    """What identifies the bundle the case would give now (its signed stages, anchors); None if unsigned. The
    summary comes from the signed stages, so the signatures stand for it."""
    signed = stages.chain_of(case.id)
    if not signed:
        return None
    parts = [s.signature_sha256 for s in signed] + [_BUNDLE_LAYOUT, bundle.sha256_hex(pki.anchors_pem()),
                                                     pki.revocation_digest(s.certificate_id for s in signed)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


# Longer than any step of a build takes (RQ's default job timeout is 3 minutes), so a live build is never replaced.
STALE_AFTER = dt.timedelta(minutes=15)
UNDER_WAY = ("queued", "building")


def is_stale(build: DossierBuild, now: dt.datetime | None = None) -> bool:
    """Whether a queued or building build has shown no progress for `STALE_AFTER`: its worker is gone."""
    if build.status not in UNDER_WAY:
        return False
    heartbeat = build.updated_at or build.created_at
    return heartbeat is not None and as_utc(heartbeat) < (now or utcnow()) - STALE_AFTER


def _newest(case: Case, key: str) -> DossierBuild | None:
    return db.session.scalar(sa.select(DossierBuild).where(
        DossierBuild.case_id == case.id, DossierBuild.build_key == key, DossierBuild.status != "failed")
        .order_by(DossierBuild.id.desc()).limit(1))


def latest_build(case: Case, key: str) -> DossierBuild | None:
    """The newest build of the case for this key that has neither failed nor been abandoned."""
    found = _newest(case, key)
    return None if found is not None and is_stale(found) else found


def request_build(case: Case, user) -> DossierBuild | None:
    """The build for the case as it stands: a finished or running one, else a new one queued after the commit (an
    abandoned one is marked failed first, in the same transaction)."""
    key = build_key(case)
    if key is None:
        return None
    found = _newest(case, key)
    if found is not None and not is_stale(found):
        return found
    if found is not None:
        minutes = int(STALE_AFTER.total_seconds() // 60)
        found.error = f"No progress for {minutes} minutes at {found.progress}% ({found.step}); its worker stopped"
        found.status, found.step = "failed", "abandoned"
    build = DossierBuild(case_id=case.id, build_key=key, status="queued", progress=0, step="queued",
                         requested_by_id=getattr(user, "id", None))
    db.session.add(build)
    db.session.flush()
    after_commit(_start, build.id)
    return build


def _start(build_id: int) -> None:
    job_id = enqueue(build_dossier, build_id, job_id=f"dossier-build-{build_id}")
    if job_id is not None:
        db.session.execute(sa.update(DossierBuild).where(DossierBuild.id == build_id, DossierBuild.job_id.is_(None))
                           .values(job_id=job_id))
        db.session.commit()


def _progress(build: DossierBuild, progress: int, step: str) -> None:
    build.status, build.progress, build.step = "building", progress, step
    db.session.commit()  # its own small transaction, so waiting users see it


def write_assembled(case: Case, out) -> None:
    """Write the bundle of the case's current round of signed stages into the binary file `out`, reading each
    stored file only when it is written (evidence makes bundles large: the ZIP is not built in memory)."""
    chain = stages.chain_of(case.id)
    files, signed = stages.signed_material(chain)
    crls = pki.revocation_lists()  # a signer revoked since signing: the bundle says so, and when
    bundle.write_bundle(out, files, signed, pki.anchors_pem(),
                        bundle.summary_from_files(files, stages.chain_slots(chain)),
                        crl_pem=b"".join(crls) if crls else None)


def assemble(case: Case) -> bytes:
    """The bundle's bytes for the case's current round of signed stages, in memory (for tests and small tools; the
    build job and the download never hold a bundle whole)."""
    with tempfile.TemporaryFile() as out:
        write_assembled(case, out)
        out.seek(0)
        return out.read()


def build_dossier(build_id: int) -> str | None:
    """The job: assemble the bundle, then store it and mark the build ready together; returns the bundle's SHA-256."""
    app = job_app()
    with app.app_context():
        build = db.session.get(DossierBuild, build_id)
        if build is None:
            return None
        if build.status == "ready":
            return build.blob_sha256
        try:
            _progress(build, 10, "loading the signed stages")
            case = db.session.get(Case, build.case_id)
            _progress(build, 60, "writing the archive")
            with tempfile.TemporaryFile() as out:
                write_assembled(case, out)
                # Stored a piece at a time, in this transaction with the ready mark: never held whole in memory.
                build.blob_sha256 = blobs.store_file(out)
            build.status, build.progress, build.step, build.finished_at = "ready", 100, "ready", utcnow()
            db.session.commit()
            return build.blob_sha256
        except Exception as exc:
            db.session.rollback()
            failed = db.session.get(DossierBuild, build_id)
            failed.status, failed.step, failed.error = "failed", "failed", f"{type(exc).__name__}: {exc}"[:2000]
            db.session.commit()
            raise


def status(build: DossierBuild) -> dict[str, Any]:
    """A build as the API shows it while the user waits."""
    return {"build_id": build.id, "status": build.status, "progress": build.progress, "step": build.step,
            "error": build.error, "sha256": build.blob_sha256,
            "created_at": build.created_at.isoformat() if build.created_at else None,
            "finished_at": build.finished_at.isoformat() if build.finished_at else None}
