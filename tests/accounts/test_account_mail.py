"""E-mail to people who have no account yet (issue 19): the applicant hears of the decision (a rejection with its
reason), the invitee receives the link. The same outbox and job as case notifications, a real SMTP server."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default

import sqlalchemy as sa

from tests.helpers.accounts import STRONG, application
from tests.helpers.factories import auth
from tests.helpers.smtp import smtp_inbox
from xborder.accounts.models import User
from xborder.accounts.records import make_org_admin
from xborder.notifications.mail import send_pending_emails


def _mails(inbox) -> dict[str, str]:
    """Each recipient's message body."""
    out = {}
    for envelope in inbox.messages:
        body = message_from_bytes(envelope.content, policy=default).get_content()
        for rcpt in envelope.rcpt_tos:
            out[rcpt] = body
    return out


def test_the_applicant_hears_of_rejection_with_the_reason_and_of_approval(app, client, db, demo):
    rejected, approved = application(), application()
    first = client.post("/api/v1/registrations", json=rejected).json
    second = client.post("/api/v1/registrations", json=approved).json
    assert client.post(f"/api/v1/registrations/{first['id']}/reject", headers=auth(demo["official"]),
                       json={"comment": "营业执照信息不一致"}).status_code == 200
    assert client.post(f"/api/v1/registrations/{second['id']}/approve", headers=auth(demo["official"]),
                       json={}).status_code == 200
    with smtp_inbox(app) as inbox:
        assert send_pending_emails() == 2
        assert send_pending_emails() == 0  # each once
    mails = _mails(inbox)
    refusal = mails[rejected["user"]["email"]]
    assert "未获批准" in refusal and "营业执照信息不一致" in refusal and "was not approved" in refusal
    assert rejected["organisation"]["name"] in refusal
    assert "已批准" in mails[approved["user"]["email"]]
    # Mailed only: the address has no account, so no page and no user's list shows the rejection.
    assert db.session.scalar(sa.select(User.id).where(User.email == rejected["user"]["email"])) is None
    listing = client.get("/api/v1/notifications", headers=auth(demo["official"])).json
    assert all("营业执照信息不一致" not in item["text_zh"] for item in listing["items"])


def test_the_invitee_receives_a_link_that_works_once(app, db, factory):
    org = factory.organisation("enterprise")
    admin = factory.user("enterprise", organisation=org, password=STRONG)
    make_org_admin(admin)
    web = app.test_client()
    page = web.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    web.post("/login", data={"email": admin.email, "password": STRONG, "csrf_token": csrf})
    page = web.get("/organisation/people").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    shown = web.post("/organisation/people", data={"email": "newcomer@example.test", "csrf_token": csrf})
    assert "已通过邮件发送" in shown.get_data(as_text=True)
    with smtp_inbox(app) as inbox:
        assert send_pending_emails() == 1
    (envelope,) = inbox.messages
    assert envelope.rcpt_tos == ["newcomer@example.test"]
    body = _mails(inbox)["newcomer@example.test"]
    assert org.name in body and "invites you" in body
    link = re.search(r"https?://[^/\s]+(/invitation/[A-Za-z0-9_-]+)", body).group(1)
    joiner = app.test_client()
    form = joiner.get(link).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    assert joiner.post(link, data={"name": "新同事", "password": STRONG, "csrf_token": csrf}).status_code == 302
    assert joiner.get(link).status_code == 404


def test_an_address_notification_that_cannot_be_sent_stays_pending_for_the_next_try(app, db):
    from xborder.notifications.models import Notification
    from xborder.notifications.operations import notify_address

    row = notify_address("someone@example.test", "invitation", ("中文", "English"))
    assert send_pending_emails() == 0  # no SMTP configured: nothing sent, nothing claimed
    db.session.refresh(row)
    assert row.emailed_at is None and row.user_id is None and row.organisation_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.email == "someone@example.test")) == 1
