"""API: bearer tokens, the caller, and the organisations a caller may name."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint

from xborder.accounts import operations, profile
from xborder.accounts.models import Organisation
from xborder.accounts.schemas import (
    MeSchema,
    OrganisationQuerySchema,
    OrganisationSchema,
    TokenRequestSchema,
    TokenSchema,
)
from xborder.core.auth import Unauthorised, api_token, api_user, token_required
from xborder.core.errors import Forbidden
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
    @blp.alt_response(401, description="Wrong credentials or inactive account")
    @blp.alt_response(429, description="Too many sign-in attempts; see Retry-After")
    def post(self, credentials):
        """Exchange an email and password for a bearer token."""
        user = operations.authenticate(credentials["email"], credentials["password"])
        if user is None:
            raise Unauthorised("Wrong email or password, or the account is deactivated")
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
        """List organisations, e.g. `?kind=assessor` for the bodies an enterprise may name at submit."""
        stmt = sa.select(Organisation).order_by(Organisation.name)
        if "kind" in query:
            stmt = stmt.where(Organisation.kind == query["kind"])
        return db.session.scalars(stmt).all()


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
