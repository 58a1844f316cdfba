"""The declaration wizard's page helpers, shared by the case pages and the public quick check: the pickers in the
current language and what the live preview script needs."""

from __future__ import annotations

from typing import Any

from xborder.web.helpers import PLAIN_MESSAGES, catalogue_text, country_choices, is_zh, lang


def wizard_choices(form: Any) -> None:
    """Fill the pickers of a declaration form in the current language."""
    from xborder.law import catalogue

    scenarios = [(s, catalogue_text("scenarios", s)) for s in catalogue.scenario_ids()]
    provinces = [(p.code, p.name_zh if is_zh() else p.name_en) for p in catalogue.provinces().values()]
    form.setup_choices(scenarios, country_choices(), provinces)


def preview_config() -> dict[str, object]:
    """What the live preview script needs to name pathways and articles without asking the server."""
    from xborder.law import catalogue

    return {
        "lang": lang(),
        "pathways": {p: catalogue_text("pathways", p) for p in
                     ("exempt", "standard_contract_or_certification", "security_assessment")},
        "instruments": {i.id: (i.short_zh if is_zh() else i.short_en) for i in catalogue.instruments()},
        # The engine's messages in plain words, as the server-side summary says them (en, zh by engine text).
        "plain": PLAIN_MESSAGES,
    }
