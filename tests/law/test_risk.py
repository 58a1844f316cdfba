"""The risk engine: its data (matrix, factors, countries), hand-checked cases, overrides and monotonicity."""

from __future__ import annotations

import copy
import datetime as dt
import json
import pathlib
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.forms import plain
from xborder.law.formsdata import FORMS_DIR
from xborder.law.keypoints import applicable_key_points, catalogue
from xborder.law.risk import assess_risk, curated_countries, risk_method, validate_overrides

SA = "security_assessment"
SC = "standard_contract_or_certification"
ON = dt.date(2025, 6, 30)
METHOD = risk_method(ON)
SCALES = {dim: [e["id"] for e in METHOD["levels"][dim]] for dim in ("impact", "likelihood", "risk")}
SPECS = {f["id"]: f for f in METHOD["factors"]}
CATALOGUE = catalogue(ON)
QUESTIONS = {q["id"]: q for p in CATALOGUE["key_points"] for q in p.get("questions") or ()}


def validate_folder(folder: str, schema_name: str) -> None:
    schema = json.loads((FORMS_DIR / "schema" / schema_name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted((FORMS_DIR / folder).glob("*.yaml"))
    assert files, f"forms/{folder}/ has no files"
    for path in files:
        document = plain(yaml.safe_load(path.read_text(encoding="utf-8")))
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
        assert errors == [], f"{path.name}: {errors}"
        assert pathlib.Path(path).name.startswith(document["effective_from"])


def transfer(*, pi: int = 80000, sensitive: int = 0, important: bool = False, core: bool = False,
             onward: bool = False, country: str = "DE", name: str = "Example GmbH") -> dict[str, Any]:
    return {"purpose": "售后服务", "exemption": None,
            "recipient": {"name": name, "country": country, "onward_transfer": onward},
            "data": {"pi_individuals": pi, "sensitive_pi_individuals": sensitive, "important_data": important,
                     "core_data": core, "transit_only": False, "categories": ["contact"]}}


def declaration(*transfers: dict[str, Any], as_of: dt.date = ON) -> dict[str, Any]:
    return {"as_of": as_of,
            "exporter": {"name": "示例制造有限公司", "uscc": "9131011552601815X1", "province": "310000",
                         "sector": "manufacturing", "is_ciio": False, "pi_subjects_processed": 250000},
            "prior_transfers": [], "transfers": list(transfers) or [transfer()]}


def determination(pathway: str, regime: str = "cac-2024") -> dict[str, Any]:
    return {"regime": regime, "pathway": pathway}


# The most favourable answer to every typed question, as a careful exporter would give it.
GOOD = {
    "minimisation": "minimised", "storage_period": "up_to_1y", "separate_consent": True,
    "important_data_catalogue": "filed", "deidentification": "deidentified",
    "recipient_certifications": "iso27001_and_27701", "encryption": "transit_and_rest", "past_incidents": 0,
    "rights_channels": "complete", "access_control": "enforced_and_logged", "incident_response": True,
    "legal_document_status": "signed", "pending_changes": False, "ld_clause": True, "onward_safeguards": True,
    "foreign_law_conflict": "no_conflict",
}


def good_answers(decl: dict[str, Any], det: dict[str, Any]) -> list[dict[str, Any]]:
    answers = []
    for point in applicable_key_points(decl, det):
        responses = {}
        for question in point["questions"]:
            if question["kind"] == "text":
                responses[question["id"]] = "见附件"
            elif "topic" in question:
                responses[question["id"]] = GOOD[question["topic"]]
            else:
                responses[question["id"]] = question["options"][0]["value"]
        answers.append({"key_point": point["id"], "answer": "见附件", "measures": "", "evidence": [],
                        "responses": responses})
    return answers


def levels(result: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    return {p["id"]: (p["impact"], p["likelihood"], p["level"]) for p in result["key_points"]}


# --------------------------------------------------------------------------------------------------- data


def test_forms_risk_and_countries_validate_against_schema():
    validate_folder("risk", "risk.json")
    validate_folder("countries", "countries.json")


def test_matrix_covers_every_pair_and_never_falls_as_impact_or_likelihood_rises():
    matrix = METHOD["matrix"]
    risk = SCALES["risk"]
    assert sorted(matrix) == sorted(SCALES["impact"])
    for impact in SCALES["impact"]:
        assert sorted(matrix[impact]) == sorted(SCALES["likelihood"])
        row = [risk.index(matrix[impact][likelihood]) for likelihood in SCALES["likelihood"]]
        assert row == sorted(row), impact
    for likelihood in SCALES["likelihood"]:
        column = [risk.index(matrix[impact][likelihood]) for impact in SCALES["impact"]]
        assert column == sorted(column), likelihood


def test_thresholds_rise_with_the_ratio():
    for dimension in ("impact", "likelihood"):
        entries = METHOD["thresholds"][dimension]
        assert entries[0]["min_ratio"] == 0
        assert [e["min_ratio"] for e in entries] == sorted(e["min_ratio"] for e in entries)
        assert [SCALES[dimension].index(e["level"]) for e in entries] == list(range(len(entries)))


def outcome_key(spec: dict[str, Any], outcome: dict[str, Any]) -> tuple[int, int]:
    floor = outcome.get("floor")
    return outcome["score"], (SCALES[spec["pushes"]].index(floor) if floor else -1)


def test_factor_scores_never_fall_as_a_value_grows_and_unknown_is_the_worst():
    for spec in METHOD["factors"]:
        for outcome in [*(spec.get("bands") or ()), *(spec.get("map") or {}).values(),
                        *(o for o in (spec.get("unknown"), spec.get("not_curated")) if o)]:
            if outcome.get("floor"):
                assert outcome["floor"] in SCALES[spec["pushes"]], spec["id"]
        if "bands" in spec:
            bands = sorted(spec["bands"], key=lambda b: b["min"])
            assert bands[0]["min"] == 0, spec["id"]
            keys = [outcome_key(spec, b) for b in bands]
            assert keys == sorted(keys), spec["id"]
        known = [outcome_key(spec, o) for o in [*(spec.get("bands") or ()), *(spec.get("map") or {}).values()]]
        if "unknown" in spec:
            assert all(outcome_key(spec, spec["unknown"]) >= k for k in known), spec["id"]
        if "not_curated" in spec:
            worst = max(max(scores.values()) for scores in spec["ratings"].values())
            assert spec["not_curated"]["score"] >= worst
        if "declaration" in spec["source"] and "map" in spec:
            assert outcome_key(spec, spec["map"]["true"]) >= outcome_key(spec, spec["map"]["false"]), spec["id"]


def test_factor_maps_match_the_questions_they_read():
    topics: dict[str, dict[str, Any]] = {}
    for question in QUESTIONS.values():
        if "topic" in question:
            topics.setdefault(question["topic"], question)
    for spec in METHOD["factors"]:
        topic = spec["source"].get("answer")
        if topic is None:
            continue
        question = topics[topic]
        if question["kind"] == "yes_no":
            assert sorted(spec["map"]) == ["false", "true"], spec["id"]
        elif question["kind"] == "choice":
            assert sorted(spec["map"]) == sorted(o["value"] for o in question["options"]), spec["id"]
        else:
            assert question["kind"] == "number" and "bands" in spec, spec["id"]
    # Every topic a question names feeds some factor, so no typed answer is collected for nothing.
    assert set(topics) <= {s["source"].get("answer") for s in METHOD["factors"]}


def test_every_factor_a_key_point_names_exists_and_its_questions_exist_in_every_pathway():
    named = set(CATALOGUE["common_risk_factors"])
    for point in CATALOGUE["key_points"]:
        named |= set(point.get("risk_factors") or ())
    assert named <= set(SPECS)
    assert set(SPECS) <= named, "a factor no key point uses"
    for pathway in (SA, SC):
        points = [p for p in CATALOGUE["key_points"] if pathway in p["pathways"] and p["role"] == "enterprise"]
        for point in points:
            for factor_id in point["risk_factors"]:
                source = SPECS[factor_id]["source"]
                if "answer" not in source:
                    continue
                scope = [point] if source["scope"] == "key_point" else points
                asked = [q for p in scope for q in p["questions"] if q.get("topic") == source["answer"]]
                assert asked, (pathway, point["id"], factor_id)


def test_common_impact_factors_push_impact_and_every_key_point_has_a_likelihood_factor():
    assert {SPECS[f]["pushes"] for f in CATALOGUE["common_risk_factors"]} == {"impact"}
    for point in CATALOGUE["key_points"]:
        if point["role"] == "enterprise":
            assert "likelihood" in {SPECS[f]["pushes"] for f in point["risk_factors"]}, point["id"]


def test_curated_country_ratings_all_have_scores():
    ratings = SPECS["country_environment"]["ratings"]
    countries = curated_countries(ON)
    assert sorted(countries) == ["DE", "FR", "JP", "KR", "SG", "US"]
    for code, entry in countries.items():
        for dimension, rating in entry["ratings"].items():
            assert rating in ratings[dimension], (code, dimension)


# ---------------------------------------------------------------------------------------- hand-checked cases


def test_important_sensitive_onward_to_weak_country_scores_above_small_contact_transfer():
    risky_decl = declaration(transfer(pi=80000, sensitive=20000, important=True, onward=True, country="US"))
    risky = assess_risk(risky_decl, determination(SA), good_answers(risky_decl, determination(SA)))
    small_decl = declaration(transfer(pi=5000), as_of=dt.date(2023, 7, 1))
    small_det = determination(SC, "cac-2022")
    small = assess_risk(small_decl, small_det, good_answers(small_decl, small_det))

    # Impact (both cases, every key point): pi_volume 100,000 → 2×1, sensitive 20,000 → 3×2 (floor high),
    # share 20% → 2×1, important data 3×3 (floor high), core 0: 19/30 = 0.63 → high.
    # SELF-3 likelihood: onward 3×2 + US 3×3 = 15 of 45 = 0.33 → low; high × low → medium.
    # SELF-4 likelihood: onward 6 + US 9 = 15 of 42 = 0.36 → medium; high × medium → high.
    # LD-4 likelihood: US 9 of 24 = 0.375 → medium → high.
    risky_levels = levels(risky)
    assert risky_levels["SELF-3"] == ("high", "low", "medium")
    assert risky_levels["SELF-4"] == ("high", "medium", "high")
    assert risky_levels["LD-4"] == ("high", "medium", "high")
    assert risky_levels["SELF-5"] == ("high", "very_low", "medium")
    assert risky["level"] == "high"

    # Small contact data to Germany: impact 0 → low everywhere; Germany scores 1 (government access moderate),
    # e.g. PIA-5: 3 of 21 = 0.14 → very low.
    assert set(levels(small).values()) == {("low", "very_low", "low")}
    assert small["level"] == "low"
    assert SCALES["risk"].index(risky["level"]) > SCALES["risk"].index(small["level"])

    for result in (risky, small):
        assert result["missing"] == []
        for point in result["key_points"]:
            assert len(point["factors"]) >= 1
            assert {f["pushes"] for f in point["factors"]} == {"impact", "likelihood"}
    self4 = {f["id"]: f for f in next(p for p in risky["key_points"] if p["id"] == "SELF-4")["factors"]}
    assert self4["country_environment"]["source"] == "declaration:transfers/0/recipient/country"
    assert self4["country_environment"]["curated"] is True
    assert self4["country_environment"]["score"] == 3
    assert self4["onward_transfer"]["source"] == "declaration:transfers/0/recipient/onward_transfer"
    assert self4["sensitive_pi_volume"]["value"] == 20000
    assert self4["sensitive_pi_volume"]["source"] == "declaration:transfers/0/data/sensitive_pi_individuals"
    assert self4["rights_channels"]["source"] == "answer:SELF-4.q1"
    assert self4["rights_channels"]["value"] == "complete"
    assert risky["summary_en"].startswith("Overall risk: High (the highest of 12 key points; at that level: SELF-4")
    assert "Important data included: yes" in risky["summary_en"]
    assert "包含重要数据：是" in risky["summary_zh"]


def test_unanswered_questions_are_judged_conservatively_and_listed():
    decl = declaration(transfer(pi=150000))
    answered = assess_risk(decl, determination(SC), good_answers(decl, determination(SC)))
    blank = assess_risk(decl, determination(SC), [])
    for point_id, (_impact, likelihood, level) in levels(blank).items():
        before = levels(answered)[point_id]
        assert SCALES["likelihood"].index(likelihood) >= SCALES["likelihood"].index(before[1])
        assert SCALES["risk"].index(level) >= SCALES["risk"].index(before[2])
    # PIA-3 with nothing answered: impact 150,000 persons → floor medium; likelihood certifications, encryption and
    # incidents unknown 3×2 each, 4 unanswered 3×1, no onward transfer, one recipient: 21 of 36 = 0.58 → medium.
    assert levels(blank)["PIA-3"] == ("medium", "medium", "medium")
    assert levels(answered)["PIA-3"] == ("medium", "very_low", "low")
    pia3 = {f["id"]: f for f in next(p for p in blank["key_points"] if p["id"] == "PIA-3")["factors"]}
    assert pia3["encryption"]["status"] == "unknown"
    assert pia3["encryption"]["score"] == 3
    assert pia3["encryption"]["source"] == "answer:PIA-3.q2"
    assert pia3["unanswered"]["value"] == 4
    assert pia3["onward_safeguards"]["status"] == "not_applicable"
    assert pia3["onward_safeguards"]["source"] == "answer:LD-3.q3"
    codes = {(m["code"], m["ref"]) for m in blank["missing"]}
    assert ("unanswered_question", "PIA-3.q2") in codes
    assert len(blank["missing"]) == sum(len(p["questions"]) for p in applicable_key_points(decl, determination(SC)))
    assert "question(s) unanswered" in blank["summary_en"]


def test_ill_typed_response_counts_as_unknown():
    decl = declaration(transfer(pi=150000))
    answers = good_answers(decl, determination(SC))
    for answer in answers:
        if answer["key_point"] == "PIA-3":
            answer["responses"]["PIA-3.q2"] = "rot13"
    result = assess_risk(decl, determination(SC), answers)
    pia3 = {f["id"]: f for f in next(p for p in result["key_points"] if p["id"] == "PIA-3")["factors"]}
    assert pia3["encryption"]["status"] == "unknown"
    assert [(m["code"], m["ref"]) for m in result["missing"]] == [("invalid_response", "PIA-3.q2")]


def test_country_not_curated_is_marked_judged_as_worst_and_missing():
    decl = declaration(transfer(pi=150000, country="BR"), transfer(pi=1000, country="DE", name="Other"))
    result = assess_risk(decl, determination(SC), good_answers(decl, determination(SC)))
    pia5 = {f["id"]: f for f in next(p for p in result["key_points"] if p["id"] == "PIA-5")["factors"]}
    country = pia5["country_environment"]
    assert (country["value"], country["curated"], country["status"], country["score"]) == ("BR", False,
                                                                                          "not_curated", 3)
    assert country["source"] == "declaration:transfers/0/recipient/country"
    assert [(m["code"], m["ref"]) for m in result["missing"]] == [("country_not_curated", "BR")]
    assert "BR" in result["summary_en"] and "BR" in result["summary_zh"]
    pia3 = {f["id"]: f for f in next(p for p in result["key_points"] if p["id"] == "PIA-3")["factors"]}
    assert (pia3["recipients"]["value"], pia3["recipients"]["score"]) == (2, 1)


def test_core_data_raises_impact_to_severe():
    decl = declaration(transfer(pi=0, core=True))
    result = assess_risk(decl, determination(SA), good_answers(decl, determination(SA)))
    assert {p["impact"] for p in result["key_points"]} == {"severe"}
    important = {f["id"]: f for f in result["key_points"][0]["factors"]}["important_data"]
    assert (important["value"], important["source"]) == (True, "declaration:transfers/0/data/core_data")


def test_exempt_case_has_no_level():
    result = assess_risk(declaration(transfer(pi=5000)), determination("exempt"), [])
    assert result["level"] is None and result["key_points"] == [] and result["missing"] == []
    assert result["summary_en"].startswith("No key point applies")


def test_same_input_gives_the_same_result():
    decl = declaration(transfer(pi=150000, sensitive=300, onward=True, country="SG"))
    answers = good_answers(decl, determination(SC))[:5]
    result = assess_risk(decl, determination(SC), answers)
    assert result == assess_risk(copy.deepcopy(decl), determination(SC), copy.deepcopy(answers))
    # Stored as JSON on the case: it must survive the round trip unchanged.
    assert json.loads(json.dumps(result)) == result


# ------------------------------------------------------------------------------------------------ overrides


def test_override_keeps_the_computed_values_and_the_justification():
    decl = declaration(transfer(pi=150000))
    computed = assess_risk(decl, determination(SC), [])
    before = levels(computed)["PIA-3"]
    result = assess_risk(decl, determination(SC), [], [
        {"key_point": "PIA-3", "impact": "low", "likelihood": "very_low", "justification": "已现场核查加密和认证"},
        {"key_point": "SELF-1", "impact": "high", "likelihood": None, "justification": "不适用于本案"},
    ])
    pia3 = next(p for p in result["key_points"] if p["id"] == "PIA-3")
    assert (pia3["impact"], pia3["likelihood"], pia3["level"]) == ("low", "very_low", "low")
    assert pia3["computed"] == {"impact": before[0], "likelihood": before[1], "level": before[2]}
    assert pia3["override"] == {"impact": "low", "likelihood": "very_low", "justification": "已现场核查加密和认证"}
    assert result["overrides_ignored"] == ["SELF-1"]
    assert result["computed_level"] == computed["level"]
    assert "The assessor overrode PIA-3." in result["summary_en"]


def test_override_of_one_dimension_keeps_the_other():
    decl = declaration(transfer(pi=150000))
    result = assess_risk(decl, determination(SC), [], [{"key_point": "PIA-1", "impact": "severe",
                                                        "justification": "涉及未成年人信息"}])
    pia1 = next(p for p in result["key_points"] if p["id"] == "PIA-1")
    assert pia1["impact"] == "severe" and pia1["likelihood"] == pia1["computed"]["likelihood"]
    assert pia1["level"] == METHOD["matrix"]["severe"][pia1["likelihood"]]


def test_override_needs_a_justification_and_known_levels():
    decl = declaration(transfer(pi=150000))
    with pytest.raises(ValueError, match="justification"):
        assess_risk(decl, determination(SC), [], [{"key_point": "PIA-1", "impact": "low", "justification": " "}])
    with pytest.raises(ValueError, match="unknown likelihood"):
        assess_risk(decl, determination(SC), [], [{"key_point": "PIA-1", "likelihood": "rare",
                                                   "justification": "x"}])


def test_validate_overrides_reports_paths():
    decl = declaration(transfer(pi=150000))
    applicable = applicable_key_points(decl, determination(SC))
    errors = validate_overrides([{"key_point": "PIA-1", "impact": "huge"}, {"key_point": "SELF-9"}, 3],
                                applicable, ON)
    assert [(e["path"], e["code"]) for e in errors] == [
        ("reviews/0/impact", "choice"), ("reviews/0/justification", "required"),
        ("reviews/1/key_point", "unknown_key_point"), ("reviews/2", "type")]


# ------------------------------------------------------------------------------------------------ properties

COUNTRIES = ["DE", "US", "JP", "SG", "BR", "HK"]


def _value(question: dict[str, Any]) -> st.SearchStrategy[Any]:
    if question["kind"] == "yes_no":
        return st.booleans()
    if question["kind"] == "number":
        return st.integers(min_value=0, max_value=5)
    if question["kind"] == "choice":
        return st.sampled_from([o["value"] for o in question["options"]])
    return st.just("见附件")


RESPONSES = st.fixed_dictionaries({qid: st.one_of(st.none(), _value(q)) for qid, q in QUESTIONS.items()})
TRANSFERS = st.lists(st.builds(
    transfer,
    pi=st.integers(min_value=0, max_value=2_000_000),
    sensitive=st.integers(min_value=0, max_value=50_000),
    important=st.booleans(), core=st.booleans(), onward=st.booleans(),
    country=st.sampled_from(COUNTRIES), name=st.sampled_from(["A", "B", "C"]),
), min_size=1, max_size=3)
PATHWAY = st.sampled_from([SA, SC])


def _answers(responses: dict[str, Any]) -> list[dict[str, Any]]:
    grouped: dict[str, dict[str, Any]] = {}
    for qid, value in responses.items():
        if value is not None:
            grouped.setdefault(qid.split(".")[0], {})[qid] = value
    return [{"key_point": kp, "answer": "x", "responses": r} for kp, r in sorted(grouped.items())]


def _never_lower(before: dict[str, Any], after: dict[str, Any]) -> None:
    old = {p["id"]: p for p in before["key_points"]}
    for point in after["key_points"]:
        for dimension, scale in (("impact", "impact"), ("likelihood", "likelihood"), ("level", "risk")):
            assert SCALES[scale].index(point[dimension]) >= SCALES[scale].index(old[point["id"]][dimension]), (
                point["id"], dimension)


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(transfers=TRANSFERS, responses=RESPONSES, pathway=PATHWAY, which=st.integers(0, 2),
       extra=st.integers(min_value=1, max_value=200_000))
def test_more_sensitive_persons_never_lower_a_level(transfers, responses, pathway, which, extra):
    decl = declaration(*transfers)
    more = copy.deepcopy(decl)
    more["transfers"][which % len(transfers)]["data"]["sensitive_pi_individuals"] += extra
    answers = _answers(responses)
    _never_lower(assess_risk(decl, determination(pathway), answers),
                 assess_risk(more, determination(pathway), answers))


@SETTINGS
@given(transfers=TRANSFERS, responses=RESPONSES, pathway=PATHWAY, which=st.integers(0, 2),
       field=st.sampled_from(["important_data", "core_data", "onward_transfer"]))
def test_important_data_or_onward_transfer_never_lower_a_level(transfers, responses, pathway, which, field):
    decl = declaration(*transfers)
    more = copy.deepcopy(decl)
    target = more["transfers"][which % len(transfers)]
    (target["recipient"] if field == "onward_transfer" else target["data"])[field] = True
    answers = _answers(responses)
    _never_lower(assess_risk(decl, determination(pathway), answers),
                 assess_risk(more, determination(pathway), answers))


@SETTINGS
@given(transfers=TRANSFERS, responses=RESPONSES, pathway=PATHWAY)
def test_every_level_lists_its_factors(transfers, responses, pathway):
    result = assess_risk(declaration(*transfers), determination(pathway), _answers(responses))
    assert result["level"] == max((p["level"] for p in result["key_points"]), key=SCALES["risk"].index)
    for point in result["key_points"]:
        assert point["impact"] in SCALES["impact"] and point["likelihood"] in SCALES["likelihood"]
        assert point["level"] == METHOD["matrix"][point["impact"]][point["likelihood"]]
        assert len(point["factors"]) >= 1
        for factor in point["factors"]:
            assert factor["source"].split(":")[0] in ("declaration", "answer")
            assert factor["weight"] > 0 and 0 <= factor["score"] <= 3
            assert factor["status"] in ("known", "unknown", "not_applicable", "not_curated")
    uncurated = {t["recipient"]["country"] for t in transfers} - set(curated_countries(ON))
    assert {m["ref"] for m in result["missing"] if m["code"] == "country_not_curated"} == uncurated


@SETTINGS
@given(transfers=TRANSFERS, responses=RESPONSES, pathway=PATHWAY, data=st.data())
def test_overrides_keep_the_computed_values(transfers, responses, pathway, data):
    decl = declaration(*transfers)
    answers = _answers(responses)
    plain_result = assess_risk(decl, determination(pathway), answers)
    target = data.draw(st.sampled_from([p["id"] for p in plain_result["key_points"]]))
    impact = data.draw(st.sampled_from(SCALES["impact"]))
    likelihood = data.draw(st.sampled_from(SCALES["likelihood"]))
    result = assess_risk(decl, determination(pathway), answers,
                         [{"key_point": target, "impact": impact, "likelihood": likelihood, "justification": "复核"}])
    for before, after in zip(plain_result["key_points"], result["key_points"], strict=True):
        assert after["computed"] == {"impact": before["impact"], "likelihood": before["likelihood"],
                                     "level": before["level"]}
        assert after["factors"] == before["factors"]
        if after["id"] == target:
            assert (after["impact"], after["likelihood"]) == (impact, likelihood)
            assert after["override"]["justification"] == "复核"
        else:
            assert after["override"] is None and after["level"] == before["level"]
    assert result["computed_level"] == plain_result["level"]
