"""Jobs reading, validating, previewing and applying inventory uploads, with progress kept on the ImportRun row.

Module-level functions taking the run id, so RQ runs them in a worker and the embedded mode in-process. Each is
idempotent: it acts only on a run in the status it expects, so a retried job does no harm.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa

from xborder.core.jobs import job_app
from xborder.core.timeutil import utcnow
from xborder.extensions import db
from xborder.inventory import importing, links, operations
from xborder.inventory.models import ImportFile, ImportRun

log = logging.getLogger("xborder.inventory")
MAX_STORED_ERRORS = 10_000


def preview_import(run_id: int) -> str | None:
    """Read and validate a queued upload, store its preview (or its errors); apply it too if it was asked to."""
    with job_app().app_context():
        return _guarded(run_id, ("queued", "validating"), apply=False)


def apply_import(run_id: int) -> str | None:
    """Apply a run the user confirmed: read it again, check nothing changed since the preview, write it at once."""
    with job_app().app_context():
        return _guarded(run_id, ("applying",), apply=True)


def _guarded(run_id: int, expected: tuple[str, ...], apply: bool) -> str | None:
    run = db.session.get(ImportRun, run_id)
    if run is None or run.status not in expected:
        return run.status if run else None
    try:
        return _process(run, apply)
    except Exception as exc:
        db.session.rollback()
        log.exception("inventory import %s failed", run_id)
        run = db.session.get(ImportRun, run_id)
        run.status, run.message, run.finished_at = "failed", f"{type(exc).__name__}: {exc}"[:500], utcnow()
        db.session.commit()
        raise


def _process(run: ImportRun, apply: bool) -> str:
    run_id, organisation_id = run.id, run.organisation_id
    if not apply:
        run.status = "validating"
    run.progress = 0
    db.session.commit()
    files = [(name, data) for name, data in db.session.execute(
        sa.select(ImportFile.filename, ImportFile.data).where(ImportFile.run_id == run_id).order_by(ImportFile.id))]

    def progress(done: int, total: int) -> None:
        # Its own short UPDATE and commit, so a user watching the run sees the count move.
        db.session.execute(sa.update(ImportRun).where(ImportRun.id == run_id)
                           .values(progress=done, total=max(total, done)))
        db.session.commit()

    base = operations.revision(organisation_id)
    analysis = importing.analyse(organisation_id, files, progress)
    run = db.session.get(ImportRun, run_id)
    run.progress = analysis.upload.rows_read
    run.total = analysis.upload.rows_read
    if analysis.errors:
        run.status, run.error_count = "invalid", len(analysis.errors)
        run.errors = analysis.errors[:MAX_STORED_ERRORS]
        run.finished_at = utcnow()
        db.session.commit()
        return run.status
    if not apply:
        run.preview = {"sheets": importing.preview(analysis)}
        run.base_revision = base
        if not run.apply_when_valid:
            run.status, run.finished_at = "previewed", utcnow()
            db.session.commit()
            return run.status
    if not operations.advance_revision(organisation_id, run.base_revision if apply else base):
        run.status, run.finished_at = "stale", utcnow()
        run.message = "The inventory changed since this import was previewed; upload it again"
        db.session.commit()
        return run.status
    counts = importing.apply(organisation_id, analysis)
    flagged = links.refresh_flags(organisation_id, actor=_actor(run), import_run_id=run_id)
    run.preview = {**(run.preview or {}), "applied": counts, "flagged_cases": flagged}
    run.status, run.applied_at, run.finished_at = "applied", utcnow(), utcnow()
    db.session.execute(sa.delete(ImportFile).where(ImportFile.run_id == run_id))
    db.session.commit()
    return run.status


def _actor(run: ImportRun):
    from xborder.accounts.models import User

    return db.session.get(User, run.user_id) if run.user_id else None
