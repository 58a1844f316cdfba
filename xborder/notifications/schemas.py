"""Request and response shapes of the notifications API."""

from __future__ import annotations

import marshmallow as ma


class NotificationQuerySchema(ma.Schema):
    """Paging, and whether to list unread ones only."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))
    unread = ma.fields.Boolean(load_default=False)


class RecipientSchema(ma.Schema):
    """A user, or an organisation as a whole."""

    user_id = ma.fields.Integer(allow_none=True)
    organisation_id = ma.fields.Integer(allow_none=True)


class NotificationSchema(ma.Schema):
    """One notification."""

    id = ma.fields.Integer()
    kind = ma.fields.String()
    case_id = ma.fields.Integer(allow_none=True)
    text_zh = ma.fields.String()
    text_en = ma.fields.String()
    recipient = ma.fields.Nested(RecipientSchema)
    created_at = ma.fields.String()
    read_at = ma.fields.String(allow_none=True)


class NotificationPageSchema(ma.Schema):
    """A page of notifications, newest first."""

    items = ma.fields.List(ma.fields.Nested(NotificationSchema))
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total = ma.fields.Integer()
    pages = ma.fields.Integer()
    unread = ma.fields.Integer()
