"""Who may do what on a case, in one place: the writes beside the workflow (declaration, answers, evidence, review)
and the workflow's actions (whose role and statuses are in the action table). Operations and the workflow call
`require_party`; pages ask `can_act`. Who may *see* a case is `models.visible_to`, the same rule as SQL.
"""

from __future__ import annotations

import dataclasses

from xborder.cases.models import ASSESSOR, ENTERPRISE, Case
from xborder.cases.models.status import EDITABLE, UNDER_ASSESSMENT, CaseStatus
from xborder.cases.transitions import ACTIONS
from xborder.core.errors import Forbidden


@dataclasses.dataclass(frozen=True)
class Write:
    """A change to a case outside the workflow: who makes it, in which statuses, and what a stranger is told."""

    role: str
    statuses: frozenset[CaseStatus]
    refusal: str


WRITES: dict[str, Write] = {
    "edit_declaration": Write(ENTERPRISE, EDITABLE, "Only the exporter edits its declaration"),
    "answer": Write(ENTERPRISE, EDITABLE, "Only the exporter answers its self-assessment"),
    # Evidence is added while the owner may change the case: added later, it would not be in what was signed and
    # reviewed (issue 17).
    "add_evidence": Write(ENTERPRISE, EDITABLE, "Only the exporter attaches evidence"),
    # The transfer details (cases/facts.py) are stage 1's content like the declaration: the exporter's, while editable.
    "edit_facts": Write(ENTERPRISE, EDITABLE, "Only the exporter describes its transfers"),
    "review": Write(ASSESSOR, UNDER_ASSESSMENT, "Only the assessment body named for this case reviews it"),
    # The six extension conditions are the exporter's to answer (cases/extension.py), for an approved case.
    "extension_check": Write(ENTERPRISE, frozenset({CaseStatus.APPROVED}), "Only the exporter answers the extension "
                             "check"),
}


def role_for(action: str) -> str:
    """The role that takes `action` (a write above or a workflow action)."""
    return WRITES[action].role if action in WRITES else ACTIONS[action].role


def statuses_for(action: str) -> frozenset[CaseStatus]:
    """The statuses in which `action` may be taken."""
    return WRITES[action].statuses if action in WRITES else frozenset(ACTIONS[action].sources)


def is_party(user, case: Case, action: str) -> bool:
    """Whether `user` is the one who takes `action` on this case (role and organisation; not the status)."""
    return user is not None and getattr(user, "is_authenticated", True) and case.acts_as(user, role_for(action))


def require_party(user, case: Case, action: str) -> None:
    """403 unless `user` takes `action` on this case (the status is the caller's 422 to give)."""
    if not is_party(user, case, action):
        refusal = WRITES[action].refusal if action in WRITES else f"{action} is taken by the {role_for(action)} " \
                                                                  "of this case"
        raise Forbidden(refusal)


def can_act(user, case: Case, action: str) -> bool:
    """Whether `user` may take `action` on the case in its current status (a workflow action's preconditions are
    `workflow.available_actions`'s to judge)."""
    return is_party(user, case, action) and case.status in statuses_for(action)
