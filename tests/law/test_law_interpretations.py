"""The named interpretations are switches in forms: turning one off changes the outcome the way it says."""

from __future__ import annotations

import pathlib
import shutil
from collections.abc import Iterator

import pytest
import yaml

from tests.helpers.law import declaration, determine, interpretation_ids, pathways, prior, transfer
from xborder.law import catalogue, formsdata

CAC_2024 = "regimes/2024-03-22-cac-2024.yaml"
CAC_2022 = "regimes/2022-09-01-cac-2022.yaml"


@pytest.fixture
def forms_copy(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[pathlib.Path]:
    """A private copy of forms/ that the engine reads instead of the real one for the length of a test."""
    copy = tmp_path / "forms"
    shutil.copytree(formsdata.FORMS_DIR, copy)
    monkeypatch.setattr(formsdata, "FORMS_DIR", copy)
    formsdata.clear_cache()
    yield copy
    monkeypatch.undo()
    formsdata.clear_cache()


def switch(forms: pathlib.Path, relpath: str, rule: str, enabled: bool) -> None:
    path = forms / relpath
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for interpretation in document["interpretations"]:
        if interpretation["id"] == rule:
            interpretation["enabled"] = enabled
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    formsdata.clear_cache()


def test_exempt_transfers_are_counted_when_the_rule_is_off(forms_copy: pathlib.Path) -> None:
    raw = declaration(transfer(20_000), priors=[prior("2025-02-01", 90_000, 0, "cross_border_hr")])
    assert pathways(determine(raw)) == ["exempt"]
    switch(forms_copy, CAC_2024, "exempt_transfers_not_counted", False)
    determination = determine(raw)
    assert pathways(determination) == ["standard_contract_or_certification"]
    assert determination["cumulative"]["pi_individuals"] == 110_000
    assert "exempt_transfers_not_counted" not in interpretation_ids(determination)


def test_processor_level_reading_when_kinds_are_not_judged_separately(forms_copy: pathlib.Path) -> None:
    raw = declaration(transfer(50_000), transfer(0, 20_000))
    assert pathways(determine(raw)) == ["exempt", "security_assessment"]
    switch(forms_copy, CAC_2024, "pathway_by_pi_kind_carried", False)
    assert pathways(determine(raw)) == ["security_assessment", "security_assessment"]


def test_transit_fact_needs_a_claim_when_the_rule_is_off(forms_copy: pathlib.Path) -> None:
    raw = declaration(transfer(2_000_000, transit=True))
    switch(forms_copy, CAC_2024, "transit_fact_applies_art4", False)
    assert pathways(determine(raw)) == ["security_assessment"]
    assert pathways(determine(declaration(transfer(2_000_000, transit=True, exemption="transit")))) == ["exempt"]


def test_prior_claims_judged_by_todays_regime_when_the_rule_is_off(forms_copy: pathlib.Path) -> None:
    raw = declaration(transfer(20_000), as_of="2024-06-01", priors=[prior("2024-02-01", 90_000, 0, "cross_border_hr")])
    assert pathways(determine(raw)) == ["standard_contract_or_certification"]
    switch(forms_copy, CAC_2024, "prior_exemption_by_its_date", False)
    assert pathways(determine(raw)) == ["exempt"]


def test_all_pi_as_the_larger_kind_when_the_sum_is_off(forms_copy: pathlib.Path) -> None:
    raw = declaration(transfer(60_000, 40_000), as_of="2023-09-01")
    assert determine(raw)["cumulative"]["all_pi_individuals"] == 100_000
    switch(forms_copy, CAC_2022, "all_pi_sum_of_kinds", False)
    determination = determine(raw)
    assert determination["cumulative"]["all_pi_individuals"] == 60_000
    assert "all_pi_sum_of_kinds" not in interpretation_ids(determination)


def test_a_broken_citation_in_forms_is_refused(forms_copy: pathlib.Path) -> None:
    path = forms_copy / CAC_2024
    path.write_text(path.read_text(encoding="utf-8").replace('{instrument: cbdf-2024, article: "8"}',
                                                             '{instrument: cbdf-2024, article: "88"}'),
                    encoding="utf-8")
    formsdata.clear_cache()
    problems = catalogue.check()
    assert len(problems) == 1
    assert "cbdf-2024" in problems[0] and "'88'" in problems[0]
