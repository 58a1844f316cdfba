"""The second factor: TOTP (RFC 6238, pyotp) with one-time recovery codes, and which roles must have it."""

from __future__ import annotations

import hashlib
import secrets
import time

import pyotp
import segno
from flask import current_app
from markupsafe import Markup

from xborder.accounts.records import UserTotp
from xborder.core.auth import Unauthorised
from xborder.core.errors import Conflict, Forbidden, field_error
from xborder.core.timeutil import utcnow
from xborder.extensions import db

ISSUER = "xborder"
RECOVERY_CODES = 10


def totp_of(user) -> UserTotp | None:
    """The user's authenticator row (confirmed or still being enrolled), or None."""
    return db.session.query(UserTotp).filter_by(user_id=user.id).one_or_none()


def enrolled(user) -> bool:
    """True when the user has a confirmed authenticator: sign-in then needs a code as well."""
    row = totp_of(user)
    return row is not None and row.confirmed_at is not None


def required_for(user) -> bool:
    """True when the user's role must have a second factor (XBORDER_MFA_REQUIRED_ROLES)."""
    return user.role in current_app.config["XBORDER"].mfa_required_roles


def check_sign_in(user, otp: str | None) -> None:
    """Raise unless the password-checked `user` may have a token: an enrolled user needs a valid `otp` (401), a user
    whose role requires a second factor and who has none is told to enrol (403, code `mfa_enrolment_required`)."""
    if enrolled(user):
        if not verify(user, otp):
            raise Unauthorised("A valid one-time code (otp) from the authenticator app, or a recovery code, is needed")
        return
    if required_for(user):
        raise Forbidden("Your role signs in with a second factor: set up an authenticator at the web sign-in first", [
            field_error("otp", "mfa_enrolment_required",
                        "Set up a TOTP authenticator (web sign-in) before asking for a token",
                        "请先在网页登录时设置动态口令（TOTP）验证器，再申请令牌")])


def begin(user) -> tuple[str, str]:
    """Start (or restart) enrolment with a fresh secret: (secret, otpauth URI). A confirmed authenticator is not
    replaced this way (409): whoever holds a session could otherwise swap the victim's second factor; an admin
    resets it instead."""
    row = totp_of(user)
    if row is not None and row.confirmed_at is not None:
        raise Conflict("A TOTP authenticator is on already; an administrator can reset it", [field_error(
            "otp", "already_enrolled", "A TOTP authenticator is on already", "已启用动态口令（TOTP）")])
    secret = pyotp.random_base32()
    if row is None:
        db.session.add(UserTotp(user_id=user.id, secret=secret, recovery_hashes=[], last_step=0))
    else:
        row.secret = secret
    db.session.flush()
    return secret, uri(user, secret)


def uri(user, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(text: str) -> Markup:
    """The QR code of `text` as inline SVG, made on the server (no external service sees the secret)."""
    return Markup(segno.make(text, error="m").svg_inline(scale=4, border=2))


def _step_matching(secret: str, code: str, after: int) -> int | None:
    """The time step whose code is `code` (now, or one step either side for clock drift), if later than `after`."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // totp.interval
    for step in (now - 1, now, now + 1):
        if step > after and secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def confirm(user, code: str) -> list[str] | None:
    """Turn the authenticator on when `code` is right: returns the recovery codes (shown once; only their hashes are
    kept), or None when the code is wrong or there is nothing to confirm."""
    row = totp_of(user)
    if row is None or row.confirmed_at is not None:
        return None
    step = _step_matching(row.secret, code, 0)
    if step is None:
        return None
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    row.confirmed_at, row.last_step = utcnow(), step
    row.recovery_hashes = [_hash(c) for c in codes]
    db.session.flush()
    return codes


def verify(user, code: str | None) -> bool:
    """True when `code` is the current TOTP (each code once) or an unused recovery code (then used up)."""
    row = totp_of(user)
    if row is None or row.confirmed_at is None or not code:
        return False
    step = _step_matching(row.secret, code, row.last_step)
    if step is not None:
        row.last_step = step
        db.session.flush()
        return True
    digest = _hash(code.strip().lower())
    if digest in (row.recovery_hashes or []):
        row.recovery_hashes = [h for h in row.recovery_hashes if h != digest]
        db.session.flush()
        return True
    return False


def reset(user) -> None:
    """Remove the user's authenticator (an admin's reset: the user enrols again)."""
    row = totp_of(user)
    if row is not None:
        db.session.delete(row)
        db.session.flush()


def _hash(code: str) -> str:
    # Recovery codes are 64 random bits: a fast hash is enough (no dictionary to try), and lookups stay cheap.
    return hashlib.sha256(code.encode()).hexdigest()
