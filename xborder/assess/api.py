"""API: the public pathway determination (`POST /api/v1/assess`), the same engine as `xborder assess`."""

from __future__ import annotations

from typing import cast

import marshmallow as ma
import orjson
from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from xborder.core.errors import Unprocessable
from xborder.law.schemas import DeterminationSchema

blp = Blueprint("assess_api", __name__, url_prefix="/api/v1", description="Pathway determination")


class DeclarationDocSchema(ma.Schema):
    """A declaration (see the declaration contract); validated field by field by the engine's own rules."""

    class Meta:
        unknown = ma.INCLUDE

    as_of = ma.fields.Date(required=True)
    exporter = ma.fields.Dict(required=True)
    prior_transfers = ma.fields.List(ma.fields.Dict())
    transfers = ma.fields.List(ma.fields.Dict(), required=True)


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
    # The engine's dict is sent as it is (the public hot path, issue 20); tests/api/test_response_schemas.py holds
    # DeterminationSchema's dump of it equal to it, so this documented schema is what is sent.
    @blp.alt_response(200, schema=DeterminationSchema, description="The determination")
    @blp.alt_response(400, description="Malformed JSON")
    @blp.alt_response(422, description="The declaration breaks a rule; `errors` lists each field")
    def post(self):
        """Determine the pathway of every transfer in a declaration (same output as `xborder assess`)."""
        return _json_response(assess_payload(_json_body()))


# orjson reads an integer outside 64 bits as a float (the stdlib keeps it an int, which validation then judges):
# any run of 19+ digits in the body takes the stdlib path. Found by mapping every ASCII digit to "0" and everything
# else to a space and searching for 19 zeros: two C passes, 15x faster than the regular expression `\d{19}` on a
# 6.5 KB declaration (a test holds the two equal).
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_NINETEEN_DIGITS = b"0" * 19


def _has_long_number(data: bytes) -> bool:
    """Whether `data` holds a run of 19 or more ASCII digits."""
    return _NINETEEN_DIGITS in data.translate(_DIGITS_AS_ZEROS)


def _json_body() -> object:
    """The request body as JSON: orjson for speed; whatever it refuses or might read differently (malformed JSON,
    UTF-16, NaN, very long integers) goes to the stdlib parser as before, which accepts it or answers 400 — so the
    outcome never changes."""
    data = request.get_data(cache=True)
    if not _has_long_number(data):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return request.get_json(force=True)


def _json_response(payload: dict) -> Response:
    """`payload` as application/json with sorted keys, as Flask's own provider writes it, ~10x faster (UTF-8 rather
    than \\u escapes; the same JSON value)."""
    try:
        return Response(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS), mimetype="application/json")
    except orjson.JSONEncodeError:  # an integer beyond 64 bits (a count can be any size): the stdlib writes it
        # Flask types its JSON provider's answer as werkzeug's sans-IO Response; it is the app's response_class.
        return cast(Response, current_app.json.response(payload))


def register_schemas(spec) -> None:
    """Name the declaration schema in the OpenAPI components so request bodies can refer to it."""
    spec.components.schema("Declaration", schema=DeclarationDocSchema)
