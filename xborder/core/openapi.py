"""The OpenAPI document's error contract: every error response is problem+json with the Problem schema."""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin

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
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            for code, response in responses.items():
                if not _is_error(str(code)) or not isinstance(response, dict) or "$ref" in response:
                    continue
                if not response.get("content"):  # an error documented by description only
                    response["content"] = {PROBLEM_JSON: {"schema": "Problem"}}
            for code, component in COMMON_ERRORS.items():
                responses.setdefault(code, component)
