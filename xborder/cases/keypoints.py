"""The key points of a case: which apply to it (from its declaration and determination, by the law engine over
`forms/`) and which the exporter has answered. Domain helpers the workflow's checks, the operations, the dossier and
the pages all read."""

from __future__ import annotations

from typing import Any

from xborder.cases.models import Case
from xborder.law.declaration import validate_declaration
from xborder.law.keypoints import applicable_key_points as _applicable


def validated_declaration(case: Case) -> dict:
    """The stored declaration, parsed again into the engine's types (it was valid when stored)."""
    return validate_declaration(case.declaration)


def applicable_key_points(case: Case) -> list[dict[str, Any]]:
    """The key points the exporter answers for this case."""
    return _applicable(validated_declaration(case), case.determination)


def key_point_status(case: Case, points: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Each applicable key point with whether it is answered (an answer is non-empty `answer` text)."""
    answered = {a["key_point"] for a in case.answers or [] if str(a.get("answer") or "").strip()}
    return [
        {"id": p["id"], "title_zh": p["title_zh"], "title_en": p["title_en"], "answered": p["id"] in answered}
        for p in (points if points is not None else applicable_key_points(case))
    ]


def unanswered(case: Case) -> list[str]:
    """The ids of the applicable key points still without an answer."""
    return [kp["id"] for kp in key_point_status(case) if not kp["answered"]]
