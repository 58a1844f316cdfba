"""Mixed load from the three roles against gunicorn (`xborder serve`'s worker model) on PostgreSQL + Redis, with
the ratio to a hello-world Flask app on the same settings measured in the same run.

    .venv/bin/python bench/seed_scale.py   # once: 100,000 cases in xborder_scale
    .venv/bin/python bench/load.py [--requests 2000] [--clients 8] [--rounds 3] [--database xborder_scale]
                                   [--worker-class sync|gthread] [--workers N] [--threads N]
                                   [--interleaved [--seconds 5]]

By default each server runs alone in turn (xborder's rounds, then hello-world's). `--interleaved` keeps both up and
alternates their rounds, each `--seconds` long, so that a drift of the shared machine's speed between the two turns
does not land on one side of the ratio; it also prints the ratio of each round to the hello-world round beside it.

The mix, per 10 requests: 3 enterprise case lists, 1 official filtered list, 1 assessor list, 1 official status
counts, 2 anonymous `POST /api/v1/assess`, 1 case creation (declaration validated, determined, audited) and 1
transition (withdrawing that case). The baseline answers `POST /api/v1/assess` on bare Flask (bench/hello.py).
"""

from __future__ import annotations

import argparse
import collections
import http.client
import itertools
import json
import os
import pathlib
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from bench.assess import (  # noqa: E402
    GUNICORN_SETTINGS,
    HOST,
    Server,
    _percentile,
    _set_worker_model,
    group_cpu_seconds,
    processes_cpu_seconds,
)
from bench.seed_scale import NAME, PG, app_for, bench_tokens  # noqa: E402
from tests.helpers.factories import declaration  # noqa: E402

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def _prepare(url: str) -> dict:
    """Tokens for the three roles (a fresh exporter for the writes) in the scale database, vacuumed first when the
    server's autovacuum is off."""
    app = app_for(url)
    vacuum_if_no_autovacuum(app)
    tokens, uscc = bench_tokens(app, name="负载测试企业", email_prefix="load", uscc_base=800_000, uscc_span=100_000)
    return {"tokens": tokens, "uscc": uscc, "app": app, "analysed": []}


def vacuum_if_no_autovacuum(app) -> bool:
    """VACUUM ANALYZE the database when the server runs without autovacuum (as the CI machine's does), and say
    whether it did: what autovacuum would have done between two runs. Each run creates and withdraws thousands of
    cases; without it their dead rows pile up run after run, and PostgreSQL's CPU per request of the mix was seen to
    climb from 0.7 to 2.1 ms over a dozen runs."""
    from xborder.extensions import db

    with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if conn.exec_driver_sql("SHOW autovacuum").scalar() == "on":
            return False
        conn.exec_driver_sql("VACUUM ANALYZE")
        return True


# autovacuum's own rule for when a table is analysed (its threshold plus its scale factor times the table's rows).
_DUE_FOR_ANALYZE = """
SELECT quote_ident(s.schemaname) || '.' || quote_ident(s.relname)
FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.n_mod_since_analyze > current_setting('autovacuum_analyze_threshold')::integer
      + current_setting('autovacuum_analyze_scale_factor')::float8 * greatest(c.reltuples, 0)
"""


def analyze_if_no_autovacuum(ctx: dict) -> None:
    """What autovacuum's ANALYZE would do, when the server runs without it (as the CI machine's does): the tables
    past autovacuum's own threshold are analysed (and named in ctx["analysed"]). Called before each round, outside
    its timing. The mix grows tables: a freshly seeded database has no transfer rows, and with their statistics left
    at "empty" the workers' prepared counting read kept the plan it made in the first seconds, a sequential scan of
    the transfers per counted case; as the run added rows, PostgreSQL's CPU per request climbed from 0.5 to 1.2 ms
    over the first run's rounds (bench/PROFILE.md, "Sixth pass"). Checked before every round, not once per
    `autovacuum_naptime` as autovacuum would: with the naptime the first run after a seed still climbed until its
    second check a minute in, measuring a state (a busy exporter, an empty transfers table) that a deployment at
    100,000 cases is not in."""
    from xborder.extensions import db

    if ctx.get("autovacuum"):
        return
    with ctx["app"].app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if conn.exec_driver_sql("SHOW autovacuum").scalar() == "on":
            ctx["autovacuum"] = True
            return
        due = list(conn.exec_driver_sql(_DUE_FOR_ANALYZE).scalars())
        for table in due:
            conn.exec_driver_sql(f"ANALYZE {table}")
    ctx["analysed"] += due


