"""Web: the signed-in user's notifications, newest first, each markable as read."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from xborder.core.unit_of_work import commit
from xborder.notifications import operations

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@login_required
def index():
    """A page of the user's notifications."""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    unread = request.args.get("unread") == "1"
    listing = operations.list_for(current_user, page=page, per_page=20, unread=unread)
    return render_template("notifications/index.html", listing=listing, unread=unread)


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int):
    """Mark one notification read (a CSRF-protected form), then back to the list."""
    operations.mark_read(current_user, notification_id)
    commit()
    return redirect(url_for("notifications.index", page=request.form.get("page", 1, type=int)))
