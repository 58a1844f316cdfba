"""Which route of the standard-contract band an exporter may take: a standard contract or certification.

Pure, over `forms/certification.yaml`. cbdf-2024 art 8 and pipl art 38 offer both routes to a non-CIIO in the
band; certification is never for a CIIO or for important (or core) data (cbdf-2024 arts 7 and 8; from 2026-01-01
pi-cert-measures-2025 art 5). The case workflow calls `mechanism_allowed` at `submit`; the determination carries
`routes(...)` so that both routes and their duties are named.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

from xborder.law import catalogue, formsdata
from xborder.law.catalogue import Citation

MECHANISMS = ("standard_contract", "certification")
_BAND = "standard_contract_or_certification"


@functools.cache
def _doc() -> Mapping[str, Any]:
    doc: Mapping[str, Any] = formsdata.load("certification.yaml")
    return doc


formsdata.on_clear(_doc.cache_clear)


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _basis(raw: Any, on: dt.date) -> list[dict[str, str]]:
    citations = [Citation(str(c["instrument"]), str(c["article"]), None if c.get("item") is None else str(c["item"]))
                 for c in raw]
    return [c.as_json() for c in citations if catalogue.cited_on(c, on)]


def _reason(code: str, basis: list[dict[str, str]], **params: Any) -> dict[str, Any]:
    text = catalogue.text("reasons", code)
    return {"code": code, "message_zh": text["zh"].format_map(params), "message_en": text["en"].format_map(params),
            "legal_basis": basis}


def certification_bodies() -> dict[str, dict[str, Any]]:
    """Return the certification bodies filed with the CAC, by id (`isccc-bigdata`, `cac-dtsc`, `cesi-cert`)."""
    return {b["id"]: {**b, "filed_by": _date(b["filed_by"]).isoformat()} for b in _doc()["bodies"]}


def route_obligations(mechanism: str, on: dt.date) -> list[dict[str, Any]]:
    """Return the duties of one route on `on`, each with its texts and the articles then in force."""
    found = []
    for raw in _doc()["routes"][mechanism]["obligations"]:
        basis = _basis(raw["legal_basis"], on)
        if basis:
            texts = catalogue.text("obligations", raw["code"])
            found.append({"code": raw["code"], "title_zh": texts["title_zh"], "title_en": texts["title_en"],
                          "due": texts["due_en"], "due_zh": texts["due_zh"], "legal_basis": basis})
    return found


def judge_mechanism(pathway: str, ciio: bool, important_or_core: bool, on: dt.date,
                    mechanism: str) -> dict[str, Any]:
    """Say whether `mechanism` may be used for a determination with this pathway, exporter and data, with reasons."""
    if mechanism not in MECHANISMS:
        raise ValueError(f"unknown mechanism {mechanism!r}; one of {', '.join(MECHANISMS)}")
    eligibility = _doc()["eligibility"]
    basis = _basis(eligibility["legal_basis"], on)
    if mechanism == "certification":
        basis += _basis(eligibility["legal_basis_from_measures"], on)
    refusals = []
    if pathway != _BAND:
        names = catalogue.text("pathways", pathway)
        refusals.append(_reason("mechanism_not_this_pathway", basis, pathway_zh=names["zh"], pathway_en=names["en"]))
    if mechanism == "certification":
        if ciio:
            refusals.append(_reason("certification_ciio", basis))
        if important_or_core:
            refusals.append(_reason("certification_important_data", basis))
    if refusals:
        return {"mechanism": mechanism, "allowed": False, "reasons": refusals, "obligations": []}
    return {"mechanism": mechanism, "allowed": True, "reasons": [_reason(f"mechanism_{mechanism}", basis)],
            "obligations": route_obligations(mechanism, on)}


def mechanism_allowed(declaration: Mapping[str, Any], determination: Mapping[str, Any],
                      mechanism: str) -> dict[str, Any]:
    """Say whether a validated declaration with this determination may take `mechanism`; `allowed` and `reasons`."""
    important = any(t["data"].get("important_data") or t["data"].get("core_data") for t in declaration["transfers"])
    return judge_mechanism(determination["pathway"], bool(declaration["exporter"]["is_ciio"]), important,
                           _date(determination["as_of"]), mechanism)


def routes(pathway: str, ciio: bool, important_or_core: bool, on: dt.date) -> dict[str, Any] | None:
    """Both routes of the standard-contract band as the determination names them, or None outside the band."""
    if pathway != _BAND:
        return None
    return {mechanism: judge_mechanism(pathway, ciio, important_or_core, on, mechanism) for mechanism in MECHANISMS}
