"""The test suite's own shape: shared helpers live in tests/helpers/, and no test module, conftest or helper imports
another test module or a conftest (imports inside functions count too). Fixtures are found by pytest, not imported."""

from __future__ import annotations

import ast
import pathlib

TESTS = pathlib.Path(__file__).resolve().parent
# Modules that sit in tests/ and could be imported by their bare name (pytest puts their folder on sys.path).
LOCAL_NAMES = {path.stem for path in TESTS.rglob("*.py")} - {"__init__"}


def _imports(path: pathlib.Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, relative ones written with their leading dots."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, "." * node.level + (node.module or "")))
    return found


def offending_imports(root: pathlib.Path = TESTS) -> list[str]:
    """Every import under `root` of a test module, a conftest or a bare-named local module: `file:line module`."""
    bad = []
    for path in sorted(root.rglob("*.py")):
        for line, module in _imports(path):
            top = module.split(".")[0]
            allowed = module == "tests.helpers" or module.startswith("tests.helpers.")
            if module.startswith(".") or (top == "tests" and not allowed) or top in LOCAL_NAMES:
                bad.append(f"{path.relative_to(root.parent)}:{line} {module}")
    return bad


def test_no_test_module_imports_another():
    assert offending_imports() == []


def test_the_check_catches_imports_of_test_modules_and_conftests(tmp_path):
    """The rule itself, on a small tree: what a newcomer might write is caught, helpers and libraries are not."""
    folder = tmp_path / "tests"
    folder.mkdir()
    (folder / "test_a.py").write_text(
        "from tests.api.test_workflow import act\n"
        "from tests.helpers.api import act\n"
        "import pytest\n"
        "def f():\n"
        "    from tests.web.conftest import sign_in\n"
        "    from .test_b import x\n"
        "    import conftest\n")
    assert offending_imports(folder) == [
        "tests/test_a.py:1 tests.api.test_workflow",
        "tests/test_a.py:5 tests.web.conftest",
        "tests/test_a.py:6 .test_b",
        "tests/test_a.py:7 conftest",
    ]
