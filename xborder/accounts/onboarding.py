"""Organisations and people coming in: the CLI bootstrap, registrations and their approval. They flush, never commit."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from xborder.accounts.identifiers import organisation_errors
from xborder.accounts.models import Organisation, OrganisationKind, Role, User
from xborder.accounts.passwords import password_errors
from xborder.accounts.records import Accreditation, Registration, RegistrationStatus, audit, make_org_admin
from xborder.core.errors import Conflict, Forbidden, NotFound, Unprocessable, field_error
from xborder.core.text import check_text
from xborder.core.timeutil import china_today, utcnow
from xborder.extensions import db

# The roles a person of each kind of organisation may hold.
ROLES_OF_KIND = {
    OrganisationKind.enterprise: (Role.enterprise,),
    OrganisationKind.assessor: (Role.assessor,),
    OrganisationKind.authority: (Role.provincial_official, Role.admin),
}
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def email_errors(email: str, path: str) -> list[dict[str, str]]:
    """A field error when `email` is not an address."""
    if len(email) <= 254 and _EMAIL.match(email):
        return []
    return [field_error(path, "format", "Not a valid e-mail address", "邮箱地址格式不正确")]


def _name_errors(name: str, path: str, limit: int) -> list[dict[str, str]]:
    # Names reach documents and e-mail headers: one line, no control or direction-changing characters.
    if not name.strip() or len(name) > limit:
        return [field_error(path, "required", f"A name of 1 to {limit} characters",
                            f"请填写名称（1 至 {limit} 个字符）")]
    return check_text(name, path, multiline=False)


def _uscc_taken(uscc: str, path: str) -> None:
    taken = db.session.scalar(sa.select(Organisation.id).where(Organisation.uscc == uscc))
    pending = db.session.scalar(sa.select(Registration.id).where(
        Registration.uscc == uscc, Registration.status == RegistrationStatus.pending))
    if taken is not None or pending is not None:
        raise Conflict("An organisation with this unified social credit code exists or has applied already", [
            field_error(path, "exists", "This organisation exists or has applied already",
                        "该组织已存在或已提交注册申请")])


def _email_taken(email: str, path: str) -> None:
    lowered = email.strip().lower()
    taken = db.session.scalar(sa.select(User.id).where(sa.func.lower(User.email) == lowered))
    pending = db.session.scalar(sa.select(Registration.id).where(
        sa.func.lower(Registration.email) == lowered, Registration.status == RegistrationStatus.pending))
    if taken is not None or pending is not None:
        raise Conflict("A user with this e-mail address exists or has applied already", [
            field_error(path, "exists", "This e-mail address is in use already", "该邮箱地址已被使用")])


def create_organisation(*, kind: str, name: str, uscc: str, province: str, actor=None) -> Organisation:
    """Create an organisation (the CLI's `orgs create`): the USCC's check character and division are checked."""
    uscc = uscc.strip().upper()
    errors = [] if kind in set(OrganisationKind) else [field_error(
        "kind", "one_of", "One of enterprise, assessor, authority", "须为 enterprise、assessor 或 authority")]
    errors += _name_errors(name, "name", 200) + organisation_errors(uscc, province)
    if errors:
        raise Unprocessable("The organisation is invalid", errors)
    _uscc_taken(uscc, "uscc")
    org = Organisation(kind=kind, name=name.strip(), uscc=uscc, province=province)
    db.session.add(org)
    db.session.flush()
    audit("organisation_created", {"organisation_id": org.id, "kind": kind, "name": org.name, "uscc": uscc,
                                   "province": province}, actor)
    return org


def create_user(*, email: str, role: str, org_uscc: str, password: str, name: str = "", actor=None) -> User:
    """Create a user in an existing organisation (the CLI's `users create`); the role must fit the organisation."""
    email = email.strip()
    errors = email_errors(email, "email")
    org = db.session.scalar(sa.select(Organisation).where(Organisation.uscc == org_uscc.strip().upper()))
    if org is None:
        errors.append(field_error("org_uscc", "not_found", "No organisation has this unified social credit code",
                                  "没有使用该统一社会信用代码的组织"))
    elif role not in ROLES_OF_KIND.get(org.kind, ()):
        allowed = ", ".join(ROLES_OF_KIND.get(org.kind, ()))
        errors.append(field_error("role", "one_of", f"A person of this organisation is one of: {allowed}",
                                  f"该组织人员的角色须为：{allowed}"))
    errors += password_errors(password, "password", hints=(email, name))
    if errors:
        raise Unprocessable("The user is invalid", errors)
    _email_taken(email, "email")
    user = User(email=email, name=name.strip() or email.split("@")[0], role=role, organisation=org)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit("user_created", {"user_id": user.id, "email": email, "role": role, "organisation_id": org.id}, actor)
    return user


def register(data: dict) -> Registration:
    """Record an application (status pending); refuses what could never be approved, before anyone looks at it."""
    org, person = data["organisation"], data["user"]
    uscc = org["uscc"].strip().upper()
    email = person["email"].strip()
    errors = _name_errors(org["name"], "organisation/name", 200) + _name_errors(person["name"], "user/name", 100)
    errors += organisation_errors(uscc, org["province"], prefix="organisation/")
    errors += email_errors(email, "user/email")
    errors += password_errors(person["password"], "user/password", hints=(email, person["name"], org["name"]))
    accredited = org.get("accreditation_scope") and org.get("accredited_until")
    if org["kind"] == OrganisationKind.assessor and not accredited:
        errors.append(field_error("organisation/accredited_until", "required",
                                  "An assessment body states its accreditation: scope and valid until",
                                  "评估机构须填写资质范围和有效期"))
    elif org["kind"] == OrganisationKind.assessor and org["accredited_until"] < china_today():
        errors.append(field_error("organisation/accredited_until", "past", "The accreditation has lapsed already",
                                  "资质已过有效期"))
    if errors:
        raise Unprocessable("The registration is invalid", errors)
    _uscc_taken(uscc, "organisation/uscc")
    _email_taken(email, "user/email")
    row = Registration(kind=org["kind"], org_name=org["name"].strip(), uscc=uscc, province=org["province"],
                       email=email, user_name=person["name"].strip(),
                       password_hash=generate_password_hash(person["password"]),
                       accreditation_scope=org.get("accreditation_scope") if org["kind"] == "assessor" else None,
                       accredited_until=org.get("accredited_until") if org["kind"] == "assessor" else None)
    db.session.add(row)
    db.session.flush()
    audit("registration_submitted", {"registration_id": row.id, "kind": row.kind, "name": row.org_name,
                                     "uscc": uscc, "province": row.province, "email": email})
    return row


def may_decide(user) -> sa.ColumnElement[bool]:
    """The registrations `user` may see and decide: an admin all, a provincial official its province's."""
    if user.role == Role.admin:
        return sa.true()
    if user.role == Role.provincial_official:
        return Registration.province == user.organisation.province
    return sa.false()


def registrations_page(user, *, status: str | None = None, page: int = 1, per_page: int = 20) -> dict:
    """A page of the registrations `user` may decide, newest first, with the total (the API lists' shape)."""
    where = [may_decide(user)] + ([Registration.status == status] if status else [])
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(*where)) or 0
    items = db.session.scalars(sa.select(Registration).where(*where).order_by(Registration.id.desc())
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": (total + per_page - 1) // per_page}


def registration_for(user, registration_id: int) -> Registration:
    """The registration, if `user` may decide it (404 otherwise: others' applications are not theirs to know)."""
    row = db.session.scalar(sa.select(Registration).where(Registration.id == registration_id, may_decide(user)))
    if row is None:
        raise NotFound("No such registration")
    return row


def _pending(row: Registration) -> None:
    if row.status != RegistrationStatus.pending:
        raise Conflict("This registration has been decided already", [field_error(
            "status", "decided", "Decided already", "该申请已处理")])


def approve(row: Registration, user, comment: str | None = None) -> User:
    """Create the organisation (with its accreditation) and its first user, who may sign in from now on."""
    _pending(row)
    # Someone may have been created by the CLI since the application: the unique columns would fail otherwise.
    if db.session.scalar(sa.select(Organisation.id).where(Organisation.uscc == row.uscc)) is not None:
        raise Conflict("The organisation exists already", [field_error(
            "organisation/uscc", "exists", "This organisation exists already", "该组织已存在")])
    if db.session.scalar(sa.select(User.id).where(sa.func.lower(User.email) == row.email.lower())) is not None:
        raise Conflict("The e-mail address is in use already", [field_error(
            "user/email", "exists", "This e-mail address is in use already", "该邮箱地址已被使用")])
    org = Organisation(kind=row.kind, name=row.org_name, uscc=row.uscc, province=row.province)
    db.session.add(org)
    db.session.flush()
    if row.kind == OrganisationKind.assessor:
        db.session.add(Accreditation(organisation_id=org.id, scope=row.accreditation_scope or "",
                                     valid_until=row.accredited_until or dt.date.today()))
    person = User(email=row.email, name=row.user_name, role=row.kind, organisation=org,
                  password_hash=row.password_hash)
    db.session.add(person)
    row.status, row.decided_at, row.decided_by_id = RegistrationStatus.approved, utcnow(), user.id
    row.comment, row.organisation_id = comment, org.id
    db.session.flush()
    make_org_admin(person)  # the applicant administers the organisation's people from now on
    audit("registration_approved", {"registration_id": row.id, "organisation_id": org.id, "user_id": person.id,
                                    "comment": comment}, user)
    _tell(person, "registration_approved",
          (f"您的注册申请已批准：{org.name}。现在可以登录 xborder。",
           f"Your registration was approved: {org.name}. You can sign in to xborder now."))
    return person


def reject(row: Registration, user, comment: str) -> None:
    """Refuse the application with a reason; nobody is created, so nobody can sign in from it."""
    _pending(row)
    if not comment or not comment.strip():
        raise Unprocessable("A rejection needs a reason", [field_error(
            "comment", "required", "Say why the registration is rejected", "请说明驳回理由")])
    row.status, row.decided_at, row.decided_by_id, row.comment = (RegistrationStatus.rejected, utcnow(), user.id,
                                                                 comment.strip())
    db.session.flush()
    audit("registration_rejected", {"registration_id": row.id, "comment": row.comment}, user)
    from xborder.notifications.operations import notify_address

    # The applicant has no account to see a notification in: the reason goes to the address they applied with.
    notify_address(row.email, "registration_rejected", (
        f"您为“{row.org_name}”提交的 xborder 注册申请未获批准。理由：{row.comment}",
        f"Your xborder registration for “{row.org_name}” was not approved. Reason: {row.comment}"))


def _tell(user: User, kind: str, text: tuple[str, str]) -> None:
    """A notification for one user (mailed by the notifications outbox when SMTP is set up)."""
    from xborder.notifications.models import Notification

    db.session.add(Notification(user_id=user.id, kind=kind, text_zh=text[0], text_en=text[1]))
    db.session.flush()


def require_decider(user) -> None:
    """403 unless `user` decides registrations at all."""
    if user.role not in (Role.admin, Role.provincial_official):
        raise Forbidden("Only a provincial official or an admin decides registrations")
