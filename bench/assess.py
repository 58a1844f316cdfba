"""Benchmark of the pathway engine, then of `POST /api/v1/assess` over HTTP against a hello-world Flask baseline.

usage: .venv/bin/python bench/assess.py [--quick] [--iterations N] [--transfers N] [--requests N] [--clients N]
                                        [--engine-only] [--json] [--worker-class sync|gthread] [--workers N]
                                        [--threads N] [--wrk-seconds N] [--wrk-connections N]

Engine part, in-process, after a warm-up (the forms are loaded and compiled once, as in a running service):
validation + determination (what `POST /api/v1/assess` and `xborder assess` do per request), and determination
alone (what a case does when it is re-determined from a stored, validated declaration).

HTTP part: gunicorn is started twice on free loopback ports with the settings `xborder serve` uses
(`xborder/serve.py`: gthread, two single-threaded workers per core), once with the real app (`wsgi:app`, throw-away
instance directory) and once with `bench.hello:app` (same route, same framework, no engine). Each is driven with
the same load from this process: warm-up requests, then a fixed number of requests from concurrent client threads
on keep-alive `http.client` connections, each posting the same declaration.
Latencies are measured at the client (queueing included).
Then, when `wrk` is installed (Debian package `wrk`), each server is driven by wrk as well (a C client that is not
itself the bottleneck the Python client becomes): `wrk -t2 -c16 -d10s` with a Lua script posting the same body.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import gc
import http.client
import itertools
import json
import os
import pathlib
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xborder.law.declaration import validate_declaration  # noqa: E402
from xborder.law.pathway import determine_pathway  # noqa: E402
from xborder.serve import THREADS_PER_WORKER, WORKER_CLASS, default_workers  # noqa: E402

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


# --- HTTP part -------------------------------------------------------------------------------------------------------

HOST = "127.0.0.1"
PATH = "/api/v1/assess"
# The settings `xborder serve` passes to gunicorn (xborder/serve.py), minus the access log, for both servers alike.
GUNICORN_SETTINGS = ["--workers", str(default_workers()), "--worker-class", WORKER_CLASS,
                     "--threads", str(THREADS_PER_WORKER), "--timeout", "60"]
READY_TRIES = 200  # x READY_INTERVAL: how long a server may take to start answering
READY_INTERVAL = 0.1


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _post(conn: http.client.HTTPConnection, body: bytes) -> tuple[int, bytes]:
    conn.request("POST", PATH, body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, response.read()


class Server:
    """One gunicorn master (own process group) on a free loopback port; its output goes to a log file."""

    def __init__(self, name: str, target: str, env: dict[str, str], log_dir: pathlib.Path):
        self.name, self.target, self.env = name, target, env
        self.port = _free_port()
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", *GUNICORN_SETTINGS, "--bind", f"{HOST}:{self.port}",
                 "--chdir", str(ROOT), self.target],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True)

    def wait_ready(self, body: bytes) -> bytes:
        """Poll with the benchmark body until the server answers 200; return that answer or raise with the log."""
        assert self.process is not None
        for _ in range(READY_TRIES):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name}: gunicorn exited with {self.process.returncode}\n{self._log_tail()}")
            conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
            try:
                status, payload = _post(conn, body)
            except OSError:
                time.sleep(READY_INTERVAL)
                continue
            finally:
                conn.close()
            if status != 200:
                raise RuntimeError(f"{self.name}: {PATH} answered {status}: {payload[:500]!r}\n{self._log_tail()}")
            return payload
        raise RuntimeError(f"{self.name}: not answering after {READY_TRIES * READY_INTERVAL:.0f} s\n{self._log_tail()}")

    def stop(self) -> None:
        """Graceful stop (SIGTERM to the master), then SIGKILL to the whole group if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def drive(port: int, body: bytes, *, clients: int, warmup: int, requests: int) -> dict[str, float]:
    """Send `warmup` then `requests` POSTs from `clients` threads (one keep-alive connection each); time the second.

    The threads take request tickets from a shared counter, so the totals are exact however the load spreads.
    """
    barrier = threading.Barrier(clients + 1, timeout=300)
    phases = [(warmup, itertools.count()), (requests, itertools.count())]
    samples: list[float] = []  # list.append is atomic under the GIL
    errors: list[str] = []
    reconnects = itertools.count()
    clock = time.perf_counter

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            for index, (total, tickets) in enumerate(phases):
                barrier.wait()
                while next(tickets) < total:
                    begin = clock()
                    try:
                        status, _ = _post(conn, body)
                    except (OSError, http.client.HTTPException) as exc:
                        errors.append(f"{type(exc).__name__}: {exc}")
                        conn.close()  # http.client reconnects on the next request
                        next(reconnects)
                        continue
                    elapsed = clock() - begin
                    if status != 200:
                        errors.append(f"HTTP {status}")
                    elif index == 1:
                        samples.append(elapsed)
                barrier.wait()
        finally:
            conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()  # warm-up starts
    barrier.wait()  # warm-up done
    barrier.wait()  # measured run starts
    started = clock()
    barrier.wait()  # measured run done
    elapsed = clock() - started
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, first: {errors[0]}")
    samples.sort()
    return {
        "per_second": len(samples) / elapsed,
        "p50_ms": statistics.median(samples) * 1e3,
        "p95_ms": _percentile(samples, 0.95) * 1e3,
        "p99_ms": _percentile(samples, 0.99) * 1e3,
        "max_ms": samples[-1] * 1e3,
        "requests": len(samples),
        "seconds": elapsed,
    }


