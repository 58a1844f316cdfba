"""The compiled checker (xborder/law/checker.py) and marshmallow's `Schema.load` agree on every declaration."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import marshmallow as ma
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.law import declaration, prior, transfer
from xborder.law.checker import compile_schema
from xborder.law.declaration import DeclarationInvalid, validate_declaration, validate_declaration_reference

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-3, max_value=2_000_000), st.floats(allow_nan=False),
    st.sampled_from(["", "  ", "DE", "cn", "CN", "XX", "hk", "310000", "710000", "2025-06-30", "2025-02-30",
                     "2021-01-01", "2025-07-01", "2025-01-01", "9131011552601815X1", "9131011552601815X2",
                     "transit", "cross_border_hr", "emergency", "nope", "contact"]),
    st.text(max_size=5),
)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "name", "data", "date"]), inner, max_size=3)),
    max_leaves=6)
KEYS = ["as_of", "exporter", "prior_transfers", "transfers", "name", "uscc", "province", "sector", "is_ciio",
        "pi_subjects_processed", "date", "pi_individuals", "sensitive_pi_individuals", "exemption", "purpose",
        "recipient", "data", "country", "onward_transfer", "important_data", "core_data", "transit_only",
        "categories", "surprise"]


def outcome(validate, raw: Any) -> tuple[str, Any]:
    """What a validator did: the loaded declaration, or its errors in a canonical order.

    marshmallow reports several unknown fields of one object in set order (hash-seeded), so errors are compared as
    a sorted list: same paths, codes and messages, however they were ordered.
    """
    try:
        return "valid", validate(copy.deepcopy(raw))
    except DeclarationInvalid as exc:
        return "invalid", sorted(tuple(sorted(error.items())) for error in exc.errors)


def nodes(document: Any, path: tuple = ()) -> list[tuple]:
    """Every container path in a document (objects and lists), the root included."""
    found = [path]
    items = document.items() if isinstance(document, dict) else enumerate(document) if isinstance(
        document, list) else ()
    for key, value in items:
        if isinstance(value, dict | list):
            found += nodes(value, (*path, key))
    return found


def at(document: Any, path: tuple) -> Any:
    for key in path:
        document = document[key]
    return document


@st.composite
def mutated_declarations(draw) -> Any:
    """A valid declaration, then a few edits anywhere: a value replaced, a key removed or an unknown key added."""
    raw = declaration(*[transfer(draw(st.integers(0, 2_000_000)), draw(st.integers(0, 20_000)),
                                 important=draw(st.booleans()), exemption=draw(st.sampled_from(
                                     [None, "transit", "cross_border_hr", "contract_with_individual"])))
                        for _ in range(draw(st.integers(1, 3)))],
                      as_of=draw(st.sampled_from(["2023-09-01", "2024-03-21", "2024-03-22", "2025-06-30"])),
                      processed=draw(st.one_of(st.none(), st.integers(0, 2_000_000))),
                      priors=[prior("2025-02-10", 30_000)] * draw(st.integers(0, 2)))
    for _ in range(draw(st.integers(0, 4))):
        container = at(raw, draw(st.sampled_from(nodes(raw))))
        if isinstance(container, dict):
            action = draw(st.sampled_from(["replace", "remove", "add"]))
            if action == "add" or not container:
                container[draw(st.sampled_from(KEYS))] = draw(JSON)
            elif action == "remove":
                del container[draw(st.sampled_from(sorted(container)))]
            else:
                container[draw(st.sampled_from(sorted(container)))] = draw(JSON)
        elif isinstance(container, list):
            if container and draw(st.booleans()):
                container[draw(st.integers(0, len(container) - 1))] = draw(JSON)
            else:
                container.append(draw(JSON))
    return raw


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_declarations())
def test_the_compiled_checker_agrees_with_marshmallow_on_mutated_declarations(raw: Any) -> None:
    assert outcome(validate_declaration, raw) == outcome(validate_declaration_reference, raw)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_the_compiled_checker_agrees_with_marshmallow_on_any_json(raw: Any) -> None:
    assert outcome(validate_declaration, raw) == outcome(validate_declaration_reference, raw)


def test_a_valid_declaration_loads_identically_including_defaults_and_normalisation() -> None:
    raw = declaration(transfer(80_000, country="de"), priors=[prior("2025-02-10", 30_000)])
    raw["exporter"]["uscc"] = "91310115 52601815x1"
    del raw["transfers"][0]["data"]["categories"]
    assert validate_declaration(raw) == validate_declaration_reference(raw)
    assert validate_declaration(raw)["as_of"] == dt.date(2025, 6, 30)


def test_a_schema_feature_the_checker_does_not_know_is_refused_at_compile_time() -> None:
    class Renamed(ma.Schema):
        value = ma.fields.Integer(data_key="Value")

    class Hooked(ma.Schema):
        value = ma.fields.Integer()

        @ma.pre_load
        def _touch(self, data, **kwargs):
            return data

    for schema in (Renamed(), Hooked()):
        with pytest.raises(TypeError):
            compile_schema(schema)
