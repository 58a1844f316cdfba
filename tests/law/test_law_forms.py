"""The law as data: every forms file this package reads is valid against its JSON Schema and consistent."""

from __future__ import annotations

import datetime as dt
import json
import pathlib

import jsonschema
import pytest
import yaml

from xborder.law import catalogue, formsdata

FORMS = pathlib.Path(formsdata.FORMS_DIR)
SCHEMAS = FORMS / "schema"
REGIME_FILES = sorted((FORMS / "regimes").glob("*.yaml"))
FILES = [("instruments.yaml", "instruments.json"), ("provinces.yaml", "provinces.json"),
         ("reasons.yaml", "reasons.json")] + [(f"regimes/{p.name}", "regimes.json") for p in REGIME_FILES]
SPEC_INSTRUMENTS = {"pipl", "dsl", "sa-measures-2022", "sc-measures-2023", "cbdf-2024", "ndsr-2024", "miit-ds-2022"}
SCENARIOS = ("trade_academic_manufacturing", "transit", "contract_with_individual", "cross_border_hr", "emergency",
             "ftz_outside_negative_list", "statutory_duty")


def _as_json(document: object) -> object:
    # YAML reads unquoted dates as dates; JSON Schema sees the ISO strings a JSON document would carry.
    return json.loads(json.dumps(document, default=lambda value: value.isoformat()))


@pytest.mark.parametrize(("relpath", "schema"), FILES, ids=[f for f, _ in FILES])
def test_forms_file_is_valid_against_its_schema(relpath: str, schema: str) -> None:
    document = _as_json(yaml.safe_load((FORMS / relpath).read_text(encoding="utf-8")))
    validator = jsonschema.Draft202012Validator(json.loads((SCHEMAS / schema).read_text(encoding="utf-8")),
                                                format_checker=jsonschema.FormatChecker())
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def test_a_schema_rejects_a_threshold_without_its_convention_fields() -> None:
    document = _as_json(yaml.safe_load(REGIME_FILES[-1].read_text(encoding="utf-8")))
    document["thresholds"]["pi_100k"] = {"value": 100000}
    validator = jsonschema.Draft202012Validator(json.loads((SCHEMAS / "regimes.json").read_text(encoding="utf-8")))
    assert not validator.is_valid(document)


def test_catalogue_compiles_without_problems() -> None:
    assert catalogue.check() == []


def test_instrument_ids_cover_the_contract() -> None:
    ids = {i.id for i in catalogue.instruments()}
    assert SPEC_INSTRUMENTS <= ids
    assert catalogue.instrument("cbdf-2024").in_force == dt.date(2024, 3, 22)
    assert catalogue.instrument("sc-measures-2023").in_force == dt.date(2023, 6, 1)
    assert catalogue.instrument("pipl").title_zh == "中华人民共和国个人信息保护法"


def test_article_exists_checks_articles_and_items() -> None:
    assert catalogue.article_exists("cbdf-2024", "7", "2")
    assert catalogue.article_exists("cbdf-2024", "5", "4")
    assert not catalogue.article_exists("cbdf-2024", "7", "3")
    assert not catalogue.article_exists("cbdf-2024", "99")
    assert not catalogue.article_exists("gdpr", "46")


def test_regimes_are_dated_back_to_back() -> None:
    first, second = catalogue.regimes()
    assert (first.id, first.effective_from, first.effective_to) == ("cac-2022", dt.date(2022, 9, 1),
                                                                    dt.date(2024, 3, 21))
    assert (second.id, second.effective_from, second.effective_to) == ("cac-2024", dt.date(2024, 3, 22), None)


@pytest.mark.parametrize(("day", "regime"), [
    ("2022-08-31", None), ("2022-09-01", "cac-2022"), ("2024-03-21", "cac-2022"), ("2024-03-22", "cac-2024"),
    ("2030-01-01", "cac-2024"),
])
def test_regime_for_a_date(day: str, regime: str | None) -> None:
    found = catalogue.regime_for(dt.date.fromisoformat(day))
    assert (found.id if found else None) == regime


