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
    "certification_pending": _l("Certification pending"),
    "certified": _l("Certified"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "exempt_recorded": _l("Exemption recorded"),
    "withdrawn": _l("Withdrawn"),
    "expired": _l("Expired"),
}

#: The routes of the standard-contract band (law/mechanism.py MECHANISMS), as the pages name them.
MECHANISM_LABELS = {
    "standard_contract": _l("Standard contract, filed with the provincial cyberspace administration"),
    "certification": _l("PI protection certification by a certification body"),
}


def choice_label(field: str, value: str) -> str:
    """The name a page shows for `value` of the action table's choice field `field` (never the code itself)."""
    if field == "mechanism":
        return str(MECHANISM_LABELS.get(value, value))
    if field == "certification_body":
        from xborder.core.i18n import current_locale
        from xborder.law.mechanism import certification_bodies

        body = certification_bodies().get(value)
        if body is None:
            return value
        return body["name_en"] if current_locale() == "en" else body["name_zh"]
    return str(STATUS_LABELS.get(value, value))


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
            "choice_label": choice_label,
            "mechanism_label": lambda mechanism: MECHANISM_LABELS.get(mechanism, mechanism),
            "home_heading": lambda role: HOME_HEADINGS.get(role, HOME_HEADINGS["admin"]),
            "empty_hint": lambda role: EMPTY_HINTS.get(role, EMPTY_HINTS["admin"]),
        }
