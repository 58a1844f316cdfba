"""Password reset by e-mail: a single-use, expiring link whose secret is stored only as a hash."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from flask import current_app

from xborder.accounts.models import User, hash_token
from xborder.accounts.passwords import password_errors
from xborder.accounts.records import PasswordReset
from xborder.core.errors import Unprocessable, field_error
from xborder.core.timeutil import utcnow
from xborder.extensions import db


def request_reset(email: str, link_for) -> bool:
    """Send a reset link to `email` if an active user has it (True then); the caller answers the same either way,
    so the answer does not tell which addresses exist. `link_for(secret)` makes the absolute link."""
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.strip().lower(),
                                                   User.active.is_(True)))
    if user is None:
        return False
    secret = secrets.token_urlsafe(32)
    minutes = current_app.config["XBORDER"].password_reset_minutes
    db.session.add(PasswordReset(user_id=user.id, token_hash=hash_token(secret),
                                 expires_at=utcnow() + dt.timedelta(minutes=minutes)))
    from xborder.accounts.onboarding import _tell

    link = link_for(secret)
    _tell(user, "password_reset", (
        f"重置 xborder 密码：{link}（{minutes} 分钟内有效，仅可使用一次；如非本人操作，请忽略）",
        f"Reset your xborder password: {link} (works once, for {minutes} minutes; ignore it if you did not ask)"))
    return True


def reset_password(secret: str, new_password: str) -> User:
    """Set a new password with a reset link's secret: the link is used up, and every token and session of the user
    ends. A wrong, used or expired link is refused (422 at `token`)."""
    row = db.session.scalar(sa.select(PasswordReset).where(PasswordReset.token_hash == hash_token(secret))
                            .with_for_update())
    if row is None or not row.is_usable() or not row.user.active:
        raise Unprocessable("The reset link is wrong, used or expired", [field_error(
            "token", "invalid", "This reset link is wrong, used already or expired; ask for a new one",
            "该重置链接无效、已使用或已过期，请重新申请")])
    errors = password_errors(new_password, "new_password", hints=(row.user.email, row.user.name))
    if errors:
        raise Unprocessable("The new password is not strong enough", errors)
    row.used_at = utcnow()
    # Every other open link of the user dies with this one.
    db.session.execute(sa.update(PasswordReset).where(PasswordReset.user_id == row.user_id,
                                                      PasswordReset.used_at.is_(None)).values(used_at=row.used_at)
                       .execution_options(synchronize_session=False))
    row.user.set_password(new_password)
    db.session.flush()
    return row.user
