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
from xborder.cases.web_forms import FIELD_LABELS, ActionForm, ReviewForm
from xborder.core.errors import ApiError, Forbidden
from xborder.core.unit_of_work import commit
from xborder.dossiers.pki import signing_identity
from xborder.web import guide
from xborder.web.helpers import attempt, error_messages, form_version, key_point_title, require_role

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
    """Take a workflow action from a form: 403 for the wrong role; a refusal shows the case page again with the form
    as it was sent and each problem named and linked. An action the table asks to confirm (signing, forwarding,
    filing, decisions) is first checked and shown on a confirmation page; only its confirmed post takes it."""
    case = queries.get_case(current_user, case_id)
    form = ActionForm()
    form.assessor_org_id.choices = [(o.id, o.name) for o in web_presenters.assessor_bodies()]
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400, "CSRF token missing or invalid")
        return _refused_on_case_page(case, form, form_problems(form))
    name = form.action.data
    action = workflow.ACTIONS.get(name)
    if action is None:
        abort(400)
    try:
        with attempt():
            if action.confirm is not None and not form.confirm.data:
                workflow.check(case, current_user, name, form.to_body())
                return confirmation_page(case, form)
            if name == "sign_opinion" and _unmet(case) and not form.confirm_unmet.data:
                return confirmation_page(case, form, unmet_refused=True)
            workflow.transition(case, current_user, name, form.to_body())
        commit()
    except Forbidden:
        raise
    except ApiError as exc:
        case = queries.get_case(current_user, case_id)
        return _refused_on_case_page(case, form, action_problems(exc, name), exc.status)
    flash(str(DONE_MESSAGES.get(name) or _("Done.")), "success")
    if current_user.role != ENTERPRISE and name in ("sign_opinion", "request_rectification"):
        return redirect(url_for("cases.home"))
    return redirect(url_for("cases.case_page", case_id=case.id))


def _unmet(case) -> list[str]:
    return [r["key_point"] for r in case.review or [] if r.get("finding") == "not_satisfied"]


def _refused_on_case_page(case, form, problems: list[dict[str, str]], status: int = 422):
    from xborder.cases.views import render_case_page

    by_field: dict[str, list[str]] = {}
    for problem in problems:
        by_field.setdefault(problem["field"], []).append(problem["message"])
    return render_case_page(case, status, posted=request.form, action=form.action.data, problems=problems,
                            field_problems=by_field)


def field_anchor(name: str, field: str, prefix: str = "") -> str:
    """The id of the input that shows field `field` of action `name` (the templates' ids, `_action_fields.html`)."""
    if field.startswith("materials/"):
        return "materials"  # the case page's list of filing materials
    known = {"assessor_org_id": "submit-assessor", "due_date": "supplement-due",
             "completeness_confirmed": "forward-complete", "filing_number": "filing-number", "decision": "decision",
             "decision_number": "decision-number", "decision_date": "decision-date",
             "result_received_date": "result-received", "acceptance_date": "acceptance-date"}
    if field == "key_points":
        return f"key_points-{name}"
    if field in known:
        return known[field]
    return f"{field}-{name}" if field in FIELD_LABELS else f"action-{name}"


def _problem(name: str, field: str, message: str) -> dict[str, str]:
    label = FIELD_LABELS.get(field) or (_("Filing materials") if field.startswith("materials/") else None)
    # The field named once: a checkbox's label is the statement it confirms, which its message asks for already
    # ("我确认材料齐全：请确认材料齐全" said it twice), and a message that names its field needs no label before it.
    action = workflow.ACTIONS.get(name)
    declared = action.field(field) if action is not None else None
    if label and ((declared is not None and declared.kind == "flag") or str(label).casefold() in message.casefold()):
        label = None
    return {"field": field, "href": "#" + field_anchor(name, field),
            "message": message, "text": f"{label}{_(': ')}{message}" if label else message}


def action_problems(exc: ApiError, name: str) -> list[dict[str, str]]:
    """A refusal's field errors as the summary shows them: the field's label and the message, linking to it."""
    pairs = [(str(e.get("path") or ""), m) for e, m in zip(exc.errors, error_messages(exc), strict=False)]
    return [_problem(name, path, message) for path, message in pairs] or [_problem(name, "", exc.detail)]


def form_problems(form) -> list[dict[str, str]]:
    """The form's own validation errors (a malformed date, text too long) as problems of its action."""
    name = form.action.data or ""
    return [_problem(name, field, message) for field, messages in form.errors.items() for message in messages]


def confirmation_page(case, form, unmet_refused: bool = False, back: str | None = None):
    """What a confirmed action will sign or record, by whom and with which certificate, at which stage of the
    dossier and with what consequence; its form posts the same fields again with `confirm` (and `confirm_unmet`
    when a finding is 不符合)."""
    name = form.action.data
    action = workflow.ACTIONS[name]
    body = form.to_body()
    shown = [(FIELD_LABELS[f.name], body[f.name], f) for f in action.fields if f.name in body]
    return render_template(
        "cases/confirm.html", case=case, name=name, action=action, body=body, shown=shown,
        certificate=signing_identity(current_user.organisation, current_user),
        target=action.target_for(case.status, body, case), unmet=_unmet(case) if name == "sign_opinion" else [],
        unmet_refused=unmet_refused, back=back or url_for("cases.case_page", case_id=case.id),
        form=form), 422 if unmet_refused else 200


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


