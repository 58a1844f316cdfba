"""Translatable names of roles and statuses, and role-specific page texts."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "enterprise": _l("Enterprise"),
    "assessor": _l("Third-party assessor"),
    "provincial_official": _l("Provincial official"),
    "admin": _l("Administrator"),
}

STATUS_LABELS = {
    "draft": _l("Draft"),
    "third_party_review": _l("Third-party review"),
    "rectification": _l("Rectification"),
    "provincial_review": _l("Provincial review"),
    "supplement_requested": _l("Supplement requested"),
    "submitted_to_regulator": _l("Submitted to regulator"),
    "filed": _l("Filed"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "exempt_recorded": _l("Exemption recorded"),
    "withdrawn": _l("Withdrawn"),
    "expired": _l("Expired"),
}

HOME_HEADINGS = {
    "enterprise": _l("My outbound data transfer cases"),
    "assessor": _l("Cases assigned to us for third-party assessment"),
    "provincial_official": _l("Cases in our province"),
    "admin": _l("All cases"),
}

EMPTY_HINTS = {
    "enterprise": _l("No cases yet. Start a declaration to find out which pathway your transfer needs."),
    "assessor": _l("No cases yet. Cases appear here once an enterprise submits one and names your organisation."),
    "provincial_official": _l("No cases yet. Cases appear here once a third-party assessor has signed its opinion."),
    "admin": _l("No cases yet."),
}


def init_app(app: Flask) -> None:
    """Expose the label helpers to every template."""

    @app.context_processor
    def _labels() -> dict[str, object]:
        return {
            "role_label": lambda role: ROLE_LABELS.get(role, role),
            "status_label": lambda status: STATUS_LABELS.get(status, status),
            "home_heading": lambda role: HOME_HEADINGS.get(role, HOME_HEADINGS["admin"]),
            "empty_hint": lambda role: EMPTY_HINTS.get(role, EMPTY_HINTS["admin"]),
        }
