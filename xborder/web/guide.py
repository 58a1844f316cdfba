"""Guided rectification: what the assessor's (or official's) open request asks of each key point, and what of it
the enterprise has changed since, for the enterprise's pages and the review page."""

from __future__ import annotations

from typing import Any


def request_guide(case: Any) -> dict[str, Any] | None:
    """The open request of the case, point by point: its comment, the finding's comment per named point, which
    points changed since the request and which remain; None when no request is open."""
    from xborder.cases.changes import round_changes

    changes = round_changes(case)
    round_ = changes.get("round")
    if not round_ or round_.get("state") != "open":
        return None
    named = list(round_.get("key_points") or [])
    changed = {c["key_point"] for c in changes.get("answers") or []}
    findings = {r["key_point"]: r for r in case.review or []}
    return {
        "comment": round_.get("comment") or "",
        "requested_by": round_.get("requested_by"),
        "points": {kp: {"comment": (findings.get(kp) or {}).get("comment") or "", "changed": kp in changed}
                   for kp in named},
        "changed": changed,
        "remaining": [kp for kp in named if kp not in changed],
        "declaration_changed": bool(changes.get("declaration")),
    }


def changed_points(case: Any) -> set[str]:
    """The key points whose answers changed in the open or the last resubmitted round (for the review page)."""
    from xborder.cases.changes import round_changes

    changes = round_changes(case)
    return {c["key_point"] for c in changes.get("answers") or []} if changes.get("round") else set()
