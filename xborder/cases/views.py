"""Web: the landing page per role and the case page; the other case pages live in the `web_*` modules."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_login import current_user, login_required

from xborder.cases import presenters, queries, web_presenters
from xborder.cases.blueprint import bp
from xborder.cases.models.status import ALL as ALL_STATUSES
from xborder.cases.web_forms import ActionForm
from xborder.web.helpers import key_point_title

__all__ = ["bp"]


@bp.route("/")
@login_required
def home():
    """The cases the user may see: the enterprise's own, the assessor's queue, the official's dashboard."""
    if current_user.role == "provincial_official":
        from xborder.cases.web_dashboard import dashboard

        return dashboard()
    page = request.args.get("page", 1, type=int) or 1
    status = request.args.get("status")
    listing = queries.list_cases(current_user, page=max(page, 1), per_page=20,
                                 status=status if status in ALL_STATUSES else None)
    return render_template("cases/home.html", listing=listing, status=status, statuses=ALL_STATUSES)


@bp.route("/cases/<int:case_id>")
@login_required
def case_page(case_id: int):
    """One case: determination, key points, risk picture, evidence, deadlines, actions and timeline."""
    return render_case_page(queries.get_case(current_user, case_id))


def render_case_page(case, status: int = 200, **refused: Any):
    """The case page; after a refused action (`refused`: the post, the action, the problems) it shows the action's
    form as it was sent, each problem named and linked in a summary, with the refusal's status."""
    detail = presenters.case_detail(case, current_user)
    form = ActionForm(version=case.version)
    form.assessor_org_id.choices = [(o.id, o.name) for o in web_presenters.assessor_bodies()]
    form.key_points.choices = [(kp["id"], key_point_title(kp["id"])) for kp in detail["key_points"]]
    return render_template(
        "cases/case.html", case=case, detail=detail, form=form, timeline=web_presenters.timeline(case),
        changes=web_presenters.changes_since_last_round(case),
        completeness=web_presenters.completeness(case, detail) if current_user.role == "provincial_official"
        else None, blocked=web_presenters.blocked_actions(case, detail["actions"]),
        resubmit_waiting=web_presenters.resubmit_waiting(case, current_user, detail["actions"]),
        posted=refused.get("posted") or {}, posted_action=refused.get("action"),
        problems=refused.get("problems") or [], field_problems=refused.get("field_problems") or {}), status
