"""What the document layouts can say: plain values and row lists computed from a case snapshot (plain data).

A snapshot is what the stage files record (case.json and records/…), so the documents and the signed data agree.
Every code is printed as its name (names.py); a value the case does not have is None, which the renderer prints as
（未填写） with the template's key point, never silently left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from xborder.dossiers.documents import names
from xborder.law import catalogue
from xborder.law.keypoints import catalogue as key_point_catalogue
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
_MATTERS = {
    "security_assessment": {"zh": "数据出境安全评估申报", "en": "the security assessment declaration"},
    "standard_contract": {"zh": "个人信息出境标准合同备案", "en": "the standard contract filing"},
    "certification": {"zh": "个人信息保护认证申请", "en": "the certification application"},
}
_NO_LEGAL_REP = {"zh": "无（非法人单位）", "en": "none (not a legal person)"}
_EMPTY = {"zh": "无", "en": "none"}
# The opinion's items: the articles the case's own pathway is assessed against (issue 16).
_OPINION_ITEMS = {
    "security_assessment": {"zh": "《数据出境安全评估办法》第五条所列事项", "en": "the items of sa-measures art 5"},
    "standard_contract_or_certification": {"zh": "《个人信息出境标准合同办法》第五条所列事项",
                                           "en": "the items of sc-measures art 5"},
}
_LD = ("LD-1", "LD-2", "LD-3", "LD-4", "LD-5", "LD-6")
_PROFILE_TEXT = ("registered_address", "legal_representative_id", "legal_representative_phone", "security_officer",
                 "security_officer_position", "security_officer_contact", "security_body", "security_body_contact",
                 "handler", "handler_id", "handler_contact", "shareholding", "actual_controller", "investments",
                 "organisation_structure", "business_overview", "data_assets", "security_management",
                 "security_technical", "security_evidence", "compliance_record")
_FACTS = ("assessment_work", "domestic_storage", "export_link", "storage_abroad", "onward", "forecast",
          "appendix_two")


def _display(value: Any, lang: str) -> str | None:
    if isinstance(value, bool):
        return _YES_NO[value][lang]
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _citations(bases: Any, lang: str) -> str:
    sep = "；" if lang == "zh" else "; "
    out = []
    for basis in bases or []:
        try:
            out.append(catalogue.citation_label(basis, lang))
        except (KeyError, ValueError):
            out.append(str(basis.get("instrument")))
    return sep.join(out)


def _level(method: Mapping[str, Any], dimension: str, level: str | None, lang: str) -> str | None:
    for entry in method["levels"][dimension]:
        if entry["id"] == level:
            return entry[lang]
    return _display(level, lang)


def _questions(on: dt.date) -> dict[str, Mapping[str, Any]]:
    try:
        points = key_point_catalogue(on)["key_points"]
    except Exception:  # noqa: BLE001 — a catalogue gap must not stop a document; the answer prints unlabelled
        return {}
    return {q["id"]: q for p in points for q in p.get("questions") or []}


def _response(question: Mapping[str, Any] | None, value: Any, lang: str) -> str:
    if isinstance(value, bool):
        return _YES_NO[value][lang]
    if question:
        for option in question.get("options") or []:
            if option.get("value") == value:
                return option[lang]
    if isinstance(value, list):
        return "、".join(_response(question, v, lang) for v in value)
    return names.category(value, lang) if isinstance(value, str) else str(value)


def _answer_text(answer: Mapping[str, Any], questions: Mapping[str, Mapping[str, Any]], lang: str) -> str:
    """An answer with the enterprise's measures and every response, labelled (legal basis, retention, …)."""
    parts = [str(answer["answer"])] if answer.get("answer") else []
    if answer.get("measures"):
        parts.append(("措施：" if lang == "zh" else "Measures: ") + str(answer["measures"]))
    for key, value in (answer.get("responses") or {}).items():
        if value in (None, "", []):
            continue
        question = questions.get(key)
        label = question.get(f"label_{lang}", "") if question else ""
        shown = _response(question, value, lang)
        if label and shown not in parts[0:1]:
            # A question's label ends with its own mark (？ or ?): no colon after it (the pages showed "？：").
            asked = label.endswith(("？", "?"))
            parts.append(f"{label}{'' if asked else '：'}{shown}" if lang == "zh"
                         else f"{label}{' ' if asked else ': '}{shown}")
    return "\n".join(parts)


