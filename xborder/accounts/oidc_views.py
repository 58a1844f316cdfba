"""Web: single sign-on with OpenID Connect (routes on views.bp; every one is a 404 while the feature is off).

The provider authenticates; xborder signs in only an existing, active user whose e-mail the provider verified, and
still asks for its own TOTP code when the provider did not check a second factor (the ID token's `amr`)."""

from __future__ import annotations

import time

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from xborder.accounts import mfa, oidc
from xborder.accounts.forms import TotpForm
from xborder.accounts.models import User
from xborder.accounts.records import audit
from xborder.accounts.views import MFA_ENROL_KEY, _safe_next, bp, open_session
from xborder.core.security import sign_in_limited
from xborder.core.unit_of_work import commit
from xborder.extensions import db

_NEXT_KEY = "oidc_next"
# Signed in at the provider, waiting for xborder's own code: {"user_id", "until", "next", "claims"}.
_PENDING_KEY = "oidc_pending"
PENDING_SECONDS = 300


def _failures() -> tuple[type[Exception], ...]:
    """Everything a failed exchange can raise: the provider unreachable or answering nonsense, a state that does not
    match (MismatchingStateError), a bad signature, issuer, audience, nonce or expiry in the ID token."""
    # Imported here: a deployment without single sign-on does not load the HTTP and JOSE libraries into each worker.
    import requests
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError

    return (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError, RuntimeError)


@bp.app_context_processor
def _single_sign_on() -> dict[str, object]:
    return {"oidc_enabled": oidc.enabled, "oidc_name": lambda: current_app.config["XBORDER"].oidc_name}


def _refuse(message: str):
    flash(message, "error")
    return redirect(url_for("accounts.login"))


def _refusal_message(refusal: oidc.Refusal) -> str:
    return {
        oidc.Refusal.UNVERIFIED: _("The identity provider has not verified your e-mail address, so it cannot sign "
                                   "you in here. Ask its administrator, or sign in with your password."),
        oidc.Refusal.UNKNOWN: _("No xborder account has the e-mail address your identity provider gave. Single "
                                "sign-on only signs in existing accounts: register, or ask your organisation's "
                                "administrator to invite you."),
        oidc.Refusal.DEACTIVATED: _("The account with this e-mail address is deactivated."),
    }[refusal]


@bp.route("/auth/oidc/login")
def oidc_login():
    """Send the browser to the identity provider (state, nonce and a PKCE challenge are kept in the session)."""
    if not oidc.enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("cases.home"))
    session[_NEXT_KEY] = _safe_next(request.args.get("next"))
    try:
        return oidc.client().authorize_redirect(url_for("accounts.oidc_callback", _external=True))
    except _failures():
        current_app.logger.exception("single sign-on: the identity provider's discovery document failed")
        return _refuse(_("The identity provider cannot be reached just now. Try again later, or sign in with your "
                         "password."))


@bp.route("/auth/oidc/callback")
def oidc_callback():
    """Take the provider's answer: exchange the code, check the ID token, and sign in the user it names."""
    if not oidc.enabled():
        abort(404)
    try:
        token = oidc.client().authorize_access_token()
        claims = token.get("userinfo")
        if claims is None:
            raise ValueError("the provider sent no ID token")
    except _failures() as exc:
        current_app.logger.warning("single sign-on refused: %r", exc)
        return _refuse(_("Single sign-on failed: the identity provider's answer could not be verified. Start "
                         "again from this page."))
    found = oidc.user_for(claims)
    if isinstance(found, oidc.Refusal):
        return _refuse(_refusal_message(found))
    claims = {"sub": claims.get("sub"), "amr": claims.get("amr")}
    step = oidc.second_factor_step(found, claims)
    target = session.pop(_NEXT_KEY, None) or url_for("cases.home")
    if step == "code":
        session[_PENDING_KEY] = {"user_id": found.id, "until": time.time() + PENDING_SECONDS, "next": target,
                                 "claims": claims}
        return redirect(url_for("accounts.oidc_code"))
    return _complete(found, claims, target, enrol=step == "enrol", own_code=False)


def _complete(user: User, claims: dict, target: str, *, enrol: bool, own_code: bool):
    """Open the session exactly as the password sign-in does, and record it in the accounts audit chain."""
    open_session(user)
    audit("user_signed_in", {"user_id": user.id, "email": user.email, "method": "oidc",
                             "issuer": current_app.config["XBORDER"].oidc_issuer, "subject": claims.get("sub"),
                             "provider_second_factor": oidc.provider_checked_second_factor(claims),
                             "xborder_code": own_code}, user)
    commit()
    if enrol:  # the role signs in with a second factor and the provider checked none: set one up first
        session[MFA_ENROL_KEY] = True
        return redirect(url_for("accounts.totp"))
    return redirect(_safe_next(target))


@bp.route("/auth/oidc/code", methods=["GET", "POST"])
@sign_in_limited
def oidc_code():
    """xborder's own second factor after the provider, for a user with an authenticator (the provider checked
    none)."""
    if not oidc.enabled():
        abort(404)
    pending = session.get(_PENDING_KEY)
    user = db.session.get(User, pending["user_id"]) if isinstance(pending, dict) else None
    if user is None or not user.active or pending["until"] < time.time():
        session.pop(_PENDING_KEY, None)
        return _refuse(_("Sign in again: the single sign-on step has expired."))
    form = TotpForm()
    if form.validate_on_submit():
        if mfa.verify(user, form.otp.data):
            session.pop(_PENDING_KEY, None)
            return _complete(user, pending["claims"], pending["next"], enrol=False, own_code=True)
        commit()  # a used code's time step is remembered even when the sign-in is refused
        flash(_("Enter the current code from your authenticator app (or a recovery code)."), "error")
        return render_template("accounts/oidc_code.html", form=form), 401
    return render_template("accounts/oidc_code.html", form=form)
