"""Web: the self-assessment questionnaire by key point, with autosave and evidence upload."""

from __future__ import annotations

import io
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from xborder.cases import evidence, operations, queries
from xborder.cases.blueprint import bp
from xborder.cases.keypoints import applicable_key_points, key_point_status
from xborder.cases.models import Evidence
from xborder.cases.permissions import can_act
from xborder.cases.web_forms import AnswerForm, EvidenceForm
from xborder.core.errors import ApiError
from xborder.core.unit_of_work import commit
from xborder.extensions import db
from xborder.web.helpers import attempt, error_messages, field_errors, flash_error, form_version, require_role


def responses_from(form_data, point: dict[str, Any]) -> dict[str, Any]:
    """The question responses typed into the page (`q-<question id>`), in the types the questions take."""
    out: dict[str, Any] = {}
    for question in point["questions"]:
        raw = form_data.get(f"q-{question['id']}")
        if raw is None or str(raw).strip() == "":
            continue
        raw = str(raw).strip()
        if question["kind"] == "yes_no":
            out[question["id"]] = {"yes": True, "no": False}.get(raw, raw)
        elif question["kind"] == "number":
            text = raw.replace(",", "")
            try:
                out[question["id"]] = int(text) if text.lstrip("-").isdigit() else float(text)
            except ValueError:
                out[question["id"]] = raw  # the key point's rules report it as a field error
        else:
            out[question["id"]] = raw
    return out


def _editable_points(case) -> list[dict[str, Any]]:
    return [p for p in applicable_key_points(case) if p.get("role", "enterprise") == "enterprise"]


def _point(points: list[dict[str, Any]], key: str | None) -> dict[str, Any]:
    if not points:
        abort(404)
    for point in points:
        if point["id"] == key:
            return point
    return points[0]


def _answer_from(form_data, point: dict[str, Any]) -> dict[str, Any]:
    if any(not isinstance(form_data.get(name) or "", str) for name in ("answer", "measures")):
        abort(400, "回答和措施应为文本 / The answer and the measures must be text")
    return {"key_point": point["id"], "answer": (form_data.get("answer") or "").strip(),
            "measures": (form_data.get("measures") or "").strip(), "responses": responses_from(form_data, point)}


@bp.route("/cases/<int:case_id>/self-assessment", methods=["GET", "POST"])
@login_required
def self_assessment(case_id: int):
    """The questionnaire, one key point at a time, with progress and the help text from `forms/`."""
    case = queries.get_case(current_user, case_id)
    points = _editable_points(case)
    point = _point(points, request.args.get("kp"))
    form = AnswerForm()
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        require_role("enterprise")
        if form.validate_on_submit():
            try:
                with attempt():
                    operations.save_answers(current_user, case, form_version(form.version.data),
                                            [_answer_from(request.form, point)])
                commit()
                flash(_("Saved."), "success")
                following = request.form.get("next_kp")
                return redirect(url_for("cases.self_assessment", case_id=case.id, kp=following or point["id"]))
            except ApiError as exc:
                errors, status = field_errors(exc) or {"": error_messages(exc)}, exc.status
                case = queries.get_case(current_user, case_id)
        else:
            status = 422
    current = {a["key_point"]: a for a in case.answers or []}.get(point["id"], {})
    if request.method == "GET" or not errors:
        form.answer.data, form.measures.data = current.get("answer"), current.get("measures")
    form.version.data = case.version
    status_list = key_point_status(case, points)
    index = [p["id"] for p in points].index(point["id"])
    return render_template(
        "cases/self_assessment.html", case=case, point=point, points=status_list, form=form, errors=errors,
        responses=request.form if request.method == "POST" else current.get("responses") or {},
        evidence=[e for e in evidence.evidence_list(case) if e["key_point"] == point["id"]],
        evidence_form=EvidenceForm(key_point=point["id"]),
        next_point=points[index + 1]["id"] if index + 1 < len(points) else None,
        previous_point=points[index - 1]["id"] if index else None,
        editable=can_act(current_user, case, "answer"),
        answered=sum(1 for p in status_list if p["answered"])), status


@bp.route("/cases/<int:case_id>/self-assessment/autosave", methods=["POST"])
@login_required
def autosave(case_id: int):
    """Save one key point's answer from the page's script (JSON with the case version; CSRF in X-CSRFToken)."""
    case = queries.get_case(current_user, case_id)
    require_role("enterprise")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("fields"), dict):
        return jsonify({"error": "bad_request"}), 400
    point = _point(_editable_points(case), body.get("key_point"))
    try:
        with attempt():
            operations.save_answers(current_user, case, body.get("version"), [_answer_from(body["fields"], point)])
        commit()
    except ApiError as exc:
        return jsonify({"status": exc.status, "messages": error_messages(exc)}), exc.status
    answered = sum(1 for p in key_point_status(case) if p["answered"])
    return jsonify({"version": case.version, "answered": answered, "risk_level": case.risk_level})


@bp.route("/cases/<int:case_id>/evidence", methods=["POST"])
@login_required
def upload_evidence(case_id: int):
    """Attach a file (type checked by content, size limited, SHA-256 recorded)."""
    case = queries.get_case(current_user, case_id)
    require_role("enterprise")
    form = EvidenceForm()
    key_point = (form.key_point.data or "").strip() or None
    back = url_for("cases.self_assessment", case_id=case.id, kp=key_point) if key_point else url_for(
        "cases.case_page", case_id=case.id)
    if not form.validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file to upload."), "error")
        return redirect(back)
    try:
        data = upload.read(evidence.MAX_EVIDENCE_BYTES + 1)
        with attempt():
            row = evidence.add_evidence(current_user, case, upload.filename, data, key_point)
        commit()
        flash(_("Uploaded %(name)s.", name=row.filename), "success")
    except ApiError as exc:
        flash_error(exc)
    return redirect(back)


@bp.route("/cases/<int:case_id>/evidence/<int:evidence_id>")
@login_required
def download_evidence(case_id: int, evidence_id: int):
    """Download an evidence file of a case the user may see."""
    case = queries.get_case(current_user, case_id)
    row = db.session.scalar(sa.select(Evidence).where(Evidence.id == evidence_id, Evidence.case_id == case.id))
    if row is None:
        abort(404)
    return send_file(io.BytesIO(row.data), mimetype=row.content_type, as_attachment=True,
                     download_name=row.filename, etag=row.sha256)
