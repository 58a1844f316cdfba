"""What the inventory API accepts and returns."""

from __future__ import annotations

import marshmallow as ma

from xborder.cases.schemas import UTCDateTime
from xborder.inventory.models import IMPORT_STATUSES
from xborder.law.schemas import CitationSchema, DeterminationSchema

FORMAT = ma.validate.OneOf(("xlsx", "csv", "json"))
SHEET = ma.validate.OneOf(("flows", "recipients", "documents"))


class FlowSchema(ma.Schema):
    """One inventory row (an outbound data flow)."""

    id = ma.fields.Integer(required=True)
    entry_key = ma.fields.String(required=True)
    system = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    level = ma.fields.String(required=True)
    industrial_level = ma.fields.String(allow_none=True)
    subject_group = ma.fields.String(allow_none=True)
    recipient = ma.fields.String(required=True)
    purpose = ma.fields.String(allow_none=True)
    exemption = ma.fields.String(allow_none=True)
    persons_per_year = ma.fields.Integer(required=True)
    records_per_year = ma.fields.Integer(allow_none=True)
    storage_location = ma.fields.String(allow_none=True)
    retention_months = ma.fields.Integer(allow_none=True)


class InventoryRecipientSchema(ma.Schema):
    """A recipient abroad with the legal documents in force with it."""

    id = ma.fields.Integer(required=True)
    recipient = ma.fields.String(required=True)
    country = ma.fields.String(required=True)
    onward_transfer = ma.fields.Boolean(required=True)
    contact = ma.fields.String(allow_none=True)
    documents = ma.fields.List(ma.fields.Dict(), required=True)


class PageQuerySchema(ma.Schema):
    """Pagination of inventory rows."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1_000_000))
    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=500))


class FlowPageSchema(ma.Schema):
    """A page of inventory rows, by entry key."""

    items = ma.fields.List(ma.fields.Nested(FlowSchema), required=True)
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    revision = ma.fields.Integer(required=True)


class RecipientListSchema(ma.Schema):
    """Every recipient of the inventory."""

    items = ma.fields.List(ma.fields.Nested(InventoryRecipientSchema), required=True)


class ExportQuerySchema(ma.Schema):
    """Which file: format, and for CSV which sheet."""

    format = ma.fields.String(load_default="xlsx", validate=FORMAT)
    sheet = ma.fields.String(validate=SHEET)


class TemplateQuerySchema(ma.Schema):
    """The template as XLSX (every sheet) or CSV (one sheet)."""

    format = ma.fields.String(load_default="xlsx", validate=ma.validate.OneOf(("xlsx", "csv")))
    sheet = ma.fields.String(validate=SHEET)


class CaseExportQuerySchema(ma.Schema):
    """Which file, and optionally one status."""

    format = ma.fields.String(load_default="xlsx", validate=FORMAT)
    status = ma.fields.String(validate=ma.validate.Length(max=30))


class ImportUploadSchema(ma.Schema):
    """Multipart fields besides the files (`file`, repeatable)."""

    apply = ma.fields.Boolean(load_default=False, metadata={
        "description": "Apply at once when every row is valid, without waiting for a confirmation of the preview"})


class ImportRunSummarySchema(ma.Schema):
    """An upload as listed: status and progress."""

    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(IMPORT_STATUSES))
    filenames = ma.fields.List(ma.fields.String(), required=True)
    progress = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    error_count = ma.fields.Integer(required=True)
    created_at = UTCDateTime(required=True)


class ImportErrorSchema(ma.Schema):
    """What is wrong with a cell, a sheet or a file (inventory.messages), located and said in zh and en."""

    path = ma.fields.String(required=True, metadata={"description": "sheet/row/field"})
    code = ma.fields.String(required=True)
    sheet = ma.fields.String(allow_none=True, required=True)
    sheet_title = ma.fields.String(required=True)
    row = ma.fields.Integer(allow_none=True, required=True)
    column = ma.fields.String(allow_none=True, required=True, metadata={"description": "The column letter"})
    field = ma.fields.String(allow_none=True, required=True)
    message_en = ma.fields.String(required=True)
    message_zh = ma.fields.String(required=True)


class ImportRunSchema(ImportRunSummarySchema):
    """An upload: status, progress, every error located by sheet/row/column, and the preview of changes."""

    errors = ma.fields.List(ma.fields.Nested(ImportErrorSchema), required=True)
    preview = ma.fields.Dict(allow_none=True)
    message = ma.fields.String(allow_none=True)
    finished_at = UTCDateTime(allow_none=True)
    applied_at = UTCDateTime(allow_none=True)


class ImportRunListSchema(ma.Schema):
    """The organisation's recent uploads."""

    items = ma.fields.List(ma.fields.Nested(ImportRunSummarySchema), required=True)


