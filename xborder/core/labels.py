"""Translatable names of everything a page shows that the code keeps as an identifier: roles, statuses, history
events, sectors, import states, regimes, dossier verification details; and role-specific page texts."""

from __future__ import annotations

from pathlib import Path

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


# Every audit action the history shows (`xborder/core/audit.py` `record` calls and `transition.<action>`).
EVENT_LABELS = {
    "case.created": _l("Case opened"), "declaration.updated": _l("Declaration changed"),
    "self_assessment.saved": _l("Self-assessment saved"), "evidence.added": _l("Evidence added"),
    "review.saved": _l("Findings recorded"), "facts.saved": _l("Transfer details saved"),
    "transition.submit": _l("Submitted for third-party assessment"),
    "transition.record_exemption": _l("Exemption recorded"),
    "transition.request_rectification": _l("Rectification requested"), "transition.resubmit": _l("Resubmitted"),
    "transition.sign_opinion": _l("Assessment opinion signed"),
    "transition.request_supplement": _l("Supplement requested"),
    "transition.forward_to_regulator": _l("Forwarded to the regulator"),
    "transition.record_filing": _l("Filing recorded"),
    "transition.record_acceptance": _l("Acceptance notice recorded"),
    "transition.record_decision": _l("Decision recorded"), "transition.withdraw": _l("Withdrawn"),
    "dossier.stage_signed": _l("Dossier stage signed"), "dossier.downloaded": _l("Dossier downloaded"),
    "job.reminder": _l("Deadline reminder sent"), "job.overdue": _l("Deadline passed"),
    "job.extension_window_opened": _l("Extension window opened"), "job.expired": _l("Approval expired"),
    "inventory.declared": _l("Declared from the data inventory"),
    "inventory.changed": _l("Data inventory changed"),
    "inventory.acknowledged": _l("Data inventory change acknowledged"),
}

# The sectors the pathway rules and the free-trade-zone lists read (`forms/regimes/*` miit_sectors, `forms/ftz`).
SECTOR_LABELS = {
    "manufacturing": _l("Manufacturing"), "industry": _l("Industry"),
    "telecommunications": _l("Telecommunications"), "radio": _l("Radio"), "software": _l("Software"),
    "information_technology": _l("Information technology"), "automotive": _l("Automotive"),
    "pharmaceutical": _l("Pharmaceuticals"), "retail": _l("Retail"), "services": _l("Services"),
    "civil_aviation": _l("Civil aviation"), "artificial_intelligence": _l("Artificial intelligence"),
    "finance": _l("Finance"), "healthcare": _l("Healthcare"), "logistics": _l("Logistics"),
    "energy": _l("Energy"), "education": _l("Education"),
}

# Data categories are free text; these are the codes older declarations (and the demo) used for common ones.
CATEGORY_LABELS = {
    "contact": _l("Contact details"), "device": _l("Device information"), "employment": _l("Employment records"),
    "equipment_telemetry": _l("Equipment telemetry"), "production_data": _l("Production data"),
    "process_parameters": _l("Process parameters"), "purchase": _l("Purchase records"),
}

IMPORT_LABELS = {
    "queued": _l("Queued"), "validating": _l("Validating"), "invalid": _l("Errors found, nothing written"),
    "previewed": _l("Valid, waiting for your confirmation"), "applying": _l("Applying"), "applied": _l("Applied"),
    "stale": _l("The inventory changed; upload again"), "failed": _l("Import failed"), "discarded": _l("Discarded"),
}

LOGIN_MESSAGE = _l("Please sign in to see this page.")

# The fields of a key point's answer as a diff names them, for the enterprise and the assessor alike.
FIELD_LABELS = {"answer": _l("Answer"), "measures": _l("Measures taken")}


def event_label(action: str) -> str:
    """A history event's name; an action without a label yet reads as a plain "Case updated", never as its code."""
    return str(EVENT_LABELS.get(action) or _l("Case updated"))


def sector_label(code: str | None) -> str:
    """A sector's name (a sector typed by hand is shown as typed)."""
    return str(SECTOR_LABELS.get((code or "").strip().lower(), code or ""))


def category_label(category: str) -> str:
    """A data category as people write it (a code from an older declaration by its name)."""
    return str(CATEGORY_LABELS.get(category, category))


def category_code(text: str) -> str:
    """The code of a category shown by its name in this request's language (the text itself otherwise)."""
    for code, label in CATEGORY_LABELS.items():
        if text == str(label):
            return code
    return text


def sector_choices(current: str | None = None) -> list[tuple[str, str]]:
    """The sector picker: none, the known sectors by name, and a value typed earlier that is not among them."""
    rows = [("", str(_l("Not stated")))] + [(code, str(label)) for code, label in SECTOR_LABELS.items()]
    if current and current not in SECTOR_LABELS:
        rows.append((current, current))
    return rows


