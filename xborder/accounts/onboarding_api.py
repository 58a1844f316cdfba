"""API: registrations and their approval, the TOTP second factor, and password reset by e-mail."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from xborder.accounts import mfa, onboarding, resets
from xborder.accounts.schemas import (
    DecisionSchema,
    EmptySchema,
    OtpSchema,
    PasswordResetRequestSchema,
    PasswordResetSchema,
    RecoveryCodesSchema,
    RegistrationAcceptedSchema,
    RegistrationPageSchema,
    RegistrationQuerySchema,
    RegistrationRequestSchema,
    RegistrationSchema,
    ResetRequestedSchema,
    TotpEnrolmentSchema,
)
from xborder.core.auth import api_user, token_required
from xborder.core.errors import Unprocessable, field_error
from xborder.core.security import sign_in_limited
from xborder.core.unit_of_work import commit

blp = Blueprint("accounts_onboarding_api", __name__, url_prefix="/api/v1",
                description="Registrations, approval, second factor and password reset")


def _mail() -> None:
    from xborder.notifications.mail import dispatch

    dispatch()


@blp.route("/registrations")
class RegistrationsResource(MethodView):
    """Applications of enterprises and assessment bodies."""

    @blp.doc(security=[])
    @sign_in_limited  # a public write: bounded per address like a sign-in
    @blp.arguments(RegistrationRequestSchema)
    @blp.response(202, RegistrationAcceptedSchema)
    @blp.alt_response(409, description="The organisation or the e-mail address exists or has applied already")
    @blp.alt_response(422, description="Invalid USCC or province, weak password, missing accreditation")
    @blp.alt_response(429, description="Too many applications from this address; see Retry-After")
    def post(self, body):
        """Apply: the organisation and its first user, pending until the province's official approves."""
        row = onboarding.register(body)
        commit()
        return {"id": row.id, "status": row.status}

    @token_required()
    @blp.arguments(RegistrationQuerySchema, location="query")
    @blp.response(200, RegistrationPageSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Only provincial officials and admins decide registrations")
    @blp.alt_response(422, description="A bad `page`, `per_page` or `status`")
    def get(self, query):
        """The registrations the caller may decide (an official: its province's), newest first, paginated."""
        user = api_user()
        onboarding.require_decider(user)
        return onboarding.registrations_page(user, status=query.get("status"), page=query["page"],
                                             per_page=query["per_page"])


@blp.route("/registrations/<int:registration_id>/approve")
class ApproveResource(MethodView):
    """Approving an application."""

    @token_required()
    @blp.arguments(DecisionSchema)
    @blp.response(200, RegistrationSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Only provincial officials and admins decide registrations")
    @blp.alt_response(404, description="No such registration in the caller's province")
    @blp.alt_response(409, description="Decided already, or the organisation or e-mail exists by now")
    def post(self, body, registration_id: int):
        """Approve: the organisation and its first user are created and may sign in."""
        user = api_user()
        onboarding.require_decider(user)
        row = onboarding.registration_for(user, registration_id)
        onboarding.approve(row, user, body.get("comment"))
        commit()
        _mail()
        return row


@blp.route("/registrations/<int:registration_id>/reject")
class RejectResource(MethodView):
    """Rejecting an application."""

    @token_required()
    @blp.arguments(DecisionSchema)
    @blp.response(200, RegistrationSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Only provincial officials and admins decide registrations")
    @blp.alt_response(404, description="No such registration in the caller's province")
    @blp.alt_response(409, description="Decided already")
    @blp.alt_response(422, description="No reason given (`comment`)")
    def post(self, body, registration_id: int):
        """Reject with a reason (`comment`); nobody is created."""
        user = api_user()
        onboarding.require_decider(user)
        row = onboarding.registration_for(user, registration_id)
        onboarding.reject(row, user, body.get("comment") or "")
        commit()
        _mail()
        return row


@blp.route("/auth/totp")
class TotpResource(MethodView):
    """Enrolling a TOTP authenticator."""

    @token_required()
    @blp.arguments(EmptySchema, required=False)
    @blp.response(200, TotpEnrolmentSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(409, description="An authenticator is on already")
    def post(self, _body):
        """A fresh secret and its otpauth URI, to confirm with `POST /auth/totp/confirm`."""
        secret, uri = mfa.begin(api_user())
        commit()
        return {"secret": secret, "otpauth_uri": uri}


@blp.route("/auth/totp/confirm")
class TotpConfirmResource(MethodView):
    """Turning the authenticator on."""

    @sign_in_limited  # six digits can be guessed only as slowly as a password
    @token_required()
    @blp.arguments(OtpSchema)
    @blp.response(200, RecoveryCodesSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(422, description="Wrong code, or nothing to confirm")
    @blp.alt_response(429, description="Too many attempts; see Retry-After")
    def post(self, body):
        """Confirm with the app's current code: TOTP is on from now on; returns one-time recovery codes (once)."""
        codes = mfa.confirm(api_user(), body["otp"])
        if codes is None:
            raise Unprocessable("The code is wrong, or there is no enrolment to confirm", [field_error(
                "otp", "wrong", "Wrong code (start with POST /auth/totp, then send the app's current code)",
                "动态口令不正确（请先调用 POST /auth/totp，再提交验证器当前显示的口令）")])
        commit()
        return {"recovery_codes": codes}


@blp.route("/auth/password-reset")
class PasswordResetRequestResource(MethodView):
    """Asking for a reset link."""

    @blp.doc(security=[])
    @sign_in_limited
    @blp.arguments(PasswordResetRequestSchema)
    @blp.response(202, ResetRequestedSchema)
    @blp.alt_response(429, description="Too many requests; see Retry-After")
    def post(self, body):
        """Send a reset link if the address belongs to an active user; the answer is the same either way."""
        sent = resets.request_reset(body["email"], _reset_link)
        commit()
        if sent:
            _mail()
        return {"detail": "If an account uses this address, a reset link is on its way."}


def _reset_link(secret: str) -> str:
    return url_for("accounts.reset_password", token=secret, _external=True)


@blp.route("/auth/password-reset/confirm")
class PasswordResetResource(MethodView):
    """Using a reset link."""

    @blp.doc(security=[])
    @sign_in_limited
    @blp.arguments(PasswordResetSchema)
    @blp.response(204)
    @blp.alt_response(422, description="Wrong, used or expired link, or a weak password")
    @blp.alt_response(429, description="Too many attempts; see Retry-After")
    def post(self, body):
        """Set a new password with the link's token; every token and web session of the user ends."""
        resets.reset_password(body["token"], body["new_password"])
        commit()
