"""Certification as a route, validity from the result, the extension check and a certificate's dates."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers.law import declaration, determine, transfer
from xborder.law import catalogue
from xborder.law.declaration import validate_declaration
from xborder.law.mechanism import certification_bodies, judge_mechanism, mechanism_allowed
from xborder.law.validity import (
    DECLARE_ANEW,
    MAY_APPLY,
    ExtensionAnswersInvalid,
    certificate_dates,
    extension_check,
    extension_window,
    in_extension_window,
    valid_until,
)

BAND = "standard_contract_or_certification"


def codes(judgement: dict) -> list[str]:
    return [r["code"] for r in judgement["reasons"]]


def bases(judgement: dict) -> set[tuple[str, str]]:
    return {(b["instrument"], b["article"]) for r in judgement["reasons"] for b in r["legal_basis"]}


def test_the_certification_measures_and_bodies_are_data() -> None:
    measures = catalogue.instrument("pi-cert-measures-2025")
    assert (measures.title_zh, measures.in_force) == ("个人信息出境认证办法", dt.date(2026, 1, 1))
    assert {"5", "6", "8"} <= set(measures.articles)
    assert set(certification_bodies()) == {"isccc-bigdata", "cac-dtsc", "cesi-cert"}
    assert certification_bodies()["cesi-cert"]["name_zh"] == "北京赛西认证有限责任公司"


def test_a_determination_in_the_band_names_both_routes() -> None:
    found = determine(declaration(transfer(150_000), as_of="2026-01-05"))
    assert found["pathway"] == BAND
    routes = found["mechanisms"]
    assert routes["standard_contract"]["allowed"] and routes["certification"]["allowed"]
    assert [o["code"] for o in routes["standard_contract"]["obligations"]] == ["conclude_standard_contract",
                                                                              "file_standard_contract"]
    assert [o["code"] for o in routes["certification"]["obligations"]] == [
        "certification_impact_assessment", "apply_for_certification", "renew_certificate"]
    assert determine(declaration(transfer(10)))["mechanisms"] is None


def test_the_certification_measures_are_cited_from_2026_01_01() -> None:
    before = judge_mechanism(BAND, False, False, dt.date(2025, 12, 31), "certification")
    on = judge_mechanism(BAND, False, False, dt.date(2026, 1, 1), "certification")
    assert before["allowed"] and on["allowed"]
    assert ("pi-cert-measures-2025", "5") not in bases(before) and ("pipl", "38") in bases(before)
    assert ("pi-cert-measures-2025", "5") in bases(on)
    # Before the measures, a certificate's renewal duty has no article in force to rest on.
    assert [o["code"] for o in before["obligations"]] == ["certification_impact_assessment",
                                                          "apply_for_certification"]


@pytest.mark.parametrize(("ciio", "important", "expected"), [
    (True, False, ["certification_ciio"]), (False, True, ["certification_important_data"]),
    (True, True, ["certification_ciio", "certification_important_data"]),
])
def test_certification_is_refused_for_a_ciio_or_important_data(ciio: bool, important: bool,
                                                               expected: list[str]) -> None:
    refused = judge_mechanism(BAND, ciio, important, dt.date(2026, 2, 1), "certification")
    assert not refused["allowed"] and codes(refused) == expected and refused["obligations"] == []
    assert judge_mechanism(BAND, ciio, important, dt.date(2026, 2, 1), "standard_contract")["allowed"]


def test_mechanism_allowed_reads_the_declaration_and_the_pathway() -> None:
    raw = declaration(transfer(150_000), as_of="2026-01-05")
    assert mechanism_allowed(validate_declaration(raw), determine(raw), "certification")["allowed"]
    heavy = declaration(transfer(10, important=True), as_of="2026-01-05")
    refused = mechanism_allowed(validate_declaration(heavy), determine(heavy), "certification")
    assert codes(refused) == ["mechanism_not_this_pathway", "certification_important_data"]
    with pytest.raises(ValueError, match="mechanism"):
        mechanism_allowed(validate_declaration(raw), determine(raw), "filing")


# Validity from the result, by the rules on the decision date (cbdf-2024 art 9 prevailing by art 13).
@pytest.mark.parametrize(("declared", "decided", "years", "until", "cited"), [
    ("cac-2022", "2024-03-21", 2, "2026-03-21", {("sa-measures-2022", "14")}),
    ("cac-2022", "2024-03-22", 3, "2027-03-22", {("cbdf-2024", "9"), ("cbdf-2024", "13")}),
    ("cac-2024", "2025-06-30", 3, "2028-06-30", {("cbdf-2024", "9")}),
])
def test_validity_follows_the_decision_date(declared: str, decided: str, years: int, until: str,
                                            cited: set) -> None:
    found = valid_until("security_assessment", declared, decided)
    assert (found["years"], found["valid_until"]) == (years, until)
    assert {(b["instrument"], b["article"]) for b in found["legal_basis"]} == cited


def test_only_an_assessment_has_a_validity_by_law() -> None:
    with pytest.raises(ValueError):
        valid_until(BAND, "cac-2024", "2025-06-30")


def test_the_extension_window_is_the_last_60_working_days() -> None:
    window = extension_window("2027-03-22")
    assert (window["window"], window["due"]) == ("within_last", "2027-03-22")
    opens = dt.date.fromisoformat(window["opens"])
    assert in_extension_window("2027-03-22", opens) and not in_extension_window("2027-03-22",
                                                                               opens - dt.timedelta(days=1))
    assert not in_extension_window("2027-03-22", "2027-03-23")


ANSWERS = {"purpose_scope_unchanged": True, "processor_recipient_unchanged": True,
           "persons_next_3_years": 120_000, "persons_approved_past_3_years": 100_000,
           "important_data_next_3_years": None, "important_data_approved_past_3_years": None,
           "legal_documents_six_clauses": True, "no_major_incident": True}


def test_all_six_conditions_met_may_apply_at_exactly_120_percent() -> None:
    found = extension_check(ANSWERS, on="2026-08-01")
    assert (found["outcome"], found["failed"], len(found["conditions"])) == (MAY_APPLY, [], 6)
    assert not found["provisional"]


@pytest.mark.parametrize(("changes", "failed"), [
    ({"persons_next_3_years": 120_001}, ["persons_growth"]),
    ({"important_data_next_3_years": 1_201, "important_data_approved_past_3_years": 1_000},
     ["important_data_growth"]),
    ({"important_data_next_3_years": 5}, ["important_data_growth"]),
    ({"purpose_scope_unchanged": False, "no_major_incident": False}, ["purpose_scope_unchanged",
                                                                       "no_major_incident"]),
    ({"processor_recipient_unchanged": False, "legal_documents_six_clauses": False},
     ["processor_recipient_unchanged", "legal_documents_six_clauses"]),
])
def test_a_failed_condition_means_declare_anew(changes: dict, failed: list[str]) -> None:
    found = extension_check({**ANSWERS, **changes})
    assert found["outcome"] == DECLARE_ANEW
    assert [f["id"] for f in found["failed"]] == failed
    assert all(f["zh"] and f["legal_basis"] for f in found["failed"])


def test_extension_answers_are_validated() -> None:
    with pytest.raises(ExtensionAnswersInvalid) as caught:
        extension_check({"purpose_scope_unchanged": "yes", "persons_next_3_years": -1, "colour": "blue"})
    found = {(e["path"], e["code"]) for e in caught.value.errors}
    assert {("purpose_scope_unchanged", "type"), ("persons_next_3_years", "type"), ("colour", "unknown_field"),
            ("no_major_incident", "required"), ("persons_approved_past_3_years", "required")} <= found


def test_a_certificate_is_valid_three_years_and_renewal_falls_due_six_months_before() -> None:
    found = certificate_dates("2026-01-31")
    assert (found["valid_until"], found["renewal_due"]) == ("2029-01-31", "2028-07-31")
    assert certificate_dates("2026-08-31")["renewal_due"] == "2029-02-28"  # no 31 February
    assert found["legal_basis"] == [{"instrument": "pi-cert-measures-2025", "article": "8"}]
