"""The pathway engine: from a validated declaration to the determination of spec/declaration.md, rules from forms/.

Pure: plain data in, JSON-ready data out, no I/O beyond the cached catalogue. The legal choices it encodes are
named in the regime files (`interpretations`) and reported in the determination when they made a difference:

- Counting (both regimes): prior transfers and the exporter's earlier cases dated inside the window, plus every
  transfer declared now, are added up. With `exempt_transfers_not_counted` (cac-2024) a transfer covered by a
  scenario of cbdf-2024 arts 3, 4, 5(1)-(3) or 6 is left out; PI exempt only under art 5(4) is counted, since art
  5(4) is itself a threshold on that count (ex01: 30,000 prior + 80,000 now = 110,000 → art 8).
- cac-2024 judges a transfer on the count of each PI kind it carries (`pathway_by_pi_kind_carried`).
- cac-2024 applies art 4 whenever `transit_only` is true and there is no important/core data, claimed or not
  (`transit_fact_applies_art4`); a `transit` claim with `transit_only` false is not applicable.
- A past transfer's claimed scenario is honoured only if it existed on that transfer's own date
  (`prior_exemption_by_its_date`); past transfers state no important data, so only their PI is checked.
- cac-2022 counts "PI" for sa-measures-2022 art 4(3) as non-sensitive + sensitive persons (`all_pi_sum_of_kinds`).
- cac-2022 has no exemptions; cac-2024 ignores `pi_subjects_processed` (cbdf-2024 dropped that test).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any

from xborder.law import catalogue, formsdata, mechanism, zones
from xborder.law.catalogue import CORE, IMPORTANT, PATHWAYS, PI, SENSITIVE_PI, Citation, Regime, Rule

_EXEMPT_RANK = catalogue.PATHWAY_RANK["exempt"]
_ASSESSMENT = "security_assessment"


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _kinds(data: Mapping[str, Any]) -> int:
    kinds = 0
    if data.get("pi_individuals"):
        kinds |= PI
    if data.get("sensitive_pi_individuals"):
        kinds |= SENSITIVE_PI
    if data.get("important_data"):
        kinds |= IMPORTANT
    if data.get("core_data"):
        kinds |= CORE
    return kinds


def _why_not(regime: Regime, scenario: str, kinds: int, facts: Mapping[str, Any]) -> str | None:
    """Return why `scenario` cannot cover data of these kinds under `regime`, or None when it can.

    `facts`: `transit_only` (a past transfer states none: taken as claimed), `on` (the transfer's date), `ciio`
    and `ftz` (the exporter's). The first condition that fails is the one named.
    """
    exemption = regime.exemptions.get(scenario)
    if exemption is None:
        return "not_in_regime"
    on = facts.get("on")
    if exemption.effective_from is not None and on is not None and on < exemption.effective_from:
        return "not_yet_in_force"
    outside = kinds & ~exemption.covers
    if outside & CORE:
        return "carries_core_data"
    if outside & IMPORTANT:
        return "carries_important_data"
    if outside & (PI | SENSITIVE_PI):
        return "carries_pi"
    if "transit_only" in exemption.requires and not facts.get("transit_only", True):
        return "not_transit_only"
    if "not_ciio" in exemption.requires and facts.get("ciio"):
        return "exporter_is_ciio"
    if "ftz_list_in_force" in exemption.requires:
        if not facts.get("ftz"):
            return "exporter_not_in_ftz"
        if on is None or zones.list_on(facts["ftz"], on) is None:
            return "ftz_list_not_in_force"
    return None


@functools.lru_cache(maxsize=8192)
def _cited(citations: tuple[Citation, ...], on: dt.date) -> tuple[Citation, ...]:
    return tuple(c for c in citations if catalogue.cited_on(c, on))


formsdata.on_clear(_cited.cache_clear)


def _basis(citations: tuple[Citation, ...], on: dt.date) -> list[dict[str, str]]:
    return [c.as_json() for c in _cited(citations, on)]


def _matches(rule: Rule, kinds: int, ciio: bool, sector: str, totals: Mapping[str, int]) -> bool:
    when = rule.when
    if when.nothing:
        if kinds:
            return False
    elif not kinds & when.carries:
        return False
    if when.ciio is not None and when.ciio != ciio:
        return False
    if when.sectors is not None and sector not in when.sectors:
        return False
    if when.processed_at_least is not None and totals["processed"] < when.processed_at_least.value:
        return False
    if when.count is not None:
        total = totals[when.count]
        if when.at_least is not None and total < when.at_least.value:  # 以上: the threshold itself is in
            return False
        if when.below is not None and total >= when.below.value:  # 不满: the threshold itself is out
            return False
    return True


class _Counter:
    """Adds up what counts toward the thresholds and remembers what was counted, left out, or refused."""

    def __init__(self, regime: Regime):
        self.sum_kinds = regime.enabled("all_pi_sum_of_kinds")
        self.pi = self.sensitive = self.all_pi = 0
        self.counted: dict[str, list[Any]] = {"prior_transfers": [], "cases": [], "transfers": []}
        self.left_out: dict[str, list[Any]] = {"prior_transfers": [], "cases": [], "transfers": []}
        self.refused: dict[str, list[Any]] = {"prior_transfers": [], "cases": []}
        self.both_kinds: dict[str, list[Any]] = {"prior_transfers": [], "cases": [], "transfers": []}
        # Whether anything was left out or refused, named or not (aggregated earlier transfers have no name).
        self.any_left_out = self.any_refused = self.any_both_kinds = self.any_earlier = False
        # Covered by a scenario whose transfers still count (statutory_duty_counted).
        self.counted_covered: dict[str, list[Any]] = {}

    def add(self, source: str, key: Any, pi: int, sensitive: int) -> None:
        if source != "transfers" and (pi or sensitive):
            self.any_earlier = True
        self.pi += pi
        self.sensitive += sensitive
        self.all_pi += pi + sensitive if self.sum_kinds else max(pi, sensitive)
        _note(self.counted[source], key)
        if pi and sensitive:
            self.any_both_kinds = True
            _note(self.both_kinds[source], key)


def _note(found: list[Any], key: Any) -> None:
    # An earlier case's transfers may come aggregated without a reference: they count, but name no case.
    if key is not None and key not in found:
        found.append(key)


def _count_past(regime: Regime, counter: _Counter, source: str, key: Any, past: Mapping[str, Any],
                start: dt.date, end: dt.date, exporter: Mapping[str, Any]) -> None:
    """Count one past transfer if it is in the window and no exemption of its own date left it out."""
    date = _date(past["date"])
    if not start <= date <= end:
        return
    pi, sensitive = int(past.get("pi_individuals") or 0), int(past.get("sensitive_pi_individuals") or 0)
    scenario = past.get("exemption")
    if scenario and regime.enabled("exempt_transfers_not_counted"):
        then = catalogue.regime_for(date) if regime.enabled("prior_exemption_by_its_date") else regime
        facts = {**exporter, "transit_only": past.get("transit_only", True), "on": date}
        if then is not None and _why_not(then, scenario, _kinds(past), facts) is None:
            if then.counts_covered(scenario):
                _note(counter.counted_covered.setdefault(source, []), key)
                counter.add(source, key, pi, sensitive)
                return
            counter.any_left_out = True
            _note(counter.left_out[source], key)
            return
        counter.any_refused = True
        _note(counter.refused[source], key)
    counter.add(source, key, pi, sensitive)


# A reason before it is given to a transfer: code, zh, en, cited articles, extra fields. Within one determination the
# same rule always says the same thing, so reasons are built once per kind of transfer and copied out.
_Template = tuple[str, str, str, tuple[Citation, ...], Mapping[str, Any]]


def _template(code: str, params: Mapping[str, Any], basis: tuple[Citation, ...], text_code: str = "",
              **extra: Any) -> _Template:
    texts = catalogue.text("reasons", text_code or code)
    return code, texts["zh"].format_map(params), texts["en"].format_map(params), basis, extra


def _reason(template: _Template) -> dict[str, Any]:
    code, zh, en, basis, extra = template
    return {"code": code, "message_zh": zh, "message_en": en, "legal_basis": [c.as_json() for c in basis], **extra}


def _exemption_outcome(regime: Regime, claimed: str | None, kinds: int, transit_only: bool,
                       params: Mapping[str, Any], as_of: dt.date,
                       exporter: Mapping[str, Any]) -> tuple[str | None, bool, list[_Template]]:
    """Return the scenario covering a transfer (or None), whether only the transit fact gave it, and its reasons."""
    facts = {**exporter, "transit_only": transit_only, "on": as_of}
    templates = []
    covered = None
    if claimed:
        why = _why_not(regime, claimed, kinds, facts)
        if why is None:
            covered = claimed
        else:
            scenario = catalogue.text("scenarios", claimed)
            because = catalogue.text("not_applicable", why)
            exemption = regime.exemptions.get(claimed)
            cited = exemption.legal_basis if exemption is not None else regime.unknown_exemption_basis
            # An article not yet in force on as_of (ndsr-2024 before 2025) cannot be cited: say why by the regime.
            basis = _cited(cited, as_of) or _cited(regime.unknown_exemption_basis, as_of)
            local = {**params, **_ftz_params(exporter.get("ftz")), "scenario_zh": scenario["zh"],
                     "scenario_en": scenario["en"],
                     "scenario_from": exemption.effective_from.isoformat() if exemption and exemption.effective_from
                     else ""}
            local["why_zh"], local["why_en"] = because["zh"].format_map(local), because["en"].format_map(local)
            templates.append(_template("exemption_not_applicable", local, basis, exemption=claimed, why=why))
    by_fact = False
    if (covered is None and claimed != "transit" and transit_only
            and regime.enabled("transit_fact_applies_art4") and _why_not(regime, "transit", kinds, facts) is None):
        covered, by_fact = "transit", True
    if covered is not None:
        scenario = catalogue.text("scenarios", covered)
        local = {**params, "scenario_zh": scenario["zh"], "scenario_en": scenario["en"]}
        templates.append(_template("exemption_applies", local, _cited(regime.exemptions[covered].legal_basis, as_of),
                                   exemption=covered))
        if "ftz_list_in_force" in regime.exemptions[covered].requires:
            templates.append(_ftz_relied_on(regime, exporter, params, as_of))
    return covered, by_fact, templates


def _ftz_params(zone_id: str | None) -> dict[str, str]:
    found = zones.zone(zone_id) if zone_id else None
    if found is None:
        return {"ftz_zh": "", "ftz_en": "", "ftz_from": ""}
    first = zones.earliest(found.id)
    return {"ftz_zh": found.name_zh, "ftz_en": found.name_en, "ftz_from": first.isoformat() if first else ""}


def _ftz_relied_on(regime: Regime, exporter: Mapping[str, Any], params: Mapping[str, Any],
                   as_of: dt.date) -> _Template:
    """The list the art 6 exemption rests on, and the exporter's part: the data item must not be on it."""
    zone = zones.zone(exporter["ftz"])
    relied = zones.list_on(exporter["ftz"], as_of)
    assert zone is not None and relied is not None  # _why_not let the exemption apply only then
    covered = relied.sector(exporter.get("sector"))
    local = {**params, "ftz_zh": zone.name_zh, "ftz_en": zone.name_en, "list_zh": relied.version_zh,
             "list_en": relied.version_en, "applies_from": relied.applies_from.isoformat(),
             "sector_zh": covered.zh if covered else "", "sector_en": covered.en if covered else ""}
    code = "ftz_list_covers_sector" if covered else "ftz_list_relied_on"
    return _template(code, local, _cited(regime.exemptions["ftz_outside_negative_list"].legal_basis, as_of),
                     ftz={"zone": zone.id, "zone_zh": zone.name_zh, **relied.as_json(exporter.get("sector"))},
                     exporter_confirms=True)


def _rule_outcome(rules: tuple[Rule, ...], kinds: int, ciio: bool, sector: str, totals: Mapping[str, int],
                  params: Mapping[str, Any], as_of: dt.date) -> tuple[int, list[_Template]]:
    """Return the rank of the most demanding rule that matches a transfer of these kinds, and its reasons.

    `rules`: the regime's shortlist for these kinds (`Regime.rules_for`), or all its rules in force; the answer is
    the same, since every rule is tested in full.
    """
    matched = [r for r in rules if _matches(r, kinds, ciio, sector, totals)]
    top = max((r.rank for r in matched), default=_EXEMPT_RANK)
    return top, [_template(r.id, {**params, **r.params}, _cited(r.legal_basis, as_of), r.text) for r in matched
                 if r.rank == top]


def _interpretation(regime: Regime, rule: str, as_of: dt.date, applies_to: Mapping[str, list[Any]]) -> dict[str, Any]:
    texts = catalogue.text("interpretations", rule)
    return {"rule": rule, "message_zh": texts["zh"], "message_en": texts["en"],
            "legal_basis": _basis(regime.interpretations[rule].legal_basis, as_of),
            "applies_to": {key: list(value) for key, value in applies_to.items() if value}}


def determine_pathway(declaration: Mapping[str, Any], earlier: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """Return the determination (JSON-ready) for a validated declaration and the exporter's earlier cases' transfers."""
    as_of = _date(declaration["as_of"])
    regime = catalogue.regime_for(as_of)
    if regime is None:
        raise ValueError(f"no outbound transfer regime is in force on {as_of.isoformat()}; validate the declaration")
    start = regime.window_start(as_of)
    exporter = declaration["exporter"]
    ciio = bool(exporter["is_ciio"])
    facts = {"ciio": ciio, "ftz": exporter.get("ftz"), "sector": exporter.get("sector")}
    sector = str(exporter.get("sector") or "").strip().lower()
    transfers = declaration["transfers"]
    params: dict[str, Any] = {"as_of": as_of.isoformat(), "window_start": start.isoformat(), "regime": regime.id}
    for threshold in regime.thresholds.values():
        params[f"{threshold.id}_zh"], params[f"{threshold.id}_en"] = threshold.words_zh, threshold.words_en

    # Exemptions first: whether a transfer is covered decides whether it is counted. A transfer's outcome depends
    # only on its claim and the kinds of data it carries, so each distinct one is worked out once.
    kinds = [_kinds(t["data"]) for t in transfers]
    exemption_memo: dict[tuple[str | None, int, bool], tuple[str | None, bool, list[_Template]]] = {}
    exemptions = []
    for transfer, transfer_kinds in zip(transfers, kinds, strict=True):
        key = (transfer.get("exemption"), transfer_kinds, bool(transfer["data"].get("transit_only")))
        if key not in exemption_memo:
            exemption_memo[key] = _exemption_outcome(regime, *key, params, as_of, facts)
        exemptions.append(exemption_memo[key])

    counter = _Counter(regime)
    for index, prior in enumerate(declaration.get("prior_transfers") or ()):
        _count_past(regime, counter, "prior_transfers", index, prior, start, as_of, facts)
    for past in earlier:
        reference = past.get("case")
        _count_past(regime, counter, "cases", None if reference is None else str(reference), past, start, as_of,
                    facts)
    for index, (transfer, (covered, _, _)) in enumerate(zip(transfers, exemptions, strict=True)):
        if covered is not None and regime.counts_covered(covered) and regime.enabled("exempt_transfers_not_counted"):
            counter.counted_covered.setdefault("transfers", []).append(index)
        if covered is not None and not regime.counts_covered(covered):
            counter.any_left_out = True
            counter.left_out["transfers"].append(index)
        else:
            data = transfer["data"]
            counter.add("transfers", index, data["pi_individuals"], data["sensitive_pi_individuals"])

    processed = int(exporter.get("pi_subjects_processed") or 0)
    totals = {"pi": counter.pi, "sensitive_pi": counter.sensitive, "all_pi": counter.all_pi, "processed": processed}
    params.update(pi=f"{counter.pi:,}", sensitive=f"{counter.sensitive:,}", all_pi=f"{counter.all_pi:,}",
                  processed=f"{processed:,}")

    rule_memo: dict[int, tuple[int, list[_Template]]] = {}
    used: dict[int, _Template] = {}
    # One reason object per template: transfers of the same kind share it (equal by value either way; nothing
    # downstream mutates a determination, which is serialised as it is).
    reasons: dict[int, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    transfer_ranks: list[int] = []
    judged_on_counts: list[int] = []
    for index, (transfer_kinds, (covered, _, templates)) in enumerate(zip(kinds, exemptions, strict=True)):
        if covered is not None:
            top, exemption_applied = _EXEMPT_RANK, covered
        else:
            if transfer_kinds not in rule_memo:
                rule_memo[transfer_kinds] = _rule_outcome(regime.rules_for(as_of, transfer_kinds, ciio), transfer_kinds,
                                                          ciio, sector, totals, params, as_of)
            top, more = rule_memo[transfer_kinds]
            templates, exemption_applied = templates + more, None
            if not ciio and transfer_kinds & (PI | SENSITIVE_PI):
                judged_on_counts.append(index)
        given = []
        for template in templates:
            made = id(template)
            if made not in used:
                used[made], reasons[made] = template, _reason(template)
            given.append(reasons[made])
        transfer_ranks.append(top)
        results.append({"index": index, "pathway": PATHWAYS[top], "exemption_applied": exemption_applied,
                        "reasons": given})

    top = max(transfer_ranks)
    cited = {citation: None for template in used.values() for citation in template[3]}
    return {
        "regime": regime.id,
        "as_of": as_of.isoformat(),
        "pathway": PATHWAYS[top],
        "counting_window": {"start": start.isoformat(), "end": as_of.isoformat()},
        "cumulative": _cumulative(regime, counter),
        "transfers": results,
        "legal_basis": [c.as_json() for c in sorted(cited, key=catalogue.sort_key)],
        "obligations": _obligations(regime, as_of, results, kinds, judged_on_counts if counter.any_earlier else []),
        "validity": {"years": regime.assessment_validity_years} if PATHWAYS[top] == _ASSESSMENT else None,
        # In the standard-contract band: both routes, each allowed or refused with reasons, and their duties.
        "mechanisms": mechanism.routes(PATHWAYS[top], ciio, any(k & (IMPORTANT | CORE) for k in kinds), as_of),
        "counted": {key: list(value) for key, value in counter.counted.items()},
        "interpretations": _applied(regime, as_of, counter, exemptions, judged_on_counts),
    }


def _cumulative(regime: Regime, counter: _Counter) -> dict[str, int]:
    cumulative = {"pi_individuals": counter.pi, "sensitive_pi_individuals": counter.sensitive}
    if any(t.count == "all_pi" for t in regime.thresholds.values()):
        cumulative["all_pi_individuals"] = counter.all_pi
    return cumulative


_Signature = tuple[int, str, bool]  # a transfer's kinds of data, its pathway, whether judged on earlier counts


def _obligations(regime: Regime, as_of: dt.date, results: list[dict[str, Any]], kinds: list[int],
                 on_counts_with_earlier: list[int]) -> list[dict[str, Any]]:
    """The duties each transfer's outcome brings, with the transfers they fall on (in index order).

    An obligation looks at a transfer's kinds of data, its pathway and whether it was judged on counts that earlier
    transfers added to. Transfers alike in those three are grouped; which obligations fall on which groups is a
    table worked out once per regime, date and set of groups (`_obligation_table`).
    """
    earlier = set(on_counts_with_earlier)
    groups: dict[_Signature, list[int]] = {}
    for result, k in zip(results, kinds, strict=True):
        index = result["index"]
        groups.setdefault((k, result["pathway"], index in earlier), []).append(index)
    found = []
    for entry, signatures in _obligation_table(regime, as_of, frozenset(groups)):
        members = groups[signatures[0]] if len(signatures) == 1 else sorted(
            i for signature in signatures for i in groups[signature])
        found.append({**entry, "legal_basis": [dict(b) for b in entry["legal_basis"]], "transfers": list(members)})
    return found


@functools.lru_cache(maxsize=1024)
def _obligation_table(regime: Regime, as_of: dt.date,
                      signatures: frozenset[_Signature]) -> tuple[tuple[dict[str, Any], tuple[_Signature, ...]], ...]:
    """Each obligation in force on `as_of` that falls on some of these groups: its entry (without `transfers`;
    callers copy it) and the groups it falls on. An obligation citing nothing in force on `as_of` is left out."""
    table = []
    for obligation in regime.obligations:
        if obligation.effective_from and as_of < obligation.effective_from:
            continue
        if obligation.effective_to and as_of > obligation.effective_to:
            continue
        matching = tuple(signature for signature in signatures
                         if (obligation.carries is None or signature[0] & obligation.carries)
                         and (obligation.pathway is None or signature[1] == obligation.pathway)
                         and (not obligation.counted_earlier or signature[2]))
        basis = _basis(obligation.legal_basis, as_of) if matching else None
        if basis:
            texts = catalogue.text("obligations", obligation.code)
            table.append(({"code": obligation.code, "title_zh": texts["title_zh"], "title_en": texts["title_en"],
                           "due": texts["due_en"], "due_zh": texts["due_zh"], "legal_basis": basis}, matching))
    return tuple(table)


formsdata.on_clear(_obligation_table.cache_clear)


def _applied(regime: Regime, as_of: dt.date, counter: _Counter,
             exemptions: list[tuple[str | None, bool, list[_Template]]],
             judged_on_counts: list[int]) -> list[dict[str, Any]]:
    """Say which named interpretations made a difference to this determination, and to which transfers."""
    applied = []
    if regime.enabled("exempt_transfers_not_counted") and counter.any_left_out:
        applied.append(_interpretation(regime, "exempt_transfers_not_counted", as_of, counter.left_out))
    if regime.enabled("statutory_duty_counted") and counter.counted_covered:
        applied.append(_interpretation(regime, "statutory_duty_counted", as_of, counter.counted_covered))
    if regime.enabled("pathway_by_pi_kind_carried") and judged_on_counts:
        applied.append(_interpretation(regime, "pathway_by_pi_kind_carried", as_of, {"transfers": judged_on_counts}))
    by_fact = [index for index, (_, fact, _) in enumerate(exemptions) if fact]
    if regime.enabled("transit_fact_applies_art4") and by_fact:
        applied.append(_interpretation(regime, "transit_fact_applies_art4", as_of, {"transfers": by_fact}))
    if regime.enabled("prior_exemption_by_its_date") and counter.any_refused:
        applied.append(_interpretation(regime, "prior_exemption_by_its_date", as_of, counter.refused))
    if regime.enabled("all_pi_sum_of_kinds") and counter.any_both_kinds:
        applied.append(_interpretation(regime, "all_pi_sum_of_kinds", as_of, counter.both_kinds))
    return applied
