"""What a case's documents would leave as （未填写） if it were submitted now, for the case page (issue 16: list the
gaps before submit). The snapshot is stage 1's case.json with the organisation's current profile."""

from __future__ import annotations

from typing import Any

from xborder.accounts import profile
from xborder.cases.models.status import CaseStatus
from xborder.core.timeutil import china_today
from xborder.dossiers import documents

_DOCUMENT_PATHWAYS = ("security_assessment", "standard_contract_or_certification")


def document_gaps(case: Any) -> list[dict[str, str]]:
    """The stage-1 documents' unfilled points of a draft case on a pathway with documents; empty otherwise."""
    from xborder.dossiers.stages import case_record

    if case is None or case.status != CaseStatus.DRAFT or case.pathway not in _DOCUMENT_PATHWAYS:
        return []
    snapshot = {**case_record(case), "profile": case.profile_snapshot or profile.profile_of(case.exporter),
                "stage_date": china_today().isoformat(), "mechanism": getattr(case, "mechanism", None)}
    return documents.gaps(snapshot, 1)
