"""The case as the API and the pages show it, computed from stored data and the caller (domain modules never
import this one: key points live in `keypoints`, evidence in `evidence`)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

from xborder.cases import pia
from xborder.cases.deadlines import open_deadlines
from xborder.cases.evidence import evidence_list
from xborder.cases.facts import view as view_facts
from xborder.cases.keypoints import key_point_status
from xborder.cases.models import Case
from xborder.cases.review_estimate import with_review_estimate
from xborder.cases.routes import route_obligations
from xborder.cases.workflow import available_actions
from xborder.law import keypoints as law_keypoints


def case_detail(case: Case, user, *, evidence: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Everything api.md lists for `GET /cases/{id}`, for this caller; `evidence` when the caller knows it already
    (a case created in this request has none: no query to find that out)."""
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
        "key_points": shown_key_points(case),
        "risk": case.risk,
        "evidence": evidence_list(case) if evidence is None else evidence,
        "deadlines": with_review_estimate(case, open_deadlines(case)),
        "valid_until": case.valid_until.isoformat() if case.valid_until else None,
        "mechanism": case.mechanism,
        "facts": view_facts(case),
        "obligations": route_obligations(case),
        "pia": pia.view(case), "pia_required": pia.required(case),
        "actions": available_actions(case, user),
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
    }


def shown_key_points(case: Case) -> list[dict[str, Any]]:
    """`key_point_status(case)` without parsing the declaration again (issue 20): what it shows of a key point (id,
    titles) depends on the catalogue in force on the declaration's `as_of` and on the pathway only — the
    declaration's facts choose a point's questions, which are not shown — so the titles are taken once per
    (as_of, pathway) from the law's `applicable_key_points`. A declaration or determination without them takes the
    general path (and its errors). tests/api/test_transition_reads.py holds the two equal."""
    declaration, determination = case.declaration, case.determination
    if not (isinstance(declaration, Mapping) and "as_of" in declaration and isinstance(determination, Mapping)
            and isinstance(determination.get("pathway"), str)):
        return key_point_status(case)
    on = law_keypoints.as_of(declaration)
    return key_point_status(case, list(_key_point_titles(on, determination["pathway"])))


@functools.lru_cache(maxsize=256)
def _key_point_titles(on: dt.date, pathway: str) -> tuple[dict[str, str], ...]:
    points = law_keypoints.applicable_key_points({"as_of": on}, {"pathway": pathway})
    return tuple({"id": p["id"], "title_zh": p["title_zh"], "title_en": p["title_en"]} for p in points)