def test_counting_windows_and_validity_are_data() -> None:
    cac2022, cac2024 = catalogue.regime("cac-2022"), catalogue.regime("cac-2024")
    assert cac2022.window_start(dt.date(2023, 1, 1)) == dt.date(2022, 1, 1)
    assert cac2024.window_start(dt.date(2025, 12, 31)) == dt.date(2025, 1, 1)
    assert (cac2022.assessment_validity_years, cac2024.assessment_validity_years) == (2, 3)


def test_exemption_not_counted_is_a_named_switchable_rule() -> None:
    assert catalogue.regime("cac-2024").enabled("exempt_transfers_not_counted")
    assert not catalogue.regime("cac-2022").enabled("exempt_transfers_not_counted")
    assert catalogue.regime("cac-2022").exemptions == {}


def test_the_seven_scenarios_exist_with_their_articles() -> None:
    assert catalogue.scenario_ids() == SCENARIOS
    cited = {s: [(c.instrument, c.article, c.item) for c in e.legal_basis if c.instrument != "ndsr-2024"
                 or s == "statutory_duty"] for s, e in catalogue.regime("cac-2024").exemptions.items()}
    assert cited == {"trade_academic_manufacturing": [("cbdf-2024", "3", None)], "transit": [("cbdf-2024", "4", None)],
                     "contract_with_individual": [("cbdf-2024", "5", "1")],
                     "cross_border_hr": [("cbdf-2024", "5", "2")], "emergency": [("cbdf-2024", "5", "3")],
                     "ftz_outside_negative_list": [("cbdf-2024", "6", None)],
                     "statutory_duty": [("ndsr-2024", "35", "6")]}


def test_thirty_one_provinces() -> None:
    provinces = catalogue.provinces()
    assert len(provinces) == 31
    assert provinces["310000"].name_zh == "上海市"
    assert provinces["650000"].name_en == "Xinjiang"
    assert catalogue.province("710000") is None  # Taiwan has a GB/T 2260 code but is outbound, not a province here


def test_every_rule_reason_and_obligation_has_bilingual_text() -> None:
    for regime in catalogue.regimes():
        for rule in regime.rules:
            assert set(catalogue.text("reasons", rule.id)) == {"zh", "en"}
        for obligation in regime.obligations:
            assert catalogue.text("obligations", obligation.code)["due_en"]


def test_reason_text_fills_placeholders() -> None:
    text = catalogue.reason_text("pi_100k_to_1m", "en", window_start="2025-01-01", pi="110,000",
                                 at_least_en="100,000 persons", below_en="1,000,000 persons")
    assert text.startswith("Since 2025-01-01, personal information (not sensitive) of 110,000 persons")


def test_citation_labels() -> None:
    assert catalogue.citation_label({"instrument": "cbdf-2024", "article": "7", "item": "2"}) == \
        "《促进和规范数据跨境流动规定》第七条第（二）项"
    assert catalogue.citation_label({"instrument": "pipl", "article": "39"}, "en") == "PIPL art. 39"
    assert [catalogue.zh_number(n) for n in (1, 10, 11, 20, 24, 55)] == ["一", "十", "十一", "二十", "二十四", "五十五"]


def test_cited_on_follows_in_force_dates() -> None:
    ndsr = catalogue.Citation("ndsr-2024", "37")
    csl37, csl39 = catalogue.Citation("csl", "37"), catalogue.Citation("csl", "39")
    assert not catalogue.cited_on(ndsr, dt.date(2024, 12, 31))
    assert catalogue.cited_on(ndsr, dt.date(2025, 1, 1))
    assert (catalogue.cited_on(csl37, dt.date(2025, 12, 31)), catalogue.cited_on(csl39, dt.date(2025, 12, 31))) == \
        (True, False)
    assert (catalogue.cited_on(csl37, dt.date(2026, 1, 1)), catalogue.cited_on(csl39, dt.date(2026, 1, 1))) == \
        (False, True)


def test_clearing_the_cache_recompiles() -> None:
    before = catalogue.regime("cac-2024")
    formsdata.clear_cache()
    after = catalogue.regime("cac-2024")
    assert after is not before
    assert after.id == before.id
