"""The public examples of the contract hold for the engine, judged the way shared/tools/check-examples judges them."""

from __future__ import annotations

import json
import os
import pathlib
from typing import Any

import pytest

from tests.helpers.law import bases, norm_path
from xborder.law.declaration import DeclarationInvalid, validate_declaration
from xborder.law.pathway import determine_pathway

# The contract's public examples; XBORDER_SPEC_EXAMPLES points elsewhere when the shared tree lives somewhere else.
EXAMPLES_DIR = pathlib.Path(os.environ.get("XBORDER_SPEC_EXAMPLES", "/work/shared/spec/examples"))
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.json"))


def run(declaration: Any) -> tuple[int, Any]:
    """Exit code and output as `xborder assess` would give them: 0 and the determination, or 2 and the errors."""
    try:
        return 0, determine_pathway(validate_declaration(declaration))
    except DeclarationInvalid as exc:
        return 2, exc.errors


def test_the_examples_are_there() -> None:
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_holds(path: pathlib.Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    expect = case["expect"]
    exit_code, output = run(case["declaration"])
    assert exit_code == expect["exit"]
    if exit_code == 2:
        paths = [norm_path(e["path"]) for e in output]
        for want in expect.get("error_paths", []):
            assert any(p == want or p.startswith(want + "/") for p in paths), (want, paths)
        return
    assert (output["regime"], output["pathway"]) == (expect["regime"], expect["pathway"])
    assert [t["pathway"] for t in sorted(output["transfers"], key=lambda t: t["index"])] == expect["transfers"]
    found = bases(json.loads(json.dumps(output)))
    for basis in expect.get("legal_basis", []):
        key = (basis["instrument"], basis["article"], basis.get("item", ""))
        assert any(f[:2] == key[:2] and (not key[2] or f[2] == key[2]) for f in found), key
