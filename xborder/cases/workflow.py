"""The case workflow: actions, roles, statuses and deadlines (filled in by the workflow feature)."""

from __future__ import annotations

from typing import Any

from xborder.cases.models import Case


def available_actions(case: Case, user) -> list[str]:
    """The actions this caller may take on the case now."""
    return []


def open_deadlines(case: Case) -> list[dict[str, Any]]:
    """The case's open deadlines."""
    return []
