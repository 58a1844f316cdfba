"""API: the public pathway determination (`POST /api/v1/assess`), the same engine as `xborder assess`."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from xborder.core.errors import Unprocessable

blp = Blueprint("law_api", __name__, url_prefix="/api/v1", description="Pathway determination")


class DeclarationDocSchema(ma.Schema):
    """A declaration (see the declaration contract); validated field by field by the engine's own rules."""

    class Meta:
        unknown = ma.INCLUDE

    as_of = ma.fields.Date(required=True)
    exporter = ma.fields.Dict(required=True)
    prior_transfers = ma.fields.List(ma.fields.Dict())
    transfers = ma.fields.List(ma.fields.Dict(), required=True)


class DeterminationDocSchema(ma.Schema):
    """The determination: regime, pathway, reasons and legal basis per transfer, obligations, validity."""

    class Meta:
        unknown = ma.INCLUDE

    regime = ma.fields.String(required=True)
    as_of = ma.fields.String(required=True)
    pathway = ma.fields.String(required=True)
    counting_window = ma.fields.Dict(required=True)
    cumulative = ma.fields.Dict(required=True)
    transfers = ma.fields.List(ma.fields.Dict(), required=True)
    legal_basis = ma.fields.List(ma.fields.Dict(), required=True)
    obligations = ma.fields.List(ma.fields.Dict(), required=True)
    validity = ma.fields.Dict(allow_none=True, required=True)


def assess_payload(raw: object) -> dict:
    """Validate a raw declaration and determine its pathway; invalid input raises 422 with field errors."""
    from xborder.law.declaration import DeclarationInvalid, validate_declaration
    from xborder.law.pathway import determine_pathway

    try:
        declaration = validate_declaration(raw)
    except DeclarationInvalid as exc:
        raise Unprocessable("The declaration is invalid", exc.errors) from None
    return determine_pathway(declaration)


@blp.route("/assess")
class AssessResource(MethodView):
    """Determination without login; nothing is stored."""

    @blp.doc(security=[], requestBody={
        "required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Declaration"}}}})
    @blp.alt_response(200, schema=DeterminationDocSchema, description="The determination")
    @blp.alt_response(400, description="Malformed JSON")
    @blp.alt_response(422, description="The declaration breaks a rule; `errors` lists each field")
    def post(self):
        """Determine the pathway of every transfer in a declaration (same output as `xborder assess`)."""
        return assess_payload(request.get_json(force=True))


def register_schemas(spec) -> None:
    """Name the declaration schema in the OpenAPI components so request bodies can refer to it."""
    spec.components.schema("Declaration", schema=DeclarationDocSchema)