_WRK_SCRIPT = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("{body}", "rb"))
wrk.body = f:read("*a")
f:close()
"""
_WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _wrk_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise RuntimeError(f"wrk: unreadable latency {text!r}")
    return float(match.group(1)) * _WRK_UNITS[match.group(2)]


def processes_cpu_seconds(chosen) -> float:
    """CPU seconds (user + system) used so far by the live processes for which `chosen(command, fields)` holds
    (`fields`: /proc/<pid>/stat after the command — state, ppid, pgrp, ..., utime (12), stime (13))."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except (OSError, ValueError):
            continue
        fields = tail.split()
        if chosen(head.split("(", 1)[-1], fields):
            total += int(fields[11]) + int(fields[12])
    return total / tick


def group_cpu_seconds(pgid: int) -> float:
    """CPU seconds used so far by the live processes of process group `pgid` (a gunicorn master and its workers): per
    request, a measure that other work on a shared machine barely moves, unlike throughput."""
    return processes_cpu_seconds(lambda _command, fields: int(fields[2]) == pgid)


def drive_wrk(port: int, body: bytes, scratch: pathlib.Path, *, seconds: int, connections: int,
              pgid: int | None = None) -> dict[str, float]:
    """Drive the server with wrk (2 threads, `connections` keep-alive connections) for `seconds` after a 2 s warm-up;
    throughput and wrk's latency percentiles. Any non-2xx answer fails the run."""
    body_path = scratch / "body.json"
    body_path.write_bytes(body)
    script = scratch / "post.lua"
    script.write_text(_WRK_SCRIPT.format(body=body_path))
    url = f"http://{HOST}:{port}{PATH}"
    base = ["wrk", "-t2", f"-c{connections}", "-s", str(script)]
    subprocess.run([*base, "-d2s", url], check=True, capture_output=True)  # warm-up
    cpu_before = group_cpu_seconds(pgid) if pgid else 0.0
    out = subprocess.run([*base, f"-d{seconds}s", "--latency", url], check=True, capture_output=True,
                         text=True).stdout
    cpu = group_cpu_seconds(pgid) - cpu_before if pgid else 0.0
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk: failed requests\n{out}")
    # Timeouts (wrk's 2 s) on an overloaded machine are reported, not fatal: the answers that came were all 2xx.
    socket_errors = re.search(r"Socket errors: (.*)", out)
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)$", out, re.M))
    served = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    return {"per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
            "cpu_ms_per_request": cpu * 1000 / served if served else 0.0,
            "socket_errors": socket_errors.group(1) if socket_errors else "",
            "p50_ms": _wrk_ms(percentiles["50"]), "p90_ms": _wrk_ms(percentiles["90"]),
            "p99_ms": _wrk_ms(percentiles["99"]), "connections": connections, "seconds": seconds}


