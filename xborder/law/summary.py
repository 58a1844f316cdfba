"""A short human summary of a determination, in Chinese (default) or English, for `xborder assess --format text`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xborder.law import catalogue

# Labels of the summary itself; the legal texts come from the determination and forms/reasons.yaml.
_LABELS: Mapping[str, Mapping[str, str]] = {
    "zh": {
        "title": "数据出境路径判定（{regime}，基准日 {as_of}）",
        "pathway": "结论：{pathway}",
        "window": "累计期间：{start} 至 {end}",
        "counts": "累计人数：个人信息（不含敏感个人信息）{pi} 人；敏感个人信息 {sensitive} 人",
        "all_pi": "；合计 {all_pi} 人",
        "transfer": "传输 #{index}：{pathway}",
        "basis": "依据：",
        "obligations": "应履行的义务：",
        "due": "期限：",
        "validity": "评估结果有效期：{years} 年",
        "no_validity": "评估结果有效期：不适用",
        "interpretations": "本判定采用的解释：",
        "sep": "；",
    },
    "en": {
        "title": "Outbound transfer pathway ({regime}, as of {as_of})",
        "pathway": "Pathway: {pathway}",
        "window": "Counting window: {start} to {end}",
        "counts": "counted: PI (not sensitive) {pi} persons; sensitive PI {sensitive} persons",
        "all_pi": "; together {all_pi} persons",
        "transfer": "Transfer #{index}: {pathway}",
        "basis": "Basis: ",
        "obligations": "Obligations:",
        "due": "Due: ",
        "validity": "Assessment result valid for {years} years",
        "no_validity": "Assessment validity: not applicable",
        "interpretations": "Interpretations applied:",
        "sep": "; ",
    },
}


def _cite(bases: Any, lang: str) -> str:
    return _LABELS[lang]["sep"].join(catalogue.citation_label(b, lang) for b in bases)


def _pathway(name: str, lang: str) -> str:
    return catalogue.text("pathways", name)[lang]


def render_text(determination: Mapping[str, Any], lang: str = "zh") -> str:
    """Render a determination as a few lines of plain text in `lang` ("zh" or "en")."""
    if lang not in _LABELS:
        raise ValueError(f"unsupported language {lang!r}: use 'zh' or 'en'")
    label = _LABELS[lang]
    cumulative = determination["cumulative"]
    window = determination["counting_window"]
    counts = label["counts"].format(pi=f"{cumulative['pi_individuals']:,}",
                                    sensitive=f"{cumulative['sensitive_pi_individuals']:,}")
    if "all_pi_individuals" in cumulative:
        counts += label["all_pi"].format(all_pi=f"{cumulative['all_pi_individuals']:,}")
    lines = [
        label["title"].format(regime=determination["regime"], as_of=determination["as_of"]),
        label["pathway"].format(pathway=_pathway(determination["pathway"], lang)),
        label["window"].format(start=window["start"], end=window["end"]) + label["sep"] + counts,
        "",
    ]
    for transfer in determination["transfers"]:
        lines.append(label["transfer"].format(index=transfer["index"], pathway=_pathway(transfer["pathway"], lang)))
        for reason in transfer["reasons"]:
            lines.append(f"  - {reason['message_' + lang]}")
            lines.append(f"    {label['basis']}{_cite(reason['legal_basis'], lang)}")
    if determination["obligations"]:
        lines += ["", label["obligations"]]
        for obligation in determination["obligations"]:
            title = obligation.get("title_" + lang) or obligation["code"]
            due = obligation.get("due_zh") if lang == "zh" else obligation.get("due")
            lines.append(f"  - {title}" + (f"（{label['due']}{due}）" if lang == "zh" and due else ""))
            if lang == "en" and due:
                lines.append(f"    {label['due']}{due}")
            lines.append(f"    {label['basis']}{_cite(obligation['legal_basis'], lang)}")
    validity = determination.get("validity")
    lines += ["", label["validity"].format(years=validity["years"]) if validity else label["no_validity"]]
    if determination.get("interpretations"):
        lines += ["", label["interpretations"]]
        lines += [f"  - {item['message_' + lang]}" for item in determination["interpretations"]]
    return "\n".join(lines) + "\n"
