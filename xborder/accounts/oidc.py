"""Single sign-on with OpenID Connect (Authlib): the identity provider's client, and which existing user a verified
ID token names. Off unless XBORDER_OIDC_ISSUER, _CLIENT_ID and _CLIENT_SECRET are set; nobody is created here."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask import current_app

from xborder.accounts import mfa
from xborder.accounts.models import User
from xborder.extensions import db

_CLIENT = "xborder.oidc_client"
# What an ID token's `amr` (RFC 8176) says when the provider itself asked for a second factor.
SECOND_FACTOR_AMR = frozenset({"mfa", "otp"})


class Refusal(enum.Enum):
    """Why a verified ID token signs nobody in (each has a sentence on the sign-in page)."""

    UNVERIFIED = "unverified"
    UNKNOWN = "unknown"
    DEACTIVATED = "deactivated"


def enabled() -> bool:
    """True when single sign-on is configured."""
    return bool(current_app.config["XBORDER"].oidc_enabled)


def client():
    """The Authlib client for the configured provider (discovery from `{issuer}/.well-known/openid-configuration`,
    authorization code with PKCE S256, nonce and state checked by Authlib), made once per configuration."""
    from authlib.integrations.flask_client import OAuth

    settings = current_app.config["XBORDER"]
    key = (settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret)
    cached = current_app.extensions.get(_CLIENT)
    if cached is None or cached[0] != key:
        oauth = OAuth(current_app._get_current_object())
        remote = oauth.register(
            "xborder_oidc", client_id=settings.oidc_client_id, client_secret=settings.oidc_client_secret,
            server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email", "code_challenge_method": "S256", "default_timeout": 10})
        cached = current_app.extensions[_CLIENT] = (key, remote)
    return cached[1]


def user_for(claims) -> User | Refusal:
    """The active user whose e-mail (case-insensitive) the provider says it has verified, or why not."""
    email = claims.get("email")
    verified = claims.get("email_verified")
    # Some providers send the flag as a string; anything but an explicit true is not a verification.
    if not isinstance(email, str) or not email.strip() or verified not in (True, "true"):
        return Refusal.UNVERIFIED
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.strip().lower()))
    if user is None:
        return Refusal.UNKNOWN
    if not user.active:
        return Refusal.DEACTIVATED
    return user


def provider_checked_second_factor(claims) -> bool:
    """True when the ID token's `amr` says the provider itself asked for a second factor."""
    amr = claims.get("amr") or []
    return isinstance(amr, list) and bool(SECOND_FACTOR_AMR.intersection(map(str, amr)))


def second_factor_step(user, claims) -> str | None:
    """What xborder still asks after the provider: "code" (the user has an authenticator), "enrol" (the role needs
    one and there is none), or None when the provider checked a second factor itself or none is needed."""
    if provider_checked_second_factor(claims):
        return None
    if mfa.enrolled(user):
        return "code"
    return "enrol" if mfa.required_for(user) else None
