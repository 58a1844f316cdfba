"""What the document layouts can say: plain values and row lists computed from a case snapshot (plain data).

A snapshot is what the stage files record (case.json and records/…), so the documents and the signed data agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from xborder.law import catalogue
from xborder.law.risk import risk_method

_FINDINGS = {
    "satisfied": {"zh": "符合", "en": "Satisfied"},
    "not_satisfied": {"zh": "不符合", "en": "Not satisfied"},
    "not_applicable": {"zh": "不适用", "en": "Not applicable"},
}
_YES_NO = {True: {"zh": "是", "en": "Yes"}, False: {"zh": "否", "en": "No"}}
_ACTIONS = {
    "forward_to_regulator": {"zh": "材料齐全，报送国家网信部门", "en": "Complete; forwarded to the national CAC"},
    "record_filing": {"zh": "标准合同备案", "en": "Standard contract filed"},
}
_EMPTY = {"zh": "无", "en": "none"}


def _display(value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return _YES_NO[value][lang]
    if value is None or value == "":
        return "—"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _citations(bases: Any, lang: str) -> str:
    sep = "；" if lang == "zh" else "; "
    out = []
    for basis in bases or []:
        try:
            out.append(catalogue.citation_label(basis, lang))
        except KeyError:
            out.append(f"{basis.get('instrument')} art. {basis.get('article')}")
    return sep.join(out)


def _level(method: Mapping[str, Any], dimension: str, level: str | None, lang: str) -> str:
    for entry in method["levels"][dimension]:
        if entry["id"] == level:
            return entry[lang]
    return _display(level, lang)


def build(snapshot: Mapping[str, Any], lang: str = "zh") -> dict[str, Any]:
    """The values (`exporter.name`, `risk.level`, …) and row lists (`transfers`, `key_points`, …) of a snapshot."""
    declaration = snapshot.get("declaration") or {}
    determination = snapshot.get("determination") or {}
    risk = snapshot.get("risk") or {}
    exporter = snapshot.get("exporter") or declaration.get("exporter") or {}
    as_of = dt.date.fromisoformat(str(declaration.get("as_of") or snapshot.get("as_of")))
    method = risk_method(as_of)
    transfers_in = declaration.get("transfers") or []
    pathway = determination.get("pathway") or snapshot.get("pathway") or ""
    try:
        pathway_label = catalogue.text("pathways", pathway)[lang]
    except KeyError:
        pathway_label = pathway

    transfers, inventory = [], []
    for number, transfer in enumerate(transfers_in, start=1):
        data, recipient = transfer.get("data") or {}, transfer.get("recipient") or {}
        categories = data.get("categories") or []
        row = {
            "number": str(number), "purpose": _display(transfer.get("purpose"), lang),
            "recipient": _display(recipient.get("name"), lang), "country": _display(recipient.get("country"), lang),
            "pi_individuals": _display(data.get("pi_individuals", 0), lang),
            "sensitive_pi_individuals": _display(data.get("sensitive_pi_individuals", 0), lang),
            "important_data": _display(bool(data.get("important_data")), lang),
            "categories": ("、" if lang == "zh" else ", ").join(map(str, categories)) or "—",
        }
        transfers.append(row)
        inventory += [{"transfer": row["number"], "recipient": row["recipient"], "country": row["country"],
                       "category": str(category), "purpose": row["purpose"]} for category in categories]

    reasons = [{"transfer": str(t.get("index", 0) + 1), "message": r.get(f"message_{lang}") or r.get("code", ""),
                "articles": _citations(r.get("legal_basis"), lang)}
               for t in determination.get("transfers") or [] for r in t.get("reasons") or []]

    answers: dict[str, list[str]] = {}
    for answer in snapshot.get("answers") or []:
        text = answer.get("answer")
        if text is None:
            text = "；".join(f"{k}: {v}" for k, v in (answer.get("responses") or {}).items())
        answers.setdefault(answer.get("key_point"), []).append(str(text))
    risk_points = {p["id"]: p for p in risk.get("key_points") or []}
    key_points = []
    for point in snapshot.get("key_points") or risk.get("key_points") or []:
        scored = risk_points.get(point["id"], {})
        factors = [f"{f[f'label_{lang}']}：{f[f'value_{lang}']}" if lang == "zh" else
                   f"{f['label_en']}: {f['value_en']}" for f in (scored.get("factors") or [])[:3]]
        key_points.append({
            "id": point["id"], "label": f"{point['id']} {point.get(f'title_{lang}', '')}",
            "answer": "\n".join(answers.get(point["id"], [])) or ("未回答" if lang == "zh" else "unanswered"),
            "level": _level(method, "risk", scored.get("level"), lang),
            "factors": "\n".join(factors) or "—",
        })

    reviews = {r.get("key_point"): r for r in snapshot.get("review") or []}
    findings = []
    for point in key_points:
        review = reviews.get(point["id"], {})
        findings.append({"label": point["label"], "finding": _FINDINGS.get(review.get("finding"), _EMPTY)[lang],
                         "comment": _display(review.get("comment"), lang), "level": point["level"]})
    counts = {name: sum(1 for r in reviews.values() if r.get("finding") == name) for name in _FINDINGS}

    provincial = snapshot.get("provincial") or {}
    parties = {role: snapshot.get(role) or {} for role in ("assessor", "authority")}
    values = {
        "case.reference": snapshot.get("reference"), "case.title": snapshot.get("title"),
        "case.as_of": as_of.isoformat(),
        "exporter.name": exporter.get("name"), "exporter.uscc": exporter.get("uscc"),
        "exporter.province": exporter.get("province"), "exporter.sector": exporter.get("sector"),
        "exporter.is_ciio": exporter.get("is_ciio"), "exporter.pi_subjects_processed": exporter.get(
            "pi_subjects_processed"),
        "pathway.label": pathway_label, "pathway.articles": _citations(determination.get("legal_basis"), lang),
        "regime.label": determination.get("regime") or snapshot.get("regime"),
        "transfers.count": len(transfers), "key_points.count": len(key_points),
        "risk.level": _level(method, "risk", risk.get("level"), lang), "risk.summary": risk.get(f"summary_{lang}"),
        "assessor.name": parties["assessor"].get("name"), "assessor.uscc": parties["assessor"].get("uscc"),
        "authority.name": parties["authority"].get("name"),
        "findings.satisfied": counts["satisfied"], "findings.not_satisfied": counts["not_satisfied"],
        "findings.not_applicable": counts["not_applicable"],
        "provincial.action": _ACTIONS.get(provincial.get("action"), {}).get(lang, provincial.get("action")),
        "provincial.completeness": provincial.get("completeness_confirmed"),
        "provincial.filing_number": provincial.get("filing_number"),
        "provincial.supplements": len(provincial.get("supplements") or []),
        "provincial.comment": provincial.get("comment"),
        "stage.date": snapshot.get("stage_date"),
    }
    return {
        "values": {name: _display(value, lang) for name, value in values.items()},
        "rows": {"transfers": transfers, "inventory": inventory, "reasons": reasons, "key_points": key_points,
                 "findings": findings},
    }
