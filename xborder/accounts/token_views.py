"""Page: one's API tokens (name, created, last used, expires), a new one shown once, and revocation."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from xborder.accounts import tokens
from xborder.accounts.forms import LIFETIME_CHOICES, TokenForm
from xborder.accounts.views import bp
from xborder.core.errors import ApiError
from xborder.extensions import db


def _whole(raw) -> int:
    return int(raw) if str(raw or "").isdigit() else 0


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def api_tokens():
    """The user's usable tokens; a new one's secret is shown on this answer only."""
    from xborder.web.helpers import attempt, field_errors

    form, secret, errors = TokenForm(), None, {}
    form.days.choices = list(LIFETIME_CHOICES)
    if form.validate_on_submit():
        try:
            with attempt():
                secret, _row = tokens.create(current_user, form.name.data or "", _whole(form.days.data))
            db.session.commit()
        except ApiError as exc:
            errors = field_errors(exc)
    return render_template("accounts/tokens.html", rows=tokens.tokens_of(current_user), form=form, secret=secret,
                           errors=errors, action_form=FlaskForm()), 422 if errors else 200


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_api_token(token_id: int):
    """Revoke one of one's own tokens."""
    from xborder.web.helpers import flash_error

    if FlaskForm().validate_on_submit():
        try:
            tokens.revoke_own(current_user, token_id)
            db.session.commit()
            flash(_("The token is revoked: it no longer works."), "success")
        except ApiError as exc:
            db.session.rollback()
            flash_error(exc)
    return redirect(url_for("accounts.api_tokens"))
