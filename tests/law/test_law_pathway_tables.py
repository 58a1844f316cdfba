"""The engine's tables (issue 20, fifth pass) give the answers the straightforward code gave.

- `Regime.rules_for`: the rules that could match a transfer of given kinds for a CIIO or not; `_rule_outcome` on
  that shortlist answers as on every rule in force.
- `_obligation_table`: obligations worked out once per regime, date and set of transfer groups; `_obligations`
  answers as the per-transfer loop it replaced (kept below as the reference).
- Reasons built once per template within a determination; nothing cached is handed out to be mutated.
- The USCC check remembered per code gives the same code or error as python-stdnum each time.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.law import declaration, transfer
from tests.helpers.law_strategies import PROFILE, declarations, earlier_cases
from xborder.law import catalogue, pathway
from xborder.law.declaration import DeclarationInvalid, validate_declaration
from xborder.law.pathway import determine_pathway

SECTORS = ["", "manufacturing", "finance", "telecom"]
TOTALS = [0, 9_999, 10_000, 99_999, 100_000, 999_999, 1_000_000]


def reference_obligations(regime: catalogue.Regime, as_of: dt.date, results: list[dict[str, Any]],
                          kinds: list[int], on_counts_with_earlier: list[int]) -> list[dict[str, Any]]:
    """`_obligations` as it was before the table: every obligation tested against every transfer."""
    found = []
    for obligation in regime.obligations:
        if obligation.effective_from and as_of < obligation.effective_from:
            continue
        if obligation.effective_to and as_of > obligation.effective_to:
            continue
        indices = [r["index"] for r, k in zip(results, kinds, strict=True)
                   if (obligation.carries is None or k & obligation.carries)
                   and (obligation.pathway is None or r["pathway"] == obligation.pathway)
                   and (not obligation.counted_earlier or r["index"] in on_counts_with_earlier)]
        basis = [c.as_json() for c in obligation.legal_basis if catalogue.cited_on(c, as_of)]
        if indices and basis:
            texts = catalogue.text("obligations", obligation.code)
            found.append({"code": obligation.code, "title_zh": texts["title_zh"], "title_en": texts["title_en"],
                          "due": texts["due_en"], "due_zh": texts["due_zh"], "legal_basis": basis,
                          "transfers": indices})
    return found


def regimes_and_days() -> list[tuple[catalogue.Regime, dt.date]]:
    found = []
    for day in (dt.date(2022, 9, 1), dt.date(2023, 6, 1), dt.date(2024, 3, 22), dt.date(2025, 1, 1),
                dt.date(2025, 6, 30), dt.date(2026, 12, 7)):
        regime = catalogue.regime_for(day)
        assert regime is not None, day
        found.append((regime, day))
    assert len({regime.id for regime, _ in found}) >= 2  # both regimes are covered
    return found


@pytest.mark.parametrize(("regime", "day"), regimes_and_days(), ids=lambda value: str(getattr(value, "id", value)))
def test_the_rule_shortlist_gives_the_outcome_every_rule_gives(regime: catalogue.Regime, day: dt.date) -> None:
    params = {"as_of": day.isoformat(), "window_start": "2025-01-01", "regime": regime.id, "pi": "1",
              "sensitive": "1", "all_pi": "1", "processed": "1"}
    for threshold in regime.thresholds.values():
        params[f"{threshold.id}_zh"], params[f"{threshold.id}_en"] = threshold.words_zh, threshold.words_en
    every_rule = regime.rules_on(day)
    compared = 0
    for kinds in range(16):
        for ciio in (False, True):
            shortlist = regime.rules_for(day, kinds, ciio)
            kept = [rule.id for rule in shortlist]
            assert kept == [rule.id for rule in every_rule if rule.id in kept]  # a subset, in the same order
            for sector in SECTORS:
                for total in TOTALS:
                    totals = {"pi": total, "sensitive_pi": total // 10, "all_pi": total, "processed": total}
                    assert pathway._rule_outcome(shortlist, kinds, ciio, sector, totals, params, day) == \
                        pathway._rule_outcome(every_rule, kinds, ciio, sector, totals, params, day)
                    compared += 1
    assert compared == 16 * 2 * len(SECTORS) * len(TOTALS)


@PROFILE
@given(declarations(), earlier_cases(), st.data())
def test_the_obligation_table_answers_as_the_per_transfer_loop(declaration: dict[str, Any],
                                                                earlier: list[dict[str, Any]],
                                                                data: st.DataObject) -> None:
    determination = determine_pathway(declaration, earlier)
    as_of = declaration["as_of"]
    regime = catalogue.regime_for(as_of)
    assert regime is not None
    results = determination["transfers"]
    kinds = [pathway._kinds(t["data"]) for t in declaration["transfers"]]
    on_counts = data.draw(st.lists(st.sampled_from(range(len(results))), unique=True))
    assert pathway._obligations(regime, as_of, results, kinds, on_counts) == \
        reference_obligations(regime, as_of, results, kinds, on_counts)


def test_a_determination_handed_out_shares_nothing_with_the_next() -> None:
    raw = declaration(transfer(pi=120_000), transfer(pi=120_000), transfer(sensitive=20), as_of="2025-06-30")
    first = determine_pathway(validate_declaration(raw))
    pristine = copy.deepcopy(first)
    assert first["obligations"] and first["transfers"][0]["reasons"]
    # A caller that edits what it got (a presenter adding a label, say) must not change the next answer.
    for obligation in first["obligations"]:
        obligation["legal_basis"].append({"instrument": "x", "article": "1"})
        obligation["legal_basis"][0]["article"] = "999"
        obligation["transfers"].append(99)
        obligation["title_zh"] = "改过"
    for result in first["transfers"]:
        for reason in result["reasons"]:
            reason["legal_basis"].clear()
            reason["message_zh"] = "改过"
    second = determine_pathway(validate_declaration(raw))
    assert second == pristine


def test_transfers_of_one_kind_are_given_equal_reasons() -> None:
    raw = declaration(transfer(pi=5_000), transfer(pi=5_000), transfer(pi=7_000), as_of="2025-06-30")
    determination = determine_pathway(validate_declaration(raw))
    reasons = [result["reasons"] for result in determination["transfers"]]
    assert reasons[0] == reasons[1] == reasons[2]
    assert [r["code"] for r in reasons[0]] == ["pi_under_100k"]


VALID_USCC = "9131011552601815X1"


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.just(VALID_USCC), st.just("91310115 5260 1815X1"), st.just("9131011552601815X2"),
                 st.just("913101155260181"), st.text(max_size=45)))
def test_a_remembered_uscc_check_says_what_stdnum_says(code: str) -> None:
    from stdnum import exceptions as stdnum_errors
    from stdnum.cn import uscc as stdnum_uscc

    try:
        expected: tuple[str, str | None] = (stdnum_uscc.validate(code), None)
    except stdnum_errors.InvalidLength:
        expected = ("", "uscc_length")
    except stdnum_errors.InvalidChecksum:
        expected = ("", "uscc_checksum")
    except stdnum_errors.ValidationError:
        expected = ("", "uscc_format")
    for _ in range(2):  # the second answer comes from the cache when the code is short enough to be kept
        raw = declaration(transfer(pi=10))
        raw["exporter"]["uscc"] = code
        if expected[1] is None:
            assert validate_declaration(raw)["exporter"]["uscc"] == expected[0]
        else:
            with pytest.raises(DeclarationInvalid) as caught:
                validate_declaration(raw)
            assert ("exporter/uscc", expected[1]) in {(e["path"], e["code"]) for e in caught.value.errors}
