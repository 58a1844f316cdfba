"""Pages: one's own web sessions (sign out everywhere), and the admin's users page (search, deactivate, reset MFA)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm

from xborder.accounts import mfa, operations
from xborder.accounts.models import Organisation, User, UserSession
from xborder.accounts.records import audit
from xborder.accounts.views import bp
from xborder.core.auth import SESSION_ID_KEY
from xborder.core.timeutil import utcnow
from xborder.extensions import db


@bp.route("/account/sessions")
@login_required
def sessions():
    """The user's signed-in browsers (this one marked), with "sign out everywhere"."""
    current = operations.session_row(session.get(SESSION_ID_KEY))
    rows = db.session.scalars(sa.select(UserSession).where(UserSession.user_id == current_user.id,
                                                           UserSession.expires_at > utcnow())
                              .order_by(UserSession.created_at.desc())).all()
    return render_template("accounts/sessions.html", rows=rows, current_id=getattr(current, "id", None),
                           form=FlaskForm())


@bp.route("/account/sessions/end-all", methods=["POST"])
@login_required
def end_all_sessions():
    """Sign out every browser and revoke every token of the user, this browser included."""
    if FlaskForm().validate_on_submit():
        current_user.revoke_credentials()
        db.session.commit()
        lang = session.get("lang")
        logout_user()
        session.clear()
        if lang:
            session["lang"] = lang
        flash(_("Signed out everywhere."), "success")
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.sessions"))


def _require_admin() -> None:
    if current_user.role != "admin":
        abort(403)


@bp.route("/admin/users")
@login_required
def admin_users():
    """Every user, searchable by e-mail, name or organisation (admins only)."""
    _require_admin()
    query = (request.args.get("q") or "").strip()[:100]
    stmt = sa.select(User).join(Organisation).order_by(Organisation.name, User.email).limit(200)
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(User.email).like(like), sa.func.lower(User.name).like(like),
                                 sa.func.lower(Organisation.name).like(like), Organisation.uscc.like(like.upper())))
    users = db.session.scalars(stmt).all()
    return render_template("accounts/admin_users.html", users=users, q=query, form=FlaskForm(),
                           enrolled={u.id for u in users if mfa.enrolled(u)})


@bp.route("/admin/users/<int:user_id>/<any(deactivate, reset_mfa):what>", methods=["POST"])
@login_required
def admin_user_action(user_id: int, what: str):
    """Deactivate a user (every token and session ends) or remove their authenticator (they enrol again)."""
    _require_admin()
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if FlaskForm().validate_on_submit():
        if what == "deactivate":
            if user.id == current_user.id:
                flash(_("You cannot deactivate yourself."), "error")
                return redirect(url_for("accounts.admin_users"))
            user.deactivate()
        else:
            mfa.reset(user)
        audit(f"user_{what}", {"user_id": user.id, "email": user.email}, current_user)
        db.session.commit()
        flash(_("Done."), "success")
    return redirect(url_for("accounts.admin_users", q=request.args.get("q", "")))


@bp.route("/organisation/people", methods=["GET", "POST"])
@login_required
def people():
    """The organisation's administrator: colleagues, invitations (the link shown once) and deactivation."""
    from xborder.accounts import people as ops
    from xborder.accounts.forms import InviteForm
    from xborder.core.errors import ApiError
    from xborder.web.helpers import attempt, error_messages

    if not ops.is_org_admin(current_user):
        abort(403)
    form, link = InviteForm(), None
    if form.validate_on_submit():
        try:
            with attempt():
                row = ops.invite(current_user, form.email.data or "",
                                 lambda secret: url_for("accounts.accept_invitation", token=secret, _external=True))
            link = row.link
            db.session.commit()
            from xborder.notifications.mail import dispatch

            dispatch()  # the invitation goes to the colleague's address
        except ApiError as exc:
            for message in error_messages(exc):
                flash(message, "error")
    return render_template("accounts/people.html", users=ops.colleagues(current_user), form=form, link=link,
                           action_form=FlaskForm())


@bp.route("/organisation/people/<int:user_id>/deactivate", methods=["POST"])
@login_required
def deactivate_colleague(user_id: int):
    """Deactivate a colleague (not the last administrator)."""
    from xborder.accounts import people as ops
    from xborder.core.errors import ApiError
    from xborder.web.helpers import attempt, error_messages

    if not ops.is_org_admin(current_user):
        abort(403)
    if FlaskForm().validate_on_submit():
        try:
            with attempt():
                ops.deactivate_colleague(current_user, user_id)
            db.session.commit()
            flash(_("Done."), "success")
        except ApiError as exc:
            for message in error_messages(exc):
                flash(message, "error")
    if not current_user.is_authenticated or not current_user.active:
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.people"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Join an organisation through an invitation link: name and password; the link works once."""
    from xborder.accounts import people as ops
    from xborder.accounts.forms import AcceptInvitationForm
    from xborder.core.errors import ApiError, NotFound
    from xborder.web.helpers import attempt, field_errors

    try:
        row = ops.invitation(token)
    except NotFound:
        return render_template("accounts/invitation.html", row=None, form=None, errors={}), 404
    form, errors = AcceptInvitationForm(), {}
    if form.validate_on_submit():
        try:
            with attempt():
                ops.accept(token, form.name.data or "", form.password.data or "")
            db.session.commit()
            flash(_("Welcome. Sign in with your e-mail address and the new password."), "success")
            return redirect(url_for("accounts.login"))
        except ApiError as exc:
            errors = field_errors(exc)
    return render_template("accounts/invitation.html", row=row, form=form, errors=errors)
