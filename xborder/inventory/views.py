"""Web: the inventory page, uploads with preview and apply, exports, and declaring from selected rows."""

from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from xborder.core.errors import ApiError
from xborder.core.timeutil import china_today
from xborder.core.unit_of_work import after_commit, commit
from xborder.inventory import exports, links, operations, queries, spec, tasks
from xborder.web.declaration import preview_config
from xborder.web.helpers import flash_error, lang

bp = Blueprint("inventory", __name__, url_prefix="/inventory")


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    return {"inventory_links": links.links_of, "inv_label": lambda vocabulary, value: spec.label(
        spec.vocabulary_entry(vocabulary, value), lang()) or (value or "")}


def _enterprise() -> None:
    if current_user.role != "enterprise":
        abort(403)


def _send(data: bytes, filename: str):
    return send_file(io.BytesIO(data), mimetype=exports.MIMETYPES[filename.rsplit(".", 1)[-1]], as_attachment=True,
                     download_name=filename)


@bp.route("")
@login_required
def index():
    """The inventory: rows (selectable for a declaration), recipients, uploads, exports and flagged cases."""
    _enterprise()
    org_id = current_user.organisation_id
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    return render_template("inventory/index.html", flows=queries.flows_page(org_id, page, 50),
                           recipients=queries.recipients(org_id), runs=queries.recent_runs(org_id),
                           flags=links.flagged(org_id), sheets=spec.sheets(), preview=preview_config())


@bp.route("/imports", methods=["POST"])
@login_required
def upload():
    """Keep the uploaded files and queue the job that validates and previews them."""
    _enterprise()
    files = []
    for item in request.files.getlist("file"):
        if item.filename:
            try:
                files.append((item.filename, item.read()))
            finally:
                item.close()
    try:
        run = operations.start_import(current_user, files)
    except ApiError as exc:
        flash_error(exc)
        return redirect(url_for("inventory.index"))
    after_commit(tasks.start, tasks.preview_import, run.id)
    commit()
    return redirect(url_for("inventory.import_run", run_id=run.id))


@bp.route("/imports/<int:run_id>")
@login_required
def import_run(run_id: int):
    """An upload: progress while the job runs, then every error or the preview with Apply."""
    _enterprise()
    run = operations.get_run(current_user, run_id)
    return render_template("inventory/import.html", run=run, sheets={s.id: s for s in spec.sheets()})


@bp.route("/imports/<int:run_id>/apply", methods=["POST"])
@login_required
def apply_run(run_id: int):
    """Apply a previewed upload (a job writes it, all or nothing)."""
    _enterprise()
    run = operations.get_run(current_user, run_id)
    try:
        operations.request_apply(current_user, run)
    except ApiError as exc:
        flash_error(exc)
        return redirect(url_for("inventory.import_run", run_id=run_id))
    after_commit(tasks.start, tasks.apply_import, run.id)
    commit()
    return redirect(url_for("inventory.import_run", run_id=run_id))


@bp.route("/imports/<int:run_id>/discard", methods=["POST"])
@login_required
def discard_run(run_id: int):
    """Drop an upload that was not applied."""
    _enterprise()
    try:
        operations.discard(current_user, operations.get_run(current_user, run_id))
    except ApiError as exc:
        flash_error(exc)
        return redirect(url_for("inventory.import_run", run_id=run_id))
    commit()
    flash(_("The upload was discarded."), "success")
    return redirect(url_for("inventory.index"))


@bp.route("/template.<fmt>")
@login_required
def template(fmt: str):
    """The empty template (XLSX with every sheet, or one sheet as CSV)."""
    try:
        return _send(*exports.export_template(fmt, request.args.get("sheet")))
    except ApiError:
        abort(404)


@bp.route("/export.<fmt>")
@login_required
def export(fmt: str):
    """The inventory as XLSX, CSV (one sheet) or JSON."""
    _enterprise()
    try:
        return _send(*exports.export_inventory(current_user.organisation, fmt, request.args.get("sheet")))
    except ApiError:
        abort(404)


@bp.route("/exports/cases.<fmt>")
@login_required
def export_cases(fmt: str):
    """The case list the user sees (own cases, assessment queue, province's cases) as XLSX, CSV or JSON."""
    try:
        return _send(*exports.export_cases(current_user, fmt, request.args.get("status") or None))
    except ApiError:
        abort(404)


@bp.route("/cases/<int:case_id>/acknowledge", methods=["POST"])
@login_required
def acknowledge(case_id: int):
    """Take the inventory as it is now as the case's basis (flags cleared, audited)."""
    from xborder.cases import queries as case_queries

    _enterprise()
    links.acknowledge(case_queries.get_case(current_user, case_id), current_user)
    commit()
    flash(_("Inventory changes acknowledged; the flags are cleared."), "success")
    return redirect(url_for("cases.case_page", case_id=case_id))



def parse_date(raw: str | None) -> dt.date:
    """A date typed in the form, today (China) when blank or invalid."""
    try:
        return dt.date.fromisoformat((raw or "").strip())
    except ValueError:
        return china_today()
