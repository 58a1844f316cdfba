"""The assessment key points (评估重点) that apply to a case, their typed questions, and checks of the answers."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from xborder.law.catalogue import PATHWAYS
from xborder.law.formsdata import in_force, versions_of

# Pathways whose key points the enterprise answers; `exempt` has none.
TEXT_MAX_LENGTH = 5000


def as_of(declaration: Mapping[str, Any]) -> dt.date:
    """Return the declaration's `as_of` date, accepting an ISO string as well as a date."""
    value = declaration["as_of"]
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def catalogue(on: dt.date) -> Mapping[str, Any]:
    """Return the key-point catalogue in force on `on`, as loaded from `forms/key_points/` (do not mutate it)."""
    version = in_force(versions_of("key_points"), on)
    if version is None:
        raise ValueError(f"no key-point catalogue is in force on {on.isoformat()}")
    return version


def case_facts(declaration: Mapping[str, Any]) -> dict[str, bool]:
    """Derive the facts that question applicability (`when_any`) is written against from a declaration."""
    transfers = declaration.get("transfers") or []
    data = [t.get("data") or {} for t in transfers]
    recipients = {recipient_key(t) for t in transfers}
    return {
        "pi": any((d.get("pi_individuals") or 0) + (d.get("sensitive_pi_individuals") or 0) > 0 for d in data),
        "sensitive_pi": any((d.get("sensitive_pi_individuals") or 0) > 0 for d in data),
        # Core data is the stricter tier above important data (dsl art 21): whatever important data needs, it needs.
        "important_data": any(bool(d.get("important_data")) or bool(d.get("core_data")) for d in data),
        "core_data": any(bool(d.get("core_data")) for d in data),
        "onward_transfer": any(bool((t.get("recipient") or {}).get("onward_transfer")) for t in transfers),
        "ciio": bool((declaration.get("exporter") or {}).get("is_ciio")),
        "multiple_recipients": len(recipients) > 1,
    }


def recipient_key(transfer: Mapping[str, Any]) -> tuple[str, str]:
    """Identify a transfer's recipient by its name (case- and space-insensitive) and country."""
    recipient = transfer.get("recipient") or {}
    return str(recipient.get("name") or "").strip().casefold(), str(recipient.get("country") or "").upper()


def _legal_basis(entries: Iterable[Mapping[str, Any]], on: dt.date, pathway: str) -> list[dict[str, str]]:
    out = []
    for entry in entries:
        if in_force([entry], on) is None:
            continue
        if "pathways" in entry and pathway not in entry["pathways"]:
            continue
        basis = {"instrument": entry["instrument"], "article": str(entry["article"])}
        if entry.get("item") is not None:
            basis["item"] = str(entry["item"])
        out.append(basis)
    return out


def question_applies(question: Mapping[str, Any], facts: Mapping[str, bool]) -> bool:
    """Tell whether a catalogue question applies to a case with these facts."""
    conditions = question.get("when_any")
    return not conditions or any(facts.get(name, False) for name in conditions)


def _question(question: Mapping[str, Any], text_max_length: int) -> dict[str, Any]:
    out: dict[str, Any] = {key: question[key] for key in ("id", "kind", "label_zh", "label_en", "help_zh", "help_en")}
    for key in ("topic", "min", "max"):
        if key in question:
            out[key] = question[key]
    if question["kind"] == "text":
        out["max_length"] = text_max_length
    if question["kind"] == "choice":
        out["options"] = [{"value": o["value"], "label_zh": o["zh"], "label_en": o["en"]} for o in question["options"]]
    return out


def applicable_key_points(declaration: Mapping[str, Any], determination: Mapping[str, Any], *,
                          include_regulator: bool = False) -> list[dict[str, Any]]:
    """List the key points the enterprise answers for this case, with the questions that apply to its facts."""
    on = as_of(declaration)
    pathway = determination["pathway"]
    if pathway not in PATHWAYS:
        raise ValueError(f"unknown pathway {pathway!r}")
    version = catalogue(on)
    facts = case_facts(declaration)
    common = list(version.get("common_risk_factors") or [])
    text_max_length = int(version.get("text_max_length") or TEXT_MAX_LENGTH)
    out = []
    for point in version["key_points"]:
        if pathway not in point["pathways"]:
            continue
        regulator = point["role"] == "regulator"
        if regulator and not include_regulator:
            continue
        item: dict[str, Any] = {
            "id": point["id"],
            "role": point["role"],
            "title_zh": point["title_zh"],
            "title_en": point["title_en"],
            "text_zh": point["text_zh"],
            "text_en": point["text_en"],
            "legal_basis": _legal_basis(point["legal_basis"], on, pathway),
            "questions": [_question(q, text_max_length) for q in point.get("questions") or ()
                          if question_applies(q, facts)],
            "evidence_hints": [{"zh": h["zh"], "en": h["en"]} for h in point["evidence_hints"]],
            "risk_factors": [] if regulator else common + [f for f in point["risk_factors"] if f not in common],
        }
        if regulator:
            item["covered_by"] = list(point.get("covered_by") or ())
        out.append(item)
    return out


