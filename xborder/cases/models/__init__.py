"""Case models: the case, its history of declarations and answers, and its evidence."""

from xborder.cases.models.case import (
    ASSESSOR,
    ENTERPRISE,
    PROVINCIAL_OFFICIAL,
    Case,
    ReferenceCounter,
    next_reference,
    visible_to,
)
from xborder.cases.models.evidence import Evidence
from xborder.cases.models.history import AnswerVersion, CaseTransfer, CaseTransferTotal, DeclarationVersion
from xborder.cases.models.status import CaseStatus

__all__ = [
    "ASSESSOR", "ENTERPRISE", "PROVINCIAL_OFFICIAL", "AnswerVersion", "Case", "CaseStatus", "CaseTransfer",
    "CaseTransferTotal", "DeclarationVersion", "Evidence", "ReferenceCounter", "next_reference", "visible_to",
]