def _profile(snapshot: Mapping[str, Any], lang: str) -> dict[str, Any]:
    profile = snapshot.get("profile") or {}
    values = {f"profile.{k}": profile.get(k) for k in _PROFILE_TEXT}
    values["profile.legal_representative"] = (_NO_LEGAL_REP[lang] if profile.get("no_legal_representative")
                                              else profile.get("legal_representative"))
    if profile.get("no_legal_representative"):
        for key in ("legal_representative_id", "legal_representative_phone"):
            values[f"profile.{key}"] = _EMPTY[lang]
    return values


def _transfers(transfers_in: list, facts: Mapping[str, Any], lang: str) -> dict[str, list[dict[str, Any]]]:
    sep = "、" if lang == "zh" else ", "
    per_transfer = facts.get("transfers") or []
    transfers, inventory, recipients, appendix, items = [], [], [], [], []
    for number, transfer in enumerate(transfers_in, start=1):
        data, recipient = transfer.get("data") or {}, transfer.get("recipient") or {}
        extra = per_transfer[number - 1] if number - 1 < len(per_transfer) else {}
        country = names.country(recipient.get("country"), lang)
        categories = [names.category(c, lang) for c in data.get("categories") or []]
        row = {
            "number": str(number), "purpose": _display(transfer.get("purpose"), lang),
            "recipient": _display(recipient.get("name"), lang), "country": country,
            "pi_individuals": _display(data.get("pi_individuals", 0), lang),
            "sensitive_pi_individuals": _display(data.get("sensitive_pi_individuals", 0), lang),
            "important_data": _YES_NO[bool(data.get("important_data"))][lang],
            "categories": sep.join(categories) or None,
        }
        transfers.append(row)
        inventory += [{"transfer": row["number"], "recipient": row["recipient"], "country": country,
                       "category": category, "purpose": row["purpose"]} for category in categories]
        onward = extra.get("onward_recipients") or (
            _YES_NO[bool(recipient.get("onward_transfer"))][lang] if "onward_transfer" in recipient else None)
        recipients.append({"recipient": row["recipient"], "country": country,
                           "contact": extra.get("recipient_contact"), "onward": onward})
        persons = data.get("pi_individuals", 0) + data.get("sensitive_pi_individuals", 0)
        appendix.append({
            "recipient": f"{row['recipient']}（{country}）" if lang == "zh" else f"{row['recipient']} ({country})",
            "purpose": row["purpose"], "manner": extra.get("processing_manner"),
            "persons": _display(persons, lang), "categories": row["categories"],
            "sensitive": extra.get("sensitive_categories") or (
                _EMPTY[lang] if not data.get("sensitive_pi_individuals") else None),
            "onward": extra.get("onward_recipients") or (_EMPTY[lang] if recipient.get("onward_transfer") is False
                                                         else None),
            "method": extra.get("transfer_method"), "period": extra.get("storage_period"),
            "place": extra.get("storage_place"), "other": extra.get("other") or _EMPTY[lang],
        })
        for item in extra.get("data_items") or []:
            items.append({"number": str(len(items) + 1), "name": item.get("name"),
                          "description": item.get("description"), "necessity": item.get("necessity"),
                          "example": item.get("example"), "notes": item.get("notes") or row["purpose"]})
    return {"transfers": transfers, "inventory": inventory, "recipients": recipients, "appendix_one": appendix,
            "data_items": items}


