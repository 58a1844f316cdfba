"""Case models: the case, its history of declarations and answers, and its evidence."""

from xborder.cases.models.case import (
    FINAL_STATUSES,
    STATUSES,
    Case,
    ReferenceCounter,
    next_reference,
    visible_to,
)
from xborder.cases.models.evidence import Evidence
from xborder.cases.models.history import AnswerVersion, CaseTransfer, CaseTransferTotal, DeclarationVersion

__all__ = [
    "FINAL_STATUSES", "STATUSES", "AnswerVersion", "Case", "CaseTransfer", "CaseTransferTotal", "DeclarationVersion",
    "Evidence", "ReferenceCounter", "next_reference", "visible_to",
]
