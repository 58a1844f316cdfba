"""The case as the API and the pages show it, computed from stored data and the caller."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from xborder.cases.models import Case, Evidence
from xborder.extensions import db


def validated_declaration(case: Case) -> dict:
    """The stored declaration, parsed again into the engine's types (it was valid when stored)."""
    from xborder.law.declaration import validate_declaration

    return validate_declaration(case.declaration)


def applicable_key_points(case: Case) -> list[dict[str, Any]]:
    """The key points the exporter answers for this case."""
    from xborder.law.keypoints import applicable_key_points as applicable

    return applicable(validated_declaration(case), case.determination)


def key_point_status(case: Case, points: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Each applicable key point with whether it is answered (an answer is non-empty `answer` text)."""
    answered = {a["key_point"] for a in case.answers or [] if str(a.get("answer") or "").strip()}
    return [
        {"id": p["id"], "title_zh": p["title_zh"], "title_en": p["title_en"], "answered": p["id"] in answered}
        for p in (points if points is not None else applicable_key_points(case))
    ]


def evidence_list(case: Case) -> list[dict[str, Any]]:
    """The case's evidence, without the bytes."""
    rows = db.session.scalars(sa.select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.id)).all()
    return [evidence_summary(e) for e in rows]


def evidence_summary(e: Evidence) -> dict[str, Any]:
    """One evidence row as JSON."""
    return {"id": e.id, "key_point": e.key_point, "filename": e.filename, "content_type": e.content_type,
            "size": e.size, "sha256": e.sha256, "created_at": e.created_at.isoformat()}


def case_detail(case: Case, user) -> dict[str, Any]:
    """Everything api.md lists for `GET /cases/{id}`, for this caller."""
    from xborder.cases.workflow import available_actions, open_deadlines

    return {
        "id": case.id,
        "reference": case.reference,
        "title": case.title,
        "status": case.status,
        "version": case.version,
        "exporter": {"id": case.exporter.id, "name": case.exporter.name, "uscc": case.exporter.uscc,
                     "province": case.exporter.province},
        "assessor_org_id": case.assessor_org_id,
        "declaration_revision": case.declaration_revision,
        "declaration": case.declaration,
        "determination": case.determination,
        "answers_revision": case.answers_revision,
        "answers": case.answers or [],
        "key_points": key_point_status(case),
        "risk": case.risk,
        "evidence": evidence_list(case),
        "deadlines": open_deadlines(case),
        "valid_until": case.valid_until.isoformat() if case.valid_until else None,
        "actions": available_actions(case, user),
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
    }
