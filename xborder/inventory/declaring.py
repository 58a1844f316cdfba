"""A declaration (spec/declaration.md) from selected inventory rows: transfers, persons and categories carried over."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from xborder.inventory import spec


def _persons(rows: Sequence[Any], counted: str) -> int:
    """Distinct persons of a transfer for one count: the largest row per subject group, groups added up."""
    rules = spec.declaring_rules()
    within = max if rules["persons_within_subject_group"] == "max" else sum
    groups: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        entry = spec.vocabulary_entry("data_level", row.level) or {}
        if entry.get("counts_as") != counted:
            continue
        group = (row.subject_group or "").strip() or f"\x00row{index}"  # no group: counted on its own
        groups.setdefault(group, []).append(row.persons_per_year)
    return sum(within(values) for values in groups.values())


def _flag(rows: Sequence[Any], flag: str) -> bool:
    for row in rows:
        for vocabulary, value in (("data_level", row.level), ("industrial_level", row.industrial_level)):
            entry = spec.vocabulary_entry(vocabulary, value)
            if entry and flag in entry.get("flags", ()):
                return True
    return False


def build_declaration(organisation, flows: Sequence[Any], recipients: Mapping[str, Any], as_of: dt.date,
                      exporter: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], list[list[str]]]:
    """The declaration the rows add up to, and for each transfer the entry keys that fed it.

    One transfer per recipient and claimed exemption (forms/inventory/levels.yaml `declaring`); persons per year are
    carried over as the transfer's persons, categories as the transfer's categories."""
    facts = dict(exporter or {})
    groups: dict[tuple[str, str | None], list[Any]] = {}
    for flow in sorted(flows, key=lambda f: f.entry_key):
        groups.setdefault((flow.recipient, flow.exemption), []).append(flow)
    transfers, sources = [], []
    for (name, exemption), rows in groups.items():
        recipient = recipients.get(name)
        purposes = list(dict.fromkeys(r.purpose for r in rows if r.purpose))
        transfers.append({
            "purpose": "；".join(purposes) or None,
            "exemption": exemption,
            "recipient": {"name": name, "country": recipient.country if recipient else None,
                          "onward_transfer": bool(recipient.onward_transfer) if recipient else False},
            "data": {
                "pi_individuals": _persons(rows, "pi_individuals"),
                "sensitive_pi_individuals": _persons(rows, "sensitive_pi_individuals"),
                "important_data": _flag(rows, "important_data"),
                "core_data": _flag(rows, "core_data"),
                "transit_only": False,
                "categories": list(dict.fromkeys(r.category for r in rows)),
            },
        })
        sources.append([r.entry_key for r in rows])
    declaration = {
        "as_of": as_of.isoformat(),
        "exporter": {"name": organisation.name, "uscc": organisation.uscc, "province": organisation.province,
                     "sector": facts.get("sector") or None, "is_ciio": bool(facts.get("is_ciio", False)),
                     "pi_subjects_processed": facts.get("pi_subjects_processed")},
        "prior_transfers": [],
        "transfers": transfers,
    }
    return declaration, sources
