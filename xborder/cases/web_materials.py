"""Web: the case page's filing materials (present / missing, with an upload form) and the report's freshness."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from xborder.cases import evidence, material_uploads, materials, queries
from xborder.cases.blueprint import bp
from xborder.cases.models import Case
from xborder.cases.models.status import EDITABLE
from xborder.cases.permissions import can_act
from xborder.core.errors import ApiError
from xborder.core.unit_of_work import commit
from xborder.web.helpers import attempt, flash_error, require_role


@bp.app_template_global()
def case_materials(case: Case) -> dict[str, Any]:
    """What templates/cases/_materials.html shows: each required material with its title and whether it is
    attached, the attached files, the kinds one may upload, whether the user may upload, and the freshness."""
    found = materials.report(case)
    titles = {kind: {"zh": k["zh"], "en": k["en"]} for kind, k in materials.known_kinds(case).items()}
    required = {r["kind"]: r for r in materials.requirements(case)}
    return {
        "required": [{**r, "required_at": required[r["kind"]]["required_at"],
                      "provisional": required[r["kind"]]["provisional"]} for r in found["required"]],
        "items": [{**i, "title": titles.get(i["kind"], {"zh": i["kind"], "en": i["kind"]})} for i in found["items"]],
        "kinds": [{"id": kind, **title} for kind, title in titles.items()],
        "editable": can_act(current_user, case, "add_evidence"),
        # Only while the exporter may still (re)declare: a filed case's report is not declared again.
        "freshness": materials.freshness(case) if case.status in EDITABLE else None,
    }


@bp.route("/cases/<int:case_id>/materials", methods=["POST"])
@login_required
def upload_material(case_id: int):
    """Attach a filing material of the chosen kind (the evidence upload's checks apply)."""
    case = queries.get_case(current_user, case_id)
    require_role("enterprise")
    back = url_for("cases.case_page", case_id=case.id) + "#materials"
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file to upload."), "error")
        return redirect(back)
    try:
        data = upload.read(evidence.MAX_EVIDENCE_BYTES + 1)
        with attempt():
            row = material_uploads.add_material(current_user, case, (request.form.get("kind") or "").strip(),
                                         upload.filename, data)
        commit()
        flash(_("Uploaded %(name)s.", name=row.filename), "success")
    except ApiError as exc:
        flash_error(exc)
    return redirect(back)
