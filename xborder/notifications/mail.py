"""E-mail copies of notifications, sent by a job (RQ, or a background thread on the embedded default), never in a
request: SMTP can be slow or down, and a request must not wait for it or fail because of it."""

from __future__ import annotations

import logging
import smtplib
import threading
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

import sqlalchemy as sa

from xborder.core.jobs import job_app
from xborder.core.text import single_line, strip_unsafe
from xborder.core.timeutil import utcnow
from xborder.extensions import db
from xborder.notifications.models import Notification

log = logging.getLogger("xborder.mail")
MAX_ATTEMPTS = 3


class MailNotSent(Exception):
    """Some e-mails could not be sent; raised so RQ retries the job (the rows stay pending)."""


def _message(settings, row: Notification, to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = formataddr(("", to))
    # One line always: a case title with CR/LF (stored before titles were checked) must not split the header.
    message["Subject"] = single_line(f"xborder 数据出境 · {row.text_en.split(':')[0]}")
    message["Message-ID"] = make_msgid(domain="xborder")
    # Chinese first, English second, as on the pages.
    message.set_content(strip_unsafe(f"{row.text_zh}\n\n{row.text_en}\n\n—— xborder\n"))
    return message


def _claim(row_id: int) -> bool:
    """Take the row for sending; False when another sender already has it."""
    claimed = db.session.execute(
        sa.update(Notification).where(Notification.id == row_id, Notification.emailed_at.is_(None))
        .values(emailed_at=utcnow())).rowcount
    db.session.commit()
    return claimed == 1


def send_pending_emails() -> int:
    """Send an e-mail copy of every notification not yet mailed (when SMTP is configured); returns how many."""
    from xborder.accounts.models import User

    app = job_app()
    with app.app_context():
        settings = app.config["XBORDER"]
        if not settings.smtp_host:
            return 0
        # A user's notification goes to their address; one addressed to an e-mail (nobody's account yet) to that.
        pending = db.session.execute(
            sa.select(Notification.id, sa.func.coalesce(Notification.email, User.email))
            .outerjoin(User, User.id == Notification.user_id)
            .where(Notification.emailed_at.is_(None), Notification.email_attempts < MAX_ATTEMPTS,
                   sa.or_(Notification.email.is_not(None), User.id.is_not(None)))
            .order_by(Notification.id)).all()
        if not pending:
            return 0
        sent, failed = 0, 0
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_user:
                smtp.starttls()
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            for row_id, email in pending:
                if not _claim(row_id):
                    continue
                row = db.session.get(Notification, row_id)
                try:
                    message = _message(settings, row, email)
                except ValueError as exc:  # a header email refuses: trying again cannot help, the others go on
                    log.error("mail for notification %s cannot be written: %s", row_id, exc)
                    row.emailed_at, row.email_attempts = None, MAX_ATTEMPTS
                    db.session.commit()
                    continue
                try:
                    smtp.send_message(message)
                    sent += 1
                except smtplib.SMTPException as exc:
                    log.warning("mail for notification %s to %s failed: %s", row_id, email, exc)
                    row.emailed_at = None
                    row.email_attempts += 1
                    db.session.commit()
                    failed += 1
        if failed:
            raise MailNotSent(f"{failed} of {failed + sent} e-mails not sent; they stay pending")
        return sent


def _send_in_background(app) -> None:
    try:
        with app.app_context():
            send_pending_emails()
    except Exception:  # a thread has no caller to raise to; the next sweep retries what stays pending
        log.exception("sending notification e-mails failed")
    finally:
        with app.app_context():
            db.session.remove()


def dispatch() -> None:
    """Have the pending e-mails sent now, outside the request: on RQ when there is Redis, else in a thread."""
    from flask import current_app

    settings = current_app.config["XBORDER"]
    if not settings.smtp_host:
        return
    if settings.redis_url:
        from xborder.core.jobs import enqueue

        enqueue(send_pending_emails)
        return
    threading.Thread(target=_send_in_background, args=(current_app._get_current_object(),),
                     name="xborder-mail", daemon=True).start()
