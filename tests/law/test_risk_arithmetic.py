"""The risk engine's integer arithmetic gives the answers of the rational (Fraction) arithmetic it replaced (issue 20):
the weighted ratio against each threshold, a value against a band's minimum, and every key point's levels."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xborder.law.keypoints import catalogue
from xborder.law.risk import MAX_SCORE, _bands, assess_risk, at_least, ratio_reaches, risk_method, weighted_ratio

ON = dt.date(2025, 6, 30)
METHOD = risk_method(ON)
QUESTIONS = {q["id"]: q for p in catalogue(ON)["key_points"] for q in p.get("questions") or ()}
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def exact(number: float) -> Fraction:
    """The decimal forms/ writes, as the engine read it before: Fraction(str(number))."""
    return Fraction(str(number))


def fraction_ratio(weights: list[float], scores: list[int]) -> Fraction:
    """The engine's ratio before issue 20, with a Fraction per operation."""
    possible = sum(exact(w) * MAX_SCORE for w in weights)
    return sum(exact(w) * s for w, s in zip(weights, scores, strict=True)) / possible if possible else Fraction(0)


def fraction_level(factors: list[dict], dimension: str) -> str:
    """`_dimension_level` before issue 20: the same thresholds and floors, in Fractions."""
    scale = [entry["id"] for entry in METHOD["levels"][dimension]]
    own = [f for f in factors if f["pushes"] == dimension]
    ratio = fraction_ratio([f["weight"] for f in own], [f["score"] for f in own])
    rank = 0
    for threshold in METHOD["thresholds"][dimension]:
        if ratio >= exact(threshold["min_ratio"]):
            rank = max(rank, scale.index(threshold["level"]))
    for factor in own:
        if factor["floor"] is not None:
            rank = max(rank, scale.index(factor["floor"]))
    return scale[rank]


# Decimal numbers as YAML writes them (read as floats or ints), with the small denominators forms/ uses and others.
DECIMALS = st.one_of(
    st.integers(min_value=0, max_value=10**7),
    st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False, allow_infinity=False).map(float),
    st.decimals(min_value=0, max_value=1, places=2, allow_nan=False, allow_infinity=False).map(float),
)
WEIGHTS = st.one_of(st.integers(min_value=1, max_value=20),
                    st.decimals(min_value=Decimal("0.01"), max_value=50, places=2).map(float))
RATIOS = st.one_of(st.sampled_from([0, 0.15, 0.2, 0.35, 0.45, 0.6, 0.7, 1]),
                   st.decimals(min_value=0, max_value=1, places=3).map(float),
                   st.fractions(min_value=0, max_value=1, max_denominator=50).map(float))


@SETTINGS
@given(data=st.lists(st.tuples(WEIGHTS, st.integers(min_value=0, max_value=MAX_SCORE)), max_size=12),
       min_ratio=RATIOS)
def test_the_integer_ratio_reaches_a_threshold_exactly_when_the_fraction_does(data, min_ratio):
    weights, scores = [w for w, _ in data], [s for _, s in data]
    assert ratio_reaches(*weighted_ratio(weights, scores), min_ratio) == \
        (fraction_ratio(weights, scores) >= exact(min_ratio))


@SETTINGS
@given(value=st.one_of(st.integers(min_value=0, max_value=10**8),
                       st.fractions(min_value=0, max_value=2, max_denominator=10**6),
                       st.floats(min_value=0, max_value=10**6, allow_nan=False)),
       minimum=DECIMALS)
def test_a_value_reaches_a_band_exactly_when_its_fraction_does(value, minimum):
    assert at_least(value, minimum) == (value >= exact(minimum))


def test_at_the_boundary_a_decimal_is_its_own_value_not_the_binary_float():
    # 0.1 as a binary float is a little above 1/10, 0.7 a little below 7/10: the decimal decides, as before.
    assert at_least(Fraction(1, 10), 0.1) and not at_least(Fraction(1, 10) - Fraction(1, 10**9), 0.1)
    assert at_least(Fraction(7, 10), 0.7)
    assert at_least(10_000, 10_000) and not at_least(9_999, 10_000) and at_least(1, 0.5) and not at_least(0, 0.01)
    assert at_least(Fraction(1, 100), 0.01) and not at_least(Fraction(99, 10_000), 0.01)
    assert ratio_reaches(*weighted_ratio([1, 1, 1, 1, 1], [1, 0, 0, 0, 0]), 0.2) is False  # 1/15 < 1/5
    assert ratio_reaches(*weighted_ratio([1, 1, 1, 1, 1], [1, 1, 1, 0, 0]), 0.2) is True  # 3/15 is 1/5
    assert ratio_reaches(*weighted_ratio([0.7, 0.3], [3, 0]), 0.7) is True  # 2.1/3 is exactly 0.7
    assert ratio_reaches(0, 0, 0) is True and ratio_reaches(0, 0, 0.15) is False  # no factor: ratio 0


