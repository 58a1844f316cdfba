"""forms/inventory/: every citation names an article forms/instruments.yaml knows, and the template is consistent."""

from __future__ import annotations

from xborder.inventory import spec
from xborder.law import catalogue


def _citations():
    for name in ("data_level", "industrial_level", "document_kind"):
        for entry in spec.vocabulary(name):
            yield from entry["legal_basis"]
    yield from spec.declaring_rules()["legal_basis"]
    yield from spec.declaring_warning("already_in_open_case")["legal_basis"]
    for trigger in spec.triggers():
        yield from trigger["legal_basis"]


def test_every_citation_exists():
    missing = [c for c in _citations() if not catalogue.article_exists(c["instrument"], c["article"], c.get("item"))]
    assert missing == []


def test_template_columns_are_typed_and_vocabularies_exist():
    for sheet in spec.sheets():
        assert set(sheet.key) <= {c.id for c in sheet.columns}
        for column in sheet.columns:
            assert column.type in ("text", "count", "bool", "date", "country", "vocabulary", "scenario")
            if column.type == "vocabulary":
                assert spec.vocabulary(column.vocabulary)
            if column.type == "text":
                assert column.max


def test_trigger_fields_name_template_columns():
    known = {f"{s.id}.{c.id}" for s in spec.sheets() for c in s.columns} | {"documents", "removed"}
    assert {f for t in spec.triggers() for f in t["fields"]} <= known


def test_counted_levels_are_the_declaration_counts():
    counted = {e["counts_as"] for e in spec.vocabulary("data_level")} - {None}
    assert counted == {"pi_individuals", "sensitive_pi_individuals"}
