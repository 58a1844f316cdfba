"""Writes on notifications: who a case concerns, creating notifications, marking them read. They never commit."""

from __future__ import annotations

import functools

import sqlalchemy as sa

from xborder.core.errors import NotFound
from xborder.core.timeutil import utcnow
from xborder.extensions import db
from xborder.notifications.models import Notification, addressed_to


def users_concerned(case) -> list:
    """The active users who may see the case: the exporter's, the named assessor body's, and once the case reached
    provincial review the officials of its province (the same rule as `visible_to`, from the other side)."""
    from xborder.accounts.models import Organisation, User

    who = [sa.and_(User.organisation_id == case.exporter_id, User.role == "enterprise")]
    if case.assessor_org_id:
        who.append(sa.and_(User.organisation_id == case.assessor_org_id, User.role == "assessor"))
    if case.reached_provincial_at is not None:
        authorities = sa.select(Organisation.id).where(Organisation.kind == "authority",
                                                        Organisation.province == case.province)
        who.append(sa.and_(User.organisation_id.in_(authorities), User.role == "provincial_official"))
    return list(db.session.scalars(sa.select(User).where(sa.or_(*who), User.active.is_(True)).order_by(User.id)))


def notify_concerned(case, kind: str, text: tuple[str, str], *, except_user_id: int | None = None) -> int:
    """`notify(case, kind, text, users)` for the users `users_concerned(case)` lists but `except_user_id`, in one
    INSERT … SELECT built once per shape: no users are loaded, and a transition that concerns someone sends one
    statement, not two (issue 20). Returns how many were notified. tests/notifications/test_notify_concerned.py
    holds the rows equal to the two-step path's."""
    statement = _concerned_insert(bool(case.assessor_org_id), case.reached_provincial_at is not None,
                                  except_user_id is not None)
    return db.session.execute(statement, {
        "exporter_id": case.exporter_id, "assessor_org_id": case.assessor_org_id, "province": case.province,
        "actor_id": except_user_id, "case_id": case.id, "kind": kind, "text_zh": text[0], "text_en": text[1],
        "created_at": utcnow()}).rowcount


@functools.cache
def _concerned_insert(assessor: bool, provincial: bool, excluding: bool) -> sa.Insert:
    """The INSERT … SELECT of `notify_concerned` for one shape of `users_concerned`'s rule."""
    from xborder.accounts.models import Organisation, User

    users, orgs = User.__table__.c, Organisation.__table__.c
    who = [sa.and_(users.organisation_id == sa.bindparam("exporter_id"), users.role == "enterprise")]
    if assessor:
        who.append(sa.and_(users.organisation_id == sa.bindparam("assessor_org_id"), users.role == "assessor"))
    if provincial:
        authorities = sa.select(orgs.id).where(orgs.kind == "authority", orgs.province == sa.bindparam("province"))
        who.append(sa.and_(users.organisation_id.in_(authorities), users.role == "provincial_official"))
    where = [sa.or_(*who), users.active.is_(True)]
    if excluding:
        where.append(users.id != sa.bindparam("actor_id"))
    table = Notification.__table__
    names = ("case_id", "kind", "text_zh", "text_en", "created_at")
    rows = sa.select(users.id, *(sa.bindparam(name, type_=table.c[name].type) for name in names)) \
        .where(*where).order_by(users.id)
    # The count of an INSERT is kept only when asked for (SQLAlchemy keeps UPDATE's and DELETE's).
    return sa.insert(table).from_select(["user_id", *names], rows).execution_options(preserve_rowcount=True)


def notify(case, kind: str, text: tuple[str, str], users) -> list[Notification]:
    """Create one notification per user about the case, in the current transaction."""
    rows = [Notification(user_id=user.id, case_id=case.id if case is not None else None, kind=kind,
                         text_zh=text[0], text_en=text[1]) for user in users]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def notify_address(email: str, kind: str, text: tuple[str, str]) -> Notification:
    """A notification for an e-mail address that is nobody's account (a rejected applicant, an invitee): it is only
    mailed, by the same outbox and job as the others, and no page shows it."""
    row = Notification(email=email, kind=kind, text_zh=text[0], text_en=text[1])
    db.session.add(row)
    db.session.flush()
    return row


def list_for(user, *, page: int = 1, per_page: int = 20, unread: bool = False) -> dict:
    """A page of the user's notifications, newest first, with the total and the number unread."""
    where = [addressed_to(user)]
    unread_clause = Notification.read_at.is_(None)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                              .where(*where, *([unread_clause] if unread else []))) or 0
    unread_count = db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                                     .where(*where, unread_clause)) or 0
    items = db.session.scalars(
        sa.select(Notification).where(*where, *([unread_clause] if unread else []))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": (total + per_page - 1) // per_page, "unread": unread_count}


def mark_read(user, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (the first reading time is kept); 404 if it is not theirs."""
    row = db.session.scalar(sa.select(Notification).where(Notification.id == notification_id, addressed_to(user)))
    if row is None:
        raise NotFound(f"No notification {notification_id} for you")
    if row.read_at is None:
        row.read_at = utcnow()
        db.session.flush()
    return row


def unread_count(user) -> int:
    """How many of the user's notifications are unread (the badge in the navigation)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(addressed_to(user), Notification.read_at.is_(None))) or 0


def mark_all_read(user) -> int:
    """Mark every unread notification of the user read at once; returns how many were unread."""
    ids = sa.select(Notification.id).where(addressed_to(user), Notification.read_at.is_(None))
    done = db.session.execute(sa.update(Notification).where(Notification.id.in_(ids))
                              .values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    return done or 0


def as_json(row: Notification) -> dict:
    """One notification as the API shows it."""
    return {"id": row.id, "kind": row.kind, "case_id": row.case_id, "text_zh": row.text_zh, "text_en": row.text_en,
            "recipient": {"user_id": row.user_id, "organisation_id": row.organisation_id},
            "created_at": row.created_at.isoformat(), "read_at": row.read_at.isoformat() if row.read_at else None}
