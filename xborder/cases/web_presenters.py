"""What the pages show beyond the API's case detail: the timeline, the changes since the last round, the
completeness checklist and the heat map cells. Reads only; every decision stays in operations and workflow."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from xborder.accounts.models import Organisation, User
from xborder.cases.models import Case
from xborder.core import audit
from xborder.extensions import db

ACTION_LABELS_EN = {
    "case.created": "Case opened", "declaration.updated": "Declaration changed",
    "self_assessment.saved": "Self-assessment saved", "evidence.added": "Evidence added",
    "review.saved": "Findings recorded",
}


def timeline(case: Case) -> list[dict[str, Any]]:
    """The audit trail, newest first, with the actor's name and organisation."""
    rows = db.session.execute(
        sa.select(audit.AuditEntry, User.name, User.email, Organisation.name)
        .outerjoin(User, User.id == audit.AuditEntry.actor_id)
        .outerjoin(Organisation, Organisation.id == audit.AuditEntry.organisation_id)
        .where(audit.AuditEntry.case_id == case.id).order_by(audit.AuditEntry.seq.desc())
    ).all()
    return [{"seq": e.seq, "action": e.action, "payload": e.payload, "at": e.created_at,
             "actor": user_name or email or "—", "organisation": org_name or "", "hash": e.hash}
            for e, user_name, email, org_name in rows]


def assessor_bodies() -> list[Organisation]:
    """The third-party assessment bodies an enterprise may submit to."""
    return list(db.session.scalars(sa.select(Organisation).where(Organisation.kind == "assessor")
                                   .order_by(Organisation.name)))


def changes_since_last_round(case: Case) -> dict[str, Any] | None:
    """The answers and declaration changed in the open (or last resubmitted) round of rectification or supplement,
    from the workflow's own diff; None when there has been no such round."""
    from xborder.cases.changes import round_changes

    changes = round_changes(case)
    return changes if changes.get("round") else None


def completeness(case: Case, detail: dict[str, Any]) -> list[dict[str, Any]]:
    """The provincial completeness checklist: each item with whether it holds."""
    answered = [kp for kp in detail["key_points"] if kp["answered"]]
    reviewed = {r["key_point"] for r in case.review or []}
    return [
        {"id": "declaration", "ok": bool(case.declaration), "count": case.declaration_revision},
        {"id": "answers", "ok": len(answered) == len(detail["key_points"]),
         "count": f"{len(answered)}/{len(detail['key_points'])}"},
        {"id": "evidence", "ok": bool(detail["evidence"]), "count": len(detail["evidence"])},
        {"id": "findings", "ok": all(kp["id"] in reviewed for kp in detail["key_points"]),
         "count": f"{len(reviewed)}/{len(detail['key_points'])}"},
        {"id": "opinion", "ok": case.reached_provincial_at is not None, "count": ""},
    ]


def answers_by_key_point(case: Case) -> dict[str, dict[str, Any]]:
    """The current answers keyed by key point id."""
    return {a["key_point"]: a for a in case.answers or []}


def review_by_key_point(case: Case) -> dict[str, dict[str, Any]]:
    """The assessor's findings keyed by key point id."""
    return {r["key_point"]: r for r in case.review or []}


def evidence_by_key_point(detail: dict[str, Any]) -> dict[str | None, list[dict[str, Any]]]:
    """The evidence grouped by the key point it supports (None: the case as a whole)."""
    out: dict[str | None, list[dict[str, Any]]] = {}
    for item in detail["evidence"]:
        out.setdefault(item["key_point"], []).append(item)
    return out


def blocked_actions(case: Case, actions: list[str]) -> dict[str, list[dict[str, str]]]:
    """The confirmed actions (forwarding, filing …) among `actions` that the workflow would refuse for a missing
    filing material, each with its `materials/<kind>` errors: the page shows them disabled, with the reason and a
    link to the material, instead of a button that can only be refused (transitions.py `_materials`)."""
    from xborder.cases.transitions import ACTIONS

    out: dict[str, list[dict[str, str]]] = {}
    for name in actions:
        action = ACTIONS[name]
        if action.confirm is None:
            continue
        missing = [e for rule in action.checks for e in rule(case, {}, None)
                   if str(e.get("path", "")).startswith("materials/")]
        if missing:
            out[name] = [{**e, "kind": e["path"].split("/", 1)[1]} for e in missing]
    return out


def resubmit_waiting(case: Case, user, actions: list[str]) -> bool:
    """Whether the enterprise may resubmit once it changes what the request asked for (the workflow refuses it until
    then): the page shows the action disabled with what remains, rather than leaving 撤回案件 the only action."""
    from xborder.cases.permissions import can_act

    return "resubmit" not in actions and can_act(user, case, "resubmit")


def review_contents(points: list[dict[str, Any]], saved: dict[str, dict[str, Any]], posted: Any,
                    changed: set[str]) -> dict[str, Any]:
    """The review page's table of contents: each key point with its finding (as typed when the page is shown again
    after a refusal, else as saved), whether it changed since the request, and how many have a finding."""
    items = []
    for point in points:
        finding = (posted.get(f"finding-{point['id']}") if posted else None) or (saved.get(point["id"]) or {}).get(
            "finding")
        items.append({"id": point["id"], "point": point, "finding": finding, "changed": point["id"] in changed})
    return {"items": items, "reviewed": sum(1 for i in items if i["finding"]), "total": len(items),
            "changed": sum(1 for i in items if i["changed"])}
