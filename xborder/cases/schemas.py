"""What the API accepts and returns about cases."""

from __future__ import annotations

import marshmallow as ma

from xborder.cases.facts import CaseFactsSchema
from xborder.cases.models.status import ALL as ALL_STATUSES
from xborder.cases.transitions import TransitionSchema as TransitionSchema  # derived from the action table
from xborder.core.text import SafeText
from xborder.core.timeutil import as_utc
from xborder.law.schemas import DeterminationSchema


class UTCDateTime(ma.fields.DateTime):
    """An RFC 3339 date-time with its offset: SQLite hands back naive UTC values, which would lose it."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(as_utc(value) if value is not None else None, attr, obj, **kwargs)


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
    created_at = UTCDateTime(required=True)
    updated_at = UTCDateTime(required=True)


class CaseListQuerySchema(ma.Schema):
    """Pagination and filters for the case list."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    per_page = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))
    status = ma.fields.String(validate=ma.validate.OneOf(ALL_STATUSES))
    after = ma.fields.String(validate=ma.validate.Length(max=200), metadata={
        "description": "`next_cursor` of the previous page: keyset pagination (then `page` is ignored)"})


class CasePageSchema(ma.Schema):
    """One page of cases, newest first."""

    items = ma.fields.List(ma.fields.Nested(CaseSummarySchema), required=True)
    page = ma.fields.Integer(required=True)
    per_page = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    pages = ma.fields.Integer(required=True)
    next_cursor = ma.fields.String(allow_none=True, metadata={"description": "Pass as `after` for the next page; "
                                                                             "null on the last page"})


class CaseCreateSchema(ma.Schema):
    """A new case: a title and a declaration (validated field by field by the pathway engine's rules)."""

    title = SafeText(required=True, validate=ma.validate.Length(min=1, max=200))
    declaration = ma.fields.Raw(required=True, metadata={"description": "A declaration (see /assess)"})


class DeclarationEditSchema(ma.Schema):
    """A replacement declaration for a draft, based on the version the caller last saw."""

    version = ma.fields.Integer(required=True, strict=True)
    declaration = ma.fields.Raw(required=True)
    title = SafeText(validate=ma.validate.Length(min=1, max=200))


class FactsEditSchema(ma.Schema):
    """The case's transfer details, replacing the stored ones, based on the version the caller last saw."""

    version = ma.fields.Integer(required=True, strict=True)
    facts = ma.fields.Raw(required=True, metadata={
        "description": "A CaseFacts object (see that schema): the case's fields and `transfers` keyed by the "
                       "transfer's index in the declaration; validated by the operation, field errors at facts/…"})


class FactsSchema(ma.Schema):
    """The case's transfer details, every field present (null when not filled in)."""

    version = ma.fields.Integer(required=True)
    facts = ma.fields.Nested(CaseFactsSchema, required=True)


class SelfAssessmentSchema(ma.Schema):
    """Answers to key points; each counts as answered once its `answer` is non-empty."""

    version = ma.fields.Integer(required=True, strict=True)
    answers = ma.fields.List(ma.fields.Raw(), required=True, metadata={
        "description": '[{"key_point", "answer", "measures", "evidence": [ids], "responses": {question_id: value}}]'})


class EvidenceUploadSchema(ma.Schema):
    """A file for a case, optionally for one key point."""

    key_point = ma.fields.String(validate=ma.validate.Length(max=20))


class ExporterSchema(ma.Schema):
    """The exporting organisation of a case."""

    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    uscc = ma.fields.String(required=True)
    province = ma.fields.String(required=True)


class KeyPointStatusSchema(ma.Schema):
    """An applicable key point and whether its `answer` is non-empty."""

    id = ma.fields.String(required=True)
    title_zh = ma.fields.String(required=True)
    title_en = ma.fields.String(required=True)
    answered = ma.fields.Boolean(required=True)