def run_http(raw: dict[str, Any], *, clients: int, warmup: int, requests: int, wrk_seconds: int = 10,
             wrk_connections: int = 16) -> dict[str, Any]:
    """Start the API and the hello-world baseline under gunicorn, drive each with the same load, always stop both."""
    body = json.dumps(raw, ensure_ascii=False).encode()
    results: dict[str, Any] = {"body_bytes": len(body), "clients": clients, "warmup": warmup,
                               "gunicorn": " ".join(GUNICORN_SETTINGS)}
    with tempfile.TemporaryDirectory(prefix="xborder-bench-") as scratch:
        scratch_path = pathlib.Path(scratch)
        env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        api_env = dict(env, XBORDER_INSTANCE_PATH=str(scratch_path / "instance"))
        servers = [Server("api", "wsgi:app", api_env, scratch_path), Server("hello", "bench.hello:app", env,
                                                                            scratch_path)]
        try:
            for server in servers:
                server.start()
            answer = json.loads(servers[0].wait_ready(body))
            if answer.get("pathway") != determine_pathway(validate_declaration(copy.deepcopy(raw)))["pathway"]:
                raise RuntimeError(f"api: unexpected answer {answer.get('pathway')!r}")
            servers[1].wait_ready(body)
            for server in servers:  # one after the other, never both under load at once
                results[server.name] = drive(server.port, body, clients=clients, warmup=warmup, requests=requests)
            if wrk_seconds and shutil.which("wrk"):
                for server in servers:
                    assert server.process is not None
                    results[f"{server.name}_wrk"] = drive_wrk(server.port, body, scratch_path,
                                                              seconds=wrk_seconds, connections=wrk_connections,
                                                              pgid=server.process.pid)
                results["ratio_wrk"] = results["api_wrk"]["per_second"] / results["hello_wrk"]["per_second"]
                api_cpu = results["api_wrk"]["cpu_ms_per_request"]
                results["ratio_cpu"] = results["hello_wrk"]["cpu_ms_per_request"] / api_cpu if api_cpu else 0.0
        finally:
            for server in servers:
                server.stop()
    results["ratio"] = results["api"]["per_second"] / results["hello"]["per_second"]
    return results


def _set_worker_model(worker_class: str | None, workers: int | None, threads: int | None) -> None:
    """Override the gunicorn settings both servers get (to compare worker models in the same run)."""
    settings = dict(zip(GUNICORN_SETTINGS[::2], GUNICORN_SETTINGS[1::2], strict=True))
    if worker_class:
        settings["--worker-class"] = worker_class
    if workers:
        settings["--workers"] = str(workers)
    if threads:
        settings["--threads"] = str(threads)
    if settings["--worker-class"] == "sync":
        settings.pop("--threads", None)
    GUNICORN_SETTINGS[:] = [part for pair in settings.items() for part in pair]


# --- Report ----------------------------------------------------------------------------------------------------------

