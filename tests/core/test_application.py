"""The app's `ensure_sync` answers as Flask's does for every kind of callable, from a code's flags for a plain
function or method (issue 20: Flask asks it some 18 times a request)."""

from __future__ import annotations

import functools

from flask import Flask

from xborder.core.application import Application


def plain(value=None):
    return value


async def coroutine(value=None):
    return value


class Holder:
    def method(self):
        return "method"

    async def async_method(self):
        return "async method"

    def __call__(self):
        return "called"


def _outcome(app: Flask, func) -> tuple:
    # As is, wrapped (and what the wrapper returns), or refused (asgiref comes with Flask's async extra only).
    try:
        result = app.ensure_sync(func)
    except RuntimeError as error:
        return ("refused", str(error))
    if result is func:
        return ("as is",)
    return ("wrapped", result())


def test_ensure_sync_answers_as_flask_s_for_every_kind_of_callable():
    ours, flask = Application(__name__), Flask(__name__)
    holder = Holder()
    for func in (plain, holder.method, Holder.method, holder, functools.partial(plain, 1), len, print):
        assert _outcome(ours, func) == _outcome(flask, func) == ("as is",)
    for func in (coroutine, holder.async_method, functools.partial(coroutine, "done")):
        assert _outcome(ours, func) == _outcome(flask, func)
        assert _outcome(ours, func)[0] in ("wrapped", "refused")


def test_the_app_is_ours(app):
    assert isinstance(app, Application)
    assert app.ensure_sync(app.preprocess_request) == app.preprocess_request