def test_a_ratio_a_hair_below_each_threshold_of_forms_does_not_reach_it():
    for dimension in ("impact", "likelihood"):
        for threshold in METHOD["thresholds"][dimension]:
            target = exact(threshold["min_ratio"]) * 10**6
            assert target.denominator == 1
            at = int(target)
            # Weight `at` scored 3 against the rest scored 0: the ratio is at / 10**6, exactly the threshold …
            assert ratio_reaches(*weighted_ratio([at, 10**6 - at], [3, 0]), threshold["min_ratio"])
            if at:  # … and one millionth below it
                assert not ratio_reaches(*weighted_ratio([at - 1, 10**6 - at + 1], [3, 0]), threshold["min_ratio"])


def test_bands_are_sorted_by_their_exact_minimum_once_per_spec():
    for spec in METHOD["factors"]:
        if "bands" in spec:
            assert _bands(spec) == sorted(spec["bands"], key=lambda b: exact(b["min"]))
            assert _bands(spec) is _bands(spec)


def _transfer(pi: int, sensitive: int, important: bool, core: bool, onward: bool, country: str) -> dict[str, Any]:
    return {"purpose": "售后服务", "exemption": None,
            "recipient": {"name": f"Recipient {country}", "country": country, "onward_transfer": onward},
            "data": {"pi_individuals": pi, "sensitive_pi_individuals": sensitive, "important_data": important,
                     "core_data": core, "transit_only": False, "categories": ["contact"]}}


def _response(question: dict[str, Any]) -> st.SearchStrategy[Any]:
    kind = question["kind"]
    if kind == "choice":
        return st.sampled_from([o["value"] for o in question["options"]])
    return {"yes_no": st.booleans(), "number": st.integers(min_value=0, max_value=5)}.get(kind, st.just("见附件"))


TRANSFERS = st.lists(st.builds(
    _transfer, pi=st.integers(min_value=0, max_value=2_000_000), sensitive=st.integers(min_value=0, max_value=50_000),
    important=st.booleans(), core=st.booleans(), onward=st.booleans(),
    country=st.sampled_from(["DE", "US", "JP", "SG", "BR", "HK", "ZZ"])), min_size=1, max_size=3)
ANSWERS = st.fixed_dictionaries({qid: st.one_of(st.none(), _response(q)) for qid, q in QUESTIONS.items()}).map(
    lambda responses: [{"key_point": kp, "answer": "x", "responses": {q: v for q, v in responses.items()
                                                                      if v is not None and q.startswith(kp + ".")}}
                       for kp in sorted({q.split(".")[0] for q, v in responses.items() if v is not None})])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transfers=TRANSFERS, answers=ANSWERS,
       pathway=st.sampled_from(["security_assessment", "standard_contract_or_certification"]))
def test_every_key_point_has_the_levels_the_fraction_arithmetic_gives(transfers, answers, pathway):
    decl = {"as_of": ON, "exporter": {"name": "示例制造有限公司", "uscc": "9131011552601815X1", "province": "310000",
                                      "sector": "manufacturing", "is_ciio": False, "pi_subjects_processed": 250000},
            "prior_transfers": [], "transfers": transfers}
    risk = assess_risk(decl, {"regime": "cac-2024", "pathway": pathway}, answers)
    assert risk["key_points"]
    for point in risk["key_points"]:
        assert point["computed"]["impact"] == fraction_level(point["factors"], "impact"), point["id"]
        assert point["computed"]["likelihood"] == fraction_level(point["factors"], "likelihood"), point["id"]


def test_a_levels_rank_is_its_position_on_the_scale_as_list_index_gave_it():
    """`_Case.rank` reads positions held once per method (issue 20), where it built and searched the scale's list."""
    from xborder.law.risk import _Case

    case = _Case(method=METHOD, countries={}, transfers=[], points=[], full={}, responses={})
    for dimension, levels in METHOD["levels"].items():
        scale = [entry["id"] for entry in levels]
        assert case.scales[dimension] == scale
        for level in scale:
            assert case.rank(dimension, level) == scale.index(level)
        assert case.rank(dimension, None) == -1
        with pytest.raises(ValueError):
            case.rank(dimension, "no_such_level")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(transfers=TRANSFERS, pathway=st.sampled_from(["security_assessment", "standard_contract_or_certification"]))
def test_the_questions_asked_on_a_topic_are_those_the_walk_over_every_key_point_finds(transfers, pathway):
    """A case-wide answer factor's candidate questions, indexed by topic once per scoring (issue 20), are what the walk
    over every applicable key point's questions found, in the same order."""
    from xborder.law.keypoints import applicable_key_points
    from xborder.law.risk import _Case

    decl = {"as_of": ON, "exporter": {"name": "示例制造有限公司", "uscc": "9131011552601815X1", "province": "310000",
                                      "sector": "manufacturing", "is_ciio": False, "pi_subjects_processed": 250000},
            "prior_transfers": [], "transfers": transfers}
    points = applicable_key_points(decl, {"regime": "cac-2024", "pathway": pathway})
    case = _Case(method=METHOD, countries={}, transfers=transfers, points=points, full={}, responses={})
    topics = {q.get("topic") for p in catalogue(ON)["key_points"] for q in p.get("questions") or ()} | {"no_such"}
    for topic in topics:
        assert case.asked(topic) == [(p["id"], q) for p in points for q in p["questions"] if q.get("topic") == topic]
