"""Web: the public quick check — the pathway engine without an account; nothing is stored."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from xborder.cases.web_forms import MAX_TRANSFERS, DeclarationForm, field_id_for
from xborder.core.errors import ApiError
from xborder.core.timeutil import china_today
from xborder.web.declaration import preview_config, wizard_choices
from xborder.web.helpers import field_errors

bp = Blueprint("assess", __name__)
SAMPLE_EXPORTER = ("示例企业", "9131011552601815X1")


@bp.route("/quick-check", methods=["GET", "POST"])
def quick_check():
    """Type the facts of a transfer and see which pathway it needs and why (the engine of `/api/v1/assess`)."""
    from xborder.assess.api import assess_payload

    form = DeclarationForm()
    wizard_choices(form)
    errors: dict[str, list[str]] = {}
    result, status = None, 200
    if request.method == "GET":
        form.as_of.data = china_today()
        form.exporter_province.data = "310000"
        # The USCC does not change the pathway; a valid sample lets a visitor check without their own.
        form.exporter_name.data, form.exporter_uscc.data = SAMPLE_EXPORTER
    elif "add_transfer" in request.form and len(form.transfers.entries) < MAX_TRANSFERS:
        form.transfers.append_entry()
    elif "remove_transfer" in request.form and len(form.transfers.entries) > 1:
        form.transfers.pop_entry()
    elif form.validate_on_submit():
        try:
            result = assess_payload(form.to_declaration())
        except ApiError as exc:
            status = exc.status
            for path, messages in (field_errors(exc) or {"": [exc.detail]}).items():
                errors.setdefault(field_id_for(path), []).extend(messages)
    else:
        status = 422 if form.errors else 200
    wizard_choices(form)
    return render_template("law/quick_check.html", form=form, result=result, errors=errors,
                           preview=preview_config(), max_transfers=MAX_TRANSFERS), status
