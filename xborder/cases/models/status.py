"""The one vocabulary for a case's status (workflow.md, Statuses) and the named sets every other module uses.

Stored as the same strings as ever (a `StrEnum` member is its value), so no data changes; the database check
constraint is built from `CaseStatus`. A set is named for what it means, not for where it is used.
"""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    """Where a case stands in the workflow, in the order a case normally passes through them."""

    DRAFT = "draft"
    THIRD_PARTY_REVIEW = "third_party_review"
    RECTIFICATION = "rectification"
    PROVINCIAL_REVIEW = "provincial_review"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    SUBMITTED_TO_REGULATOR = "submitted_to_regulator"
    FILED = "filed"
    # The certification route (pi-cert-measures-2025): after the assessor's opinion the enterprise applies to a
    # certification body; the certificate, once recorded, is live until it expires like a filing or an approval.
    CERTIFICATION_PENDING = "certification_pending"
    CERTIFIED = "certified"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXEMPT_RECORDED = "exempt_recorded"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"

    @property
    def is_final(self) -> bool:
        """Nothing more happens to the case (workflow.md: final)."""
        return self in FINAL


S = CaseStatus

#: Every status, in workflow order (lists, filters, the check constraint).
ALL: tuple[CaseStatus, ...] = tuple(CaseStatus)
#: Nothing more happens to the case (workflow.md, Statuses: "Final").
FINAL: frozenset[CaseStatus] = frozenset({S.REJECTED, S.EXEMPT_RECORDED, S.WITHDRAWN, S.EXPIRED})
#: Not final: the case can still move, at least be withdrawn; `approved`, `filed` and `certified` are live until they
#: expire.
LIVE: tuple[CaseStatus, ...] = tuple(s for s in ALL if s not in FINAL)
#: The exporter may change its declaration, answers and evidence: a draft, or a case sent back to it.
EDITABLE: frozenset[CaseStatus] = frozenset({S.DRAFT, S.RECTIFICATION, S.SUPPLEMENT_REQUESTED})
#: The assessor records findings.
UNDER_ASSESSMENT: frozenset[CaseStatus] = frozenset({S.THIRD_PARTY_REVIEW})
#: A deadline may run: every status but those that close the case for good (a rejection still opens the
#: re-assessment request window, sa-measures-2022 art 13).
WITH_DEADLINES: frozenset[CaseStatus] = frozenset(ALL) - {S.EXEMPT_RECORDED, S.WITHDRAWN, S.EXPIRED}
#: Before the provincial authority has the materials (a standard contract's filing deadline runs only then).
BEFORE_PROVINCE: frozenset[CaseStatus] = frozenset({S.DRAFT, S.THIRD_PARTY_REVIEW, S.RECTIFICATION})
#: A result with a validity period, moved to `expired` by the scheduled job when it ends.
VALID_UNTIL_EXPIRY: frozenset[CaseStatus] = frozenset({S.APPROVED, S.FILED, S.CERTIFIED})
#: A certification case waits for its certificate (sign_opinion's target when the mechanism is certification).
AWAITING_CERTIFICATE: frozenset[CaseStatus] = frozenset({S.CERTIFICATION_PENDING})
#: The regulator's decisions (`record_decision`).
DECISIONS: tuple[CaseStatus, ...] = (S.APPROVED, S.REJECTED)
#: Cases whose transfers do not count toward the exporter's cumulative numbers (the transfer did not happen).
NOT_COUNTED: frozenset[CaseStatus] = frozenset({S.WITHDRAWN, S.REJECTED})

del S
