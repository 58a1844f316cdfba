"""A table of legal cases for the pathway engine, both regimes, at every boundary the law draws."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest

from tests.helpers.law import (
    cites,
    declaration,
    determine,
    earlier_case,
    interpretation_ids,
    obligation_codes,
    pathways,
    prior,
    reason_codes,
    transfer,
)
from xborder.law.declaration import validate_declaration
from xborder.law.pathway import determine_pathway

EX, SC, SA = "exempt", "standard_contract_or_certification", "security_assessment"
Y24, Y22 = "2025-06-30", "2023-09-01"  # as_of in each regime, clear of its edges


@dataclasses.dataclass
class Case:
    id: str
    raw: dict[str, Any]
    pathways: list[str]
    cite: list[tuple[str, ...]] = dataclasses.field(default_factory=list)
    codes: list[str] | None = None  # reason codes of transfer 0
    cumulative: tuple[int, int] | None = None
    not_cite: list[tuple[str, ...]] = dataclasses.field(default_factory=list)
    earlier: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def t(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return transfer(*args, **kwargs)


CASES = [
    # cac-2024 thresholds, non-sensitive PI (art 5(4), art 8, art 7(2)): 以上 includes, 不满 excludes.
    Case("24-pi-99999", declaration(t(99_999)), [EX], [("cbdf-2024", "5", "4")], ["pi_under_100k"], (99_999, 0)),
    Case("24-pi-100000", declaration(t(100_000)), [SC], [("cbdf-2024", "8")], ["pi_100k_to_1m"], (100_000, 0)),
    Case("24-pi-999999", declaration(t(999_999)), [SC], [("cbdf-2024", "8")], ["pi_100k_to_1m"]),
    Case("24-pi-1000000", declaration(t(1_000_000)), [SA], [("cbdf-2024", "7", "2")], ["pi_1m_or_more"]),
    # sensitive PI: any below 10,000 needs a contract (art 8), 10,000 or more an assessment (art 7(2)).
    Case("24-sensitive-1", declaration(t(0, 1)), [SC], [("cbdf-2024", "8")], ["sensitive_pi_under_10k"], (0, 1)),
    Case("24-sensitive-9999", declaration(t(0, 9_999)), [SC], [("cbdf-2024", "8")], ["sensitive_pi_under_10k"]),
    Case("24-sensitive-10000", declaration(t(0, 10_000)), [SA], [("cbdf-2024", "7", "2")],
         ["sensitive_pi_10k_or_more"]),
    Case("24-both-kinds-one-transfer", declaration(t(99_999, 1)), [SC], [("cbdf-2024", "8")],
         ["sensitive_pi_under_10k"]),
    # per kind carried: non-sensitive PI is not pulled up by sensitive PI sent in another transfer.
    Case("24-kinds-judged-separately", declaration(t(50_000), t(0, 20_000)), [EX, SA],
         [("cbdf-2024", "5", "4"), ("cbdf-2024", "7", "2")], ["pi_under_100k"], (50_000, 20_000)),
    # CIIO: any PI or important data → art 7(1).
    Case("24-ciio-pi-1", declaration(t(1), ciio=True), [SA], [("cbdf-2024", "7", "1"), ("pipl", "40")], ["ciio_pi"]),
    Case("24-ciio-sensitive-1", declaration(t(0, 1), ciio=True), [SA], [("cbdf-2024", "7", "1")], ["ciio_pi"]),
    Case("24-ciio-important", declaration(t(important=True), ciio=True), [SA], [("cbdf-2024", "7", "1")],
         ["important_data_ciio", "miit_important_core_data"]),
    Case("24-ciio-no-pi-no-important", declaration(t(), ciio=True), [EX], [("pipl", "38")],
         ["no_pi_or_important_data"]),
    Case("24-ciio-pi-csl37-2025", declaration(t(1), ciio=True, as_of="2025-12-31"), [SA], [("csl", "37")],
         not_cite=[("csl", "39")]),
    Case("24-ciio-pi-csl39-2026", declaration(t(1), ciio=True, as_of="2026-01-01"), [SA], [("csl", "39")],
         not_cite=[("csl", "37")]),
    # important and core data (art 7(2) for a non-CIIO; core data at least as important).
    Case("24-important", declaration(t(important=True)), [SA], [("cbdf-2024", "7", "2"), ("dsl", "31")],
         ["important_data", "miit_important_core_data"]),
    Case("24-important-not-industry", declaration(t(important=True), sector="finance"), [SA],
         [("cbdf-2024", "7", "2")], ["important_data"], not_cite=[("miit-ds-2022", "21")]),
    Case("24-core", declaration(t(core=True)), [SA],
         [("cbdf-2024", "7", "2"), ("dsl", "21"), ("miit-ds-2022", "21")],
         ["important_data", "core_data", "miit_important_core_data"]),
    Case("24-ndsr-before-2025", declaration(t(important=True), as_of="2024-12-31"), [SA], [("dsl", "31")],
         not_cite=[("ndsr-2024", "37")]),
    Case("24-ndsr-from-2025", declaration(t(important=True), as_of="2025-01-01"), [SA], [("ndsr-2024", "37")]),
    Case("24-no-data", declaration(t()), [EX], [("pipl", "38"), ("cbdf-2024", "2")], ["no_pi_or_important_data"]),
    # each exemption that applies (art 3, 4, 5(1)-(3), 6): exempt and not counted.
    Case("24-art3-applies", declaration(t(exemption="trade_academic_manufacturing")), [EX], [("cbdf-2024", "3")],
         ["exemption_applies"], (0, 0)),
    Case("24-art4-applies", declaration(t(2_000_000, 50_000, transit=True, exemption="transit")), [EX],
         [("cbdf-2024", "4")], ["exemption_applies"], (0, 0)),
    Case("24-art5-1-applies", declaration(t(2_000_000, 50_000, exemption="contract_with_individual")), [EX],
         [("cbdf-2024", "5", "1"), ("ndsr-2024", "35", "4")], ["exemption_applies"], (0, 0)),
    Case("24-art5-2-applies", declaration(t(200_000, exemption="cross_border_hr")), [EX], [("cbdf-2024", "5", "2")],
         ["exemption_applies"], (0, 0)),
    Case("24-art5-3-applies", declaration(t(0, 20_000, exemption="emergency")), [EX], [("cbdf-2024", "5", "3")],
         ["exemption_applies"], (0, 0)),
    # art 6 since issue 15: only for an exporter registered in a zone whose list applies (tests/law/test_law_ftz.py).
    Case("24-art6-applies", declaration(t(1_500_000, exemption="ftz_outside_negative_list"), ftz="shanghai"), [EX],
         [("cbdf-2024", "6")], ["exemption_applies", "ftz_list_relied_on"], (0, 0)),
    Case("24-exemptions-apply-to-a-ciio", declaration(t(5_000, exemption="cross_border_hr"), ciio=True), [EX],
         [("cbdf-2024", "5", "2")], ["exemption_applies"]),
    # ... and each that does not: the claim is answered, the transfer judged and counted under the general rules.
    Case("24-art3-with-pi", declaration(t(10, exemption="trade_academic_manufacturing")), [EX],
         [("cbdf-2024", "3"), ("cbdf-2024", "5", "4")], ["exemption_not_applicable", "pi_under_100k"], (10, 0)),
    Case("24-art3-with-pi-200k", declaration(t(200_000, exemption="trade_academic_manufacturing")), [SC],
         [("cbdf-2024", "8")], ["exemption_not_applicable", "pi_100k_to_1m"], (200_000, 0)),
    Case("24-art3-with-important", declaration(t(important=True, exemption="trade_academic_manufacturing")), [SA],
         [("cbdf-2024", "7", "2")]),
    Case("24-art4-not-transit-only", declaration(t(200_000, exemption="transit")), [SC], [("cbdf-2024", "8")],
         ["exemption_not_applicable", "pi_100k_to_1m"], (200_000, 0)),
    Case("24-art4-with-important", declaration(t(10, important=True, transit=True, exemption="transit")), [SA],
         [("cbdf-2024", "7", "2")], ["exemption_not_applicable", "important_data", "miit_important_core_data"]),
    Case("24-art5-1-with-important", declaration(t(10, important=True, exemption="contract_with_individual")), [SA],
         [("cbdf-2024", "7", "2")], ["exemption_not_applicable", "important_data", "miit_important_core_data"]),
    Case("24-art5-2-with-core", declaration(t(10, core=True, exemption="cross_border_hr"), sector="retail"), [SA],
         [("dsl", "21")], ["exemption_not_applicable", "important_data", "core_data"]),
    Case("24-art5-3-with-important", declaration(t(0, 5, important=True, exemption="emergency")), [SA],
         [("cbdf-2024", "7", "2")]),
    Case("24-art6-with-important", declaration(t(10, important=True, exemption="ftz_outside_negative_list")), [SA],
         [("cbdf-2024", "7", "2")]),
    # transit_only is a fact: art 4 applies though not claimed, and overrides a claim that fails.
    Case("24-transit-fact-unclaimed", declaration(t(2_000_000, transit=True)), [EX], [("cbdf-2024", "4")],
         ["exemption_applies"], (0, 0)),
    Case("24-transit-fact-after-failed-claim",
         declaration(t(200_000, transit=True, exemption="trade_academic_manufacturing")), [EX], [("cbdf-2024", "4")],
         ["exemption_not_applicable", "exemption_applies"], (0, 0)),
    Case("24-transit-fact-with-important", declaration(t(10, transit=True, important=True)), [SA],
         [("cbdf-2024", "7", "2")]),

    # cac-2022 (sa-measures-2022 art 4; sc-measures-2023 art 4 from 2023-06-01, pipl art 38 before).
    Case("22-any-pi-contract", declaration(t(5_000), as_of=Y22), [SC], [("sc-measures-2023", "4")],
         ["pi_standard_contract"], (5_000, 0)),
    Case("22-before-sc-measures", declaration(t(5_000), as_of="2023-05-31"), [SC], [("pipl", "38", "3")],
         ["pi_contract_or_certification"], not_cite=[("sc-measures-2023", "4")]),
    Case("22-sc-measures-first-day", declaration(t(5_000), as_of="2023-06-01"), [SC], [("sc-measures-2023", "4")],
         ["pi_standard_contract"]),
    Case("22-first-day", declaration(t(1), as_of="2022-09-01"), [SC], [("pipl", "38")]),
    Case("22-pi-99999", declaration(t(99_999), as_of=Y22), [SC], [("sc-measures-2023", "4")]),
    Case("22-pi-100000", declaration(t(100_000), as_of=Y22), [SA], [("sa-measures-2022", "4", "3")],
         ["cumulative_pi_100k"]),
    Case("22-pi-plus-sensitive-99999", declaration(t(95_000, 4_999), as_of=Y22), [SC], [("sc-measures-2023", "4")],
         ["pi_standard_contract"], (95_000, 4_999)),
    Case("22-pi-plus-sensitive-100000", declaration(t(95_000, 5_000), as_of=Y22), [SA],
         [("sa-measures-2022", "4", "3")], ["cumulative_pi_100k"], (95_000, 5_000)),
    Case("22-sensitive-1", declaration(t(0, 1), as_of=Y22), [SC], [("sc-measures-2023", "4")]),
    Case("22-sensitive-9999", declaration(t(0, 9_999), as_of=Y22), [SC], [("sc-measures-2023", "4")]),
    Case("22-sensitive-10000", declaration(t(0, 10_000), as_of=Y22), [SA], [("sa-measures-2022", "4", "3")],
         ["cumulative_sensitive_10k"]),
    Case("22-sensitive-elsewhere-pulls-up", declaration(t(10), as_of=Y22, priors=[prior("2023-02-01", 0, 10_000)]),
         [SA], [("sa-measures-2022", "4", "3")], ["cumulative_sensitive_10k"], (10, 10_000)),
    Case("22-processed-999999", declaration(t(10), as_of=Y22, processed=999_999), [SC], [("sc-measures-2023", "4")]),
    Case("22-processed-1000000", declaration(t(10), as_of=Y22, processed=1_000_000), [SA],
         [("sa-measures-2022", "4", "2")], ["pi_processor_1m"]),
    Case("22-processed-without-pi", declaration(t(), as_of=Y22, processed=5_000_000), [EX],
         [("sa-measures-2022", "2")], ["no_pi_or_important_data"]),
    Case("22-ciio-pi-1", declaration(t(1), as_of=Y22, ciio=True), [SA], [("sa-measures-2022", "4", "2")],
         ["ciio_pi"]),
    Case("22-important", declaration(t(important=True), as_of=Y22), [SA], [("sa-measures-2022", "4", "1")]),
    Case("22-core", declaration(t(core=True), as_of=Y22, sector="energy"), [SA],
         [("sa-measures-2022", "4", "1"), ("dsl", "21")], ["important_data", "core_data"]),
    Case("22-no-miit-before-2023", declaration(t(important=True), as_of="2022-12-31"), [SA],
         [("sa-measures-2022", "4", "1")], ["important_data"], not_cite=[("miit-ds-2022", "21")]),
    Case("22-exemption-claim-not-applicable", declaration(t(5_000, exemption="cross_border_hr"), as_of=Y22), [SC],
         [("pipl", "38")], ["exemption_not_applicable", "pi_standard_contract"], (5_000, 0)),
    Case("22-transit-fact-is-no-exemption", declaration(t(5_000, transit=True), as_of=Y22), [SC],
         [("sc-measures-2023", "4")], ["pi_standard_contract"]),

    # the regime change: the same facts on 2024-03-21 and 2024-03-22.
    Case("change-2024-03-21", declaration(t(50_000), as_of="2024-03-21"), [SC], [("sc-measures-2023", "4")]),
    Case("change-2024-03-22", declaration(t(50_000), as_of="2024-03-22"), [EX], [("cbdf-2024", "5", "4")]),
    Case("change-window-2024-03-21", declaration(t(50_000), as_of="2024-03-21", priors=[prior("2023-01-01", 60_000)]),
         [SA], [("sa-measures-2022", "4", "3")], cumulative=(110_000, 0)),
    Case("change-window-2024-03-22", declaration(t(50_000), as_of="2024-03-22", priors=[prior("2023-01-01", 60_000)]),
         [EX], [("cbdf-2024", "5", "4")], cumulative=(50_000, 0)),

    # counting windows at 31 December / 1 January.
    Case("24-window-31-december-out", declaration(t(60_000), as_of="2025-01-01", priors=[prior("2024-12-31", 50_000)]),
         [EX], cumulative=(60_000, 0)),
    Case("24-window-1-january-in", declaration(t(60_000), as_of="2025-01-01", priors=[prior("2025-01-01", 50_000)]),
         [SC], cumulative=(110_000, 0)),
    Case("24-window-31-december-as-of",
         declaration(t(60_000), as_of="2025-12-31", priors=[prior("2025-01-01", 50_000)]), [SC],
         cumulative=(110_000, 0)),
    Case("22-window-31-december-out", declaration(t(5_000), as_of="2023-06-30", priors=[prior("2021-12-31", 95_000)]),
         [SC], cumulative=(5_000, 0)),
    Case("22-window-1-january-in", declaration(t(5_000), as_of="2023-06-30", priors=[prior("2022-01-01", 95_000)]),
         [SA], cumulative=(100_000, 0)),

    # several transfers: the count is shared, so splitting does not help.
    Case("24-two-halves", declaration(t(60_000), t(60_000)), [SC, SC], [("cbdf-2024", "8")],
         cumulative=(120_000, 0)),
    Case("24-mixed", declaration(t(2_000_000, exemption="cross_border_hr"), t(50_000), t(important=True)),
         [EX, EX, SA], [("cbdf-2024", "5", "2"), ("cbdf-2024", "5", "4"), ("cbdf-2024", "7", "2")],
         cumulative=(50_000, 0)),
    Case("22-two-transfers-cross-100k", declaration(t(50_000), t(0, 50_000), as_of=Y22), [SA, SA],
         [("sa-measures-2022", "4", "3")], cumulative=(50_000, 50_000)),

    # prior transfers, exempt and not.
    Case("24-prior-counted", declaration(t(20_000), priors=[prior("2025-02-01", 90_000)]), [SC],
         cumulative=(110_000, 0)),
    Case("24-prior-exempt-left-out", declaration(t(20_000), priors=[prior("2025-02-01", 90_000, 0, "cross_border_hr")]),
         [EX], [("cbdf-2024", "5", "4")], cumulative=(20_000, 0)),
    Case("24-prior-art3-with-pi-counted",
         declaration(t(20_000), priors=[prior("2025-02-01", 90_000, 0, "trade_academic_manufacturing")]), [SC],
         cumulative=(110_000, 0)),
    Case("24-prior-exemption-before-2024-counted",
         declaration(t(20_000), as_of="2024-06-01", priors=[prior("2024-02-01", 90_000, 0, "cross_border_hr")]),
         [SC], cumulative=(110_000, 0)),
    Case("24-prior-on-as-of", declaration(t(20_000), priors=[prior(Y24, 80_000)]), [SC], cumulative=(100_000, 0)),
    Case("22-prior-exemption-counted", declaration(t(20_000), as_of=Y22, priors=[prior("2023-02-01", 90_000, 0,
                                                                                          "cross_border_hr")]),
         [SA], cumulative=(110_000, 0)),

    # the exporter's earlier cases, counted by xborder itself.
    Case("24-earlier-case-counted", declaration(t(80_000)), [SC], cumulative=(110_000, 0),
         earlier=[earlier_case("XB-310000-2025-000001", "2025-03-01", 30_000)]),
    Case("24-earlier-case-outside-window", declaration(t(80_000)), [EX], cumulative=(80_000, 0),
         earlier=[earlier_case("XB-310000-2024-000009", "2024-12-31", 30_000)]),
    Case("24-earlier-case-exempt", declaration(t(80_000)), [EX], cumulative=(80_000, 0),
         earlier=[earlier_case("XB-310000-2025-000002", "2025-03-01", 30_000, 0, "emergency")]),
    Case("24-earlier-case-sensitive", declaration(t(0, 1)), [SA], cumulative=(0, 10_000),
         earlier=[earlier_case("XB-310000-2025-000003", dt.date(2025, 4, 1), 0, 9_999)]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_legal_case(case: Case) -> None:
    determination = determine(case.raw, case.earlier)
    assert determination["regime"] == ("cac-2024" if case.raw["as_of"] >= "2024-03-22" else "cac-2022")
    assert pathways(determination) == case.pathways
    ranks = ("exempt", "standard_contract_or_certification", "security_assessment")
    assert determination["pathway"] == max(case.pathways, key=ranks.index)
    for basis in case.cite:
        assert cites(determination, *basis), f"{basis} not cited"
    for basis in case.not_cite:
        assert not cites(determination, *basis), f"{basis} cited"
    if case.codes is not None:
        assert reason_codes(determination) == case.codes
    if case.cumulative is not None:
        cumulative = determination["cumulative"]
        assert (cumulative["pi_individuals"], cumulative["sensitive_pi_individuals"]) == case.cumulative
    for transfer_result in determination["transfers"]:
        assert transfer_result["reasons"], "every transfer has at least one reason"


def test_determination_shape_for_ex01() -> None:
    raw = declaration(t(80_000), priors=[prior("2025-02-10", 30_000)])
    determination = determine(raw)
    assert determination["counting_window"] == {"start": "2025-01-01", "end": "2025-06-30"}
    assert determination["cumulative"] == {"pi_individuals": 110_000, "sensitive_pi_individuals": 0}
    assert determination["legal_basis"] == [{"instrument": "cbdf-2024", "article": "8"}]
    assert determination["validity"] is None
    assert determination["counted"] == {"prior_transfers": [0], "cases": [], "transfers": [0]}
    filing = next(o for o in determination["obligations"] if o["code"] == "file_standard_contract")
    assert filing["due"] == "within 10 working days after the contract takes effect"
    assert filing["legal_basis"] == [{"instrument": "sc-measures-2023", "article": "7"}]
    reason = determination["transfers"][0]["reasons"][0]
    assert reason["code"] == "pi_100k_to_1m"
    assert "110,000" in reason["message_en"] and "110,000" in reason["message_zh"]
    assert json.loads(json.dumps(determination)) == determination


def test_validity_by_regime() -> None:
    assert determine(declaration(t(important=True)))["validity"] == {"years": 3}
    assert determine(declaration(t(important=True), as_of=Y22))["validity"] == {"years": 2}
    assert determine(declaration(t(10)))["validity"] is None


def test_obligations_for_a_security_assessment() -> None:
    determination = determine(declaration(t(1_000_000)))
    assert obligation_codes(determination) == ["notify_and_separate_consent", "pi_impact_assessment",
                                               "self_assessment", "declare_security_assessment", "extend_assessment"]
    assert cites(determination, "sa-measures-2022", "5") and cites(determination, "sa-measures-2022", "6")
    assert cites(determination, "pipl", "55", "4") and cites(determination, "cbdf-2024", "9")
    cac2022 = determine(declaration(t(important=True), as_of=Y22))
    assert obligation_codes(cac2022) == ["self_assessment", "declare_security_assessment", "redeclare_assessment"]


def test_exempt_pi_still_owes_notice_consent_and_impact_assessment() -> None:
    determination = determine(declaration(t(200_000, exemption="cross_border_hr"), t()))
    assert obligation_codes(determination) == ["notify_and_separate_consent", "pi_impact_assessment"]
    assert all(o["transfers"] == [0] for o in determination["obligations"])
    assert cites(determination, "pipl", "39") and cites(determination, "cbdf-2024", "10")


def test_no_filing_obligation_before_the_standard_contract_measures() -> None:
    determination = determine(declaration(t(5_000), as_of="2023-05-31"))
    assert "file_standard_contract" not in obligation_codes(determination)
    assert "conclude_standard_contract_or_certify" in obligation_codes(determination)


def test_no_obligations_without_pi_or_important_data() -> None:
    determination = determine(declaration(t()))
    assert (determination["obligations"], determination["validity"]) == ([], None)


def test_top_level_legal_basis_is_the_sorted_union_of_the_reasons() -> None:
    determination = determine(declaration(t(2_000_000, exemption="cross_border_hr"), t(50_000), t(important=True)))
    union = {(b["instrument"], b["article"], b.get("item")) for r in determination["transfers"]
             for reason in r["reasons"] for b in reason["legal_basis"]}
    listed = [(b["instrument"], b["article"], b.get("item")) for b in determination["legal_basis"]]
    assert set(listed) == union and len(listed) == len(union)
    assert listed == [("dsl", "31", None), ("cbdf-2024", "5", "2"), ("cbdf-2024", "5", "4"),
                      ("cbdf-2024", "7", "2"), ("ndsr-2024", "35", "5"), ("ndsr-2024", "37", None),
                      ("miit-ds-2022", "21", None)]


def test_exemption_not_applicable_says_why() -> None:
    reason = determine(declaration(t(10, important=True, exemption="contract_with_individual")))["transfers"][0][
        "reasons"][0]
    assert (reason["code"], reason["exemption"], reason["why"]) == ("exemption_not_applicable",
                                                                    "contract_with_individual",
                                                                    "carries_important_data")
    assert "important data" in reason["message_en"] and "重要数据" in reason["message_zh"]
    under_2022 = determine(declaration(t(10, exemption="emergency"), as_of=Y22))["transfers"][0]["reasons"][0]
    assert (under_2022["why"], under_2022["legal_basis"]) == (
        "not_in_regime", [{"instrument": "pipl", "article": "38"}, {"instrument": "sa-measures-2022", "article": "4"}])


def test_the_not_counted_rule_is_reported_when_applied() -> None:
    determination = determine(declaration(t(20_000), t(5, exemption="emergency"),
                                          priors=[prior("2025-02-01", 90_000, 0, "cross_border_hr")]),
                              [earlier_case("XB-1", "2025-03-01", 7, 0, "contract_with_individual")])
    applied = next(i for i in determination["interpretations"] if i["rule"] == "exempt_transfers_not_counted")
    assert applied["applies_to"] == {"prior_transfers": [0], "cases": ["XB-1"], "transfers": [1]}
    assert applied["legal_basis"] == [{"instrument": "cbdf-2024", "article": "7"},
                                      {"instrument": "cbdf-2024", "article": "8"}]
    assert determination["counted"] == {"prior_transfers": [], "cases": [], "transfers": [0]}
    assert "exempt_transfers_not_counted" not in interpretation_ids(determine(declaration(t(20_000))))


def test_other_interpretations_are_reported_when_applied() -> None:
    assert interpretation_ids(determine(declaration(t(2_000_000, transit=True)))) == ["exempt_transfers_not_counted",
                                                                                     "transit_fact_applies_art4"]
    refused = determine(declaration(t(1), as_of="2024-06-01", priors=[prior("2024-02-01", 9, 0, "emergency")]))
    assert next(i for i in refused["interpretations"] if i["rule"] == "prior_exemption_by_its_date")[
        "applies_to"] == {"prior_transfers": [0]}
    summed = determine(declaration(t(60_000, 40_000), as_of=Y22))
    assert interpretation_ids(summed) == ["all_pi_sum_of_kinds"]
    assert summed["cumulative"]["all_pi_individuals"] == 100_000


def test_earlier_cases_are_listed_once_by_reference() -> None:
    earlier = [earlier_case("XB-A", "2025-02-01", 10), earlier_case("XB-A", "2025-03-01", 10),
               earlier_case("XB-B", "2024-03-01", 10), earlier_case("XB-C", "2025-04-01", 10)]
    determination = determine(declaration(t(10)), earlier)
    assert determination["counted"]["cases"] == ["XB-A", "XB-C"]
    assert determination["cumulative"]["pi_individuals"] == 40


def test_earlier_transfers_without_a_reference_count_but_name_no_case() -> None:
    aggregated = [{"date": dt.date(2025, 5, 1), "pi_individuals": 60_000, "sensitive_pi_individuals": 0,
                   "exemption": None, "case": None},
                  {"date": dt.date(2025, 5, 2), "pi_individuals": 500_000, "sensitive_pi_individuals": 0,
                   "exemption": "cross_border_hr", "case": None}]
    determination = determine(declaration(t(50_000)), aggregated)
    assert pathways(determination) == [SC]
    assert determination["counted"]["cases"] == []
    assert determination["cumulative"]["pi_individuals"] == 110_000
    applied = next(i for i in determination["interpretations"] if i["rule"] == "exempt_transfers_not_counted")
    assert applied["applies_to"] == {}


def test_engine_refuses_a_date_no_regime_covers() -> None:
    loaded = validate_declaration(declaration())
    loaded["as_of"] = dt.date(2022, 8, 31)
    with pytest.raises(ValueError, match="no outbound transfer regime is in force on 2022-08-31"):
        determine_pathway(loaded)


def test_iso_string_dates_are_accepted_by_the_engine() -> None:
    loaded = validate_declaration(declaration(t(80_000), priors=[prior("2025-02-10", 30_000)]))
    as_strings = json.loads(json.dumps(loaded, default=lambda d: d.isoformat()))
    assert determine_pathway(as_strings) == determine_pathway(loaded)
