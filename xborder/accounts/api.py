"""API: bearer tokens, the caller, and the organisations a caller may name."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint

from xborder.accounts import mfa, operations, profile
from xborder.accounts.models import Organisation
from xborder.accounts.passwords import password_errors
from xborder.accounts.schemas import (
    EmptySchema,
    MeSchema,
    OrganisationQuerySchema,
    OrganisationSchema,
    PasswordChangeSchema,
    TokenRequestSchema,
    TokenSchema,
)
from xborder.core.auth import Unauthorised, api_token, api_user, token_required
from xborder.core.errors import Forbidden, Unprocessable, field_error
from xborder.core.security import sign_in_limited
from xborder.core.timeutil import as_utc
from xborder.core.unit_of_work import commit
from xborder.extensions import db

blp = Blueprint("accounts_api", __name__, url_prefix="/api/v1", description="Authentication and organisations")


@blp.route("/auth/token")
class TokenResource(MethodView):
    """Bearer tokens."""

    @blp.doc(security=[])
    @sign_in_limited
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, description="Wrong credentials, inactive account, or a TOTP user without a valid `otp`")
    @blp.alt_response(403, description="The role must use a second factor and none is enrolled "
                      "(code `mfa_enrolment_required`: enrol at the web sign-in)")
    @blp.alt_response(429, description="Too many sign-in attempts; see Retry-After")
    def post(self, credentials):
        """Exchange an email and password (and `otp` once TOTP is on) for a bearer token."""
        user = operations.authenticate(credentials["email"], credentials["password"])
        if user is None:
            raise Unauthorised("Wrong email or password, or the account is deactivated")
        mfa.check_sign_in(user, credentials.get("otp"))
        token, row = operations.issue_token(user)
        expires_at = as_utc(row.expires_at)
        commit()
        return {"token": token, "expires_at": expires_at, "token_type": "Bearer"}

    @token_required()
    @blp.response(204)
    @blp.alt_response(401, description="No valid token")
    def delete(self):
        """Revoke the token used for this request."""
        operations.revoke_token(api_token())
        commit()


@blp.route("/auth/logout")
class LogoutResource(MethodView):
    """Signing out of the API."""

    @token_required()
    @blp.arguments(EmptySchema, required=False)
    @blp.response(204)
    @blp.alt_response(401, description="No valid token")
    def post(self, _body):
        """Revoke the token used for this request (as `DELETE /auth/token`)."""
        operations.revoke_token(api_token())
        commit()


@blp.route("/auth/password")
class PasswordResource(MethodView):
    """The caller's password."""

    @sign_in_limited  # a wrong current password is a guess like a wrong sign-in, and counts as one
    @token_required()
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(422, description="The current password is wrong, or the new one is too short or unchanged")
    @blp.alt_response(429, description="Too many wrong passwords; see Retry-After")
    def post(self, body):
        """Change the password; every other token and every web session of the user stops working."""
        user = api_user()
        weak = password_errors(body["new_password"], "new_password", hints=(user.email, user.name))
        if weak:
            raise Unprocessable("The new password is too short or easy to guess", weak)
        if body["new_password"] == body["current_password"]:
            raise Unprocessable("The new password is the current one", [field_error(
                "new_password", "unchanged", "Choose a password other than the current one",
                "新密码不能与当前密码相同")])
        if not operations.change_password(user, body["current_password"], body["new_password"],
                                          keep_token=api_token()):
            raise Unprocessable("The current password is wrong", [field_error(
                "current_password", "wrong", "The current password is wrong", "当前密码不正确")])
        commit()


@blp.route("/me")
class MeResource(MethodView):
    """The caller."""

    @token_required()
    @blp.response(200, MeSchema)
    @blp.alt_response(401, description="No valid token")
    def get(self):
        """Who the token belongs to."""
        return api_user()


@blp.route("/organisations")
class OrganisationsResource(MethodView):
    """Organisations a caller may name."""

    @token_required()
    @blp.arguments(OrganisationQuerySchema, location="query")
    @blp.response(200, OrganisationSchema(many=True))
    @blp.alt_response(401, description="No valid token")
    def get(self, query):
        """List the organisations the caller may name, e.g. `?kind=assessor` for the bodies an enterprise may name at
        submit. An enterprise or an assessor body sees the assessor bodies and itself, never another enterprise; a
        provincial official also the authorities and its province's enterprises; an admin every organisation."""
        stmt = sa.select(Organisation).where(_nameable_by(api_user())).order_by(Organisation.name)
        if "kind" in query:
            stmt = stmt.where(Organisation.kind == query["kind"])
        return db.session.scalars(stmt).all()


def _nameable_by(user) -> sa.ColumnElement[bool]:
    """The organisations `user` may know of by name (least knowledge: no enterprise learns of another)."""
    if user.role == "admin":
        return sa.true()
    visible = sa.or_(Organisation.kind == "assessor", Organisation.id == user.organisation_id)
    if user.role == "provincial_official":
        province = user.organisation.province
        return sa.or_(visible, Organisation.kind == "authority",
                      sa.and_(Organisation.kind == "enterprise", Organisation.province == province))
    return visible


@blp.route("/organisations/me/profile")
class ProfileResource(MethodView):
    """The caller's organisation profile, which the filing documents draw on (each case copies it at submit)."""

    @token_required()
    @blp.response(200, profile.ProfileSchema)
    @blp.alt_response(401, description="No valid token")
    def get(self):
        """The profile of the caller's organisation; fields not filled in are null."""
        return profile.profile_of(api_user().organisation)

    @token_required()
    @blp.arguments(profile.ProfileSchema)
    @blp.response(200, profile.ProfileSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Only an enterprise keeps a profile")
    @blp.alt_response(422, description="A field is too long, has control characters or is unknown")
    def put(self, data):
        """Replace the profile of the caller's enterprise (cases already submitted keep the copy they signed)."""
        user = api_user()
        if user.role != "enterprise":
            raise Forbidden("Only an enterprise keeps an organisation profile")
        saved = profile.save(user.organisation, data)
        commit()
        return saved
