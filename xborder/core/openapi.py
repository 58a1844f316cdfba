"""The OpenAPI document's error contract: every error response is problem+json with the Problem schema; the
flask-smorest `Api` that writes it (`create_app` builds one per app)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from apispec import BasePlugin
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from xborder.core.errors import handle_http_exception
from xborder.extensions import csrf

PROBLEM_JSON = "application/problem+json"

# Errors any operation may answer whatever its own declarations: a database or dependency outage, and requests the
# framework refuses before the view runs (malformed, too large, rate-limited).
COMMON_ERRORS = {"400": "BAD_REQUEST", "413": "REQUEST_ENTITY_TOO_LARGE", "503": "SERVICE_UNAVAILABLE"}


def _is_error(code: str) -> bool:
    return code == "default" or (code.isdigit() and int(code) >= 400)


class ProblemResponsesPlugin(BasePlugin):
    """Give every declared error response the Problem schema as application/problem+json, and declare the errors
    every operation can answer, so clients and schemathesis can hold the API to its document."""

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:
        """Complete each operation's error responses (runs as each path is added to the spec)."""
        for method, operation in (operations or {}).items():
            responses = operation.setdefault("responses", {})
            if _takes_idempotency_key(path or "", method):
                _document_idempotency_key(operation, responses)
            for code, response in responses.items():
                if not _is_error(str(code)) or not isinstance(response, dict) or "$ref" in response:
                    continue
                if not response.get("content"):  # an error documented by description only
                    response["content"] = {PROBLEM_JSON: {"schema": "Problem"}}
            for code, component in COMMON_ERRORS.items():
                responses.setdefault(code, component)


IDEMPOTENCY_ERRORS = {
    "409": "A request with the same Idempotency-Key is still in progress: retry after Retry-After seconds",
    "422": "The Idempotency-Key was already used for a different request (method, path or body)",
}


def _takes_idempotency_key(path: str, method: str) -> bool:
    from xborder.core.idempotency import API_PREFIX, EXEMPT_PATHS, UNSAFE

    return method.upper() in UNSAFE and path.startswith(API_PREFIX) and path not in EXEMPT_PATHS


def _document_idempotency_key(operation: dict, responses: dict) -> None:
    """The optional Idempotency-Key header, the replay marker on successes, and the 409/422 it may answer."""
    from xborder.core.idempotency import HEADER, MAX_KEY_LENGTH, REPLAYED

    operation.setdefault("parameters", []).append({
        "in": "header", "name": HEADER, "required": False,
        "description": "Makes a retry safe: a repeat with the same key and the same request replays the first "
                       f"response (with `{REPLAYED}: true`) instead of doing the work again; kept "
                       "XBORDER_IDEMPOTENCY_HOURS (24 h). Only a request that committed is remembered.",
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": "^[!-~]+$"},
    })
    for code, response in responses.items():
        if str(code).startswith("2") and isinstance(response, dict) and "$ref" not in response:
            response.setdefault("headers", {})[REPLAYED] = {
                "description": "`true` when this is the stored response to an earlier request with the same key",
                "schema": {"type": "string", "enum": ["true"]}}
    for code, description in IDEMPOTENCY_ERRORS.items():
        declared = next((key for key in responses if str(key) == code), None)  # flask-smorest's keys may be ints
        if declared is None:
            responses[code] = {"description": description}
        elif isinstance(responses[declared], dict) and "$ref" not in responses[declared]:
            own = responses[declared].get("description", "")
            responses[declared]["description"] = f"{own}; or: {description[0].lower()}{description[1:]}"


class ProblemApi(Api):
    """flask-smorest Api whose error handler answers problem+json instead of its own shape."""

    class ProblemSchema(ma.Schema):
        """RFC 9457 problem details, as every error of the API is shaped."""

        type = ma.fields.String()
        title = ma.fields.String()
        title_zh = ma.fields.String()
        status = ma.fields.Integer()
        detail = ma.fields.String()
        instance = ma.fields.String()
        request_id = ma.fields.String(allow_none=True)
        errors = ma.fields.List(ma.fields.Dict())

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_RESPONSE_CONTENT_TYPE: str  # flask-smorest's class attribute (declared for mypy; the value is inherited)

    def _init_spec(self, *, extra_plugins=None, **kwargs):
        super()._init_spec(extra_plugins=[*(extra_plugins or ()), ProblemResponsesPlugin()], **kwargs)

    def _register_responses(self):
        """The error components flask-smorest names (UNPROCESSABLE_ENTITY, DEFAULT_ERROR …) as problem+json."""
        content_type, self.DEFAULT_RESPONSE_CONTENT_TYPE = self.DEFAULT_RESPONSE_CONTENT_TYPE, PROBLEM_JSON
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = content_type

    def register_blueprint(self, blp, *, parameters=None, **options: Any) -> None:
        """Register an API blueprint, exempt from CSRF: the API authenticates with bearer tokens, never cookies."""
        super().register_blueprint(blp, parameters=parameters, **options)
        csrf.exempt(blp)

    def handle_http_exception(self, error: HTTPException):
        """Answer any HTTP error as problem+json (API) or an HTML page (browser)."""
        return handle_http_exception(error)
