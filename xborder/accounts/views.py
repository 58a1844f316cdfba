"""Web: login, logout and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from xborder.accounts import mfa, operations
from xborder.accounts.forms import LoginForm, LogoutForm, ProfileCsrfForm
from xborder.config import LOCALES
from xborder.core.auth import SESSION_ID_KEY
from xborder.core.security import sign_in_limited
from xborder.core.unit_of_work import commit

bp = Blueprint("accounts", __name__)

# Set at sign-in for a user whose role needs a second factor and who has none: every page leads to enrolment.
MFA_ENROL_KEY = "mfa_enrol"
_ENROLMENT_PAGES = {"accounts.totp", "accounts.logout", "accounts.switch_language", "static"}


@bp.app_context_processor
def _people_helpers() -> dict[str, object]:
    from xborder.accounts.records import is_org_admin

    return {"is_org_admin": is_org_admin}


@bp.before_app_request
def _enrol_first():
    """Keep a signed-in user who must enrol a second factor on the enrolment page until it is done."""
    if (session.get(MFA_ENROL_KEY) and request.endpoint not in _ENROLMENT_PAGES
            and not request.path.startswith("/api/") and current_user.is_authenticated):
        return redirect(url_for("accounts.totp"))
    return None


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths, so the login page cannot be used as an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("cases.home")


def open_session(user) -> None:
    """Start `user`'s web session: a fresh cookie (nothing from before signing in carries over) naming a new
    server-side session row. The caller commits."""
    session.clear()
    session.permanent = True
    session[SESSION_ID_KEY] = operations.start_session(user)
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limited
def login():
    """Show the login form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("cases.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data or "", form.password.data or "")
        if user is not None and mfa.enrolled(user) and not mfa.verify(user, form.otp.data):
            commit()  # a used code's time step is remembered even when the sign-in is refused
            flash(_("Enter the current code from your authenticator app (or a recovery code)."), "error")
            return render_template("accounts/login.html", form=form, need_otp=True), 401
        if user is not None:
            enrol = not mfa.enrolled(user) and mfa.required_for(user)
            open_session(user)
            commit()
            if enrol:  # the role signs in with a second factor: lead the user through setting it up first
                session[MFA_ENROL_KEY] = True
                return redirect(url_for("accounts.totp"))
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong email or password, or the account is deactivated."), "error")
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign the user out (a POST with a CSRF token, so a link elsewhere cannot log anyone out)."""
    form = LogoutForm()
    if form.validate_on_submit():
        lang = session.get("lang")
        operations.end_session(session.get(SESSION_ID_KEY))  # the cookie's copies stop working, not just this one
        commit()
        logout_user()
        session.clear()
        if lang:
            session["lang"] = lang
    return redirect(url_for("accounts.login"))


@bp.route("/lang/<code>")
def switch_language(code: str):
    """Switch the interface language for this session."""
    if code in LOCALES:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))


@bp.route("/organisation/profile", methods=["GET", "POST"])
@login_required
def organisation_profile():
    """The enterprise's organisation profile: what its filing documents say about it (copied into a case at
    submit). Other roles see their organisation's profile read-only."""
    import marshmallow as ma

    from xborder.accounts import profile
    from xborder.core.unit_of_work import commit

    editable = current_user.role == "enterprise"
    form = ProfileCsrfForm()
    values, errors = profile.profile_of(current_user.organisation), {}
    if request.method == "POST":
        if not editable:
            return redirect(url_for("accounts.organisation_profile"))
        raw = {f.name: request.form.get(f.name, "") for f in profile.FIELDS}
        raw["no_legal_representative"] = request.form.get("no_legal_representative") == "on"
        if form.validate_on_submit():
            try:
                profile.save(current_user.organisation, profile.ProfileSchema().load(raw))
                commit()
                flash(_("The organisation profile is saved. Cases submitted from now on carry it."), "success")
                return redirect(url_for("accounts.organisation_profile"))
            except ma.ValidationError as exc:
                errors = exc.messages
        values = {**values, **raw}
    status = 422 if errors else 200
    return render_template("accounts/profile.html", form=form, sections=profile.SECTIONS, values=values,
                           errors=errors, editable=editable,
                           missing=profile.missing(profile.clean(values))), status
