"""Mixed load from the three roles against gunicorn (`xborder serve`'s worker model) on PostgreSQL + Redis, with
the ratio to a hello-world Flask app on the same settings measured in the same run.

    .venv/bin/python bench/seed_scale.py   # once: 100,000 cases in xborder_scale
    .venv/bin/python bench/load.py [--requests 2000] [--clients 8] [--rounds 3] [--database xborder_scale]
                                   [--worker-class sync|gthread] [--workers N] [--threads N]

The mix, per 10 requests: 3 enterprise case lists, 1 official filtered list, 1 assessor list, 1 official status
counts, 2 anonymous `POST /api/v1/assess`, 1 case creation (declaration validated, determined, audited) and 1
transition (withdrawing that case). The baseline answers `POST /api/v1/assess` on bare Flask (bench/hello.py).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import pathlib
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from bench.assess import GUNICORN_SETTINGS, HOST, Server, _percentile, _set_worker_model  # noqa: E402
from bench.seed_scale import NAME, PG, app_for, bench_tokens  # noqa: E402
from tests.helpers.factories import declaration  # noqa: E402

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def _prepare(url: str) -> dict:
    """Tokens for the three roles (a fresh exporter for the writes) in the scale database."""
    tokens, uscc = bench_tokens(app_for(url), name="负载测试企业", email_prefix="load", uscc_base=800_000,
                                uscc_span=100_000)
    return {"tokens": tokens, "uscc": uscc}


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


def drive(port: int, op, ctx: dict, requests: int, clients: int) -> dict:
    """`requests` operations from `clients` threads on keep-alive connections; throughput and latency."""
    counter, lock = iter(range(requests)), threading.Lock()
    latencies: list[float] = []
    by_kind: dict[str, list[float]] = {}
    failures: list[int] = []

    def client() -> None:
        conn, mine = http.client.HTTPConnection(HOST, port, timeout=30), []
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
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
    return {"per_second": len(ordered) / wall, "p50": _percentile(ordered, 0.5), "p95": _percentile(ordered, 0.95),
            "errors": len(failures), "statuses": sorted(set(failures)),
            "kinds": {kind: (_percentile(sorted(times), 0.5), _percentile(sorted(times), 0.95))
                      for kind, times in by_kind.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", default=NAME, help=f"the database seed_scale.py filled (default {NAME})")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), help="gunicorn worker class for both servers")
    parser.add_argument("--workers", type=int, help="gunicorn workers for both servers")
    parser.add_argument("--threads", type=int, help="threads per gthread worker for both servers")
    args = parser.parse_args()
    _set_worker_model(args.worker_class, args.workers, args.threads)

    url = f"{PG}/{args.database}"
    ctx = _prepare(url)
    ctx["declaration"] = declaration(ctx["uscc"])
    with tempfile.TemporaryDirectory(prefix="xborder-load-") as tmp:
        env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS_URL, "XBORDER_INSTANCE_PATH": tmp,
               "XBORDER_SECRET_KEY": "load-bench-secret-key-0123456789abcdef",
               "XBORDER_KEY_PASSPHRASE": "load-bench-passphrase-0123456789",
               "XBORDER_MFA_REQUIRED_ROLES": ""}  # the bench signs its official in with a password
        results = {}
        for name, target, op in (("xborder", "wsgi:app", _xborder_op), ("hello", "bench.hello:app", _hello_op)):
            server = Server(name, target, env, pathlib.Path(tmp))
            server.start()
            try:
                server.wait_ready(json.dumps(ctx["declaration"]).encode())
                drive(server.port, op, ctx, min(200, args.requests), args.clients)  # warm-up
                # The median of several rounds: one hiccup of the shared machine in a sub-second hello-world round
                # would otherwise swing the ratio by half.
                rounds = sorted((drive(server.port, op, ctx, args.requests, args.clients) for _ in range(args.rounds)),
                                key=lambda r: r["per_second"])
                results[name] = rounds[len(rounds) // 2]
                results[name]["rounds"] = [r["per_second"] for r in rounds]
                if any(r["errors"] for r in rounds):  # a failed request is a defect: show what the server said
                    print(f"--- {name}: failed requests; the server's log ends with:\n{server._log_tail(60)}")
            finally:
                server.stop()
    print(f"gunicorn {' '.join(GUNICORN_SETTINGS)}; PostgreSQL {args.database} + Redis; {args.rounds} rounds of "
          f"{args.requests:,} requests, {args.clients} keep-alive clients")
    for name, r in results.items():
        print(f"{name:8} {r['per_second']:8.1f} req/s   p50 {r['p50']:6.1f} ms   p95 {r['p95']:6.1f} ms   "
              f"errors {r['errors']} {r['statuses']}   (rounds: {', '.join(f'{x:.0f}' for x in r['rounds'])} req/s)")
    print("xborder by operation (under the whole mix's load):")
    for kind, (p50, p95) in results["xborder"]["kinds"].items():
        print(f"  {kind:24} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    print(f"ratio xborder mix / hello-world: {results['xborder']['per_second'] / results['hello']['per_second']:.2f}")


if __name__ == "__main__":
    main()
