"""In-app notifications (and their e-mail copies) for the users a case concerns."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask
    from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    """Register the notifications' API and pages, and notify the users concerned of every transition (the pending
    mail is sent after each commit and by `xborder.sweep`)."""
    from xborder.cases import workflow
    from xborder.notifications import api as notifications_api
    from xborder.notifications import listeners, models, views  # noqa: F401  (models: for migrations and queries)

    workflow.on_transition(app, listeners.notify_transition)
    api.register_blueprint(notifications_api.blp)
    app.register_blueprint(views.bp)