class ReviewEstimateSchema(ma.Schema):
    """Whether the third-party review may overrun a standard contract's filing deadline: an operational estimate from
    xborder's own history of signed cases, not a legal period (xborder.cases.review_estimate)."""

    working_days = ma.fields.Integer(required=True, metadata={"description": "The review's estimated working days"})
    basis = ma.fields.String(required=True, metadata={
        "description": "assessor (the chosen body's median), all_assessors (fewer than 3 of its cases signed), or "
                       "setting (no signed case: XBORDER_REVIEW_ESTIMATE_DAYS)"})
    cases = ma.fields.Integer(required=True, metadata={"description": "Signed cases the median was taken over"})
    remaining_working_days = ma.fields.Integer(required=True)
    expected_by = ma.fields.String(required=True, metadata={"description": "When the filing is expected to be made"})
    overrun = ma.fields.Boolean(required=True)
    estimate_zh = ma.fields.String(required=True)
    estimate_en = ma.fields.String(required=True)
    warning_zh = ma.fields.String(metadata={"description": "Present when the review is expected to overrun"})
    warning_en = ma.fields.String(metadata={"description": "Present when the review is expected to overrun"})


class DeadlineSchema(ma.Schema):
    """A deadline running for the case: its rule's name, start, due date and legal basis."""

    kind = ma.fields.String(required=True)
    label_zh = ma.fields.String(allow_none=True, required=True)
    label_en = ma.fields.String(allow_none=True, required=True)
    starts = ma.fields.String(metadata={"description": "The day the period runs from; absent for a window counted back "
                                                       "from an end (the extension window before expiry)"})
    due = ma.fields.String(required=True)
    provisional = ma.fields.Boolean(required=True)
    overdue = ma.fields.Boolean(required=True)
    legal_basis = ma.fields.List(ma.fields.Dict(), required=True)
    opens = ma.fields.String(metadata={"description": "When the window opens, for a window rather than a limit"})
    xborder_default = ma.fields.Boolean(metadata={"description": "True: a period xborder assumes, not the law's"})
    start_estimated = ma.fields.Boolean()
    due_set_by_authority = ma.fields.Boolean()
    valid_until = ma.fields.String(metadata={"description": "The end of validity a renewal deadline counts back from"})
    review_estimate = ma.fields.Nested(ReviewEstimateSchema, metadata={
        "description": "On a standard contract's filing deadline: whether the review may overrun it (an estimate)"})


class CaseDetailSchema(ma.Schema):
    """One case with everything the caller may see of it (api.md `GET /cases/{id}`)."""

    id = ma.fields.Integer(required=True)
    reference = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    exporter = ma.fields.Nested(ExporterSchema, required=True)
    assessor_org_id = ma.fields.Integer(allow_none=True, required=True)
    declaration_revision = ma.fields.Integer(required=True)
    declaration = ma.fields.Dict(allow_none=True, required=True, metadata={
        "description": "The declaration as stored (see the Declaration schema)"})
    determination = ma.fields.Nested(DeterminationSchema, allow_none=True, required=True)
    answers_revision = ma.fields.Integer(required=True)
    answers = ma.fields.List(ma.fields.Dict(), required=True, metadata={
        "description": '[{"key_point", "answer", "measures", "evidence", "responses"}] as saved'})
    key_points = ma.fields.List(ma.fields.Nested(KeyPointStatusSchema), required=True)
    risk = ma.fields.Dict(allow_none=True, required=True, metadata={
        "description": '{"level", "summary_zh", "summary_en", "key_points": [{"id", "level", "impact", '
                       '"likelihood", "factors"}], …} from the risk engine'})
    evidence = ma.fields.List(ma.fields.Nested(lambda: EvidenceSummarySchema()), required=True)
    deadlines = ma.fields.List(ma.fields.Nested(DeadlineSchema), required=True)
    valid_until = ma.fields.String(allow_none=True, required=True)
    mechanism = ma.fields.String(allow_none=True, metadata={
        "description": "standard_contract | certification, chosen at submit in the standard-contract band"})
    obligations = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "The determination's obligations, with those of the route the case took at submit"})
    facts = ma.fields.Nested(CaseFactsSchema, metadata={
        "description": "The transfer details beside the declaration (GET/PUT /cases/{id}/facts)"})
    pia = ma.fields.Nested(lambda: PiaRecordViewSchema(), allow_none=True, metadata={
        "description": "The enterprise's PIA record (POST /cases/{id}/pia-record), with the date it is kept until; "
                       "null before one is recorded"})
    pia_required = ma.fields.Boolean(metadata={
        "description": "Whether the determination names the PI protection impact assessment (pipl art 55(4))"})
    actions = ma.fields.List(ma.fields.String(), required=True)
    created_at = ma.fields.String(required=True)
    updated_at = ma.fields.String(required=True)


