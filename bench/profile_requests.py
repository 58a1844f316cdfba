"""Where the milliseconds of each request go: `/api/v1/assess` and each operation of bench/load.py's mix, in-process.

    .venv/bin/python bench/seed_scale.py --database xborder_scale   # once
    .venv/bin/python bench/profile_requests.py [--database xborder_scale] [--requests 200] [--top 12] > bench/PROFILE.md

Each operation goes through the whole Flask app (Flask's test client, no server, no network) on the scale database:
per operation the mean wall time, the process's CPU time per request (the client's included; other load on the machine
moves it far less than the wall time), the SQL statements per request and the time spent in them (SQLAlchemy's cursor
events), then cProfile's functions with the most time of their own. Prints Markdown.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pathlib
import pstats
import statistics
import sys
import time
from collections.abc import Callable

import sqlalchemy as sa

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from bench.assess import sample_declaration  # noqa: E402
from bench.seed_scale import NAME, PG, app_for, bench_tokens  # noqa: E402
from tests.helpers.factories import declaration  # noqa: E402


class SqlCounter:
    """Counts the statements sent to the database and the time spent in them."""

    def __init__(self, engine: sa.Engine):
        self.statements, self.seconds = 0, 0.0
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info["xb_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements += 1
        self.seconds += time.perf_counter() - conn.info.pop("xb_started", time.perf_counter())

    def reset(self) -> None:
        self.statements, self.seconds = 0, 0.0


def operations(client, tokens: dict[str, str], uscc: str) -> dict[str, Callable[[], int]]:
    """The operations of bench/load.py's mix (plus case detail), each a callable returning the HTTP status."""
    assess_body = sample_declaration(20)
    create_body = declaration(uscc)
    created: list[dict] = []

    def auth(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[role]}"}

    def create() -> int:
        response = client.post("/api/v1/cases", json={"title": "剖析", "declaration": create_body},
                               headers=auth("writer"))
        created.append(response.get_json())
        return response.status_code

    def withdraw() -> int:
        case = created.pop()
        return client.post(f"/api/v1/cases/{case['id']}/transitions", headers=auth("writer"),
                           json={"action": "withdraw", "version": case["version"], "comment": "剖析"}).status_code

    return {
        "POST /assess (20 transfers)": lambda: client.post("/api/v1/assess", json=assess_body).status_code,
        "enterprise list": lambda: client.get("/api/v1/cases", headers=auth("enterprise")).status_code,
        "official status filter": lambda: client.get("/api/v1/cases?status=provincial_review",
                                                     headers=auth("official")).status_code,
        "assessor list": lambda: client.get("/api/v1/cases", headers=auth("assessor")).status_code,
        "official counts": lambda: client.get("/api/v1/cases/counts", headers=auth("official")).status_code,
        # A case the bench created: the seeded ones carry a bare declaration that the detail's determination refuses.
        "enterprise case detail": lambda: client.get(f"/api/v1/cases/{created[0]['id']}",
                                                     headers=auth("writer")).status_code,
        "create case": create,
        "withdraw case": withdraw,
    }


def prepare(url: str):
    """The app on the scale database and bearer tokens for the three roles plus a fresh exporter for the writes."""
    app = app_for(url)
    tokens, uscc = bench_tokens(app, name="剖析企业", email_prefix="profile", uscc_base=900_000, uscc_span=90_000)
    return app, tokens, uscc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=NAME)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--only", help="profile only the operations whose name contains this")
    args = parser.parse_args()

    from xborder.extensions import db

    app, tokens, uscc = prepare(f"{PG}/{args.database}")
    client = app.test_client()
    with app.app_context():
        counter = SqlCounter(db.engine)
    ops = operations(client, tokens, uscc)
    if args.only:
        ops = {name: op for name, op in ops.items() if args.only in name}
    rows, profiles = [], []
    # Creation first in each pass so that every withdrawal has a case of its own.
    order = sorted(ops, key=lambda name: (name != "create case", name == "withdraw case"))
    for name in order:
        op = ops[name]
        for _ in range(10):  # warm-up (creation makes cases the warm-up withdrawals use)
            if name == "withdraw case":
                ops["create case"]()
            assert op() < 400, name
        if name == "withdraw case":
            for _ in range(args.requests):
                ops["create case"]()
        counter.reset()
        times = []
        cpu_started = time.process_time()
        for _ in range(args.requests):
            started = time.perf_counter()
            status = op()
            times.append((time.perf_counter() - started) * 1000)
            assert status < 400, (name, status)
        cpu_ms = (time.process_time() - cpu_started) * 1000 / args.requests
        statements, sql_ms = counter.statements / args.requests, counter.seconds * 1000 / args.requests
        if name == "withdraw case":  # the profiled pass needs cases of its own too
            for _ in range(args.requests):
                ops["create case"]()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            op()
        profiler.disable()
        times.sort()
        rows.append((name, statistics.mean(times), times[len(times) // 2], times[int(len(times) * 0.95) - 1],
                     cpu_ms, statements, sql_ms))
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(args.top)
        profiles.append((name, out.getvalue()))
    print(f"In-process (Flask test client), database {args.database}, {args.requests} requests per operation, "
          f"Python {sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.\n")
    print("| operation | mean ms | p50 ms | p95 ms | CPU ms / request | SQL statements / request | SQL ms / request |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, mean, p50, p95, cpu_ms, statements, sql_ms in rows:
        print(f"| {name} | {mean:.2f} | {p50:.2f} | {p95:.2f} | {cpu_ms:.2f} | {statements:.1f} | {sql_ms:.2f} |")
    for name, text in profiles:
        lines = [line for line in text.splitlines() if line.strip()]
        start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
        print(f"\n### {name}: cProfile, {args.requests} requests, by own time\n\n```")
        print("\n".join(lines[start:]).replace(str(pathlib.Path(sys.prefix).parent) + "/", ""))
        print("```")


if __name__ == "__main__":
    main()
