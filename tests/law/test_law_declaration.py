"""Validation of declarations: exact error paths and codes, every error collected, bilingual messages."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import pathlib
from typing import Any

import pytest

from tests.helpers.law import USCC, declaration, error_pairs, norm_path, prior, transfer
from xborder.law.declaration import MESSAGES, DeclarationInvalid, validate_declaration

EX08 = pathlib.Path(os.environ.get("XBORDER_SPEC_EXAMPLES", "/work/shared/spec/examples"),
                    "ex08-recipient-in-china.json")


def errors_of(raw: Any) -> list[dict[str, str]]:
    with pytest.raises(DeclarationInvalid) as caught:
        validate_declaration(raw)
    return caught.value.errors


def with_change(path: str, value: Any, raw: dict | None = None) -> dict[str, Any]:
    """A valid declaration with the value at a `/` path replaced (or a new key added)."""
    raw = copy.deepcopy(raw or declaration(priors=[prior("2025-02-10", 100)]))
    *parents, leaf = path.split("/")
    node: Any = raw
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(leaf)] = value
    else:
        node[leaf] = value
    return raw


def without(path: str) -> dict[str, Any]:
    raw = declaration(priors=[prior("2025-02-10", 100)])
    *parents, leaf = path.split("/")
    node: Any = raw
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    del node[leaf]
    return raw


def test_a_valid_declaration_is_normalised() -> None:
    raw = declaration(transfer(80000, country="de"), priors=[prior("2025-02-10", 30000)])
    raw["exporter"]["uscc"] = "91310115 52601815x1"
    loaded = validate_declaration(raw)
    assert loaded["as_of"] == dt.date(2025, 6, 30)
    assert loaded["prior_transfers"][0]["date"] == dt.date(2025, 2, 10)
    assert loaded["exporter"]["uscc"] == USCC
    assert loaded["transfers"][0]["recipient"]["country"] == "DE"


def test_defaults_are_filled_and_conservative() -> None:
    raw = declaration()
    del raw["prior_transfers"]
    for key in ("purpose", "exemption"):
        del raw["transfers"][0][key]
    for key in ("transit_only", "categories"):
        del raw["transfers"][0]["data"][key]
    del raw["transfers"][0]["recipient"]["onward_transfer"]
    loaded = validate_declaration(raw)
    assert loaded["prior_transfers"] == []
    assert loaded["transfers"][0]["exemption"] is None
    assert loaded["transfers"][0]["data"]["transit_only"] is False
    assert loaded["transfers"][0]["data"]["categories"] == []
    assert loaded["transfers"][0]["recipient"]["onward_transfer"] is False


def test_validation_is_idempotent() -> None:
    once = validate_declaration(declaration(priors=[prior("2025-01-01", 5)]))
    assert validate_declaration(copy.deepcopy(once)) == once


@pytest.mark.parametrize(("path", "value", "code"), [
    ("transfers/0/data/pi_individuals", -1, "min"),
    ("transfers/0/data/pi_individuals", True, "type"),
    ("transfers/0/data/sensitive_pi_individuals", False, "type"),
    ("transfers/0/data/pi_individuals", 1.5, "type"),
    ("transfers/0/data/pi_individuals", 10.0, "type"),
    ("transfers/0/data/pi_individuals", "5", "type"),
    ("transfers/0/data/pi_individuals", None, "null"),
    ("exporter/pi_subjects_processed", -5, "min"),
    ("exporter/pi_subjects_processed", True, "type"),
    ("prior_transfers/0/pi_individuals", -1, "min"),
    ("prior_transfers/0/sensitive_pi_individuals", True, "type"),
    ("transfers/0/data/important_data", 1, "type"),
    ("transfers/0/data/core_data", "false", "type"),
    ("exporter/is_ciio", 0, "type"),
    ("as_of", "2022-08-31", "unsupported_date"),
    ("as_of", "2021-01-01", "unsupported_date"),
    ("as_of", "2025-02-30", "format"),
    ("as_of", "2025/06/30", "format"),
    ("as_of", "2025-06-30T00:00:00", "format"),
    ("as_of", 20250630, "type"),
    ("prior_transfers/0/date", "2025-07-01", "after_as_of"),
    ("prior_transfers/0/date", "yesterday", "format"),
    ("exporter/uscc", "9131011552601815X2", "uscc_checksum"),
    ("exporter/uscc", "913101155260181", "uscc_length"),
    ("exporter/uscc", "9131011552601815I1", "uscc_format"),
    ("exporter/uscc", 9131011552601815, "type"),
    ("exporter/province", "710000", "unknown_province"),
    ("exporter/province", "310100", "unknown_province"),
    ("exporter/province", 310000, "type"),
    ("exporter/name", "   ", "blank"),
    ("transfers/0/recipient/country", "CN", "not_abroad"),
    ("transfers/0/recipient/country", "cn", "not_abroad"),
    ("transfers/0/recipient/country", "XX", "unknown_country"),
    ("transfers/0/recipient/country", "DEU", "unknown_country"),
    ("transfers/0/exemption", "hr", "one_of"),
    ("prior_transfers/0/exemption", "de_minimis", "one_of"),
    ("transfers/0/data", [], "type"),
    ("transfers/0", "a transfer", "type"),
    ("exporter", None, "null"),
    ("transfers", [], "min_items"),
    ("transfers", {}, "type"),
    ("prior_transfers", "none", "type"),
    ("transfers/0/data/categories", ["contact", 5], "type"),
])
def test_field_errors_have_exact_paths_and_codes(path: str, value: Any, code: str) -> None:
    errors = errors_of(with_change(path, value))
    expected_path = "transfers/0/data/categories/1" if path.endswith("categories") else path
    assert error_pairs(errors) == {(expected_path, code)}


@pytest.mark.parametrize("country", ["HK", "MO", "TW", "US", "SG"])
def test_hong_kong_macao_taiwan_are_outbound(country: str) -> None:
    loaded = validate_declaration(with_change("transfers/0/recipient/country", country))
    assert loaded["transfers"][0]["recipient"]["country"] == country


@pytest.mark.parametrize("path", ["as_of", "exporter", "transfers", "exporter/uscc", "exporter/province",
                                  "exporter/is_ciio", "exporter/name", "transfers/0/recipient",
                                  "transfers/0/recipient/country", "transfers/0/data",
                                  "transfers/0/data/pi_individuals", "transfers/0/data/important_data",
                                  "transfers/0/data/core_data", "prior_transfers/0/date"])
def test_required_fields(path: str) -> None:
    assert error_pairs(errors_of(without(path))) == {(path, "required")}


@pytest.mark.parametrize("path", ["surprise", "exporter/surprise", "prior_transfers/0/surprise",
                                  "transfers/0/surprise", "transfers/0/recipient/surprise",
                                  "transfers/0/data/pi_individual"])
def test_unknown_fields_are_rejected_at_every_level(path: str) -> None:
    assert error_pairs(errors_of(with_change(path, 1))) == {(path, "unknown_field")}


@pytest.mark.parametrize("body", [[], [declaration()], "declaration", None, 5, True])
def test_a_body_that_is_not_an_object_is_one_error_at_the_root(body: Any) -> None:
    assert error_pairs(errors_of(body)) == {("", "type")}


def test_pi_subjects_processed_is_required_only_by_cac_2022() -> None:
    assert error_pairs(errors_of(declaration(as_of="2023-09-01", processed=None))) == {
        ("exporter/pi_subjects_processed", "required")}
    assert validate_declaration(declaration(as_of="2024-03-22", processed=None))["exporter"][
        "pi_subjects_processed"] is None


def test_a_prior_transfer_on_as_of_is_allowed() -> None:
    loaded = validate_declaration(declaration(priors=[prior("2025-06-30", 1)]))
    assert loaded["prior_transfers"][0]["date"] == dt.date(2025, 6, 30)


def test_every_error_is_collected() -> None:
    raw = declaration(transfer(-1, True, exemption="nope"), transfer(5, country="CN"),
                      priors=[prior("2025-07-01", 1), prior("2025-01-01", -3)])
    raw["exporter"]["uscc"] = "9131011552601815X2"
    raw["exporter"]["province"] = "999999"
    raw["typo"] = True
    raw["transfers"][1]["data"]["extra"] = 1
    assert error_pairs(errors_of(raw)) == {
        ("exporter/uscc", "uscc_checksum"), ("exporter/province", "unknown_province"),
        ("prior_transfers/1/pi_individuals", "min"), ("prior_transfers/0/date", "after_as_of"),
        ("transfers/0/exemption", "one_of"), ("transfers/0/data/pi_individuals", "min"),
        ("transfers/0/data/sensitive_pi_individuals", "type"), ("transfers/1/recipient/country", "not_abroad"),
        ("transfers/1/data/extra", "unknown_field"), ("typo", "unknown_field"),
    }


def test_errors_are_bilingual() -> None:
    errors = errors_of(with_change("transfers/0/data/pi_individuals", -1))
    assert errors == [{"path": "transfers/0/data/pi_individuals", "code": "min", "message_en": "Must be 0 or more.",
                       "message_zh": "不能小于 0。"}]
    for key, (english, chinese) in MESSAGES.items():
        assert english and chinese and english != chinese, key


def test_ex08_recipient_in_china() -> None:
    case = json.loads(EX08.read_text(encoding="utf-8"))
    errors = errors_of(case["declaration"])
    paths = [norm_path(e["path"]) for e in errors]
    for want in case["expect"]["error_paths"]:
        assert want in paths
    assert error_pairs(errors) == {("transfers/0/recipient/country", "not_abroad")}


def test_declaration_invalid_says_what_is_wrong() -> None:
    with pytest.raises(DeclarationInvalid, match=r"1 problem\(s\) in the declaration: transfers/0/recipient/country"):
        validate_declaration(with_change("transfers/0/recipient/country", "CN"))
