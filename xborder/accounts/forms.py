"""Web forms for accounts (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    otp = StringField(_l("One-time code (if set up)"), validators=[Length(max=64)])


class LogoutForm(FlaskForm):
    """An empty form: logging out is a POST with a CSRF token."""


KIND_CHOICES = (("enterprise", _l("Enterprise (data exporter)")), ("assessor", _l("Third-party assessment body")))


class RegistrationForm(FlaskForm):
    """An enterprise's or assessment body's application (the public registration page)."""

    kind = SelectField(_l("Organisation type"))  # choices set per request (see KIND_CHOICES)
    org_name = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=200)])
    uscc = StringField(_l("Unified social credit code"), validators=[DataRequired(), Length(max=18)])
    province = SelectField(_l("Province"), validators=[DataRequired()])
    accreditation_scope = StringField(_l("Accreditation scope (assessment bodies)"), validators=[Length(max=500)])
    accredited_until = DateField(_l("Accredited until (assessment bodies)"), validators=[Optional()])
    user_name = StringField(_l("Contact person"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class DecisionForm(FlaskForm):
    """Approve or reject a registration (a rejection needs a reason)."""

    comment = TextAreaField(_l("Comment (required to reject)"), validators=[Length(max=2000)])


class TotpForm(FlaskForm):
    """The authenticator's current code, to turn TOTP on."""

    otp = StringField(_l("Code from the authenticator app"), validators=[DataRequired(), Length(max=64)])


class PasswordChangeForm(FlaskForm):
    """The current password and a new one."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])


class ForgotForm(FlaskForm):
    """The address to send a reset link to."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ResetForm(FlaskForm):
    """The new password, set through a reset link."""

    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])


class InviteForm(FlaskForm):
    """A colleague's e-mail address to invite."""

    email = EmailField(_l("Colleague's email"), validators=[DataRequired(), Length(max=254)])


class AcceptInvitationForm(FlaskForm):
    """Joining through an invitation: one's name and a password."""

    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class ProfileCsrfForm(FlaskForm):
    """The organisation profile page's CSRF token; its fields are validated by the API's schema (profile.py)."""


class TokenForm(FlaskForm):
    """A name for a new API token and how long it lasts."""

    # Checked by accounts.tokens.create, which says what is wrong in both languages.
    name = StringField(_l("Token name"))
    days = SelectField(_l("Valid for"), default="90", validate_choice=False)  # choices: LIFETIME_CHOICES


LIFETIME_CHOICES = (("30", _l("30 days")), ("90", _l("90 days")), ("365", _l("365 days")))
