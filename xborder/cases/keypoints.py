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
    """The key points the exporter answers for this case (read them, do not change them).

    Kept on the case object while its declaration and determination are the same objects (a change assigns new
    ones; a reload reads new ones): a request that answers with the case asks for them two or three times — the
    answer's key points, the actions' preconditions — and each time parsed the declaration again (issue 20)."""
    declaration, determination = case.declaration, case.determination
    held = getattr(case, "_applicable_key_points", None)
    if held is None or held[0] is not declaration or held[1] is not determination:
        held = (declaration, determination, _applicable(validated_declaration(case), determination))
        case._applicable_key_points = held  # type: ignore[attr-defined]
    return list(held[2])


def keep_key_points(case: Case, points: list[dict[str, Any]]) -> None:
    """Keep `points`, computed by the caller from the case's validated declaration and its determination, as the
    case's applicable key points (a new case: its risk engine needed them already)."""
    case._applicable_key_points = (case.declaration, case.determination, list(points))  # type: ignore[attr-defined]


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
