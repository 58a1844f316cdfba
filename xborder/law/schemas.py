"""The determination as the API sends it: the shape `law.pathway.determine_pathway` returns, field by field.

`POST /api/v1/assess` writes the engine's dict itself (the public hot path, issue 20); the case endpoints dump a
stored determination through `DeterminationSchema`. A test holds the schema's dump equal to the engine's dict, so
the OpenAPI document and what is sent cannot drift apart.
"""

from __future__ import annotations

import marshmallow as ma


class CitationSchema(ma.Schema):
    """A legal basis: instrument, article and, where the article has items, the item."""

    instrument = ma.fields.String(required=True, metadata={"description": "An instrument id of forms/law"})
    article = ma.fields.String(required=True)
    item = ma.fields.String(metadata={"description": "Present only when the article is cited by item"})


class ReasonSchema(ma.Schema):
    """Why a transfer takes its pathway (or why an exemption does or does not apply), in zh and en."""

    code = ma.fields.String(required=True)
    message_zh = ma.fields.String(required=True)
    message_en = ma.fields.String(required=True)
    legal_basis = ma.fields.List(ma.fields.Nested(CitationSchema), required=True)
    exemption = ma.fields.String(allow_none=True, metadata={"description": "The exemption scenario concerned"})
    why = ma.fields.String(allow_none=True, metadata={"description": "Why a claimed exemption does not apply"})


class TransferResultSchema(ma.Schema):
    """The pathway of one transfer of the declaration (by its index)."""

    index = ma.fields.Integer(required=True)
    pathway = ma.fields.String(required=True)
    exemption_applied = ma.fields.String(allow_none=True, required=True)
    reasons = ma.fields.List(ma.fields.Nested(ReasonSchema), required=True)


class CountingWindowSchema(ma.Schema):
    """The dates whose transfers count toward the thresholds."""

    start = ma.fields.String(required=True)
    end = ma.fields.String(required=True)


class CumulativeSchema(ma.Schema):
    """The persons counted in the window."""

    pi_individuals = ma.fields.Integer(required=True)
    sensitive_pi_individuals = ma.fields.Integer(required=True)
    all_pi_individuals = ma.fields.Integer(metadata={"description": "Present where a threshold counts all PI"})


class ObligationSchema(ma.Schema):
    """What the exporter must do for the pathway, by when, and for which transfers."""

    code = ma.fields.String(required=True)
    title_zh = ma.fields.String(required=True)
    title_en = ma.fields.String(required=True)
    due = ma.fields.String(required=True)
    due_zh = ma.fields.String(required=True)
    legal_basis = ma.fields.List(ma.fields.Nested(CitationSchema), required=True)
    transfers = ma.fields.List(ma.fields.Integer(), required=True)


class ValiditySchema(ma.Schema):
    """How long an approved security assessment stays valid."""

    years = ma.fields.Integer(required=True)


class CountedSchema(ma.Schema):
    """What was counted toward the thresholds: earlier transfers, earlier cases and this declaration's transfers."""

    prior_transfers = ma.fields.List(ma.fields.Raw(), required=True)
    cases = ma.fields.List(ma.fields.Raw(), required=True, metadata={"description": "References of earlier cases"})
    transfers = ma.fields.List(ma.fields.Raw(), required=True)
    # A case's determination also says what its earlier cases added (cases.operations.determine_for_case).
    cases_total = ma.fields.Integer(metadata={"description": "Cases only: how many earlier cases were counted"})
    cases_pi_individuals = ma.fields.Integer(metadata={"description": "Cases only: their persons (PI)"})
    cases_sensitive_pi_individuals = ma.fields.Integer(metadata={
        "description": "Cases only: their persons (sensitive PI)"})


class InterpretationSchema(ma.Schema):
    """A named reading of the law that made a difference here, and what it applied to."""

    rule = ma.fields.String(required=True)
    message_zh = ma.fields.String(required=True)
    message_en = ma.fields.String(required=True)
    legal_basis = ma.fields.List(ma.fields.Nested(CitationSchema), required=True)
    applies_to = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.List(ma.fields.Raw()), required=True)


class MechanismSchema(ma.Schema):
    """One route of the standard-contract band (standard contract or certification): allowed or not, and why."""

    mechanism = ma.fields.String(required=True, metadata={"enum": ["standard_contract", "certification"]})
    allowed = ma.fields.Boolean(required=True)
    reasons = ma.fields.List(ma.fields.Nested(ReasonSchema), required=True)
    obligations = ma.fields.List(ma.fields.Nested(ObligationSchema), required=True)


class DeterminationSchema(ma.Schema):
    """The determination: regime, pathway, reasons and legal basis per transfer, obligations, validity."""

    regime = ma.fields.String(required=True)
    as_of = ma.fields.String(required=True)
    pathway = ma.fields.String(required=True)
    counting_window = ma.fields.Nested(CountingWindowSchema, required=True)
    cumulative = ma.fields.Nested(CumulativeSchema, required=True)
    transfers = ma.fields.List(ma.fields.Nested(TransferResultSchema), required=True)
    legal_basis = ma.fields.List(ma.fields.Nested(CitationSchema), required=True)
    obligations = ma.fields.List(ma.fields.Nested(ObligationSchema), required=True)
    validity = ma.fields.Nested(ValiditySchema, allow_none=True, required=True)
    counted = ma.fields.Nested(CountedSchema)
    interpretations = ma.fields.List(ma.fields.Nested(InterpretationSchema))
    mechanisms = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(MechanismSchema), allow_none=True,
                                metadata={"description": "Both routes of the standard-contract band (law/mechanism); "
                                                         "null outside the band"})
