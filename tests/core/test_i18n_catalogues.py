"""Compiling the message catalogues is safe when several gunicorn workers start at once on a fresh instance."""

from __future__ import annotations

import multiprocessing
import pathlib

from babel.messages.mofile import read_mo

from xborder.core.i18n import SOURCE, compile_catalogues


def _compile(target: str, start) -> None:
    start.wait()
    compile_catalogues(pathlib.Path(target))


def test_workers_compiling_at_once_all_succeed_and_leave_whole_catalogues(tmp_path):
    context = multiprocessing.get_context("spawn")
    for round_ in range(3):
        target = tmp_path / f"round{round_}"
        start = context.Barrier(6)
        workers = [context.Process(target=_compile, args=(str(target), start)) for _ in range(6)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert [worker.exitcode for worker in workers] == [0] * 6
        sources = sorted(SOURCE.glob("*/LC_MESSAGES/messages.po"))
        compiled = sorted(target.rglob("*.mo"))
        assert [p.relative_to(target).with_suffix("") for p in compiled] == \
            [p.relative_to(SOURCE).with_suffix("") for p in sources]
        assert list(target.rglob("*.tmp")) == []
        for mo_path in compiled:
            with mo_path.open("rb") as fh:
                assert len(read_mo(fh)) > 10  # a whole catalogue, not a truncated one
