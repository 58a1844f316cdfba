"""A transition's notifications as one INSERT … SELECT (issue 20) are the rows the two-step path wrote: the users
`users_concerned` lists (the exporter's, the named assessor body's, the province's officials once the case reached
them; active only), but the actor, each with the same case, kind and text."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa


def _rows(db, case_id, kind):
    from xborder.notifications.models import Notification

    rows = db.session.scalars(sa.select(Notification).where(Notification.case_id == case_id,
                                                            Notification.kind == kind)).all()
    return sorted((n.user_id, n.organisation_id, n.email, n.case_id, n.text_zh, n.text_en, n.read_at, n.emailed_at,
                   n.email_attempts) for n in rows)


@pytest.mark.parametrize("named", [False, True])
@pytest.mark.parametrize("reached", [False, True])
@pytest.mark.parametrize("actor", ["exporter's", "official", None])
def test_notify_concerned_writes_what_users_concerned_and_notify_wrote(db, factory, named, reached, actor):
    from xborder.notifications.operations import notify, notify_concerned, users_concerned

    exporter, assessor = factory.organisation(), factory.organisation(kind="assessor")
    authority = factory.organisation(kind="authority")
    elsewhere = factory.organisation(kind="authority", province="440000")
    people = {"exporter's": factory.user(organisation=exporter), "colleague": factory.user(organisation=exporter),
              "official": factory.user("provincial_official", organisation=authority),
              "assessor": factory.user("assessor", organisation=assessor)}
    factory.user(organisation=exporter, active=False)
    factory.user("assessor", organisation=factory.organisation(kind="assessor"))
    factory.user("provincial_official", organisation=elsewhere)
    factory.user("admin", organisation=authority)
    factory.user("assessor", organisation=exporter)  # a role the exporter's organisation does not take part as
    case = factory.case(exporter, assessor_org_id=assessor.id if named else None,
                        reached_provincial_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC) if reached else None)
    actor_id = people[actor].id if actor else None
    text = ("案件已撤回", "Case withdrawn")
    notify(case, "old", text, [u for u in users_concerned(case) if u.id != actor_id])
    count = notify_concerned(case, "new", text, except_user_id=actor_id)
    old, new = _rows(db, case.id, "old"), _rows(db, case.id, "new")
    assert new == old and count == len(new)
    assert (people["assessor"].id in {r[0] for r in new}) == named
    assert (people["official"].id in {r[0] for r in new}) == (reached and actor != "official")
