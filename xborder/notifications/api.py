"""API: the caller's own notifications."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from xborder.core.auth import api_user, token_required
from xborder.core.unit_of_work import commit
from xborder.notifications import operations
from xborder.notifications.schemas import NotificationPageSchema, NotificationQuerySchema, NotificationSchema

blp = Blueprint("notifications_api", __name__, url_prefix="/api/v1", description="Notifications")


@blp.route("/notifications")
class NotificationsResource(MethodView):
    """The caller's notifications."""

    @token_required()
    @blp.arguments(NotificationQuerySchema, location="query")
    @blp.response(200, NotificationPageSchema)
    @blp.alt_response(401, description="No valid token")
    def get(self, query):
        """List the caller's (and the caller's organisation's) notifications, newest first, paginated."""
        listing = operations.list_for(api_user(), **query)
        return {**listing, "items": [operations.as_json(row) for row in listing["items"]]}


@blp.route("/notifications/<int:notification_id>/read")
class NotificationReadResource(MethodView):
    """Reading a notification."""

    @token_required()
    @blp.response(200, NotificationSchema)
    @blp.alt_response(404, description="No such notification for the caller")
    def post(self, notification_id: int):
        """Mark the notification read (again is harmless: the first reading time is kept)."""
        row = operations.mark_read(api_user(), notification_id)
        commit()
        return operations.as_json(row)