def _rectifications(snapshot: Mapping[str, Any], titles: Mapping[str, str], lang: str) -> list[dict[str, Any]]:
    rows = []
    for number, entry in enumerate(snapshot.get("rectifications") or [], start=1):
        points = [f"{p} {titles.get(p, '')}".strip() for p in entry.get("key_points") or []]
        rows.append({"round": str(number), "requested": (entry.get("at") or "")[:10] or None,
                     "comment": entry.get("comment"), "key_points": "\n".join(points) or _EMPTY[lang],
                     "resubmitted": (entry.get("resubmitted_at") or "")[:10] or None})
    return rows


def _body_name(body: str | None, lang: str) -> str | None:
    """A certification body by its name (Chinese in a Chinese document), never by its id."""
    from xborder.law.mechanism import certification_bodies

    found = certification_bodies().get(body or "")
    return found[f"name_{lang}"] if found else None


def build(snapshot: Mapping[str, Any], lang: str = "zh") -> dict[str, Any]:
    """The values (`exporter.name`, `risk.level`, …) and row lists (`transfers`, `key_points`, …) of a snapshot."""
    declaration = snapshot.get("declaration") or {}
    determination = snapshot.get("determination") or {}
    risk = snapshot.get("risk") or {}
    facts = snapshot.get("facts") or {}
    exporter = snapshot.get("exporter") or declaration.get("exporter") or {}
    as_of = dt.date.fromisoformat(str(declaration.get("as_of") or snapshot.get("as_of")))
    method = risk_method(as_of)
    questions = _questions(as_of)
    pathway = determination.get("pathway") or snapshot.get("pathway") or ""
    mechanism = snapshot.get("mechanism") or ("security_assessment" if pathway == "security_assessment"
                                              else "standard_contract")
    lists = _transfers(declaration.get("transfers") or [], facts, lang)

    reasons = [{"transfer": str(t.get("index", 0) + 1), "message": r.get(f"message_{lang}") or r.get("code", ""),
                "articles": _citations(r.get("legal_basis"), lang)}
               for t in determination.get("transfers") or [] for r in t.get("reasons") or []]

    answers: dict[str, list[str]] = {}
    for answer in snapshot.get("answers") or []:
        text = _answer_text(answer, questions, lang)
        if text:
            answers.setdefault(answer.get("key_point"), []).append(text)
    answered = {k: "\n".join(v) for k, v in answers.items()}
    risk_points = {p["id"]: p for p in risk.get("key_points") or []}
    titles = {p["id"]: p.get(f"title_{lang}", "") for p in snapshot.get("key_points") or []}
    key_points = []
    for point in snapshot.get("key_points") or risk.get("key_points") or []:
        scored = risk_points.get(point["id"], {})
        factors = [f"{f[f'label_{lang}']}：{f[f'value_{lang}']}" if lang == "zh" else
                   f"{f['label_en']}: {f['value_en']}" for f in (scored.get("factors") or [])[:3]]
        key_points.append({
            "id": point["id"], "label": f"{point['id']} {point.get(f'title_{lang}', '')}",
            "answer": answered.get(point["id"]) or ("（未填写）" if lang == "zh" else "(not filled in)"),
            "level": _level(method, "risk", scored.get("level"), lang) or "—",
            "factors": "\n".join(factors) or "—",
        })
    main = [p for p in key_points if not p["id"].startswith("LD-")]
    clauses = [{"label": f"{p} {titles.get(p) or ''}".strip(), "answer": answered.get(p)}
               for p in _LD] if any(p in answered for p in _LD) else []
    pia_answers = [{"label": p["label"], "answer": answered.get(p["id"])}
                   for p in key_points if p["id"] in ("PIA-1", "PIA-2")]

    reviews = {r.get("key_point"): r for r in snapshot.get("review") or []}
    findings = []
    for point in key_points:
        review = reviews.get(point["id"], {})
        findings.append({"label": point["label"], "finding": _FINDINGS.get(review.get("finding"), _EMPTY)[lang],
                         "comment": _display(review.get("comment"), lang) or "—", "level": point["level"]})
    counts = {name: sum(1 for r in reviews.values() if r.get("finding") == name) for name in _FINDINGS}

    provincial = snapshot.get("provincial") or {}
    certificate = snapshot.get("certificate") or {}
    extension = snapshot.get("extension") or {}
    parties = {role: snapshot.get(role) or {} for role in ("assessor", "authority")}
    data = [t.get("data") or {} for t in declaration.get("transfers") or []]
    values = {
        "case.reference": snapshot.get("reference"), "case.title": snapshot.get("title"),
        "case.as_of": as_of.isoformat(), "case.assessment_work": facts.get("assessment_work"),
        "case.status": names.status(snapshot.get("status"), lang),
        "exporter.name": exporter.get("name"), "exporter.uscc": exporter.get("uscc"),
        "exporter.province": names.province(exporter.get("province"), lang),
        "exporter.sector": names.sector(exporter.get("sector"), lang) or None,
        "exporter.is_ciio": exporter.get("is_ciio"),
        "exporter.pi_subjects_processed": exporter.get("pi_subjects_processed"),
        "pathway.label": names.pathway(pathway, lang), "pathway.articles": _citations(
            determination.get("legal_basis"), lang),
        "pathway.matter": _MATTERS[mechanism][lang] if mechanism in _MATTERS else names.mechanism(mechanism, lang),
        "regime.label": determination.get("regime") or snapshot.get("regime"),
        "transfers.count": len(lists["transfers"]), "key_points.count": len(key_points),
        "transfers.pi_total": sum(d.get("pi_individuals", 0) for d in data),
        "transfers.sensitive_total": sum(d.get("sensitive_pi_individuals", 0) for d in data),
        "recipients.names": "、".join(dict.fromkeys(r["recipient"] or "" for r in lists["recipients"])) or None,
        "risk.level": _level(method, "risk", risk.get("level"), lang), "risk.summary": risk.get(f"summary_{lang}"),
        "assessor.name": parties["assessor"].get("name"), "assessor.uscc": parties["assessor"].get("uscc"),
        "authority.name": parties["authority"].get("name"),
        "findings.satisfied": counts["satisfied"], "findings.not_satisfied": counts["not_satisfied"],
        "findings.not_applicable": counts["not_applicable"],
        "opinion.basis": snapshot.get("opinion_basis"),
        "opinion.items": _OPINION_ITEMS.get(pathway, {}).get(lang),
        "provincial.action": _ACTIONS.get(provincial.get("action"), {}).get(lang, provincial.get("action")),
        "provincial.completeness": provincial.get("completeness_confirmed"),
        "provincial.filing_number": provincial.get("filing_number"),
        "provincial.supplements": len(provincial.get("supplements") or []),
        "provincial.comment": provincial.get("comment"),
        "certificate.number": certificate.get("certificate_number"),
        "certificate.body": _body_name(certificate.get("certification_body"), lang),
        "certificate.issued_on": certificate.get("issued_on"),
        "certificate.valid_until": certificate.get("valid_until"),
        "certificate.renewal_due": certificate.get("renewal_due"),
        "extension.decision_number": extension.get("decision_number"),
        "extension.decision_date": extension.get("decision_date"),
        "extension.previous_valid_until": extension.get("previous_valid_until"),
        "extension.valid_until": extension.get("valid_until"),
        "stage.date": snapshot.get("stage_date"),
        **_profile(snapshot, lang),
        **{f"facts.{k}": facts.get(k) for k in _FACTS},
        **{f"answer.{k}": v for k, v in answered.items()},
    }
    return {
        "values": {name: _display(value, lang) for name, value in values.items()},
        "rows": {**lists, "reasons": reasons, "key_points": main or key_points, "findings": findings,
                 "clauses": clauses, "pia_answers": pia_answers,
                 "rectifications": _rectifications(snapshot, titles, lang)},
    }
