"""Web: login, logout and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from xborder.accounts import operations
from xborder.accounts.forms import LoginForm, LogoutForm
from xborder.config import LOCALES
from xborder.core.auth import SESSION_ID_KEY
from xborder.core.security import sign_in_limited
from xborder.core.unit_of_work import commit

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths, so the login page cannot be used as an open redirect.
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("cases.home")


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limited
def login():
    """Show the login form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("cases.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            session.clear()
            session.permanent = True
            session[SESSION_ID_KEY] = operations.start_session(user)
            login_user(user)
            commit()
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