#: The actions the review page concludes a round with; their fields are posted with the findings, prefixed by
#: the action's name (`request_rectification-comment`), so a refusal shows everything again as it was typed.
CONCLUSIONS = ("request_rectification", "sign_opinion")


def _changed_reviews(case, reviews: list[dict[str, Any]]) -> list[dict[str, Any]]:
    saved = {r["key_point"]: r for r in case.review or []}
    keys = ("finding", "comment", "impact", "likelihood", "justification")
    return [r for r in reviews if any((saved.get(r["key_point"]) or {}).get(k) != r.get(k) for k in keys)]


def review_problems(exc: ApiError, points: list[dict[str, Any]], reviews: list[dict[str, Any]],
                    name: str | None) -> list[dict[str, str]]:
    """A refusal on the review page, each message linked to its input: a finding's field (`reviews/<i>/<field>`
    or a path naming the key point) or the concluding action's field."""
    ids = {p["id"] for p in points}
    out = []
    for error, message in zip(exc.errors, error_messages(exc), strict=False):
        parts = str(error.get("path") or "").split("/")
        point = None
        if parts[0] == "reviews" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(reviews):
            point = reviews[int(parts[1])]["key_point"]
        point = point or next((p for p in parts if p in ids), None)
        if point is not None:
            leaf = parts[-1] if parts[-1] in ("finding", "comment", "impact", "likelihood", "justification") \
                else "finding"
            out.append({"field": f"{leaf}-{point}", "href": f"#{leaf}-{point}",
                        "text": f"{key_point_title(point)}{_(': ')}{message}", "message": message})
        elif name is not None:
            out.append(_problem(name, "/".join(parts), message))
        else:
            out.append({"field": "", "href": "", "text": message, "message": message})
    return out or [{"field": "", "href": "", "text": exc.detail, "message": exc.detail}]


@bp.route("/cases/<int:case_id>/review", methods=["GET", "POST"])
@login_required
def review(case_id: int):
    """The assessor's screen: the enterprise's answers and evidence beside the finding for each key point, a table
    of contents with each point's state, and the round's conclusion (rectification or signing) posted with the
    findings, saved together or not at all; a refusal shows the page again with everything as it was typed."""
    case = queries.get_case(current_user, case_id)
    require_role("assessor")
    points = applicable_key_points(case)
    form = ReviewForm()
    problems: list[dict[str, str]] = []
    status = 200
    conclude = request.form.get("conclude") if request.method == "POST" else None
    conclude = conclude if conclude in CONCLUSIONS else None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, "CSRF token missing or invalid")
        reviews = _reviews_from(request.form, points)
        action_form = None
        try:
            with attempt():
                version = form_version(form.version.data)
                # Concluding saves the findings typed since the last save with it; saving alone saves them all.
                changed = _changed_reviews(case, reviews) if conclude else reviews
                if changed or not conclude:
                    operations.save_review(current_user, case, version, changed)
                    version = case.version
                if conclude:
                    formdata = request.form.copy()
                    formdata[f"{conclude}-action"], formdata[f"{conclude}-version"] = conclude, str(version)
                    action_form = ActionForm(formdata=formdata, prefix=f"{conclude}-", meta={"csrf": False})
                    if not action_form.validate():
                        problems, status = form_problems(action_form), 422
                        raise _Refused
                    if workflow.ACTIONS[conclude].confirm is not None:
                        workflow.check(case, current_user, conclude, action_form.to_body())
                    else:
                        workflow.transition(case, current_user, conclude, action_form.to_body())
            commit()
            if conclude and workflow.ACTIONS[conclude].confirm is not None:
                return confirmation_page(case, action_form, back=url_for("cases.review", case_id=case.id))
            if conclude:
                flash(str(DONE_MESSAGES[conclude]), "success")
                return redirect(url_for("cases.home"))
            flash(_("Findings saved."), "success")
            return redirect(url_for("cases.review", case_id=case.id))
        except Forbidden:
            raise
        except _Refused:
            case = queries.get_case(current_user, case_id)
        except ApiError as exc:
            problems, status = review_problems(exc, points, reviews, conclude), exc.status
            case = queries.get_case(current_user, case_id)
    detail = presenters.case_detail(case, current_user)
    form.version.data = case.version
    reviews_saved = web_presenters.review_by_key_point(case)
    changed_points = guide.changed_points(case)
    return render_template(
        "cases/review.html", case=case, detail=detail, points=points, form=form,
        action_form=ActionForm(formdata=None, meta={"csrf": False}),
        answers=web_presenters.answers_by_key_point(case), reviews=reviews_saved,
        evidence=web_presenters.evidence_by_key_point(detail), problems=problems,
        field_problems={p["field"]: p["message"] for p in problems}, conclusions=[
            n for n in CONCLUSIONS if n in detail["actions"]], changed=changed_points,
        toc=web_presenters.review_contents(points, reviews_saved, request.form, changed_points),
        risk_points={p["id"]: p for p in (case.risk or {}).get("key_points", [])},
        changes=web_presenters.changes_since_last_round(case), posted=request.form,
        posted_action=conclude), status


class _Refused(Exception):
    """The concluding action's own form was refused (its savepoint is rolled back)."""


@bp.app_template_global()
def action_confirmed(name: str) -> bool:
    """Whether the web asks to confirm action `name` on a page of its own before taking it (the action table)."""
    action = workflow.ACTIONS.get(name)
    return action is not None and action.confirm is not None
