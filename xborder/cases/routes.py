"""The duties of the route a case took in the standard-contract band (issue 15): once the exporter chose its
mechanism at submit, the case names that route's obligations (certification, not filing, for a certification case)
instead of the determination's "conclude a standard contract or certify" and "file the contract".

The route's duties are the determination's own `mechanisms` entry (law/mechanism.py, forms/certification.yaml).
"""

from __future__ import annotations

from typing import Any

from xborder.cases.models import Case

BAND = "standard_contract_or_certification"
# The determination's duty that leaves the route open; replaced by the chosen route's own duties.
EITHER_ROUTE = "conclude_standard_contract_or_certify"


def route_obligations(case: Case) -> list[dict[str, Any]]:
    """The case's obligations: the determination's, with the band's duties replaced by those of the route the case
    took at submit (unchanged before the choice and outside the band)."""
    determination = case.determination or {}
    obligations = list(determination.get("obligations") or [])
    routes = determination.get("mechanisms") or {}
    if case.pathway != BAND or not case.mechanism or case.mechanism not in routes:
        return obligations
    band_codes = {EITHER_ROUTE} | {o["code"] for route in routes.values() for o in route.get("obligations") or []}
    return [o for o in obligations if o.get("code") not in band_codes] + list(routes[case.mechanism]["obligations"])
