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


def test_each_request_chooses_its_locale_even_in_an_app_context_that_spans_requests(app, app_env):
    """Flask-Babel caches the locale on the app context; a context shared by several requests (tests, jobs) forgets
    it at each request, and a fresh one (every request under the server) has nothing to forget. (A second app: the
    suite's gives each request a clean `g`.)"""
    from xborder import create_app
    from xborder.extensions import db

    shared = create_app(app_env, TESTING=True)
    client = shared.test_client()
    with shared.app_context():
        pages = [client.get("/login", query_string=query).get_data(as_text=True)
                 for query in ({"lang": "en"}, {}, {"lang": "en"})]
        db.engine.dispose()
    assert ['<html lang="en">' in page for page in pages] == [True, False, True]
    assert '<html lang="zh-CN">' in pages[1]
