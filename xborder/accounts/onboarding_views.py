"""Pages: registration, the official's registrations list, TOTP enrolment, password change and reset."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from xborder.accounts import mfa, onboarding, resets
from xborder.accounts.forms import (
    KIND_CHOICES,
    DecisionForm,
    ForgotForm,
    PasswordChangeForm,
    RegistrationForm,
    ResetForm,
    TotpForm,
)
from xborder.accounts.passwords import password_errors
from xborder.accounts.records import Registration, RegistrationStatus
from xborder.accounts.views import MFA_ENROL_KEY, bp
from xborder.core.auth import SESSION_ID_KEY
from xborder.core.errors import ApiError
from xborder.core.security import sign_in_limited
from xborder.core.unit_of_work import commit
from xborder.extensions import db
from xborder.law import catalogue
from xborder.web.helpers import attempt, error_messages, field_errors, is_zh

# Where an operation's error path shows on the registration form.
_REGISTRATION_FIELDS = {
    "organisation/kind": "kind", "organisation/name": "org_name", "organisation/uscc": "uscc",
    "organisation/province": "province", "organisation/accreditation_scope": "accreditation_scope",
    "organisation/accredited_until": "accredited_until", "user/email": "email", "user/name": "user_name",
    "user/password": "password",
}


def _province_choices() -> list[tuple[str, str]]:
    zh = is_zh()
    return [(code, p.name_zh if zh else p.name_en) for code, p in catalogue.provinces().items()]


@bp.route("/register", methods=["GET", "POST"])
@sign_in_limited
def register():
    """The public registration form of enterprises and assessment bodies."""
    form = RegistrationForm()
    form.kind.choices = list(KIND_CHOICES)
    form.province.choices = _province_choices()
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        body = {"organisation": {"kind": form.kind.data, "name": form.org_name.data or "",
                                 "uscc": form.uscc.data or "", "province": form.province.data or "",
                                 "accreditation_scope": form.accreditation_scope.data or None,
                                 "accredited_until": form.accredited_until.data},
                "user": {"email": form.email.data or "", "name": form.user_name.data or "",
                         "password": form.password.data or ""}}
        try:
            with attempt():
                row = onboarding.register(body)
            commit()
            return render_template("accounts/registered.html", registration=row)
        except ApiError as exc:
            errors = {_REGISTRATION_FIELDS.get(path, path): messages
                      for path, messages in field_errors(exc).items()}
            return render_template("accounts/register.html", form=form, errors=errors), exc.status
    return render_template("accounts/register.html", form=form, errors=errors)


@bp.route("/registrations")
@login_required
def registrations():
    """The registrations the official (or admin) decides, pending first."""
    if current_user.role not in ("provincial_official", "admin"):
        abort(403)
    status = request.args.get("status", RegistrationStatus.pending)
    stmt = sa.select(Registration).where(onboarding.may_decide(current_user))
    if status in RegistrationStatus.ALL:
        stmt = stmt.where(Registration.status == status)
    rows = db.session.scalars(stmt.order_by(Registration.id.desc()).limit(200)).all()
    provinces = {code: (p.name_zh if is_zh() else p.name_en) for code, p in catalogue.provinces().items()}
    return render_template("accounts/registrations.html", rows=rows, status=status, form=DecisionForm(),
                           provinces=provinces)


@bp.route("/registrations/<int:registration_id>/<any(approve, reject):decision>", methods=["POST"])
@login_required
def decide(registration_id: int, decision: str):
    """Approve or reject an application from the list."""
    if current_user.role not in ("provincial_official", "admin"):
        abort(403)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            with attempt():
                row = onboarding.registration_for(current_user, registration_id)
                if decision == "approve":
                    onboarding.approve(row, current_user, form.comment.data or None)
                else:
                    onboarding.reject(row, current_user, form.comment.data or "")
            commit()
            from xborder.notifications.mail import dispatch

            dispatch()  # the applicant is told either way, by e-mail
            flash(_("Approved: the organisation and its user can sign in now.") if decision == "approve"
                  else _("Rejected."), "success")
        except ApiError as exc:
            for message in error_messages(exc):
                flash(message, "error")
    return redirect(url_for("accounts.registrations"))


@bp.route("/account/totp", methods=["GET", "POST"])
@login_required
def totp():
    """Set up a TOTP authenticator: the QR code (SVG made here), then the first code turns it on."""
    if mfa.enrolled(current_user):
        session.pop(MFA_ENROL_KEY, None)
        return render_template("accounts/totp.html", enrolled=True, required=False)
    form = TotpForm()
    if form.validate_on_submit():
        codes = mfa.confirm(current_user, form.otp.data or "")
        if codes is not None:
            commit()
            session.pop(MFA_ENROL_KEY, None)
            return render_template("accounts/totp.html", enrolled=True, codes=codes, required=False)
        form.otp.errors = [_("Wrong code: enter the code the app shows now.")]
        row = mfa.totp_of(current_user)
        secret = row.secret if row is not None else mfa.begin(current_user)[0]
    else:
        secret, _uri = mfa.begin(current_user)
    commit()
    uri = mfa.uri(current_user, secret)
    return render_template("accounts/totp.html", enrolled=False, form=form, secret=secret, qr=mfa.qr_svg(uri),
                           required=bool(session.get(MFA_ENROL_KEY))), (422 if form.otp.errors else 200)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@sign_in_limited
def change_password():
    """Change one's password; every other session and token ends."""
    from xborder.accounts import operations

    form = PasswordChangeForm()
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        weak = password_errors(form.new_password.data or "", "new_password",
                               hints=(current_user.email, current_user.name))
        keep = operations.session_row(session.get(SESSION_ID_KEY))
        if weak:
            errors = {"new_password": [e[f"message_{'zh' if is_zh() else 'en'}"] for e in weak]}
        elif not operations.change_password(current_user, form.current_password.data or "",
                                            form.new_password.data or "", keep_session=keep):
            errors = {"current_password": [_("The current password is wrong.")]}
        else:
            commit()
            flash(_("Password changed. Every other session and token has been signed out."), "success")
            return redirect(url_for("cases.home"))
        return render_template("accounts/password.html", form=form, errors=errors), 422
    return render_template("accounts/password.html", form=form, errors=errors)


@bp.route("/password/forgot", methods=["GET", "POST"])
@sign_in_limited
def forgot_password():
    """Ask for a reset link; the page says the same whether the address exists."""
    form = ForgotForm()
    if form.validate_on_submit():
        sent = resets.request_reset(form.email.data or "",
                                    lambda secret: url_for("accounts.reset_password", token=secret, _external=True))
        commit()
        if sent:
            from xborder.notifications.mail import dispatch

            dispatch()
        return render_template("accounts/forgot.html", form=form, done=True)
    return render_template("accounts/forgot.html", form=form, done=False)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@sign_in_limited
def reset_password(token: str):
    """Set a new password through a reset link (once, before it expires)."""
    form = ResetForm()
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        try:
            with attempt():
                resets.reset_password(token, form.new_password.data or "")
            commit()
            flash(_("Password set. Sign in with the new password."), "success")
            return redirect(url_for("accounts.login"))
        except ApiError as exc:
            errors = field_errors(exc)
            return render_template("accounts/reset.html", form=form, errors=errors), exc.status
    return render_template("accounts/reset.html", form=form, errors=errors)
