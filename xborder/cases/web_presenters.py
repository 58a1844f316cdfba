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
