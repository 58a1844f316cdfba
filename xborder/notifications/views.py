"""Web: the signed-in user's notifications, newest first, each markable as read."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from xborder.core.unit_of_work import commit
from xborder.extensions import db
from xborder.notifications import operations

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@login_required
def index():
    """A page of the user's notifications."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    unread = request.args.get("unread") == "1"
    listing = operations.list_for(current_user, page=page, per_page=20, unread=unread)
    links = {row.id: _link(row) for row in listing["items"]}
    return render_template("notifications/index.html", listing=listing, unread=unread, links=links)


# A request that names key points: the enterprise is taken straight to the first point it must change.
_POINTED = {"transition.request_rectification", "transition.request_supplement"}


def _link(row) -> dict | None:
    """Where a notification leads: its case (reference and title), and the first key point a request names."""
    if row.case_id is None:
        return None
    from xborder.cases.models import Case

    case = db.session.get(Case, row.case_id)
    if case is None:
        return None
    link = {"href": url_for("cases.case_page", case_id=case.id), "reference": case.reference, "point": None}
    if row.kind in _POINTED and current_user.role == "enterprise":
        points = _requested_points(case)
        if points:
            link["point"] = {"href": url_for("cases.self_assessment", case_id=case.id, kp=points[0]),
                             "id": points[0]}
    return link


def _requested_points(case) -> list[str]:
    from xborder.cases.changes import round_changes

    round_ = round_changes(case).get("round") or {}
    return list(round_.get("key_points") or []) if round_.get("state") == "open" else []


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    """Mark every unread notification read (a CSRF-protected form), then back to the list."""
    done = operations.mark_all_read(current_user)
    commit()
    flash(gettext("%(count)s notifications marked as read.", count=done), "success")
    return redirect(url_for("notifications.index"))


@bp.app_context_processor
def _unread_badge() -> dict[str, object]:
    """The unread count for the navigation, computed only when a page shows it."""

    def unread_notifications() -> int:
        if not getattr(current_user, "is_authenticated", False):
            return 0
        return operations.unread_count(current_user)

    return {"unread_notifications": unread_notifications}


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int):
    """Mark one notification read (a CSRF-protected form), then back to the list."""
    operations.mark_read(current_user, notification_id)
    commit()
    return redirect(url_for("notifications.index", page=request.form.get("page", 1, type=int)))
