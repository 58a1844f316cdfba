"""Uploading a filing material: the evidence upload's checks, then its kind (forms/materials). Apart from
`materials`, which the action table reads, so that evidence → permissions → transitions → materials stays acyclic."""

from __future__ import annotations

from xborder.cases import materials
from xborder.cases.evidence import add_evidence
from xborder.cases.models import Case, Evidence
from xborder.cases.permissions import require_party
from xborder.core import audit
from xborder.core.errors import Unprocessable, field_error
from xborder.extensions import db


def add_material(user, case: Case, kind: str, filename: str, data: bytes) -> Evidence:
    """Attach a filing material of `kind`: the evidence upload's checks (party, status, name, size, type), then
    the kind, which must be one forms/materials names."""
    require_party(user, case, "add_evidence")  # a stranger learns nothing about kinds: 403 before 422
    kinds = materials.known_kinds(case)
    if kind not in kinds:
        raise Unprocessable("Unknown material kind", [field_error(
            "kind", "one_of", f"kind is one of {', '.join(kinds)}", "材料类型不在申报材料清单中")])
    row = add_evidence(user, case, filename, data, None)
    row.kind = kind
    db.session.flush()
    audit.record(case, "material.added", {"evidence_id": row.id, "kind": kind, "sha256": row.sha256}, user)
    return row
