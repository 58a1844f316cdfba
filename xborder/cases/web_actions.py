"""Web: workflow actions (the same `workflow.transition` as the API) and the assessor's review screen."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from xborder.cases import operations, presenters, queries, web_presenters, workflow
from xborder.cases.blueprint import bp
from xborder.cases.keypoints import applicable_key_points
from xborder.cases.models import ENTERPRISE
from xborder.cases.web_forms import ActionForm, ReviewForm
from xborder.core.errors import ApiError, Forbidden
from xborder.core.unit_of_work import commit
from xborder.web.helpers import attempt, error_messages, flash_error, form_version, require_role

DONE_MESSAGES = {
    "submit": _l("Submitted to the assessment body."),
    "record_exemption": _l("Exemption recorded."),
    "request_rectification": _l("Rectification requested."),
    "resubmit": _l("Resubmitted."),
    "sign_opinion": _l("Opinion signed; the case goes to provincial review."),
    "request_supplement": _l("Supplement requested."),
    "forward_to_regulator": _l("Forwarded to the regulator."),
    "record_filing": _l("Filing recorded."),
    "record_acceptance": _l("Acceptance notice recorded."),
    "record_decision": _l("Decision recorded."),
    "record_certificate": _l("Certificate recorded."),
    "record_extension": _l("Extension recorded."),
    "withdraw": _l("Case withdrawn."),
}


@bp.route("/cases/<int:case_id>/actions", methods=["POST"])
@login_required
def take_action(case_id: int):
    """Take a workflow action from a form: 403 for the wrong role, the workflow's reasons shown otherwise. The post
    becomes the API's body (`ActionForm.to_body`) and the workflow loads it through the same schema."""
    case = queries.get_case(current_user, case_id)
    form = ActionForm()
    form.assessor_org_id.choices = [(o.id, o.name) for o in web_presenters.assessor_bodies()]
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400, "CSRF token missing or invalid")
        for field, messages in form.errors.items():
            for message in messages:
                flash(f"{getattr(form, field).label.text if hasattr(form, field) else field}: {message}", "error")
        return redirect(url_for("cases.case_page", case_id=case.id))
    name = form.action.data
    if name not in workflow.ACTIONS:
        abort(400)
    try:
        with attempt():
            workflow.transition(case, current_user, name, form.to_body())
        commit()
    except Forbidden:
        raise
    except ApiError as exc:
        flash_error(exc)
        return redirect(url_for("cases.case_page", case_id=case.id))
    flash(str(DONE_MESSAGES.get(name) or _("Done.")), "success")
    if current_user.role != ENTERPRISE and name in ("sign_opinion", "request_rectification"):
        return redirect(url_for("cases.home"))
    return redirect(url_for("cases.case_page", case_id=case.id))


def _reviews_from(form_data, points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    reviews = []
    for point in points:
        finding = form_data.get(f"finding-{point['id']}")
        if not finding:
            continue
        review = {"key_point": point["id"], "finding": finding,
                  "comment": (form_data.get(f"comment-{point['id']}") or "").strip() or None}
        for dimension in ("impact", "likelihood"):
            if form_data.get(f"{dimension}-{point['id']}"):
                review[dimension] = form_data[f"{dimension}-{point['id']}"]
        if review.get("impact") or review.get("likelihood"):
            review["justification"] = (form_data.get(f"justification-{point['id']}") or "").strip()
        reviews.append(review)
    return reviews


@bp.route("/cases/<int:case_id>/review", methods=["GET", "POST"])
@login_required
def review(case_id: int):
    """The assessor's screen: the enterprise's answers and evidence beside the finding for each key point."""
    case = queries.get_case(current_user, case_id)
    require_role("assessor")
    points = applicable_key_points(case)
    form = ReviewForm()
    messages: list[str] = []
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, "CSRF token missing or invalid")
        try:
            with attempt():
                operations.save_review(current_user, case, form_version(form.version.data),
                                       _reviews_from(request.form, points))
            commit()
            flash(_("Findings saved."), "success")
            return redirect(url_for("cases.review", case_id=case.id))
        except Forbidden:
            raise
        except ApiError as exc:
            messages, status = error_messages(exc), exc.status
            case = queries.get_case(current_user, case_id)
    detail = presenters.case_detail(case, current_user)
    form.version.data = case.version
    action_form = ActionForm(version=case.version)
    action_form.key_points.choices = [(p["id"], p["id"]) for p in points]
    return render_template(
        "cases/review.html", case=case, detail=detail, points=points, form=form, action_form=action_form,
        answers=web_presenters.answers_by_key_point(case), reviews=web_presenters.review_by_key_point(case),
        evidence=web_presenters.evidence_by_key_point(detail), messages=messages,
        risk_points={p["id"]: p for p in (case.risk or {}).get("key_points", [])},
        changes=web_presenters.changes_since_last_round(case), posted=request.form), status
