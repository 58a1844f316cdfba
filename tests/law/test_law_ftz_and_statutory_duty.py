"""cbdf-2024 art 6 (free-trade-zone negative lists) and ndsr-2024 art 35(6) (statutory duty) at their boundaries."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers.law import (
    cites,
    declaration,
    determine,
    error_pairs,
    obligation_codes,
    pathways,
    reason_codes,
    transfer,
)
from xborder.law import zones
from xborder.law.declaration import DeclarationInvalid, validate_declaration

FTZ = "ftz_outside_negative_list"
ZONE_PROVINCES = {"tianjin": "120000", "beijing": "110000", "shanghai": "310000", "hainan": "460000",
                  "zhejiang": "330000", "guangxi": "450000", "jiangsu": "320000", "chongqing": "500000",
                  "fujian": "350000"}


def ftz_claim(pi: int = 200_000, **kwargs) -> dict:
    return transfer(pi, exemption=FTZ, **kwargs)


def why(determination: dict, index: int = 0) -> str | None:
    reason = next((r for r in determination["transfers"][index]["reasons"]
                   if r["code"] == "exemption_not_applicable"), None)
    return reason["why"] if reason else None


def test_the_nine_zones_are_data_with_their_provinces() -> None:
    assert {z.id: z.province for z in zones.zones().values()} == ZONE_PROVINCES
    # Unknown dates are marked unknown and fall back to the date an official text confirms the list.
    guangxi = zones.zone("guangxi").lists[0]
    assert (guangxi.in_force, guangxi.in_force_status, guangxi.applies_from) == (None, "unknown",
                                                                               dt.date(2026, 3, 23))
    shanghai = zones.zone("shanghai").lists[0]
    assert (shanghai.in_force, shanghai.in_force_status) == (dt.date(2025, 2, 8), "provisional")


def test_an_exporter_in_a_zone_whose_list_applies_is_exempt_and_not_counted() -> None:
    found = determine(declaration(ftz_claim(1_500_000), transfer(50_000), ftz="shanghai"))
    assert pathways(found) == ["exempt", "exempt"]
    assert found["cumulative"]["pi_individuals"] == 50_000  # the art 6 transfer leaves the count
    assert reason_codes(found) == ["exemption_applies", "ftz_list_relied_on"]
    relied = found["transfers"][0]["reasons"][1]
    assert relied["ftz"]["version_zh"].startswith("中国（上海）自由贸易试验区")
    assert relied["exporter_confirms"] is True and "不在该清单内" in relied["message_zh"]
    assert "在上海自贸试验区（含临港新片区）内开展数据出境活动" in relied["ftz"]["conditions_zh"]
    assert cites(found, "cbdf-2024", "6")


def test_where_the_list_covers_the_sector_it_says_so() -> None:
    found = determine(declaration(ftz_claim(), ftz="beijing", province="110000", sector="automotive"))
    relied = found["transfers"][0]["reasons"][1]
    assert relied["code"] == "ftz_list_covers_sector"
    assert relied["ftz"]["sector_covered"]["zh"] == "汽车"
    assert "2024版" in relied["ftz"]["version_zh"] and "汽车" in relied["message_zh"]


@pytest.mark.parametrize(("raw", "failed"), [
    (declaration(ftz_claim()), "exporter_not_in_ftz"),  # e.g. Guizhou: no zone at all
    (declaration(ftz_claim(), province="520000"), "exporter_not_in_ftz"),
    (declaration(ftz_claim(), ftz="shanghai", as_of="2025-02-07"), "ftz_list_not_in_force"),
    (declaration(ftz_claim(), ftz="guangxi", province="450000", as_of="2026-03-22"), "ftz_list_not_in_force"),
    (declaration(ftz_claim(), ftz="shanghai", ciio=True), "exporter_is_ciio"),
    (declaration(ftz_claim(important=True), ftz="shanghai"), "carries_important_data"),
    (declaration(ftz_claim(core=True), ftz="shanghai"), "carries_core_data"),
    (declaration(ftz_claim(), ftz="shanghai", as_of="2024-03-21"), "not_in_regime"),
], ids=["no-zone", "guizhou", "shanghai-day-before", "guangxi-unknown-date", "ciio", "important", "core", "cac-2022"])
def test_each_failed_condition_defeats_the_claim_and_is_named(raw: dict, failed: str) -> None:
    found = determine(raw)
    assert pathways(found) != ["exempt"]
    assert why(found) == failed
    reason = found["transfers"][0]["reasons"][0]
    assert reason["message_zh"] and reason["message_en"]
    # Counted as if unclaimed.
    assert found["cumulative"]["pi_individuals"] == 200_000


def test_the_list_date_in_force_is_the_boundary() -> None:
    before = determine(declaration(ftz_claim(), ftz="shanghai", as_of="2025-02-07"))
    on = determine(declaration(ftz_claim(), ftz="shanghai", as_of="2025-02-08"))
    assert (pathways(before), pathways(on)) == (["standard_contract_or_certification"], ["exempt"])
    guangxi = dict(ftz="guangxi", province="450000")
    assert pathways(determine(declaration(ftz_claim(), as_of="2026-03-23", **guangxi))) == ["exempt"]
    message = determine(declaration(ftz_claim(), as_of="2026-03-22", **guangxi))["transfers"][0]["reasons"][0]
    assert "2026-03-23" in message["message_zh"] and "中国（广西）" in message["message_zh"]


def test_a_prior_transfer_under_the_list_is_left_out_only_once_the_list_applied() -> None:
    priors = [{"date": "2025-02-01", "pi_individuals": 90_000, "sensitive_pi_individuals": 0, "exemption": FTZ},
              {"date": "2025-03-01", "pi_individuals": 70_000, "sensitive_pi_individuals": 0, "exemption": FTZ}]
    found = determine(declaration(transfer(20_000), priors=priors, ftz="shanghai"))
    assert found["cumulative"]["pi_individuals"] == 110_000  # 90,000 before 2025-02-08 counted; 70,000 not


def test_the_zone_must_be_in_the_exporter_s_province() -> None:
    with pytest.raises(DeclarationInvalid) as caught:
        validate_declaration(declaration(ftz="beijing"))
    assert error_pairs(caught.value.errors) == {("exporter/ftz", "ftz_province")}
    with pytest.raises(DeclarationInvalid) as caught:
        validate_declaration(declaration(ftz="guizhou"))
    assert error_pairs(caught.value.errors) == {("exporter/ftz", "unknown_ftz")}
    assert validate_declaration(declaration())["exporter"]["ftz"] is None  # absent: null


# ndsr-2024 art 35 item 6, from 2025-01-01, never for important or core data.
def test_statutory_duty_applies_from_2025_01_01() -> None:
    on = determine(declaration(transfer(300_000, exemption="statutory_duty"), transfer(1), as_of="2025-01-01"))
    # Exempt, but counted (statutory_duty_counted: no official text leaves it out), so the other transfer is in
    # the standard-contract band.
    assert pathways(on) == ["exempt", "standard_contract_or_certification"]
    assert on["cumulative"]["pi_individuals"] == 300_001
    assert "statutory_duty_counted" in [i["rule"] for i in on["interpretations"]]
    assert cites(on, "ndsr-2024", "35", "6")
    before = determine(declaration(transfer(300_000, exemption="statutory_duty"), as_of="2024-12-31"))
    assert pathways(before) == ["standard_contract_or_certification"]
    assert why(before) == "not_yet_in_force"
    assert before["transfers"][0]["reasons"][0]["legal_basis"] == [{"instrument": "pipl", "article": "38"}]
    assert not cites(before, "ndsr-2024", "35")


@pytest.mark.parametrize(("kind", "failed"), [("important", "carries_important_data"), ("core", "carries_core_data")])
def test_statutory_duty_never_frees_important_or_core_data(kind: str, failed: str) -> None:
    found = determine(declaration(transfer(10, exemption="statutory_duty", **{kind: True}), as_of="2026-01-01"))
    assert pathways(found) == ["security_assessment"] and why(found) == failed


def test_an_exempt_transfer_with_pi_still_needs_a_pia_and_consent() -> None:
    for raw in (declaration(transfer(5_000, exemption="statutory_duty")),
                declaration(ftz_claim(), ftz="shanghai"), declaration(transfer(5_000))):
        found = determine(raw)
        assert found["pathway"] == "exempt"
        pia = next(o for o in found["obligations"] if o["code"] == "pi_impact_assessment")
        assert {("pipl", "55", "4"), ("pipl", "56", ""), ("cbdf-2024", "10", "")} <= {
            (b["instrument"], b["article"], b.get("item", "")) for b in pia["legal_basis"]}
        assert "notify_and_separate_consent" in obligation_codes(found)
        assert "三年" in pia["title_zh"]


def test_crossing_the_assessment_line_brings_this_year_s_earlier_volume_into_scope() -> None:
    priors = [{"date": "2025-02-01", "pi_individuals": 300_000, "sensitive_pi_individuals": 0, "exemption": None}]
    crossed = determine(declaration(transfer(700_000), priors=priors))
    assert crossed["pathway"] == "security_assessment"
    assert "assessment_scope_includes_earlier" in obligation_codes(crossed)
    alone = determine(declaration(transfer(1_000_000)))
    assert "assessment_scope_includes_earlier" not in obligation_codes(alone)
    below = determine(declaration(transfer(699_999), priors=priors))
    assert "assessment_scope_includes_earlier" not in obligation_codes(below)


# Issue 17: caps on one declaration (forms/limits.yaml), refused with field paths before any item is looked at.
def test_too_many_transfers_are_refused_before_any_item_is_checked() -> None:
    broken = transfer(1)
    broken["data"]["pi_individuals"] = -1  # 40,000 errors if the items were checked: the cap comes first
    raw = declaration(*[broken for _ in range(40_000)])
    with pytest.raises(DeclarationInvalid) as caught:
        validate_declaration(raw)
    assert error_pairs(caught.value.errors) == {("transfers", "max_items")}
    assert len(validate_declaration(declaration(*[transfer(1) for _ in range(1_000)]))["transfers"]) == 1_000


@pytest.mark.parametrize(("count", "ok"), [(10_000_000_000, True), (10_000_000_001, False), (10**400, False)])
def test_counts_are_capped(count: int, ok: bool) -> None:
    raw = declaration(transfer(0, count), priors=[{"date": "2025-01-02", "pi_individuals": count,
                                                   "sensitive_pi_individuals": 0, "exemption": None}])
    if ok:
        validate_declaration(raw)
        return
    with pytest.raises(DeclarationInvalid) as caught:
        validate_declaration(raw)
    assert error_pairs(caught.value.errors) == {("transfers/0/data/sensitive_pi_individuals", "max"),
                                                ("prior_transfers/0/pi_individuals", "max")}


def test_too_many_prior_transfers_or_categories_are_refused() -> None:
    priors = [{"date": "2025-01-02", "pi_individuals": 1, "sensitive_pi_individuals": 0, "exemption": None}] * 1_001
    with pytest.raises(DeclarationInvalid) as caught:
        validate_declaration(declaration(priors=priors))
    assert error_pairs(caught.value.errors) == {("prior_transfers", "max_items")}
    many = transfer(1)
    many["data"]["categories"] = [f"c{i}" for i in range(201)]
    with pytest.raises(DeclarationInvalid) as caught:
        validate_declaration(declaration(many))
    assert error_pairs(caught.value.errors) == {("transfers/0/data/categories", "max_items")}
