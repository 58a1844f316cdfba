"""Risk of an outbound transfer per key point, after GB/T 39335-2020: impact × likelihood from factors in `forms/`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from xborder.law import formsdata
from xborder.law.formsdata import FormsError, in_force, versions_of
from xborder.law.keypoints import applicable_key_points, as_of, catalogue, recipient_key, response_error

MAX_SCORE = 3
_NOT_APPLICABLE = {"score": 0}


@functools.cache
def _exact(number: float) -> Fraction:
    # Thresholds such as 0.2 are decimal in forms/: compare them exactly, not as binary floats.
    return Fraction(str(number))


@functools.cache
def _parts(number: float) -> tuple[int, int]:
    exact = _exact(number)
    return exact.numerator, exact.denominator


def risk_method(on: dt.date) -> Mapping[str, Any]:
    """Return the risk method (levels, matrix, thresholds, factors) in force on `on`, from `forms/risk/`."""
    version = in_force(versions_of("risk"), on)
    if version is None:
        raise ValueError(f"no risk method is in force on {on.isoformat()}")
    return version


def curated_countries(on: dt.date) -> Mapping[str, Any]:
    """Return the curated recipient-country data in force on `on` (ISO alpha-2 → entry); empty when none is."""
    version = in_force(versions_of("countries"), on)
    return (version or {}).get("countries") or {}


_SCALES: dict[int, tuple[Mapping[str, Any], dict[str, list[str]], dict[str, dict[str, int]]]] = {}
formsdata.on_clear(_SCALES.clear)


def _scales(method: Mapping[str, Any]) -> tuple[dict[str, list[str]], dict[str, dict[str, int]]]:
    """Each dimension's levels in order, and each level's position, once per loaded method (held, so that its id is
    not reused): ranking a level was a list built and searched per call, ~170 times a scoring (issue 20)."""
    held = _SCALES.get(id(method))
    if held is None or held[0] is not method:
        scales = {dimension: [entry["id"] for entry in levels] for dimension, levels in method["levels"].items()}
        positions: dict[str, dict[str, int]] = {dimension: {} for dimension in scales}
        for dimension, scale in scales.items():
            for position, level in enumerate(scale):
                positions[dimension].setdefault(level, position)  # the first, as list.index finds it
        held = _SCALES[id(method)] = (method, scales, positions)
    return held[1], held[2]


@dataclasses.dataclass
class _Case:
    method: Mapping[str, Any]
    countries: Mapping[str, Any]
    transfers: Sequence[Mapping[str, Any]]
    points: list[dict[str, Any]]
    full: Mapping[str, Mapping[str, Any]]
    responses: Mapping[str, Mapping[str, Any]]
    judged: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    scales: dict[str, list[str]] = dataclasses.field(init=False)
    positions: dict[str, dict[str, int]] = dataclasses.field(init=False)
    thresholds: dict[str, list[tuple[float, int]]] = dataclasses.field(init=False)  # (min_ratio, its level's rank)
    by_topic: dict[str, list[tuple[str, Mapping[str, Any]]]] | None = None

    def __post_init__(self) -> None:
        self.scales, self.positions = _scales(self.method)
        self.thresholds = {dimension: [(t["min_ratio"], self.rank(dimension, t["level"])) for t in thresholds]
                           for dimension, thresholds in self.method["thresholds"].items()}

    def rank(self, dimension: str, level: str | None) -> int:
        """Position of `level` on the dimension's scale (-1 for none)."""
        if level is None:
            return -1
        position = self.positions[dimension].get(level)
        if position is None:
            raise ValueError(f"{level!r} is not a level of {dimension}")
        return position

    def asked(self, topic: str) -> list[tuple[str, Mapping[str, Any]]]:
        """(key point id, question) of every applicable question on `topic`, in catalogue order: indexed once per
        scoring rather than every key point's questions walked per case-wide factor (issue 20)."""
        if self.by_topic is None:
            self.by_topic = {}
            for point in self.points:
                for question in point["questions"]:
                    self.by_topic.setdefault(question.get("topic"), []).append((point["id"], question))
        return self.by_topic.get(topic, [])

    def response(self, point_id: str, question: Mapping[str, Any]) -> tuple[Any, bool]:
        """The response to a question and whether it is a valid answer (None or ill-typed counts as unknown)."""
        value = self.responses.get(point_id, {}).get(question["id"])
        return value, value is not None and response_error(question, value, "") is None