class ExporterFactsSchema(ma.Schema):
    """Facts of the exporter that the inventory does not hold."""

    sector = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=100))
    is_ciio = ma.fields.Boolean(load_default=False)
    pi_subjects_processed = ma.fields.Integer(allow_none=True, validate=ma.validate.Range(min=0, max=10**13))


class DeclarationDraftSchema(ma.Schema):
    """Rows to declare, the planned transfer date and the exporter's facts."""

    entry_keys = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=64)), required=True,
                                validate=ma.validate.Length(min=1, max=10_000))
    as_of = ma.fields.Date(load_default=None, allow_none=True)
    exporter = ma.fields.Nested(ExporterFactsSchema, load_default=dict)


class DeclareSchema(DeclarationDraftSchema):
    """A case from rows: a title, and optionally the drafted declaration as the caller edited it."""

    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    declaration = ma.fields.Dict(load_default=None, allow_none=True, metadata={
        "description": "The draft's declaration, edited; omitted: the declaration built from the rows"})


class WarnedCaseSchema(ma.Schema):
    """The open case a warning is about."""

    id = ma.fields.Integer(required=True)
    reference = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.String(required=True)


class DraftWarningSchema(ma.Schema):
    """Something to know before the draft becomes a case, e.g. rows already declared in an open case."""

    code = ma.fields.String(required=True, metadata={"description": "already_in_open_case"})
    message_zh = ma.fields.String(required=True)
    message_en = ma.fields.String(required=True)
    legal_basis = ma.fields.List(ma.fields.Nested(CitationSchema), required=True)
    entry_keys = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "The selected rows the case was declared from"})
    case = ma.fields.Nested(WarnedCaseSchema, required=True)


class DraftResultSchema(ma.Schema):
    """The declaration built from rows, which rows fed each transfer, the determination or the errors, and
    warnings."""

    declaration = ma.fields.Dict(required=True)
    sources = ma.fields.List(ma.fields.List(ma.fields.String()), required=True)
    determination = ma.fields.Nested(DeterminationSchema, allow_none=True)
    errors = ma.fields.List(ma.fields.Dict(), required=True)
    warnings = ma.fields.List(ma.fields.Nested(DraftWarningSchema), required=True)


class FlagSchema(ma.Schema):
    """A re-declaration trigger (forms/inventory) that a change of the row set off."""

    trigger = ma.fields.String(required=True)
    fields = ma.fields.List(ma.fields.String(), required=True)
    message_zh = ma.fields.String(required=True)
    message_en = ma.fields.String(required=True)
    legal_basis = ma.fields.List(ma.fields.Nested(CitationSchema), required=True)


class LinkSchema(ma.Schema):
    """An inventory row that fed a case, as it was then, with the re-declaration triggers since."""

    case_id = ma.fields.Integer(required=True)
    case_reference = ma.fields.Function(lambda link: link.case_reference)
    entry_key = ma.fields.String(required=True)
    snapshot = ma.fields.Dict(required=True)
    flags = ma.fields.List(ma.fields.Nested(FlagSchema), required=True)
    flagged_at = UTCDateTime(allow_none=True)
    created_at = UTCDateTime(required=True)


class CaseLinksSchema(ma.Schema):
    """The rows behind a case and whether the inventory changed since."""

    case_id = ma.fields.Integer(required=True)
    flagged = ma.fields.Boolean(required=True)
    links = ma.fields.List(ma.fields.Nested(LinkSchema), required=True)


class FlagListSchema(ma.Schema):
    """The organisation's flagged rows of open cases."""

    items = ma.fields.List(ma.fields.Nested(LinkSchema), required=True)
