"""Hypothesis strategies for the pathway engine's property tests: declarations and earlier cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from xborder.law import catalogue

RANK = {name: rank for rank, name in enumerate(catalogue.PATHWAYS)}
SCENARIOS = catalogue.scenario_ids()
CAC_2024 = dt.date(2024, 3, 22)
# Counts cluster at the thresholds, where a wrong comparison would show, with a spread of other values.
BOUNDARIES = [0, 1, 9_999, 10_000, 99_999, 100_000, 999_999, 1_000_000]
counts = st.one_of(st.sampled_from(BOUNDARIES), st.integers(0, 1_200_000), st.integers(0, 20_000))
days = st.dates(dt.date(2022, 9, 1), dt.date(2027, 12, 31))
claims = st.one_of(st.none(), st.sampled_from(SCENARIOS))
PROFILE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def transfers(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "purpose": "p",
        "exemption": draw(claims),
        "recipient": {"name": "R", "country": "DE", "onward_transfer": False},
        "data": {"pi_individuals": draw(counts), "sensitive_pi_individuals": draw(counts),
                 "important_data": draw(st.booleans()), "core_data": draw(st.booleans()),
                 "transit_only": draw(st.booleans()), "categories": []},
    }


@st.composite
def declarations(draw: st.DrawFn, as_of: st.SearchStrategy[dt.date] = days) -> dict[str, Any]:
    day = draw(as_of)
    past = st.dates(day - dt.timedelta(days=800), day)
    priors = draw(st.lists(st.fixed_dictionaries({
        "date": past, "pi_individuals": counts, "sensitive_pi_individuals": counts, "exemption": claims}),
        max_size=3))
    return {
        "as_of": day,
        "exporter": {"name": "E", "uscc": "9131011552601815X1", "province": "310000",
                     "sector": draw(st.sampled_from(["manufacturing", "finance", None])),
                     "is_ciio": draw(st.booleans()), "pi_subjects_processed": draw(counts),
                     "ftz": draw(st.sampled_from([None, "shanghai"]))},
        "prior_transfers": priors,
        "transfers": draw(st.lists(transfers(), min_size=1, max_size=5)),
    }


@st.composite
def earlier_cases(draw: st.DrawFn) -> list[dict[str, Any]]:
    return draw(st.lists(st.fixed_dictionaries({
        "case": st.sampled_from(["XB-1", "XB-2", "XB-3"]), "date": days, "pi_individuals": counts,
        "sensitive_pi_individuals": counts, "exemption": claims}), max_size=3))
