"""The project's own public examples (examples/) hold through the CLI, judged as shared/tools/check-examples does."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from tests.helpers.law import bases, norm_path

EXAMPLES = sorted((pathlib.Path(__file__).resolve().parents[2] / "examples").glob("*.json"))


def problems(path: pathlib.Path) -> list[str]:
    """What `xborder assess` gets wrong for one example (empty when it holds)."""
    case = json.loads(path.read_text(encoding="utf-8"))
    expect = case["expect"]
    run = subprocess.run([sys.executable, "-m", "xborder", "assess", "-"], capture_output=True, text=True,
                         input=json.dumps(case["declaration"], ensure_ascii=False), timeout=120, check=False)
    if run.returncode != expect["exit"]:
        return [f"{path.name}: exit {run.returncode}, expected {expect['exit']}: {run.stderr[-300:]}"]
    if run.returncode == 2:
        paths = [norm_path(e["path"]) for e in json.loads(run.stderr)["errors"]]
        return [f"{path.name}: no error at {want}" for want in expect.get("error_paths", [])
                if not any(p == want or p.startswith(want + "/") for p in paths)]
    got = json.loads(run.stdout)
    found = [f"{path.name}: {key} {got[key]}" for key in ("regime", "pathway") if got[key] != expect[key]]
    if [t["pathway"] for t in sorted(got["transfers"], key=lambda t: t["index"])] != expect["transfers"]:
        found.append(f"{path.name}: transfer pathways")
    cited = bases(got)
    for basis in expect.get("legal_basis", []):
        key = (basis["instrument"], basis["article"], basis.get("item", ""))
        if not any(f[:2] == key[:2] and (not key[2] or f[2] == key[2]) for f in cited):
            found.append(f"{path.name}: {key} not cited")
    return found


def test_every_project_example_holds_through_the_cli() -> None:
    assert len(EXAMPLES) >= 17
    # One process per example, as check-examples runs them; two at a time to keep the run short.
    with ThreadPoolExecutor(max_workers=2) as pool:
        found = [p for result in pool.map(problems, EXAMPLES) for p in result]
    assert found == []