RATIO_TARGET = 0.5
WRK_RATIO_TARGET = 0.3
ENGINE_P99_TARGET_US = 500.0  # validation + determination (issue 20; issue 3 asked for < 1 ms)


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def summary(engine: dict[str, dict[str, float]], http_results: dict[str, Any] | None, *, transfers: int,
            pathway: str, iterations: int) -> str:
    """A Markdown block for the README: environment, the figures and the two targets of issue 3."""
    lines = [
        f"Benchmark (`bench/assess.py`), {time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; "
        f"{transfers}-transfer declaration ({pathway}).",
        "",
        f"Engine, in-process, {iterations:,} iterations:",
        "",
        "| path | per second | p50 | p99 | max |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, figures in engine.items():
        lines.append(f"| {name} | {figures['per_second']:,.0f} | {figures['p50_us']:,.0f} µs | "
                     f"{figures['p99_us']:,.0f} µs | {figures['max_us']:,.0f} µs |")
    if http_results is not None:
        api, hello = http_results["api"], http_results["hello"]
        lines += [
            "",
            f"HTTP, `POST {PATH}`, gunicorn `{http_results['gunicorn']}`, {api['requests']:,} requests "
            f"after {http_results['warmup']:,} warm-up, {http_results['clients']} keep-alive client threads, "
            f"{http_results['body_bytes']:,}-byte body, client and servers on the same host:",
            "",
            "| server | requests/s | p50 | p95 | p99 |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, figures in (("xborder API", api), ("hello-world Flask", hello)):
            lines.append(f"| {name} | {figures['per_second']:,.0f} | {figures['p50_ms']:.2f} ms | "
                         f"{figures['p95_ms']:.2f} ms | {figures['p99_ms']:.2f} ms |")
        if "api_wrk" in http_results:
            api_wrk, hello_wrk = http_results["api_wrk"], http_results["hello_wrk"]
            lines += ["", f"HTTP under `wrk -t2 -c{api_wrk['connections']} -d{api_wrk['seconds']}s` (same servers):",
                      "", "| server | requests/s | server CPU per request | p50 | p90 | p99 |",
                      "|---|---:|---:|---:|---:|---:|"]
            for name, figures in (("xborder API", api_wrk), ("hello-world Flask", hello_wrk)):
                lines.append(f"| {name} | {figures['per_second']:,.0f} | {figures['cpu_ms_per_request']:.2f} ms | "
                             f"{figures['p50_ms']:.2f} ms | {figures['p90_ms']:.2f} ms | {figures['p99_ms']:.2f} ms |")
    lines.append("")
    if http_results is not None:
        ratio = http_results["ratio"]
        lines.append(f"- API / hello-world throughput, Python client: {ratio:.2f} (issue 3's target ≥ {RATIO_TARGET}: "
                     f"{_verdict(ratio >= RATIO_TARGET)})")
        if "ratio_wrk" in http_results:
            ratio_wrk = http_results["ratio_wrk"]
            lines.append(f"- API / hello-world throughput under wrk: {ratio_wrk:.2f} (issue 20's target ≥ "
                         f"{WRK_RATIO_TARGET}: {_verdict(ratio_wrk >= WRK_RATIO_TARGET)}); hello-world / API server "
                         f"CPU per request: {http_results['ratio_cpu']:.2f} (the throughput ratio a machine with "
                         f"nothing else running would allow)")
    for name, figures in engine.items():
        p99 = figures["p99_us"]
        lines.append(f"- engine p99, {name}: {p99 / 1000:.2f} ms (target < {ENGINE_P99_TARGET_US / 1000} ms: "
                     f"{_verdict(p99 < ENGINE_P99_TARGET_US)})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures and a README summary (or JSON with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run (smoke test): fewer iterations/requests")
    parser.add_argument("--iterations", type=int, help="engine iterations per path (default 5000, quick 500)")
    parser.add_argument("--transfers", type=int, default=20)
    parser.add_argument("--requests", type=int, help="measured HTTP requests per server (default 3000, quick 300)")
    parser.add_argument("--warmup", type=int, help="HTTP warm-up requests per server (default 200, quick 50)")
    parser.add_argument("--clients", type=int, default=8,
                        help="concurrent client threads, one keep-alive connection each (default 8: the load "
                             "the worker models were compared under)")
    parser.add_argument("--engine-only", action="store_true", help="skip the HTTP part")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), help="gunicorn worker class for both servers "
                        "(default: what `xborder serve` uses)")
    parser.add_argument("--workers", type=int, help="gunicorn workers for both servers")
    parser.add_argument("--threads", type=int, help="threads per gthread worker for both servers")
    parser.add_argument("--wrk-seconds", type=int, default=10, help="seconds of wrk load per server (0 = no wrk)")
    parser.add_argument("--wrk-connections", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    iterations = args.iterations or (500 if args.quick else 5000)
    requests = args.requests or (300 if args.quick else 3000)
    warmup = args.warmup if args.warmup is not None else (50 if args.quick else 200)
    if min(iterations, requests, args.clients, args.transfers) < 1 or warmup < 0:
        parser.error("counts must be positive")

    _set_worker_model(args.worker_class, args.workers, args.threads)
    raw = sample_declaration(args.transfers)
    validated = validate_declaration(copy.deepcopy(raw))
    pathway = determine_pathway(validated)["pathway"]
    results = {
        "validate+determine": measure(lambda: determine_pathway(validate_declaration(raw)), iterations),
        "determine": measure(lambda: determine_pathway(validated), iterations),
    }
    http_results = None if args.engine_only else run_http(
        raw, clients=args.clients, warmup=warmup, requests=requests, wrk_seconds=args.wrk_seconds,
        wrk_connections=args.wrk_connections)
    if args.json:
        print(json.dumps({"transfers": args.transfers, "iterations": iterations, "pathway": pathway,
                          "results": results, "http": http_results}, indent=2))
        return 0
    print(f"pathway engine, {args.transfers}-transfer declaration ({pathway}), {iterations} iterations, "
          f"Python {sys.version.split()[0]}")
    print(f"{'path':<20} {'per second':>12} {'p50 µs':>10} {'p99 µs':>10} {'max µs':>10}")
    for name, figures in results.items():
        print(f"{name:<20} {figures['per_second']:>12,.0f} {figures['p50_us']:>10,.0f} {figures['p99_us']:>10,.0f} "
              f"{figures['max_us']:>10,.0f}")
    if http_results is not None:
        print()
        print(f"HTTP POST {PATH}, gunicorn {http_results['gunicorn']}, {requests} requests after {warmup} warm-up, "
              f"{args.clients} client threads, {http_results['body_bytes']}-byte body")
        print(f"{'server':<20} {'requests/s':>12} {'p50 ms':>10} {'p95 ms':>10} {'p99 ms':>10} {'max ms':>10}")
        for name in ("api", "hello"):
            figures = http_results[name]
            print(f"{name:<20} {figures['per_second']:>12,.0f} {figures['p50_ms']:>10.2f} {figures['p95_ms']:>10.2f} "
                  f"{figures['p99_ms']:>10.2f} {figures['max_ms']:>10.2f}")
        print(f"ratio api/hello: {http_results['ratio']:.2f}")
        if "ratio_wrk" in http_results:
            print(f"wrk -t2 -c{args.wrk_connections} -d{args.wrk_seconds}s")
            for name in ("api_wrk", "hello_wrk"):
                figures = http_results[name]
                print(f"{name:<20} {figures['per_second']:>12,.0f} {figures['p50_ms']:>10.2f} {'':>10} "
                      f"{figures['p99_ms']:>10.2f}   server CPU {figures['cpu_ms_per_request']:.3f} ms/request")
            print(f"ratio api/hello under wrk: {http_results['ratio_wrk']:.2f}; "
                  f"CPU per request hello/api: {http_results['ratio_cpu']:.2f}")
    print()
    print("--- summary (paste into README) ---")
    print(summary(results, http_results, transfers=args.transfers, pathway=pathway, iterations=iterations))
    print("--- end summary ---")
    return 0


if __name__ == "__main__":
    sys.exit(main())
