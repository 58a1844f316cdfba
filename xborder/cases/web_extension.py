"""Web: the extension check of an approved case on its page (the same `extension.answer_extension_check` as
`PUT /api/v1/cases/{id}/extension-check`), and the page's view of the window and the last check."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask import request as flask_request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from xborder.cases import extension, queries
from xborder.cases.blueprint import bp
from xborder.cases.web_forms import ExtensionCheckForm
from xborder.core.errors import ApiError, Forbidden
from xborder.core.unit_of_work import commit
from xborder.web.helpers import attempt, flash_error, form_version


@bp.app_template_global("extension_state")
def extension_state(case) -> dict[str, Any] | None:
    """The window, questions and last check of an approved case for its page; None for any other case."""
    return extension.state(case) if extension.window_of(case) is not None else None


def _number(raw: str | None) -> Any:
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text  # judged (and refused with its message) by the law engine, like the API's


def answers_from(form_data) -> dict[str, Any]:
    """The API's `answers` from the page's fields: yes/no per `unchanged` condition, two numbers per `growth`."""
    answers: dict[str, Any] = {}
    for question in extension.validity.extension_questions():
        if question["kind"] == "unchanged":
            raw = form_data.get(question["id"])
            answers[question["id"]] = {"yes": True, "no": False}.get(raw)
        else:
            for key in (question["forecast"], question["approved"]):
                answers[key] = _number(form_data.get(key))
    return answers


@bp.route("/cases/<int:case_id>/extension-check", methods=["POST"])
@login_required
def extension_check(case_id: int):
    """Answer the six extension conditions from the case page; the outcome shows on the page."""
    case = queries.get_case(current_user, case_id)
    form = ExtensionCheckForm()
    if not form.validate_on_submit():
        abort(400, "CSRF token missing or invalid")
    try:
        with attempt():
            check = extension.answer_extension_check(current_user, case, form_version(form.version.data),
                                                     answers_from(flask_request.form))
        commit()
    except Forbidden:
        raise
    except ApiError as exc:
        flash_error(exc)
        return redirect(url_for("cases.case_page", case_id=case.id))
    flash(_("An extension may be applied for.") if check["outcome"] == extension.validity.MAY_APPLY
          else _("The conditions for an extension are not met: declare anew."), "success")
    return redirect(url_for("cases.case_page", case_id=case.id))
