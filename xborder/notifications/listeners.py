"""Notify the users a case concerns of every transition, in the transition's own transaction (registered on the
workflow by `xborder.notifications.init_app`)."""

from __future__ import annotations

from xborder.notifications import texts
from xborder.notifications.operations import notify_concerned


def notify_transition(case, action: str, source: str, body: dict, user) -> None:
    """Tell everyone who may see the case (but the actor) what happened; mail the copies after the commit."""
    text = texts.transition_text(case, action, case.status, body.get("comment"))
    if not notify_concerned(case, f"transition.{action}", text, except_user_id=getattr(user, "id", None)):
        return
    from flask import has_request_context

    if has_request_context():
        from xborder.core.unit_of_work import after_commit
        from xborder.notifications.mail import dispatch

        after_commit(dispatch)
