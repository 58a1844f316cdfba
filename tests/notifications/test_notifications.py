"""Notifications: the caller's own only, paginated, markable read over the API and the page; e-mail copies sent
by the job to a real SMTP server started here (aiosmtpd), never inside the request."""

from __future__ import annotations

import pytest

from tests.helpers.factories import auth
from tests.helpers.smtp import smtp_inbox
from tests.helpers.web import csrf_token


@pytest.fixture
def people(factory):
    from xborder.notifications.operations import notify

    exporter = factory.organisation()
    alice = factory.user(organisation=exporter, email="alice@example.test", password="pw")
    bob = factory.user(email="bob@example.test")
    case = factory.case(exporter, title="通知测试")
    for n in range(25):
        notify(case, "test", (f"第{n}条", f"number {n}"), [alice])
    notify(case, "test", ("给鲍勃", "for Bob"), [bob])
    return {"alice": alice, "bob": bob, "case": case}


def test_api_lists_own_notifications_newest_first_paginated(client, factory, people):
    token = factory.token(people["alice"])
    first = client.get("/api/v1/notifications?per_page=10", headers=auth(token)).json
    assert (first["total"], first["pages"], first["unread"]) == (25, 3, 25)
    assert first["items"][0]["text_en"] == "number 24" and first["items"][0]["text_zh"] == "第24条"
    last = client.get("/api/v1/notifications?per_page=10&page=3", headers=auth(token)).json
    assert [i["text_en"] for i in last["items"]] == [f"number {n}" for n in range(4, -1, -1)]
    assert all(i["recipient"]["user_id"] == people["alice"].id for i in first["items"] + last["items"])
    assert client.get("/api/v1/notifications?per_page=1000", headers=auth(token)).status_code == 422
    assert client.get("/api/v1/notifications").status_code == 401


def test_marking_read_is_idempotent_and_only_for_ones_own(client, factory, people):
    alice, bob = factory.token(people["alice"]), factory.token(people["bob"])
    item = client.get("/api/v1/notifications", headers=auth(alice)).json["items"][0]
    assert client.post(f"/api/v1/notifications/{item['id']}/read", headers=auth(bob)).status_code == 404
    read = client.post(f"/api/v1/notifications/{item['id']}/read", headers=auth(alice)).json
    again = client.post(f"/api/v1/notifications/{item['id']}/read", headers=auth(alice)).json
    assert read["read_at"] is not None and again["read_at"] == read["read_at"]
    listing = client.get("/api/v1/notifications?unread=true", headers=auth(alice)).json
    assert listing["total"] == 24 and item["id"] not in [i["id"] for i in listing["items"]]


def test_page_is_chinese_first_and_marks_read_with_csrf(client, people):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "alice@example.test", "password": "pw", "csrf_token": token})
    html = client.get("/notifications/").get_data(as_text=True)
    assert "通知" in html and "第24条" in html and "25 条未读" in html and "for Bob" not in html
    from xborder.notifications.models import Notification

    newest = max(n.id for n in Notification.query.filter_by(user_id=people["alice"].id))
    assert client.post(f"/notifications/{newest}/read").status_code == 400  # no CSRF token
    response = client.post(f"/notifications/{newest}/read", data={"csrf_token": csrf_token(html)})
    assert response.status_code == 302
    assert "24 条未读" in client.get("/notifications/").get_data(as_text=True)
    client.get("/lang/en")
    assert "number 24" in client.get("/notifications/").get_data(as_text=True)


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on a free local port, and the app configured to use it for the test."""
    with smtp_inbox(app) as inbox:
        yield inbox


def test_mail_job_sends_each_pending_notification_once_to_a_real_smtp_server(people, smtp_server, db):
    from email import message_from_bytes
    from email.policy import default

    from xborder.notifications.mail import send_pending_emails

    assert send_pending_emails() == 26
    assert send_pending_emails() == 0  # claimed and sent: never twice
    recipients = sorted({rcpt for m in smtp_server.messages for rcpt in m.rcpt_tos})
    assert recipients == ["alice@example.test", "bob@example.test"]
    bob = next(m for m in smtp_server.messages if m.rcpt_tos == ["bob@example.test"])
    message = message_from_bytes(bob.content, policy=default)
    assert message["From"] == "xborder@example.test"
    assert message.get_content().replace("\r\n", "\n").startswith("给鲍勃\n\nfor Bob")


def test_without_smtp_nothing_is_sent_and_rows_stay_pending(people, db):
    from xborder.notifications.mail import send_pending_emails
    from xborder.notifications.models import Notification

    assert send_pending_emails() == 0
    assert Notification.query.filter(Notification.emailed_at.is_not(None)).count() == 0
