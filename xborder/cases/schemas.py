"""What the API accepts and returns about cases."""

from __future__ import annotations

import marshmallow as ma

from xborder.cases.models import STATUSES


class CaseSummarySchema(ma.Schema):
    """A case as it appears in lists."""

    id = ma.fields.Integer(required=True)
    reference = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    province = ma.fields.String(required=True)
    exporter_name = ma.fields.Function(lambda case: case.exporter.name)
    exporter_uscc = ma.fields.Function(lambda case: case.exporter.uscc)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)


class CaseListQuerySchema(ma.Schema):
    """Pagination and filters for the case list."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))


class CasePageSchema(ma.Schema):
    """One page of cases, newest first."""

    items = ma.fields.List(ma.fields.Nested(CaseSummarySchema), required=True)
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    pages = ma.fields.Integer(required=True)
