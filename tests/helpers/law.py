"""Builders of raw (JSON-shaped) declarations and readers of determinations, for the law tests."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from xborder.law.declaration import validate_declaration
from xborder.law.pathway import determine_pathway

USCC = "9131011552601815X1"


def transfer(pi: int = 0, sensitive: int = 0, *, important: bool = False, core: bool = False, transit: bool = False,
             exemption: str | None = None, country: str = "DE") -> dict[str, Any]:
    """A transfer being declared now."""
    return {
        "purpose": "售后服务",
        "exemption": exemption,
        "recipient": {"name": "Example GmbH", "country": country, "onward_transfer": False},
        "data": {"pi_individuals": pi, "sensitive_pi_individuals": sensitive, "important_data": important,
                 "core_data": core, "transit_only": transit, "categories": ["contact"]},
    }


def prior(date: str, pi: int = 0, sensitive: int = 0, exemption: str | None = None) -> dict[str, Any]:
    """A transfer already made outside the declaration."""
    return {"date": date, "pi_individuals": pi, "sensitive_pi_individuals": sensitive, "exemption": exemption}


def earlier_case(case: str, date: str, pi: int = 0, sensitive: int = 0, exemption: str | None = None) -> dict:
    """A transfer of one of the exporter's earlier cases, as the cases module hands it to the engine."""
    return {"case": case, **prior(date, pi, sensitive, exemption)}


def declaration(*transfers: dict[str, Any], as_of: str = "2025-06-30", ciio: bool = False,
                processed: int | None = 250000, priors: Sequence[dict[str, Any]] = (),
                sector: str = "manufacturing", ftz: str | None = None, province: str = "310000") -> dict[str, Any]:
    """A whole declaration; with no transfer given, one of 10 persons' PI."""
    exporter: dict[str, Any] = {"name": "示例制造有限公司", "uscc": USCC, "province": province, "sector": sector,
                                "is_ciio": ciio}
    if ftz is not None:
        exporter["ftz"] = ftz
    if processed is not None:
        exporter["pi_subjects_processed"] = processed
    return {"as_of": as_of, "exporter": exporter, "prior_transfers": list(priors),
            "transfers": list(transfers) or [transfer(10)]}


def determine(raw: Mapping[str, Any], earlier: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """Validate and determine, as `xborder assess` does."""
    return determine_pathway(validate_declaration(raw), earlier)


def pathways(determination: Mapping[str, Any]) -> list[str]:
    """The pathway of each transfer, by index."""
    return [t["pathway"] for t in sorted(determination["transfers"], key=lambda t: t["index"])]


def bases(node: Any, found: set[tuple[str, str, str]] | None = None) -> set[tuple[str, str, str]]:
    """Every legal basis anywhere in a determination, as check-examples collects them."""
    found = set() if found is None else found
    if isinstance(node, Mapping):
        if "instrument" in node and "article" in node:
            found.add((str(node["instrument"]), str(node["article"]), str(node.get("item") or "")))
        for value in node.values():
            bases(value, found)
    elif isinstance(node, list):
        for value in node:
            bases(value, found)
    return found


def cites(determination: Mapping[str, Any], instrument: str, article: str, item: str = "") -> bool:
    """Whether the determination cites the article (and item, when given) anywhere, as check-examples judges it."""
    return any(f[:2] == (instrument, article) and (not item or f[2] == item) for f in bases(determination))


def reason_codes(determination: Mapping[str, Any], index: int = 0) -> list[str]:
    """The reason codes of one transfer."""
    return [r["code"] for r in determination["transfers"][index]["reasons"]]


def obligation_codes(determination: Mapping[str, Any]) -> list[str]:
    """The codes of the obligations, in order."""
    return [o["code"] for o in determination["obligations"]]


def interpretation_ids(determination: Mapping[str, Any]) -> list[str]:
    """The named interpretations the determination says it applied."""
    return [i["rule"] for i in determination["interpretations"]]


def norm_path(path: str) -> str:
    """Normalise an error path the way check-examples does."""
    return re.sub(r"\[(\d+)\]", r"/\1", str(path)).replace(".", "/").strip("/")


def error_pairs(errors: Iterable[Mapping[str, str]]) -> set[tuple[str, str]]:
    """(path, code) of each validation error."""
    return {(e["path"], e["code"]) for e in errors}
