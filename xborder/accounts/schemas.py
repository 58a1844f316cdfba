"""What the API accepts and returns about accounts."""

from __future__ import annotations

import marshmallow as ma


class TokenRequestSchema(ma.Schema):
    """Credentials for a bearer token."""

    email = ma.fields.String(required=True, validate=ma.validate.Length(min=3, max=254))
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=1024))
    otp = ma.fields.String(load_only=True, validate=ma.validate.Length(min=1, max=64),
                           metadata={"description": "the authenticator's code (or a recovery code) once TOTP is on"})


MIN_PASSWORD_LENGTH = 10


class PasswordChangeSchema(ma.Schema):
    """The current password and the new one."""

    current_password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=1024))
    new_password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=1024))


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


class RegistrationOrganisationSchema(ma.Schema):
    """The organisation applying: an enterprise or an assessment body (with its accreditation)."""

    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["enterprise", "assessor"]))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    uscc = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=18))
    province = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=6))
    accreditation_scope = ma.fields.String(validate=ma.validate.Length(max=500),
                                           metadata={"description": "assessor bodies: what the accreditation covers"})
    accredited_until = ma.fields.Date(metadata={"description": "assessor bodies: the accreditation's last day"})


class RegistrationUserSchema(ma.Schema):
    """The organisation's first user."""

    email = ma.fields.String(required=True, validate=ma.validate.Length(min=3, max=254))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=1024))


class RegistrationRequestSchema(ma.Schema):
    """An application: the organisation and its first user."""

    organisation = ma.fields.Nested(RegistrationOrganisationSchema, required=True)
    user = ma.fields.Nested(RegistrationUserSchema, required=True)


class RegistrationAcceptedSchema(ma.Schema):
    """An application received."""

    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)


class RegistrationSchema(ma.Schema):
    """An application as its decider sees it."""

    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    name = ma.fields.String(required=True, attribute="org_name")
    uscc = ma.fields.String(required=True)
    province = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    user_name = ma.fields.String(required=True)
    accreditation_scope = ma.fields.String(allow_none=True)
    accredited_until = ma.fields.Date(allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    comment = ma.fields.String(allow_none=True)
    organisation_id = ma.fields.Integer(allow_none=True)


class RegistrationQuerySchema(ma.Schema):
    """Pagination and filters for the registration list (the shape of the other lists)."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))
    status = ma.fields.String(validate=ma.validate.OneOf(["pending", "approved", "rejected"]))


class DecisionSchema(ma.Schema):
    """An approval's optional comment, a rejection's required reason."""

    comment = ma.fields.String(validate=ma.validate.Length(max=2000))


class TotpEnrolmentSchema(ma.Schema):
    """A TOTP secret to put into an authenticator app."""

    secret = ma.fields.String(required=True)
    otpauth_uri = ma.fields.String(required=True)


class OtpSchema(ma.Schema):
    """A code from the authenticator app."""

    otp = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))


class RecoveryCodesSchema(ma.Schema):
    """One-time recovery codes, shown once."""

    recovery_codes = ma.fields.List(ma.fields.String(), required=True)


class PasswordResetRequestSchema(ma.Schema):
    """The address to send a reset link to."""

    email = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=254))


class PasswordResetSchema(ma.Schema):
    """A reset link's token and the new password."""

    token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    new_password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=1024))


class EmptySchema(ma.Schema):
    """No fields: the request needs no body (an empty JSON object is accepted)."""


class ResetRequestedSchema(ma.Schema):
    """The answer to a reset request: the same whether the address exists."""

    detail = ma.fields.String(required=True)


class RegistrationPageSchema(ma.Schema):
    """One page of registrations, newest first."""

    items = ma.fields.List(ma.fields.Nested(RegistrationSchema), required=True)
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    pages = ma.fields.Integer(required=True)