def _responses(answers: Iterable[Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for answer in answers or ():
        if isinstance(answer, Mapping) and isinstance(answer.get("responses"), Mapping):
            out.setdefault(str(answer.get("key_point")), {}).update(answer["responses"])
    return out


def _transfer_path(indices: Sequence[int], count: int, suffix: str) -> str:
    if len(indices) == 1:
        where = str(indices[0])
    elif not indices and count == 1:
        where = "0"
    else:
        where = "*"
    return f"declaration:transfers/{where}/{suffix}"


def _declaration_value(name: str, transfers: Sequence[Mapping[str, Any]]) -> tuple[Any, str]:
    data = [t.get("data") or {} for t in transfers]
    count = len(transfers)
    pi = [int(d.get("pi_individuals") or 0) for d in data]
    spi = [int(d.get("sensitive_pi_individuals") or 0) for d in data]
    if name == "pi_individuals_total":
        return sum(pi) + sum(spi), _transfer_path([i for i in range(count) if pi[i] + spi[i]], count, "data")
    if name == "sensitive_pi_individuals":
        return sum(spi), _transfer_path([i for i in range(count) if spi[i]], count, "data/sensitive_pi_individuals")
    if name == "sensitive_pi_share":
        total = sum(pi) + sum(spi)
        return (Fraction(sum(spi), total) if total else Fraction(0)), _transfer_path(
            [i for i in range(count) if spi[i]], count, "data")
    if name == "recipients":
        return len({recipient_key(t) for t in transfers}), _transfer_path([], count, "recipient")
    if name in ("important_data", "core_data"):
        # Core data is at least important data (dsl art 21), so it also sets the important-data factor.
        fields = ("important_data", "core_data") if name == "important_data" else ("core_data",)
        for index, item in enumerate(data):
            for field in fields:
                if item.get(field):
                    return True, f"declaration:transfers/{index}/data/{field}"
        return False, _transfer_path([], count, f"data/{name}")
    if name == "onward_transfer":
        for index, transfer in enumerate(transfers):
            if (transfer.get("recipient") or {}).get("onward_transfer"):
                return True, f"declaration:transfers/{index}/recipient/onward_transfer"
        return False, _transfer_path([], count, "recipient/onward_transfer")
    raise FormsError(f"forms/risk: unknown declaration value {name!r}")


def at_least(value: int | float | Fraction, number: float) -> bool:
    """`value >= number` with `number` the decimal forms/ writes (0.1 is 1/10), exactly; integers and Fractions
    cross-multiplied rather than compared as Fractions (issue 20)."""
    num, den = _parts(number)
    if isinstance(value, int):
        return value * den >= num
    if isinstance(value, Fraction):
        return value.numerator * den >= num * value.denominator
    return value >= _exact(number)


_SORTED_BANDS: dict[int, tuple[Mapping[str, Any], list[Mapping[str, Any]]]] = {}
formsdata.on_clear(_SORTED_BANDS.clear)


def _bands(spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The factor's bands by their exact minimum, sorted once per loaded spec (held, so its id is not reused)."""
    held = _SORTED_BANDS.get(id(spec))
    if held is None or held[0] is not spec:
        held = _SORTED_BANDS[id(spec)] = (spec, sorted(spec["bands"], key=lambda b: _exact(b["min"])))
    return held[1]


def _outcome(spec: Mapping[str, Any], value: Any) -> Mapping[str, Any] | None:
    if "bands" in spec:
        if isinstance(value, bool) or not isinstance(value, int | float | Fraction):
            return None
        chosen = None
        for band in _bands(spec):
            if at_least(value, band["min"]):
                chosen = band
        return chosen
    key = ("true" if value else "false") if isinstance(value, bool) else str(value)
    outcome: Mapping[str, Any] | None = spec["map"].get(key)
    return outcome


def _worst(case: _Case, dimension: str, outcomes: Iterable[Mapping[str, Any]]) -> Mapping[str, Any]:
    return max(outcomes, key=lambda o: (o["score"], case.rank(dimension, o.get("floor"))))


def _unknown_outcome(case: _Case, spec: Mapping[str, Any]) -> Mapping[str, Any]:
    if "unknown" in spec:
        declared: Mapping[str, Any] = spec["unknown"]
        return declared
    # Judged conservatively: an unknown value counts as the worst value the factor can take.
    return _worst(case, spec["pushes"], list(spec.get("bands") or ()) + list((spec.get("map") or {}).values()))


def _display(value: Any, status: str, question: Mapping[str, Any] | None = None) -> tuple[str, str]:
    if status == "unknown":
        return "未回答", "unanswered"
    if status == "not_applicable":
        return "不适用", "not applicable"
    if isinstance(value, bool):
        return ("是", "yes") if value else ("否", "no")
    if isinstance(value, Fraction):
        return f"{float(value):.1%}", f"{float(value):.1%}"
    if isinstance(value, int | float):
        return f"{value:,}", f"{value:,}"
    if question is not None and question.get("kind") == "choice":
        for option in question["options"]:
            if option["value"] == value:
                return option["label_zh"], option["label_en"]
    return str(value), str(value)


def _factor(spec: Mapping[str, Any], outcome: Mapping[str, Any], value: Any, status: str, source: str,
            question: Mapping[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    value_zh, value_en = _display(value, status, question)
    return {
        "id": spec["id"],
        "label_zh": spec["label_zh"],
        "label_en": spec["label_en"],
        "pushes": spec["pushes"],
        "value": round(float(value), 4) if isinstance(value, Fraction) else value,
        "value_zh": value_zh,
        "value_en": value_en,
        "weight": spec["weight"],
        "score": outcome["score"],
        "contribution": spec["weight"] * outcome["score"],
        "floor": outcome.get("floor"),
        "status": status,
        "source": source,
        **extra,
    }


def _answer_factor(case: _Case, spec: Mapping[str, Any], point: Mapping[str, Any]) -> dict[str, Any]:
    topic, scope = spec["source"]["answer"], spec["source"]["scope"]
    points = [point] if scope == "key_point" else case.points
    if scope == "key_point":
        candidates = [(point["id"], q) for q in point["questions"] if q.get("topic") == topic]
    else:
        candidates = case.asked(topic)
    if not candidates:
        # The question exists but does not apply to this case (for example no onward transfer): nothing to fear.
        asked = [q["id"] for p in points for q in case.full[p["id"]].get("questions") or () if q.get("topic") == topic]
        source = f"answer:{asked[0]}" if asked else f"answer:{topic}"
        return _factor(spec, spec.get("not_applicable", _NOT_APPLICABLE), None, "not_applicable", source)
    judged = []
    for point_id, question in candidates:
        value, valid = case.response(point_id, question)
        outcome = _outcome(spec, value) if valid else None
        status = "known" if outcome is not None else "unknown"
        judged.append((outcome if outcome is not None else _unknown_outcome(case, spec), status, value, question))
    # With several questions on one topic the worst answer decides; ties go to the first in catalogue order.
    position = max(range(len(judged)), key=lambda i: (judged[i][0]["score"],
                                                      case.rank(spec["pushes"], judged[i][0].get("floor")), -i))
    outcome, status, value, question = judged[position]
    return _factor(spec, outcome, value if status == "known" else None, status, f"answer:{question['id']}", question)


def _country_factor(case: _Case, spec: Mapping[str, Any]) -> dict[str, Any]:
    best: tuple[tuple[int, int, int], dict[str, Any]] | None = None
    for index, transfer in enumerate(case.transfers):
        code = str((transfer.get("recipient") or {}).get("country") or "").upper()
        entry = case.countries.get(code)
        source = f"declaration:transfers/{index}/recipient/country"
        if entry is None:
            outcome = spec["not_curated"]
            factor = _factor(spec, outcome, code, "not_curated", source, curated=False)
            factor["value_zh"], factor["value_en"] = f"{code}（未整理）", f"{code} (not curated)"
        else:
            scores = [spec["ratings"][dimension].get(rating, MAX_SCORE)
                      for dimension, rating in entry["ratings"].items() if dimension in spec["ratings"]]
            outcome = {"score": max(scores, default=MAX_SCORE)}
            factor = _factor(spec, outcome, code, "known", source, curated=True, ratings=dict(entry["ratings"]))
            factor["value_zh"], factor["value_en"] = f"{entry['name_zh']}（{code}）", f"{entry['name_en']} ({code})"
        key = (outcome["score"], case.rank(spec["pushes"], outcome.get("floor")), entry is None)
        if best is None or key > best[0]:
            best = (key, factor)
    if best is None:
        return _factor(spec, spec.get("not_applicable", _NOT_APPLICABLE), None, "not_applicable",
                       "declaration:transfers")
    return best[1]


def _evaluate(case: _Case, spec: Mapping[str, Any], point: Mapping[str, Any]) -> dict[str, Any]:
    source = spec["source"]
    per_point = "unanswered" in source or source.get("scope") == "key_point"
    if not per_point:
        # Case-wide factors come out the same for every key point: judge them once.
        if spec["id"] not in case.judged:
            case.judged[spec["id"]] = _judge(case, spec, point)
        return dict(case.judged[spec["id"]])
    return _judge(case, spec, point)


def _judge(case: _Case, spec: Mapping[str, Any], point: Mapping[str, Any]) -> dict[str, Any]:
    source = spec["source"]
    if "declaration" in source:
        value, path = _declaration_value(source["declaration"], case.transfers)
        outcome = _outcome(spec, value)
        if outcome is None:
            raise FormsError(f"forms/risk: factor {spec['id']} has no band or entry for {value!r}")
        return _factor(spec, outcome, value, "known", path)
    if "answer" in source:
        return _answer_factor(case, spec, point)
    if "country" in source:
        return _country_factor(case, spec)
    unanswered = sum(1 for q in point["questions"] if not case.response(point["id"], q)[1])
    outcome = _outcome(spec, unanswered)
    if outcome is None:
        raise FormsError(f"forms/risk: factor {spec['id']} has no band for {unanswered}")
    return _factor(spec, outcome, unanswered, "known", f"answer:{point['id']}")


def weighted_ratio(weights: Sequence[float], scores: Sequence[int]) -> tuple[int, int]:
    """Σ weight·score and Σ weight·MAX_SCORE as integers over the weights' least common denominator: the ratio of
    the two, exactly, with the decimal weights as written in forms/ (0.2 is 1/5, not the binary float)."""
    scaled, total = _scaled_weights(tuple(weights))
    return sum(w * s for w, s in zip(scaled, scores, strict=True)), MAX_SCORE * total


@functools.lru_cache(maxsize=4096)
def _scaled_weights(weights: tuple[float, ...]) -> tuple[tuple[int, ...], int]:
    # A key point's factors, and so its weights, are the same in every scoring: scaled once (issue 20).
    parts = [_parts(w) for w in weights]
    common = math.lcm(*(d for _, d in parts))
    scaled = tuple(n * (common // d) for n, d in parts)
    return scaled, sum(scaled)


def ratio_reaches(achieved: int, possible: int, min_ratio: float) -> bool:
    """Whether achieved / possible (0 when nothing is possible) is at least the decimal `min_ratio`, exactly.

    Integers cross-multiplied rather than a Fraction per operation: the engine compares both dimensions of every key
    point with every threshold, and Fractions were a fifth of a creation's risk scoring (issue 20). The rational
    arithmetic it replaces gives the same answer: tests/law/test_risk_arithmetic.py."""
    num, den = _parts(min_ratio)
    if not possible:
        return num <= 0
    return achieved * den >= num * possible


def _dimension_level(case: _Case, factors: Sequence[Mapping[str, Any]], dimension: str) -> str:
    own = [f for f in factors if f["pushes"] == dimension]
    achieved, possible = weighted_ratio([f["weight"] for f in own], [f["score"] for f in own])
    rank = 0
    for min_ratio, position in case.thresholds[dimension]:
        if position > rank and ratio_reaches(achieved, possible, min_ratio):
            rank = position
    for factor in own:
        if factor["floor"] is not None:
            rank = max(rank, case.rank(dimension, factor["floor"]))
    return case.scales[dimension][rank]


def _overrides(overrides: Iterable[Mapping[str, Any]], method: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    names = {dim: [entry["id"] for entry in method["levels"][dim]] for dim in ("impact", "likelihood")}
    for override in overrides:
        impact, likelihood = override.get("impact"), override.get("likelihood")
        if impact is None and likelihood is None:
            continue
        for dimension, value in (("impact", impact), ("likelihood", likelihood)):
            if value is not None and value not in names[dimension]:
                raise ValueError(f"override of {override.get('key_point')}: unknown {dimension} {value!r}")
        justification = override.get("justification")
        if not isinstance(justification, str) or not justification.strip():
            raise ValueError(f"override of {override.get('key_point')} needs a written justification")
        out[str(override.get("key_point"))] = {"impact": impact, "likelihood": likelihood,
                                               "justification": justification}
    return out


def _missing(case: _Case) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, transfer in enumerate(case.transfers):
        code = str((transfer.get("recipient") or {}).get("country") or "").upper()
        if code not in case.countries and code not in seen:
            seen.add(code)
            out.append({"code": "country_not_curated", "ref": code,
                        "source": f"declaration:transfers/{index}/recipient/country",
                        "message_en": f"xborder has no curated data on {code}; judged as the worst case",
                        "message_zh": f"xborder未整理{code}的法律环境资料，按最不利情形判断"})
    for point in case.points:
        for question in point["questions"]:
            value, valid = case.response(point["id"], question)
            if valid:
                continue
            code = "unanswered_question" if value is None else "invalid_response"
            out.append({"code": code, "ref": question["id"], "key_point": point["id"],
                        "source": f"answer:{question['id']}",
                        "message_en": (f"{question['id']} is not answered" if value is None
                                       else f"The response to {question['id']} is not valid") + "; judged as unknown",
                        "message_zh": (f"{question['id']}未回答" if value is None
                                       else f"{question['id']}的回答无效") + "，按未知从严判断"})
    return out


def _level_name(method: Mapping[str, Any], dimension: str, level: str) -> tuple[str, str]:
    entry = next(e for e in method["levels"][dimension] if e["id"] == level)
    return entry["zh"], entry["en"]


def _summary(case: _Case, level: str | None, key_points: Sequence[Mapping[str, Any]],
             missing: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    if level is None:
        return ("本案件无适用的评估重点（无需申报安全评估或订立标准合同），未评定风险等级。",
                "No key point applies to this case (no assessment or standard contract is needed); no risk level.")
    level_zh, level_en = _level_name(case.method, "risk", level)
    top_points = [p["id"] for p in key_points if p["level"] == level]
    strongest: dict[str, Mapping[str, Any]] = {}
    for point in key_points:
        for factor in point["factors"]:
            if factor["contribution"] <= 0 and factor["floor"] is None:
                continue
            held = strongest.get(factor["id"])
            if held is None or factor["contribution"] > held["contribution"]:
                strongest[factor["id"]] = factor
    # Known facts before unanswered questions at equal weight: the unanswered ones are counted separately below.
    ranked = sorted(strongest.values(), key=lambda f: (-f["contribution"], f["status"] == "unknown",
                                                       -case.rank(f["pushes"], f["floor"]), f["id"]))
    ranked = ranked[: int(case.method.get("summary_top_factors", 3))]
    shown = top_points[:5] + (["…"] if len(top_points) > 5 else [])
    zh = (f"总体风险等级：{level_zh}（{len(key_points)}个评估重点中的最高等级，"
          f"{'、'.join(shown)}为该等级）。")
    en = (f"Overall risk: {level_en} (the highest of {len(key_points)} key points; at that level: "
          f"{', '.join(shown)}).")
    if ranked:
        zh += "主要因素：" + "；".join(f"{f['label_zh']}：{f['value_zh']}" for f in ranked) + "。"
        en += " Main factors: " + "; ".join(f"{f['label_en']}: {f['value_en']}" for f in ranked) + "."
    else:
        zh += "没有推高风险的因素。"
        en += " No factor raises the risk."
    overridden = [p["id"] for p in key_points if p["override"] is not None]
    if overridden:
        zh += f"评估机构调整了{'、'.join(overridden)}的等级。"
        en += f" The assessor overrode {', '.join(overridden)}."
    countries = [m["ref"] for m in missing if m["code"] == "country_not_curated"]
    unanswered = sum(1 for m in missing if m["code"] != "country_not_curated")
    if countries:
        zh += f"未整理的国家（地区）：{'、'.join(countries)}，按最不利情形判断。"
        en += f" Countries not curated, judged as the worst case: {', '.join(countries)}."
    if unanswered:
        zh += f"{unanswered}个问题未回答或回答无效，按未知从严判断。"
        en += f" {unanswered} question(s) unanswered or invalid, judged as unknown."
    return zh, en


def assess_risk(declaration: Mapping[str, Any], determination: Mapping[str, Any], answers: Iterable[Any],
                overrides: Iterable[Mapping[str, Any]] = (), *,
                points: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Score every applicable key point (impact × likelihood → level) with the factors behind it, and the case.

    `points` are `applicable_key_points(declaration, determination)` when the caller has them already (read here,
    never changed)."""
    on = as_of(declaration)
    method = risk_method(on)
    if points is None:
        points = applicable_key_points(declaration, determination)
    case = _Case(method=method, countries=curated_countries(on), transfers=list(declaration.get("transfers") or []),
                 points=points, full={p["id"]: p for p in catalogue(on)["key_points"]},
                 responses=_responses(answers))
    specs = {spec["id"]: spec for spec in method["factors"]}
    by_point = _overrides(overrides, method)
    key_points = []
    for point in points:
        missing_specs = [f for f in point["risk_factors"] if f not in specs]
        if missing_specs:
            raise FormsError(f"forms/risk: {point['id']} names unknown factors {missing_specs}")
        factors = [_evaluate(case, specs[f], point) for f in point["risk_factors"]]
        # Strongest first, so that a reader sees at once what drives the level.
        order = {f["id"]: i for i, f in enumerate(factors)}
        factors.sort(key=lambda f: (-f["contribution"], -case.rank(f["pushes"], f["floor"]), order[f["id"]]))
        impact = _dimension_level(case, factors, "impact")
        likelihood = _dimension_level(case, factors, "likelihood")
        computed = {"impact": impact, "likelihood": likelihood, "level": method["matrix"][impact][likelihood]}
        override = by_point.get(point["id"])
        if override is not None:
            impact = override["impact"] or impact
            likelihood = override["likelihood"] or likelihood
        key_points.append({
            "id": point["id"], "title_zh": point["title_zh"], "title_en": point["title_en"],
            "level": method["matrix"][impact][likelihood], "impact": impact, "likelihood": likelihood,
            "computed": computed, "override": override, "factors": factors,
        })
    missing = _missing(case)
    level = max((p["level"] for p in key_points), key=lambda lv: case.rank("risk", lv), default=None)
    computed_level = max((p["computed"]["level"] for p in key_points), key=lambda lv: case.rank("risk", lv),
                         default=None)
    summary_zh, summary_en = _summary(case, level, key_points, missing)
    return {
        "level": level,
        "computed_level": computed_level,
        "summary_zh": summary_zh,
        "summary_en": summary_en,
        "key_points": key_points,
        "missing": missing,
        "overrides_ignored": sorted(k for k in by_point if k not in {p["id"] for p in points}),
    }


def validate_overrides(overrides: Any, applicable: Sequence[Mapping[str, Any]], on: dt.date,
                       prefix: str = "reviews") -> list[dict[str, str]]:
    """Check assessor overrides (impact/likelihood names, a justification, a key point of the case) with paths."""
    if not isinstance(overrides, list):
        return [{"path": prefix, "code": "type", "message_en": "Must be a list", "message_zh": "应为数组"}]
    method = risk_method(on)
    ids = {p["id"] for p in applicable}
    errors = []
    for index, override in enumerate(overrides):
        base = f"{prefix}/{index}"
        if not isinstance(override, Mapping):
            errors.append({"path": base, "code": "type", "message_en": "Must be an object", "message_zh": "应为对象"})
            continue
        if override.get("key_point") not in ids:
            errors.append({"path": f"{base}/key_point", "code": "unknown_key_point",
                           "message_en": f"{override.get('key_point')} is not a key point of this case",
                           "message_zh": f"{override.get('key_point')}不是本案件的评估重点"})
        given = False
        for dimension in ("impact", "likelihood"):
            value = override.get(dimension)
            if value is None:
                continue
            given = True
            allowed = [entry["id"] for entry in method["levels"][dimension]]
            if value not in allowed:
                errors.append({"path": f"{base}/{dimension}", "code": "choice",
                               "message_en": f"Must be one of: {', '.join(allowed)}",
                               "message_zh": f"应为以下之一：{'、'.join(allowed)}"})
        justification = override.get("justification")
        if given and (not isinstance(justification, str) or not justification.strip()):
            errors.append({"path": f"{base}/justification", "code": "required",
                           "message_en": "An override needs a written justification",
                           "message_zh": "调整风险等级须说明理由"})
    return errors