def status_names(status: str) -> tuple[str, str]:
    """The status's label in Chinese and in English, for text stored once in both (notifications, warnings)."""
    from flask_babel import force_locale

    label = STATUS_LABELS.get(status)
    if label is None:
        return status, status
    with force_locale("zh_CN"):
        zh = str(label)
    with force_locale("en"):
        en = str(label)
    return zh, en


def regime_label(regime_id: str | None) -> str:
    """A regime's title from forms/regimes (`cac-2024` → 2024 年起适用的规则的标题)."""
    from xborder.core.i18n import current_locale
    from xborder.law.catalogue import regime

    try:
        found = regime(regime_id or "")
    except (KeyError, ValueError, LookupError):
        return regime_id or ""
    return found.title_zh if current_locale() == "zh_CN" else found.title_en


# A dossier check's detail by its code (xborder/dossiers/verify.py, archive.py): the CLI prints the English detail,
# a page says the same facts in its own language from these.
VERIFICATION_DETAILS = {
    "entries": _l("%(entries)s entries, %(size)s bytes"),
    "uncompressed": _l("%(entries)s entries, %(size)s bytes uncompressed"),
    "bounds": _l("Nothing before or after the ZIP"),
    "index_format": _l("Format %(format)s, %(count)s files listed"),
    "index_exact": _l("Lists exactly the archive's files and stages"),
    "index_differs": _l("Does not match the archive's files and stages, or is not in canonical form"),
    "summary_signed": _l("Every fact is in a signed stage"),
    "file_unchanged": _l("SHA-256 %(digest)s… as listed"),
    "own_anchor": _l("No anchor from outside the bundle: checked against the bundle's own CA (%(subjects)s) for "
                     "consistency only, so the bundle is untrusted"),
    "outside_anchor": _l("%(subjects)s, given from outside the bundle"),
    "crls": _l("%(count)s revocation lists"),
    "stages": _l("Stages %(slots)s"),
    "all_signed": _l("Every file but the index and the anchors is signed by %(slot)s"),
    "covers_stale": _l("Revision %(revision)s of the enterprise's stage 1; the enterprise has since signed revision "
                       "%(newest)s: a stale sign-off"),
    "covers_newest": _l("Revision %(revision)s of the enterprise's stage 1, the newest"),
    "stage_manifest": _l("%(path)s, signed by %(role)s at %(signed_at)s"),
    "signed_by": _l("Signed by %(role)s: %(organisation)s"),
    "files_unchanged": _l("%(count)s files, each present and unchanged"),
    "first_stage": _l("The first stage: it follows no other"),
    "follows": _l("Follows %(slot)s"),
    "issued_under": _l("Certificate issued under %(subject)s"),
    "valid_period": _l("Valid from %(start)s to %(end)s, at signing and now"),
    "signer": _l("%(role)s, %(organisation)s · %(uscc)s"),
    "no_crl": _l("Not checked: no revocation list from %(issuers)s"),
    "not_revoked": _l("Not revoked according to the issuer's revocation list"),
}


def stage_name(slot) -> str:
    """A stage of a dossier (number, revision) in the page's language."""
    from flask_babel import gettext

    number, revision = slot
    if revision > 1:
        return gettext("stage %(number)s, revision %(revision)s", number=number, revision=revision)
    return gettext("stage %(number)s", number=number)


def verification_detail(check) -> str:
    """A dossier check's detail in the page's language, from its code and values; "" when it has no code (a
    failure's detail that quotes the bundle: the page shows it as written, marked as the technical detail)."""
    message = VERIFICATION_DETAILS.get(check.code)
    if message is None:
        return ""
    params = dict(check.params)
    if "role" in params:
        params["role"] = str(ROLE_LABELS.get(params["role"], params["role"]))
    if "slot" in params:
        params["slot"] = stage_name(params["slot"])
    if "slots" in params:
        params["slots"] = "、".join(stage_name(slot) for slot in params["slots"])
    return str(message) % params


def init_app(app: Flask) -> None:
    """Expose the label helpers to every template, and serve the favicon where browsers look for it."""

    icon = (Path(app.static_folder or "static") / "favicon.svg").read_bytes()

    @app.route("/favicon.ico")
    def favicon():
        return icon, 200, {"Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=86400"}

    @app.context_processor
    def _labels() -> dict[str, object]:
        return {
            "role_label": lambda role: ROLE_LABELS.get(role, role),
            "status_label": lambda status: STATUS_LABELS.get(status, status),
            "choice_label": choice_label,
            "mechanism_label": lambda mechanism: MECHANISM_LABELS.get(mechanism, mechanism),
            "home_heading": lambda role: HOME_HEADINGS.get(role, HOME_HEADINGS["admin"]),
            "empty_hint": lambda role: EMPTY_HINTS.get(role, EMPTY_HINTS["admin"]),
            "event_label": event_label, "sector_label": sector_label, "sector_choices": sector_choices,
            "category_label": category_label, "regime_label": regime_label,
            "import_label": lambda state: IMPORT_LABELS.get(state, state),
            "field_label": lambda path: FIELD_LABELS.get(path.split("/")[-1], path.split("/")[-1]),
            "verification_detail": verification_detail,
        }
