"""`xborder serve` as README starts it: gunicorn with the worker model chosen by measurement (issue 20: two
single-threaded gthread workers per core), on the embedded default (SQLite file, jobs in-process)."""

from __future__ import annotations

import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from xborder.serve import THREADS_PER_WORKER, WORKER_CLASS, default_workers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers under its master)."""
    out = []
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def test_the_default_worker_model_is_two_single_threaded_workers_per_core():
    assert WORKER_CLASS == "gthread"  # a gthread worker heartbeats while a long download runs; sync would be killed
    assert THREADS_PER_WORKER == 1
    assert default_workers() == max(2, 2 * (os.cpu_count() or 1))


def _serve(tmp_path, *args: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(XBORDER_INSTANCE_PATH=str(tmp_path / "instance"), XBORDER_PDF_COPIES="off")
    server = subprocess.Popen([sys.executable, "-m", "xborder", "serve", "--port", str(port), *args],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    return server, port


def _wait_healthy(server: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 120
    answer = None
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=5) as response:
                answer = response.status
                break
        except OSError:
            time.sleep(0.2)  # polling for readiness, not timing anything
    assert answer == 200, server.stdout.read().decode() if server.poll() is not None else "no answer"


def test_serve_starts_its_workers_on_the_embedded_default_and_answers(tmp_path):
    server, port = _serve(tmp_path, "--workers", "2")
    try:
        _wait_healthy(server, port)
        assert len(_children(server.pid)) == 2
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
            assert response.status == 200
            assert "登录" in response.read().decode()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        server.stdout.close()


def test_serve_refuses_a_worker_count_of_zero_with_exit_code_2(tmp_path):
    env = {**os.environ, "XBORDER_INSTANCE_PATH": str(tmp_path / "instance")}
    result = subprocess.run([sys.executable, "-m", "xborder", "serve", "--workers", "0"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--workers" in result.stderr


def test_serve_runs_sync_workers_when_asked_and_answers(tmp_path):
    server, port = _serve(tmp_path, "--workers", "2", "--worker-class", "sync")
    try:
        _wait_healthy(server, port)
        assert len(_children(server.pid)) == 2
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    log = server.stdout.read().decode()
    server.stdout.close()
    assert "Using worker: sync" in log


def test_serve_refuses_threads_for_sync_workers_with_exit_code_2(tmp_path):
    env = {**os.environ, "XBORDER_INSTANCE_PATH": str(tmp_path / "instance")}
    result = subprocess.run([sys.executable, "-m", "xborder", "serve", "--worker-class", "sync", "--threads", "4"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "--threads applies to gthread workers only" in result.stderr
