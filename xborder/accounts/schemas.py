"""What the API accepts and returns about accounts."""

from __future__ import annotations

import marshmallow as ma


class TokenRequestSchema(ma.Schema):
    """Credentials for a bearer token."""

    email = ma.fields.String(required=True, validate=ma.validate.Length(min=3, max=254))
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=1024))


MIN_PASSWORD_LENGTH = 10


class PasswordChangeSchema(ma.Schema):
    """The current password and the new one."""

    current_password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=1024))
    new_password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=1024))


class LogoutSchema(ma.Schema):
    """Signing out takes no fields; the body may be left out or be `{}` (anything else is refused)."""

    class Meta:
        unknown = ma.RAISE


class TokenSchema(ma.Schema):
    """A freshly issued bearer token."""

    token = ma.fields.String(required=True)
    expires_at = ma.fields.DateTime(required=True)
    token_type = ma.fields.String(dump_default="Bearer")


class OrganisationSchema(ma.Schema):
    """An organisation as any logged-in user may see it."""

    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    uscc = ma.fields.String(required=True)
    province = ma.fields.String(required=True)


class OrganisationQuerySchema(ma.Schema):
    """Filters for the organisation list."""

    kind = ma.fields.String(validate=ma.validate.OneOf(["enterprise", "assessor", "authority"]))


class MeSchema(ma.Schema):
    """The caller: user, role and organisation."""

    id = ma.fields.Integer(required=True)
    email = ma.fields.String(required=True)
    name = ma.fields.String()
    role = ma.fields.String(required=True)
    locale = ma.fields.String()
    organisation = ma.fields.Nested(OrganisationSchema, required=True)
