"""Web: the landing page per role, listing the cases the user may see."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from xborder.cases import queries
from xborder.cases.models import STATUSES

bp = Blueprint("cases", __name__)


@bp.route("/")
@login_required
def home():
    """The cases the user may see, newest first, paginated."""
    page = request.args.get("page", 1, type=int) or 1
    status = request.args.get("status")
    listing = queries.list_cases(current_user, page=max(page, 1), per_page=20,
                                 status=status if status in STATUSES else None)
    return render_template("cases/home.html", listing=listing, status=status, statuses=STATUSES)
