"""Admin page: organisations — search, the pending applications to approve, deactivation (every person of the
organisation is deactivated, their tokens, sessions and signing certificates end). Admins only, audited."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from xborder.accounts.forms import DecisionForm
from xborder.accounts.models import Organisation, User
from xborder.accounts.records import Registration, RegistrationStatus, audit
from xborder.accounts.views import bp
from xborder.extensions import db
from xborder.law import catalogue
from xborder.web.helpers import is_zh


def _require_admin() -> None:
    if current_user.role != "admin":
        abort(403)


@bp.route("/admin/organisations")
@login_required
def admin_organisations():
    """Every organisation, searchable by name or USCC, with how many of its people are active; pending applications
    above (approved or rejected on the registrations page's forms)."""
    _require_admin()
    query = (request.args.get("q") or "").strip()[:100]
    active = sa.func.count(User.id).filter(User.active.is_(True))
    stmt = (sa.select(Organisation, active.label("active"), sa.func.count(User.id).label("people"))
            .outerjoin(User, User.organisation_id == Organisation.id).group_by(Organisation.id)
            .order_by(Organisation.name).limit(200))
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(Organisation.name).like(like), Organisation.uscc.like(like.upper())))
    rows = db.session.execute(stmt).all()
    pending = db.session.scalars(sa.select(Registration).where(Registration.status == RegistrationStatus.pending)
                                 .order_by(Registration.id).limit(50)).all()
    provinces = {code: (p.name_zh if is_zh() else p.name_en) for code, p in catalogue.provinces().items()}
    return render_template("accounts/admin_organisations.html", rows=rows, q=query, pending=pending,
                           provinces=provinces, form=FlaskForm(), decision_form=DecisionForm(), kinds=_kinds())


def _kinds() -> dict[str, str]:
    return {"enterprise": _("Enterprise (data exporter)"), "assessor": _("Third-party assessment body"),
            "authority": _("Provincial authority")}


@bp.route("/admin/organisations/<int:organisation_id>/deactivate", methods=["POST"])
@login_required
def admin_deactivate_organisation(organisation_id: int):
    """Deactivate every person of the organisation (not the admin's own)."""
    _require_admin()
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        abort(404)
    if FlaskForm().validate_on_submit():
        if org.id == current_user.organisation_id:
            flash(_("You cannot deactivate your own organisation."), "error")
            return redirect(url_for("accounts.admin_organisations"))
        people = db.session.scalars(sa.select(User).where(User.organisation_id == org.id,
                                                          User.active.is_(True))).all()
        for person in people:
            person.deactivate()
        audit("organisation_deactivated", {"organisation_id": org.id, "uscc": org.uscc,
                                           "users": [p.id for p in people]}, current_user)
        db.session.commit()
        flash(_("The organisation's people are deactivated."), "success")
    return redirect(url_for("accounts.admin_organisations", q=request.args.get("q", "")))
