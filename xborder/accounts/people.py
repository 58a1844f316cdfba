"""An organisation's own administrator: invitations by e-mail (single-use, expiring links) and deactivation, with
the last administrator kept. They flush, never commit."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa

from xborder.accounts.models import User, hash_token
from xborder.accounts.onboarding import ROLES_OF_KIND, _email_taken, _name_errors, email_errors
from xborder.accounts.passwords import password_errors
from xborder.accounts.records import Invitation, OrganisationAdmin, audit, is_org_admin
from xborder.core.errors import Conflict, Forbidden, NotFound, Unprocessable, field_error
from xborder.core.timeutil import utcnow
from xborder.extensions import db

INVITATION_DAYS = 7


def _require_org_admin(user) -> None:
    if not is_org_admin(user):
        raise Forbidden("Only the organisation's administrator manages its people")


def invite(admin, email: str, link_for) -> Invitation:
    """Invite `email` into the administrator's organisation (role from its kind; an authority's official); the link
    is e-mailed to the colleague-to-be (the outbox, after the commit) and shown once to the administrator."""
    _require_org_admin(admin)
    email = email.strip()
    errors = email_errors(email, "email")
    if errors:
        raise Unprocessable("The invitation is invalid", errors)
    _email_taken(email, "email")
    secret = secrets.token_urlsafe(32)
    role = ROLES_OF_KIND[admin.organisation.kind][0]
    row = Invitation(organisation_id=admin.organisation_id, email=email, role=role, invited_by_id=admin.id,
                     token_hash=hash_token(secret), expires_at=utcnow() + dt.timedelta(days=INVITATION_DAYS))
    db.session.add(row)
    db.session.flush()
    row.link = link_for(secret)  # type: ignore[attr-defined]  (shown once to the inviter; not stored)
    from xborder.notifications.operations import notify_address

    org, until = admin.organisation.name, row.expires_at.date().isoformat()
    notify_address(email, "invitation", (
        f"{admin.name} 邀请您加入 xborder 上的“{org}”。请打开以下链接设置姓名和密码（仅可使用一次，{until} 前有效）："
        f"{row.link}",
        f"{admin.name} invites you to join “{org}” on xborder. Open this link to set your name and password (it "
        f"works once, until {until}): {row.link}"))
    audit("invitation_sent", {"invitation_id": row.id, "email": email, "organisation_id": row.organisation_id},
          admin)
    return row


def invitation(secret: str) -> Invitation:
    """The usable invitation a link names (404 when wrong, used or expired)."""
    row = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == hash_token(secret)))
    if row is None or not row.is_usable():
        raise NotFound("This invitation link is wrong, used already or expired")
    return row


def accept(secret: str, name: str, password: str) -> User:
    """Join through an invitation link: the user is created, and the link is used up."""
    row = invitation(secret)
    errors = _name_errors(name, "name", 100) + password_errors(password, "password", hints=(row.email, name))
    if errors:
        raise Unprocessable("The account is invalid", errors)
    if db.session.scalar(sa.select(User.id).where(sa.func.lower(User.email) == row.email.lower())) is not None:
        raise Conflict("This e-mail address is in use already", [field_error(
            "email", "exists", "This e-mail address is in use already", "该邮箱地址已被使用")])
    user = User(email=row.email, name=name.strip(), role=row.role, organisation_id=row.organisation_id)
    user.set_password(password)
    db.session.add(user)
    row.accepted_at = utcnow()
    db.session.flush()
    audit("invitation_accepted", {"invitation_id": row.id, "user_id": user.id}, user)
    return user


def colleagues(admin) -> list[User]:
    """The people of the administrator's organisation."""
    _require_org_admin(admin)
    return list(db.session.scalars(sa.select(User).where(User.organisation_id == admin.organisation_id)
                                   .order_by(User.email)))


def deactivate_colleague(admin, user_id: int) -> User:
    """Deactivate a colleague (every token and session ends); the last active administrator stays."""
    _require_org_admin(admin)
    user = db.session.get(User, user_id)
    if user is None or user.organisation_id != admin.organisation_id:
        raise NotFound("No such colleague")
    if is_org_admin(user):
        others = db.session.scalar(
            sa.select(sa.func.count()).select_from(OrganisationAdmin).join(User, User.id == OrganisationAdmin.user_id)
            .where(OrganisationAdmin.organisation_id == admin.organisation_id, User.active.is_(True),
                   User.id != user.id))
        if not others:
            raise Conflict("The last administrator cannot be removed", [field_error(
                "user", "last_admin", "The organisation's last administrator cannot be deactivated",
                "不能停用本组织最后一位管理员")])
    user.deactivate()
    audit("colleague_deactivated", {"user_id": user.id, "organisation_id": user.organisation_id}, admin)
    return user
