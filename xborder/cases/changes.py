"""What changed in a round of rectification or supplement: the answers and the declaration as they were when the
request was made, against what was resubmitted (or, while the request is open, against what is there now)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from xborder.cases.models import AnswerVersion, Case, DeclarationVersion
from xborder.extensions import db

_MISSING = object()


def _answers_at(case: Case, revision: int | None) -> list[dict]:
    if not revision:
        return []  # revision 0: nothing answered yet
    return db.session.scalar(sa.select(AnswerVersion.answers).where(
        AnswerVersion.case_id == case.id, AnswerVersion.revision == revision)) or []


def _declaration_at(case: Case, revision: int | None) -> dict:
    if not revision:
        return {}
    return db.session.scalar(sa.select(DeclarationVersion.declaration).where(
        DeclarationVersion.case_id == case.id, DeclarationVersion.revision == revision)) or {}


def diff_documents(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """Every leaf that differs between two JSON documents, with its `/`-separated path (as in field errors)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in sorted(set(before) | set(after), key=str):
            out += diff_documents(before.get(key, _MISSING), after.get(key, _MISSING), f"{path}/{key}" if path
                                  else str(key))
        return out
    if isinstance(before, list) and isinstance(after, list):
        out = []
        for i in range(max(len(before), len(after))):
            out += diff_documents(before[i] if i < len(before) else _MISSING,
                                  after[i] if i < len(after) else _MISSING, f"{path}/{i}" if path else str(i))
        return out
    if before == after:
        return []
    change = "added" if before is _MISSING else "removed" if after is _MISSING else "changed"
    return [{"path": path, "change": change, "before": None if before is _MISSING else before,
             "after": None if after is _MISSING else after}]


def diff_answers(before: list[dict], after: list[dict]) -> list[dict[str, Any]]:
    """Per key point: added, removed or changed, with the fields that changed."""
    old = {a["key_point"]: a for a in before}
    new = {a["key_point"]: a for a in after}
    out = []
    for key_point in sorted(set(old) | set(new)):
        if old.get(key_point) == new.get(key_point):
            continue
        change = "added" if key_point not in old else "removed" if key_point not in new else "changed"
        out.append({"key_point": key_point, "change": change,
                    "fields": diff_documents(old.get(key_point, {}), new.get(key_point, {})),
                    "before": old.get(key_point), "after": new.get(key_point)})
    return out


def round_changes(case: Case) -> dict[str, Any]:
    """The changes of the open request's round, or else of the last round resubmitted; `round` is None if none."""
    workflow = case.workflow or {}
    request = workflow.get("open_request")
    if request:
        to = {"answers_revision": case.answers_revision, "declaration_revision": case.declaration_revision}
        state = "open"
    elif workflow.get("last_round"):
        request = workflow["last_round"]
        to = {"answers_revision": request.get("resubmitted_answers_revision"),
              "declaration_revision": request.get("resubmitted_declaration_revision")}
        state = "resubmitted"
    else:
        return {"round": None, "answers": [], "declaration": []}
    since = {"answers_revision": request.get("answers_revision"),
             "declaration_revision": request.get("declaration_revision")}
    return {
        "round": {"state": state, "requested_by": request.get("action"), "comment": request.get("comment"),
                  "key_points": request.get("key_points"), "since": since, "to": to},
        "answers": diff_answers(_answers_at(case, since["answers_revision"]),
                                _answers_at(case, to["answers_revision"])),
        "declaration": diff_documents(_declaration_at(case, since["declaration_revision"]),
                                      _declaration_at(case, to["declaration_revision"])),
    }
