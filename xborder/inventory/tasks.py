"""Jobs reading, validating, previewing and applying inventory uploads, with progress kept on the ImportRun row.

Module-level functions taking the run id, so RQ runs them in a worker and the embedded mode on a background thread
(`start`), never in the request. Each is idempotent: it acts only on a run in the status it expects, so a retried
job does no harm. A run whose worker died stops moving; `recover_stuck_imports` (run by the sweep) ends it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask, current_app

from xborder.core import database
from xborder.core.jobs import enqueue, job_app
from xborder.core.timeutil import as_utc, utcnow
from xborder.extensions import db
from xborder.inventory import importing, links, operations
from xborder.inventory.models import ImportFile, ImportRun
from xborder.inventory.reading import Limits

log = logging.getLogger("xborder.inventory")
RUNNING = ("queued", "validating", "applying")


def limits(app: Flask | None = None) -> Limits:
    """The deployment's import limits (XBORDER_IMPORT_MAX_ROWS, _MAX_CELLS, _MAX_ERRORS)."""
    settings = (app or current_app).config["XBORDER"]
    return Limits(rows=settings.import_max_rows, cells=settings.import_max_cells, errors=settings.import_max_errors)


def start(job: Callable[[int], str | None], run_id: int) -> None:
    """Run an import job outside the request: on RQ with Redis, else on a background thread of this process.

    Under TESTING without Redis it runs inline: the test's transaction is invisible to another connection."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["XBORDER"].redis_url or app.testing:
        enqueue(job, run_id)
        return
    threading.Thread(target=_in_thread, args=(app, job, run_id), name=f"xborder-import-{run_id}",
                     daemon=True).start()


def _in_thread(app: Flask, job: Callable[[int], str | None], run_id: int) -> None:
    try:
        with app.app_context(), database.writer_thread():
            job(run_id)
    except Exception:  # the job marked the run failed; a thread has nobody to raise to
        log.exception("inventory import %s failed on its thread", run_id)
    finally:
        with app.app_context():
            db.session.remove()


def recover_stuck_imports(now: dt.datetime | None = None) -> int:
    """End the runs whose worker died (queued, validating or applying and unmoved for XBORDER_IMPORT_STUCK_MINUTES):
    a validation is marked failed, an application goes back to previewed (it wrote nothing: it is one transaction),
    each with a message saying so. Returns how many runs were recovered; commits."""
    settings = current_app.config["XBORDER"]
    cutoff = as_utc(now or utcnow()) - dt.timedelta(minutes=settings.import_stuck_minutes)
    stuck = db.session.scalars(sa.select(ImportRun).where(ImportRun.status.in_(RUNNING),
                                                          ImportRun.updated_at < cutoff)).all()
    for run in stuck:
        if run.status == "applying":
            run.status = "previewed"
            run.message = ("应用中断（处理进程已停止），未写入任何内容；可再次应用。"
                           " / Applying stopped (its worker ended) and wrote nothing; apply it again.")
        else:
            run.status, run.finished_at = "failed", utcnow()
            run.message = ("校验中断（处理进程已停止）；请重新上传。"
                           " / Validation stopped (its worker ended); upload the file again.")
        log.warning("inventory import %s was stuck; now %s", run.id, run.status)
    db.session.commit()
    return len(stuck)


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
        # The exception's text is for the log; the person reading the run gets words (zh / en).
        run.status, run.finished_at = "failed", utcnow()
        run.message = (f"导入失败（内部错误 {type(exc).__name__}），未做任何更改；请重试或联系管理员。"
                       f" / The import failed (internal error {type(exc).__name__}) and changed nothing; "
                       "try again or contact the administrator.")
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
    analysis = importing.analyse(organisation_id, files, progress, limits())
    run = db.session.get(ImportRun, run_id)
    run.progress = analysis.upload.rows_read
    run.total = analysis.upload.rows_read
    if analysis.errors:
        run.status, run.error_count = "invalid", len(analysis.errors)
        run.errors = analysis.errors  # bounded: reading stops at the error limit
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