def _error(path: str, code: str, message_en: str, message_zh: str) -> dict[str, str]:
    return {"path": path, "code": code, "message_en": message_en, "message_zh": message_zh}


def response_error(question: Mapping[str, Any], value: Any, path: str) -> dict[str, str] | None:
    """Check one response against its question's kind; None (unanswered) is always acceptable."""
    if value is None:
        return None
    kind = question["kind"]
    if kind == "yes_no" and not isinstance(value, bool):
        return _error(path, "type", "Must be true or false", "应为是（true）或否（false）")
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return _error(path, "type", "Must be a number", "应为数字")
        if "min" in question and value < question["min"]:
            return _error(path, "min", f"Must be at least {question['min']}", f"不得小于{question['min']}")
        if "max" in question and value > question["max"]:
            return _error(path, "max", f"Must be at most {question['max']}", f"不得大于{question['max']}")
    if kind == "text":
        if not isinstance(value, str):
            return _error(path, "type", "Must be text", "应为文本")
        limit = question.get("max_length", TEXT_MAX_LENGTH)
        if len(value) > limit:
            return _error(path, "max_length", f"Must be at most {limit} characters", f"不得超过{limit}个字符")
    if kind == "choice":
        if not isinstance(value, str):
            return _error(path, "type", "Must be one of the listed options", "应为所列选项之一")
        allowed = [o["value"] for o in question["options"]]
        if value not in allowed:
            return _error(path, "choice", f"Must be one of: {', '.join(allowed)}",
                          f"应为以下选项之一：{'、'.join(allowed)}")
    return None


def validate_answers(answers: Any, applicable: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Check self-assessment answers against the applicable key points; return bilingual errors with `/`-paths."""
    if not isinstance(answers, list):
        return [_error("answers", "type", "Must be a list", "应为数组")]
    points = {point["id"]: point for point in applicable if point.get("role", "enterprise") == "enterprise"}
    errors: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, answer in enumerate(answers):
        base = f"answers/{index}"
        if not isinstance(answer, Mapping):
            errors.append(_error(base, "type", "Must be an object", "应为对象"))
            continue
        key_point = answer.get("key_point")
        if not isinstance(key_point, str) or not key_point:
            errors.append(_error(f"{base}/key_point", "required", "Name the key point", "缺少评估重点编号"))
            continue
        if key_point not in points:
            errors.append(_error(f"{base}/key_point", "unknown_key_point",
                                 f"{key_point} is not a key point of this case", f"{key_point}不是本案件的评估重点"))
            continue
        if key_point in seen:
            errors.append(_error(f"{base}/key_point", "duplicate", f"{key_point} is answered twice",
                                 f"{key_point}重复作答"))
            continue
        seen.add(key_point)
        for field in ("answer", "measures"):
            if answer.get(field) is not None and not isinstance(answer[field], str):
                errors.append(_error(f"{base}/{field}", "type", "Must be text", "应为文本"))
        if answer.get("evidence") is not None and not isinstance(answer["evidence"], list):
            errors.append(_error(f"{base}/evidence", "type", "Must be a list", "应为数组"))
        responses = answer.get("responses")
        if responses is None:
            continue
        if not isinstance(responses, Mapping):
            errors.append(_error(f"{base}/responses", "type", "Must be an object", "应为对象"))
            continue
        questions = {q["id"]: q for q in points[key_point]["questions"]}
        for question_id, value in responses.items():
            path = f"{base}/responses/{question_id}"
            if question_id not in questions:
                errors.append(_error(path, "unknown_question",
                                     f"{question_id} is not a question of {key_point} for this case",
                                     f"{question_id}不是本案件{key_point}的问题"))
                continue
            problem = response_error(questions[question_id], value, path)
            if problem is not None:
                errors.append(problem)
    return errors
