"""Web: the declaration wizard — open a case or change its declaration, with the pathway shown as facts are typed."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from xborder.cases import operations, queries
from xborder.cases.blueprint import bp
from xborder.cases.web_forms import MAX_PRIOR_TRANSFERS, MAX_TRANSFERS, DeclarationForm, field_id_for, ftz_choices
from xborder.core.errors import ApiError
from xborder.core.timeutil import china_today
from xborder.core.unit_of_work import commit
from xborder.web.declaration import preview_config, wizard_choices
from xborder.web.helpers import (
    attempt,
    field_errors,
    form_version,
    localized,
    require_role,
)


def _grow_or_shrink(form: DeclarationForm) -> bool:
    """Re-read the earlier transfers (numbered in order, empty rows left out), then handle "add a transfer" /
    "remove the last transfer" and "add" / "remove" an earlier transfer without JavaScript; True when the form just
    changed."""
    remove_prior = request.form.get("remove_prior_transfer", "")
    form.reload_prior_transfers(request.form, drop=int(remove_prior) if remove_prior.isdigit() else None)
    if "add_transfer" in request.form and len(form.transfers.entries) < MAX_TRANSFERS:
        form.transfers.append_entry()
        return True
    if "remove_transfer" in request.form and len(form.transfers.entries) > 1:
        form.transfers.pop_entry()
        return True
    if "add_prior_transfer" in request.form:
        if len(form.prior_transfers.entries) < MAX_PRIOR_TRANSFERS:
            form.prior_transfers.append_entry()
        return True
    return "remove_prior_transfer" in request.form


def _warn_filing_deadline(case) -> None:
    """Warn when a standard contract's filing deadline (10 working days from the contract taking effect,
    sc-measures-2023 art 7) has passed, or when the third-party review is likely to overrun it — an estimate from
    xborder's history of signed cases that says what it rests on (`review_estimate`), not a legal figure."""
    from xborder.cases.deadlines import open_deadlines
    from xborder.cases.review_estimate import with_review_estimate

    filing = next((d for d in with_review_estimate(case, open_deadlines(case))
                   if d["kind"] == "standard_contract_filing"), None)
    if filing is None:
        return
    if filing["overdue"]:
        flash(_("The standard contract was due to be filed by %(due)s (10 working days after it took effect): "
                "file it without delay.", due=filing["due"]), "error")
    elif filing["review_estimate"]["overrun"]:
        flash(localized(filing["review_estimate"], "warning"), "error")


def _prefill(form: DeclarationForm) -> None:
    org = current_user.organisation
    form.exporter_name.data, form.exporter_uscc.data, form.exporter_province.data = org.name, org.uscc, org.province


def render_wizard(form: DeclarationForm, case=None, errors: dict | None = None, status: int = 200):
    """The wizard page, with the engine's field errors placed next to their inputs."""
    wizard_choices(form)
    # Only the zones of the exporter's province can be its zone (declaration.md, exporter.ftz).
    form.ftz.choices = ftz_choices(form.exporter_province.data or None)
    by_field: dict[str, list[str]] = {}
    for path, messages in (errors or {}).items():
        by_field.setdefault(field_id_for(path), []).extend(messages)
    return render_template("cases/declare.html", form=form, case=case, errors=by_field, preview=preview_config(),
                           max_transfers=MAX_TRANSFERS, max_prior_transfers=MAX_PRIOR_TRANSFERS), status


def _after_saving(case) -> str:
    """The wizard's end: the case page, or its transfer details when the enterprise asked to go on to them."""
    if request.form.get("then") == "facts":
        return url_for("cases.case_facts", case_id=case.id)
    return url_for("cases.case_page", case_id=case.id)


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new_case():
    """Open a draft case from a declaration (the exporter's facts come from the organisation)."""
    require_role("enterprise")
    form = DeclarationForm()
    wizard_choices(form)
    if request.method == "GET":
        _prefill(form)
        form.as_of.data = china_today()
        form.sector.data = "manufacturing"
        return render_wizard(form)
    _prefill(form)  # an enterprise declares for itself: what the browser sent for these is ignored
    if _grow_or_shrink(form) or not form.validate_on_submit():
        return render_wizard(form, status=200 if not form.errors else 422)
    title = (form.title.data or "").strip() or _("Outbound transfer of %(date)s", date=form.as_of.data.isoformat())
    try:
        with attempt():
            case = operations.create_case(current_user, title, form.to_declaration())
    except ApiError as exc:
        return render_wizard(form, errors=field_errors(exc) or {"": [exc.detail]}, status=exc.status)
    commit()
    flash(_("Case %(ref)s opened. Next: answer the self-assessment.", ref=case.reference), "success")
    _warn_filing_deadline(case)
    return redirect(_after_saving(case))


@bp.route("/cases/<int:case_id>/declaration", methods=["GET", "POST"])
@login_required
def edit_declaration(case_id: int):
    """Change the declaration of a draft (or a case sent back); the earlier one is kept as a version."""
    case = queries.get_case(current_user, case_id)
    require_role("enterprise")
    form = DeclarationForm()
    wizard_choices(form)
    if request.method == "GET":
        form.fill_from(case.declaration)
        form.title.data, form.version.data = case.title, case.version
        return render_wizard(form, case)
    _prefill(form)
    if _grow_or_shrink(form) or not form.validate_on_submit():
        return render_wizard(form, case, status=200 if not form.errors else 422)
    try:
        version = form_version(form.version.data or 0)
        with attempt():
            operations.update_declaration(current_user, case, version, form.to_declaration(),
                                          (form.title.data or "").strip() or None)
    except ApiError as exc:
        return render_wizard(form, case, errors=field_errors(exc) or {"": [exc.detail]}, status=exc.status)
    commit()
    flash(_("Declaration saved; the pathway was determined again."), "success")
    _warn_filing_deadline(case)
    return redirect(_after_saving(case))