def _request(conn, method: str, path: str, token: str | None = None, body: object = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, (json.loads(data) if data and response.status < 500 else {})


KINDS = {0: "enterprise list", 1: "enterprise list", 2: "enterprise list", 3: "official status filter",
         4: "assessor list", 5: "official counts", 6: "assess", 7: "assess", 8: "create case", 9: "withdraw case"}


def _xborder_op(conn, i: int, ctx: dict, mine: list) -> int:
    tokens, slot = ctx["tokens"], i % 10
    if slot < 3:
        return _request(conn, "GET", "/api/v1/cases", tokens["enterprise"])[0]
    if slot == 3:
        return _request(conn, "GET", "/api/v1/cases?status=provincial_review", tokens["official"])[0]
    if slot == 4:
        return _request(conn, "GET", "/api/v1/cases", tokens["assessor"])[0]
    if slot == 5:
        return _request(conn, "GET", "/api/v1/cases/counts", tokens["official"])[0]
    if slot in (6, 7):
        return _request(conn, "POST", "/api/v1/assess", body=ctx["declaration"])[0]
    if slot == 8:
        status, case = _request(conn, "POST", "/api/v1/cases", tokens["writer"],
                                {"title": f"负载 {i}", "declaration": ctx["declaration"]})
        if status == 201:
            mine.append(case)
        return status
    if not mine:
        return _request(conn, "GET", "/api/v1/cases", tokens["writer"])[0]
    case = mine.pop()
    return _request(conn, "POST", f"/api/v1/cases/{case['id']}/transitions", tokens["writer"],
                    {"action": "withdraw", "version": case["version"], "comment": "负载测试"})[0]


def _hello_op(conn, i: int, ctx: dict, mine: list) -> int:
    return _request(conn, "POST", "/api/v1/assess", body=ctx["declaration"])[0]


def drive(port: int, op, ctx: dict, requests: int, clients: int, seconds: float | None = None) -> dict:
    """`requests` operations from `clients` threads on keep-alive connections (or as many as `seconds` allow, when
    given); throughput and latency."""
    counter, lock = iter(range(requests) if seconds is None else itertools.count()), threading.Lock()
    deadline = None if seconds is None else time.perf_counter() + seconds
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {}
    failures: list[int] = []

    def client() -> None:
        conn, mine = http.client.HTTPConnection(HOST, port, timeout=30), []
        while True:
            with lock:
                i = next(counter, None)
            if i is None or (deadline is not None and time.perf_counter() >= deadline):
                break
            started = time.perf_counter()
            status = op(conn, i, ctx, mine)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                by_kind.setdefault(KINDS[i % 10] if op is _xborder_op else "assess", []).append(elapsed)
                if status >= 400:
                    failures.append(status)
        conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    wall = time.perf_counter() - started
    ordered = sorted(latencies)
    return {"per_second": len(ordered) / wall, "requests": len(ordered), "p50": _percentile(ordered, 0.5),
            "p95": _percentile(ordered, 0.95), "errors": len(failures), "statuses": sorted(set(failures)),
            "kinds": {kind: (_percentile(sorted(times), 0.5), _percentile(sorted(times), 0.95))
                      for kind, times in by_kind.items()}}


def _print(name: str, r: dict) -> None:
    print(f"{name:8} {r['per_second']:8.1f} req/s   p50 {r['p50']:6.1f} ms   p95 {r['p95']:6.1f} ms   "
          f"errors {r['errors']} {r['statuses']}   (rounds: {', '.join(f'{x:.0f}' for x in r['rounds'])} req/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--interleaved", action="store_true",
                        help="both servers up at once, their rounds alternated and timed alike (--seconds each)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of an interleaved round")
    parser.add_argument("--database", default=NAME, help=f"the database seed_scale.py filled (default {NAME})")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), help="gunicorn worker class for both servers")
    parser.add_argument("--workers", type=int, help="gunicorn workers for both servers")
    parser.add_argument("--threads", type=int, help="threads per gthread worker for both servers")
    args = parser.parse_args()
    _set_worker_model(args.worker_class, args.workers, args.threads)

    url = f"{PG}/{args.database}"
    ctx = _prepare(url)
    ctx["declaration"] = declaration(ctx["uscc"])
    targets = (("xborder", "wsgi:app", _xborder_op), ("hello", "bench.hello:app", _hello_op))
    with tempfile.TemporaryDirectory(prefix="xborder-load-") as tmp:
        env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS_URL, "XBORDER_INSTANCE_PATH": tmp,
               "XBORDER_SECRET_KEY": "load-bench-secret-key-0123456789abcdef",
               "XBORDER_KEY_PASSPHRASE": "load-bench-passphrase-0123456789",
               "XBORDER_MFA_REQUIRED_ROLES": ""}  # the bench signs its official in with a password
        if args.interleaved:
            results, pairs = _interleaved(targets, env, pathlib.Path(tmp), ctx, args)
        else:
            results, pairs = _in_turn(targets, env, pathlib.Path(tmp), ctx, args), []
    shape = (f"{args.rounds} interleaved rounds of {args.seconds:g} s each" if args.interleaved
             else f"{args.rounds} rounds of {args.requests:,} requests")
    print(f"gunicorn {' '.join(GUNICORN_SETTINGS)}; PostgreSQL {args.database} + Redis; {shape}, "
          f"{args.clients} keep-alive clients")
    for name, r in results.items():
        _print(name, r)
    if ctx["analysed"]:
        counted = collections.Counter(ctx["analysed"])
        print("analysed between rounds by autovacuum's rule (the server's autovacuum is off): "
              + ", ".join(f"{table} ×{times}" for table, times in sorted(counted.items())))
    print("xborder by operation (under the whole mix's load):")
    for kind, (p50, p95) in results["xborder"]["kinds"].items():
        print(f"  {kind:24} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    print(f"ratio xborder mix / hello-world: {results['xborder']['per_second'] / results['hello']['per_second']:.2f}")
    if pairs:
        ratios = sorted(x / h for x, h in pairs)
        print(f"ratio of each round to the hello-world round beside it: {', '.join(f'{r:.2f}' for r in ratios)} "
              f"(median {ratios[len(ratios) // 2]:.2f})")
        # In the order they ran: a trend from the first round to the last is a warm-up still going on, not noise.
        print("rounds in the order they ran, xborder / hello-world req/s: "
              + ", ".join(f"{x:.0f}/{h:.0f}" for x, h in pairs))
        print("xborder's rounds in the order they ran, CPU per request, gunicorn + PostgreSQL (ms): "
              + ", ".join(f"{server:.2f}+{database:.2f}" for server, database in results["xborder"]["cpu_in_order"]))
        # CPU per request moves far less than throughput when the shared machine's speed drifts.
        x, h = results["xborder"], results["hello"]
        print(f"CPU per request (median of the rounds): xborder's gunicorn {x['server_cpu_ms']:.2f} ms + PostgreSQL "
              f"{x['postgres_cpu_ms']:.2f} ms; hello-world's gunicorn {h['server_cpu_ms']:.2f} ms; hello-world / "
              f"xborder: {h['server_cpu_ms'] / (x['server_cpu_ms'] + x['postgres_cpu_ms']):.2f}")


def _median_round(rounds: list[dict]) -> dict:
    ordered = sorted(rounds, key=lambda r: r["per_second"])
    middle = ordered[len(ordered) // 2]
    middle["rounds"] = [r["per_second"] for r in ordered]
    return middle


def _in_turn(targets, env: dict, tmp: pathlib.Path, ctx: dict, args) -> dict:
    """Each server alone in turn: warm-up, then its rounds (the median kept)."""
    results = {}
    for name, target, op in targets:
        server = Server(name, target, env, tmp)
        server.start()
        try:
            server.wait_ready(json.dumps(ctx["declaration"]).encode())
            drive(server.port, op, ctx, min(200, args.requests), args.clients)  # warm-up
            # The median of several rounds: one hiccup of the shared machine in a sub-second hello-world round
            # would otherwise swing the ratio by half.
            rounds = []
            for _ in range(args.rounds):
                analyze_if_no_autovacuum(ctx)
                rounds.append(drive(server.port, op, ctx, args.requests, args.clients))
            results[name] = _median_round(rounds)
            if any(r["errors"] for r in rounds):  # a failed request is a defect: show what the server said
                print(f"--- {name}: failed requests; the server's log ends with:\n{server._log_tail(60)}")
        finally:
            server.stop()
    return results


def _interleaved(targets, env: dict, tmp: pathlib.Path, ctx: dict, args) -> tuple[dict, list[tuple[float, float]]]:
    """Both servers up at once (the one not driven idles), warmed alike, then their rounds alternated, each the same
    length of time: a drift of the shared machine's speed between the two servers' turns (hello-world measured
    2,100 to 3,300 req/s from one run to the next here) then lands on both sides of the ratio alike."""
    servers = [(Server(name, target, env, tmp), name, op) for name, target, op in targets]
    rounds: dict[str, list[dict]] = {name: [] for _, name, _ in servers}
    try:
        for server, _, _ in servers:
            server.start()
        for server, _, op in servers:
            server.wait_ready(json.dumps(ctx["declaration"]).encode())
            drive(server.port, op, ctx, 0, args.clients, seconds=min(2.0, args.seconds))  # warm-up
        for turn in range(args.rounds):
            order = servers if turn % 2 == 0 else servers[::-1]
            for server, name, op in order:
                assert server.process is not None
                analyze_if_no_autovacuum(ctx)
                cpu, database = group_cpu_seconds(server.process.pid), postgres_cpu_seconds()
                found = drive(server.port, op, ctx, 0, args.clients, seconds=args.seconds)
                found["server_cpu_ms"] = (group_cpu_seconds(server.process.pid) - cpu) * 1000 / found["requests"]
                found["postgres_cpu_ms"] = (postgres_cpu_seconds() - database) * 1000 / found["requests"]
                rounds[name].append(found)
        for server, name, _ in servers:
            if any(r["errors"] for r in rounds[name]):
                print(f"--- {name}: failed requests; the server's log ends with:\n{server._log_tail(60)}")
    finally:
        for server, _, _ in servers:
            server.stop()
    pairs = [(x["per_second"], h["per_second"]) for x, h in zip(rounds["xborder"], rounds["hello"], strict=True)]
    results = {name: _median_round(found) for name, found in rounds.items()}
    results["xborder"]["cpu_in_order"] = [(r["server_cpu_ms"], r["postgres_cpu_ms"]) for r in rounds["xborder"]]
    for name, found in rounds.items():
        for key in ("server_cpu_ms", "postgres_cpu_ms"):
            results[name][key] = statistics.median(r[key] for r in found)
    return results, pairs


def postgres_cpu_seconds() -> float:
    """CPU seconds (user + system) used so far by the machine's PostgreSQL processes (its backends and helpers)."""
    return processes_cpu_seconds(lambda command, _fields: command == "postgres")


if __name__ == "__main__":
    main()
