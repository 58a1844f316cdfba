"""Benchmark of the pathway engine alone: determinations per second and p50/p99 latency for a 20-transfer declaration.

usage: .venv/bin/python bench/assess.py [--iterations N] [--transfers N] [--json]

Measures two paths in-process, after a warm-up (the forms are loaded and compiled once, as in a running service):
validation + determination (what `POST /api/v1/assess` and `xborder assess` do per request), and determination
alone (what a case does when it is re-determined from a stored, validated declaration).
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import pathlib
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from xborder.law.declaration import validate_declaration  # noqa: E402
from xborder.law.pathway import determine_pathway  # noqa: E402

# A spread of what real declarations carry, so every branch of the engine is on the measured path.
_MIX: list[dict[str, Any]] = [
    {"pi": 4_000, "sensitive": 0, "exemption": None},
    {"pi": 12_000, "sensitive": 30, "exemption": None},
    {"pi": 800, "sensitive": 0, "exemption": "cross_border_hr"},
    {"pi": 2_500, "sensitive": 0, "exemption": "contract_with_individual"},
    {"pi": 0, "sensitive": 0, "exemption": "trade_academic_manufacturing"},
    {"pi": 0, "sensitive": 0, "exemption": None, "important": True},
    {"pi": 300, "sensitive": 0, "exemption": "transit", "transit": True},
    {"pi": 50, "sensitive": 0, "exemption": "emergency", "important": True},
]


def sample_declaration(transfers: int = 20) -> dict[str, Any]:
    """Return a raw (JSON-shaped) declaration with `transfers` transfers and two prior transfers."""
    items = []
    for index in range(transfers):
        shape = _MIX[index % len(_MIX)]
        items.append({
            "purpose": f"业务 {index}",
            "exemption": shape["exemption"],
            "recipient": {"name": f"Recipient {index}", "country": ["DE", "US", "SG", "HK"][index % 4],
                          "onward_transfer": index % 3 == 0},
            "data": {"pi_individuals": shape["pi"], "sensitive_pi_individuals": shape["sensitive"],
                     "important_data": shape.get("important", False), "core_data": False,
                     "transit_only": shape.get("transit", False), "categories": ["contact", "device"]},
        })
    return {
        "as_of": "2025-06-30",
        "exporter": {"name": "上海某智能制造有限公司", "uscc": "9131011552601815X1", "province": "310000",
                     "sector": "manufacturing", "is_ciio": False, "pi_subjects_processed": 250_000},
        "prior_transfers": [
            {"date": "2025-02-10", "pi_individuals": 30_000, "sensitive_pi_individuals": 0, "exemption": None},
            {"date": "2025-03-01", "pi_individuals": 9_000, "sensitive_pi_individuals": 0,
             "exemption": "cross_border_hr"},
        ],
        "transfers": items,
    }


def measure(call: Callable[[], object], iterations: int) -> dict[str, float]:
    """Time `call` `iterations` times after a warm-up; return throughput and latency percentiles in microseconds."""
    for _ in range(min(200, iterations)):
        call()
    gc.collect()
    samples = []
    clock = time.perf_counter
    started = clock()
    for _ in range(iterations):
        begin = clock()
        call()
        samples.append(clock() - begin)
    elapsed = clock() - started
    samples.sort()
    return {
        "per_second": iterations / elapsed,
        "p50_us": statistics.median(samples) * 1e6,
        "p99_us": samples[min(len(samples) - 1, int(len(samples) * 0.99))] * 1e6,
        "max_us": samples[-1] * 1e6,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures (a table, or JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=5000)
    parser.add_argument("--transfers", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    raw = sample_declaration(args.transfers)
    validated = validate_declaration(copy.deepcopy(raw))
    pathway = determine_pathway(validated)["pathway"]
    results = {
        "validate+determine": measure(lambda: determine_pathway(validate_declaration(raw)), args.iterations),
        "determine": measure(lambda: determine_pathway(validated), args.iterations),
    }
    if args.json:
        print(json.dumps({"transfers": args.transfers, "iterations": args.iterations, "pathway": pathway,
                          "results": results}, indent=2))
        return 0
    print(f"pathway engine, {args.transfers}-transfer declaration ({pathway}), {args.iterations} iterations, "
          f"Python {sys.version.split()[0]}")
    print(f"{'path':<20} {'per second':>12} {'p50 µs':>10} {'p99 µs':>10} {'max µs':>10}")
    for name, figures in results.items():
        print(f"{name:<20} {figures['per_second']:>12,.0f} {figures['p50_us']:>10,.0f} {figures['p99_us']:>10,.0f} "
              f"{figures['max_us']:>10,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