class PiaRecordSchema(ma.Schema):
    """The enterprise's statement of its PI protection impact assessment (cases/pia.py validates, field by field)."""

    class Meta:
        unknown = ma.RAISE

    completed_on = ma.fields.Raw(metadata={"description": "YYYY-MM-DD, not in the future"})
    carried_out_by = ma.fields.Raw(metadata={"description": "internal | third_party"})
    third_party_name = ma.fields.Raw(allow_none=True, metadata={"description": "required for third_party"})
    conclusion = ma.fields.Raw(metadata={"description": "the conclusion, in summary"})


class PiaRecordViewSchema(ma.Schema):
    """The recorded PIA with its retention date (completion + the years of forms/reasons.yaml, pipl art 56)."""

    completed_on = ma.fields.String(required=True)
    carried_out_by = ma.fields.String(required=True)
    third_party_name = ma.fields.String(allow_none=True)
    conclusion = ma.fields.String(required=True)
    retain_until = ma.fields.String(required=True)
    retention_years = ma.fields.Integer(required=True)
    retention_basis = ma.fields.List(ma.fields.String(), required=True)


class AuditEntrySchema(ma.Schema):
    """One entry of a case's audit chain."""

    seq = ma.fields.Integer(required=True)
    action = ma.fields.String(required=True)
    actor_id = ma.fields.Integer(allow_none=True)
    organisation_id = ma.fields.Integer(allow_none=True)
    payload = ma.fields.Dict(required=True)
    payload_digest = ma.fields.String(required=True)
    created_at = UTCDateTime(required=True)
    prev_hash = ma.fields.String(required=True)
    hash = ma.fields.String(required=True)


class ChainCheckSchema(ma.Schema):
    """Whether the case's audit chain recomputes: ok, or the first broken entry and why."""

    ok = ma.fields.Boolean(required=True)
    entries = ma.fields.Integer(required=True)
    first_broken_seq = ma.fields.Integer(allow_none=True, required=True)
    reason = ma.fields.String(allow_none=True, required=True)


class AuditTrailSchema(ma.Schema):
    """A case's audit trail, oldest first, and whether the chain recomputes."""

    entries = ma.fields.List(ma.fields.Nested(AuditEntrySchema), required=True)
    chain = ma.fields.Nested(ChainCheckSchema, required=True)


class ReviewSchema(ma.Schema):
    """Findings per key point, based on the version the caller last saw."""

    version = ma.fields.Integer(required=True, strict=True)
    reviews = ma.fields.List(ma.fields.Raw(), required=True)


class DeclarationRevisionSchema(ma.Schema):
    """One stored declaration and the determination made from it."""

    revision = ma.fields.Integer(required=True)
    declaration = ma.fields.Dict(required=True)
    determination = ma.fields.Dict(allow_none=True)
    created_by_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.String(required=True)


class DeclarationHistorySchema(ma.Schema):
    """Every declaration of a case, oldest first."""

    versions = ma.fields.List(ma.fields.Nested(DeclarationRevisionSchema), required=True)


class QuestionnaireSchema(ma.Schema):
    """The applicable key points with their questions and help, and the current answers."""

    version = ma.fields.Integer(required=True)
    key_points = ma.fields.List(ma.fields.Dict(), required=True)
    answers = ma.fields.List(ma.fields.Dict(), required=True)


class EvidenceSummarySchema(ma.Schema):
    """A stored evidence file, without its bytes."""

    id = ma.fields.Integer(required=True)
    key_point = ma.fields.String(allow_none=True)
    filename = ma.fields.String(required=True)
    content_type = ma.fields.String(required=True)
    size = ma.fields.Integer(required=True)
    sha256 = ma.fields.String(required=True)
    created_at = ma.fields.String(required=True)


class EvidenceListSchema(ma.Schema):
    """A case's evidence."""

    items = ma.fields.List(ma.fields.Nested(EvidenceSummarySchema), required=True)


class RoundChangesSchema(ma.Schema):
    """What changed in a round of rectification or supplement; `round` is null before any request."""

    round = ma.fields.Dict(allow_none=True, required=True)
    answers = ma.fields.List(ma.fields.Dict(), required=True)
    declaration = ma.fields.List(ma.fields.Dict(), required=True)


class StatusCountsSchema(ma.Schema):
    """How many of the caller's visible cases are in each status, and in all."""

    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    total = ma.fields.Integer(required=True)
