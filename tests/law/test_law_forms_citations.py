"""Every article cited anywhere in forms/ exists in forms/instruments.yaml; the new forms files match their schemas."""

from __future__ import annotations

import json
import pathlib
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import yaml

from xborder.law import catalogue, formsdata

FORMS = pathlib.Path(formsdata.FORMS_DIR)
YAML_FILES = sorted(p for p in FORMS.rglob("*.yaml") if "schema" not in p.parts)
NEW_FILES = [("ftz/zones.yaml", "ftz.json"), ("certification.yaml", "certification.json"),
             ("extension.yaml", "extension.json"), ("deadlines/2022-09-01.yaml", "deadlines.json")]


def citations(node: Any, where: str) -> Iterator[tuple[str, str, str, str | None]]:
    if isinstance(node, dict):
        if "instrument" in node and "article" in node:
            item = node.get("item")
            yield where, str(node["instrument"]), str(node["article"]), None if item is None else str(item)
        for key, value in node.items():
            yield from citations(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from citations(value, f"{where}/{index}")


def test_every_cited_article_and_item_exists() -> None:
    found = [c for path in YAML_FILES
             for c in citations(yaml.safe_load(path.read_text(encoding="utf-8")), str(path.relative_to(FORMS)))]
    assert len(found) > 100  # the walk does reach the files
    missing = [c for c in found if not catalogue.article_exists(c[1], c[2], c[3])]
    assert missing == []


def test_no_miit_article_24_and_art_21_carries_its_condition() -> None:
    for path in YAML_FILES:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"miit-ds-2022, article: \"24\"", text), path
    gist = catalogue.instrument("miit-ds-2022").articles["21"].gist_zh
    assert "法律、行政法规有境内存储要求的" in gist
    assert "24" not in catalogue.instrument("miit-ds-2022").articles


def test_the_corrected_gists() -> None:
    sa = catalogue.instrument("sa-measures-2022").articles
    assert "书面受理通知书" in sa["12"].gist_zh and "自受理之日" not in sa["12"].gist_zh
    assert "个人信息保护影响评估" in catalogue.instrument("sc-measures-2023").articles["8"].gist_zh


def test_cac_2022_important_data_reason_counts_what_the_processor_should_identify() -> None:
    from tests.helpers.law import declaration, determine, transfer

    old = determine(declaration(transfer(10, important=True), as_of="2023-09-01"))
    reason = next(r for r in old["transfers"][0]["reasons"] if r["code"] == "important_data")
    assert "自行识别" in reason["message_zh"] and {"instrument": "sa-measures-2022", "article": "19"} in \
        reason["legal_basis"]
    new = determine(declaration(transfer(10, important=True)))
    reason = next(r for r in new["transfers"][0]["reasons"] if r["code"] == "important_data")
    assert "告知或者公开发布" in reason["message_zh"] and "自行识别" not in reason["message_zh"]


@pytest.mark.parametrize(("relpath", "schema"), NEW_FILES, ids=[f for f, _ in NEW_FILES])
def test_new_forms_files_are_valid(relpath: str, schema: str) -> None:
    document = json.loads(json.dumps(yaml.safe_load((FORMS / relpath).read_text(encoding="utf-8")),
                                     default=lambda value: value.isoformat()))
    validator = jsonschema.Draft202012Validator(json.loads((FORMS / "schema" / schema).read_text(encoding="utf-8")),
                                                format_checker=jsonschema.FormatChecker())
    assert [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)] == []


def test_the_limits_messages_state_the_limits() -> None:
    from xborder.law.declaration import LIMITS, MESSAGES

    assert f"{LIMITS['max_count']:,}" in MESSAGES["max"][0]
    assert f"{LIMITS['max_transfers']:,}" in MESSAGES["max_items:transfers"][0]
    assert f"{LIMITS['max_prior_transfers']:,}" in MESSAGES["max_items:prior_transfers"][0]
    assert str(LIMITS["max_categories"]) in MESSAGES["max_items:categories"][0]
