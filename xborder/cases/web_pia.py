"""Web: the enterprise's PIA record on the case page (cases/pia.py) and its document (dossiers/pia_record.py)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from xborder.cases import pia, queries
from xborder.cases.blueprint import bp
from xborder.core.errors import ApiError, Forbidden
from xborder.core.unit_of_work import commit
from xborder.web.helpers import attempt, flash_error, require_role


@bp.app_template_global()
def case_pia(case) -> dict[str, Any]:
    """What templates/cases/_pia.html shows: whether the duty applies, the record, and whether the user may record."""
    return {"required": pia.required(case), "record": pia.view(case),
            "editable": current_user.role == "enterprise" and current_user.organisation_id == case.exporter_id
            and case.status in pia.RECORDABLE,
            "carried_out_by": [("internal", _("Carried out internally")),
                               ("third_party", _("Entrusted to a third party"))]}


@bp.route("/cases/<int:case_id>/pia-record", methods=["POST"])
@login_required
def record_pia(case_id: int):
    """Record (or replace) the PIA from the case page's form; the refusals are shown field by field."""
    require_role("enterprise")
    case = queries.get_case(current_user, case_id)
    body = {k: request.form.get(k, "") for k in ("completed_on", "carried_out_by", "third_party_name", "conclusion")}
    try:
        with attempt():
            pia.record(current_user, case, body)
        commit()
    except Forbidden:
        raise
    except ApiError as exc:
        flash_error(exc)
        return redirect(url_for("cases.case_page", case_id=case.id) + "#pia-title")
    flash(_("PIA recorded; keep the report until %(day)s.", day=(pia.view(case) or {}).get("retain_until")),
          "success")
    return redirect(url_for("cases.case_page", case_id=case.id) + "#pia-title")


@bp.route("/cases/<int:case_id>/pia-record.docx")
@login_required
def download_pia(case_id: int):
    """The recorded PIA as the 个人信息保护影响评估报告（出境版） document (404 before one is recorded)."""
    from xborder.dossiers.pia_record import response

    return response(queries.get_case(current_user, case_id))
