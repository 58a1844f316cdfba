"""The Flask application class: Flask, with the per-request cost of a check it makes for async code kept small."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from flask import Flask

_ASYNC_FLAGS = inspect.CO_COROUTINE | inspect.CO_ITERABLE_COROUTINE


class Application(Flask):
    """xborder's app. Flask asks `ensure_sync` of every hook and view it calls, some 18 times a request, and answers
    with `inspect.iscoroutinefunction`, which unwraps and looks the function up again each time (3% of a list's
    CPU, bench/PROFILE.md). A plain function or a method of one — every hook and view here — is answered from its
    code's flags; anything else (a partial, a callable object, a function marked as a coroutine) goes to Flask."""

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        code = getattr(func, "__code__", None)  # a bound method forwards to its function's
        if code is not None and not code.co_flags & _ASYNC_FLAGS \
                and getattr(func, "_is_coroutine_marker", None) is None:
            return func
        return super().ensure_sync(func)
