"""Web: a declaration from selected inventory rows — drafted, editable, determined, then opened as a case."""

from __future__ import annotations

import copy
from typing import Any

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from xborder.core.errors import ApiError
from xborder.core.unit_of_work import commit
from xborder.inventory import operations
from xborder.inventory.views import _enterprise, bp, parse_date
from xborder.web.declaration import preview_config
from xborder.web.helpers import attempt, flash_error, lang, parse_count


def _facts(form) -> dict[str, Any]:
    """The exporter's facts as the form gives them; a form without the sector picker (the first view) leaves the
    sector to the organisation's."""
    count = parse_count(form.get("pi_subjects_processed"))
    facts: dict[str, Any] = {"is_ciio": form.get("is_ciio") == "1", "pi_subjects_processed": count}
    if "sector" in form:
        facts["sector"] = (form.get("sector") or "").strip() or None
    return facts


def _edited(declaration: dict[str, Any], form) -> dict[str, Any]:
    """The drafted declaration with what the user changed in the form (counts, flags, purpose per transfer)."""
    out = copy.deepcopy(declaration)
    for index, transfer in enumerate(out["transfers"]):
        prefix = f"t{index}_"
        if f"{prefix}pi" not in form:
            continue  # the first view: nothing edited yet
        purpose = (form.get(f"{prefix}purpose") or "").strip()
        transfer["purpose"] = purpose or None
        for field, name in (("pi_individuals", "pi"), ("sensitive_pi_individuals", "sensitive")):
            value = parse_count(form.get(f"{prefix}{name}"))
            transfer["data"][field] = 0 if value is None else value
        transfer["data"]["important_data"] = form.get(f"{prefix}important") == "1"
        transfer["data"]["core_data"] = form.get(f"{prefix}core") == "1"
    return out


def _render(keys: list[str], draft: dict[str, Any], title: str, status: int = 200):
    key = "message_zh" if lang() == "zh" else "message_en"
    errors = [f"{e.get('path')}: {e.get(key) or e.get('message_en')}" for e in draft["errors"]]
    return render_template("inventory/declare.html", keys=keys, draft=draft, title=title, errors=errors,
                           facts=draft["declaration"]["exporter"], preview=preview_config()), status


@bp.route("/declare/preview", methods=["GET", "POST"])
@login_required
def declare_preview():
    """The live pathway panel's answer: GET with the ticked `entry_keys` (the inventory page), POST with the edited
    draft form (the draft page); the determination, the warnings and the errors as JSON. Nothing is stored."""
    from xborder.law.schemas import DeterminationSchema

    _enterprise()
    form = request.form if request.method == "POST" else request.args
    keys = [k for k in form.getlist("entry_keys") if k]
    try:
        draft = operations.draft_declaration(current_user, keys, parse_date(form.get("as_of")), _facts(form))
    except ApiError as exc:
        return jsonify({"determination": None, "warnings": [], "errors": exc.errors or [
            {"path": "", "message_en": exc.detail, "message_zh": exc.detail}]}), exc.status
    determination, errors = draft["determination"], draft["errors"]
    if request.method == "POST":
        determination, errors = operations.determine_draft(current_user, _edited(draft["declaration"], form))
    warnings = [{**w, "case": {**w["case"], "url": url_for("cases.case_page", case_id=w["case"]["id"])}}
                for w in draft["warnings"]]
    return jsonify({"determination": DeterminationSchema().dump(determination) if determination else None,
                    "warnings": warnings, "errors": errors, "entry_keys": keys}), 200 if not errors else 422


@bp.route("/declare", methods=["GET", "POST"])
@login_required
def declare():
    """GET with selected `entry_keys`: the drafted declaration; POST: recalculate the edited draft or open the case."""
    _enterprise()
    form = request.form if request.method == "POST" else request.args
    keys = [k for k in form.getlist("entry_keys") if k]
    as_of = parse_date(form.get("as_of"))
    title = (form.get("title") or "").strip() or _("Declaration from the inventory (%(date)s)",
                                                    date=as_of.isoformat())
    try:
        draft = operations.draft_declaration(current_user, keys, as_of, _facts(form))
    except ApiError as exc:
        flash_error(exc)
        return redirect(url_for("inventory.index"))
    if request.method == "GET":
        return _render(keys, draft, title)
    declaration = _edited(draft["declaration"], form)
    if "create" not in form:
        determination, errors = operations.determine_draft(current_user, declaration)
        return _render(keys, {**draft, "declaration": declaration, "determination": determination,
                              "errors": errors}, title, 200 if not errors else 422)
    try:
        with attempt():
            case = operations.declare_from_inventory(current_user, keys, title, as_of, _facts(form), declaration)
    except ApiError as exc:
        return _render(keys, {**draft, "declaration": declaration, "determination": None,
                              "errors": exc.errors or [{"path": "", "message_en": exc.detail,
                                                        "message_zh": exc.detail}]}, title, exc.status)
    commit()
    flash(_("Case %(reference)s opened from %(n)s inventory rows; you can still change the declaration.",
            reference=case.reference, n=len(keys)), "success")
    return redirect(url_for("cases.case_page", case_id=case.id))
