"""JSON written by orjson where it gives the same value as the standard library, and by the library elsewhere.

orjson writes JSON several times faster (a case's risk picture is ~40 KB: 0.6 ms with the library, 0.05 ms with
orjson). It refuses integers beyond 64 bits, non-string keys and the like; those values take the library's path.
The JSON value is the same either way: orjson writes UTF-8 where the library writes \\u escapes, and no spaces.
Reading stays with the library: orjson reads integers beyond 64 bits as floats.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider
from werkzeug.sansio.response import Response

# Dates and dataclasses go to Flask's `default` (HTTP dates, asdict); what orjson cannot write goes to the library.
_RESPONSE_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_COMPACT = {"separators": (",", ":")}  # what Flask's `response` asks for outside debug mode


def dumps(value: object) -> str:
    """`value` as JSON text, for the database's JSON columns."""
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


def dumps_utf8(value: object) -> bytes | str:
    """`dumps` for a driver that takes UTF-8 bytes as well as text (psycopg): orjson's bytes as they are, without the
    decode to text and the driver's encode back (~0.1 ms for a case's risk picture, issue 20)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return json.dumps(value)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON with orjson writing the responses: keys sorted, and dates, decimals, UUIDs and dataclasses
    passed to Flask's own `default`, so every document is the value Flask would have written."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if not kwargs or kwargs == _COMPACT:
            try:
                return orjson.dumps(obj, default=self.default, option=_RESPONSE_OPTIONS).decode()
            except orjson.JSONEncodeError:
                pass
        return super().dumps(obj, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """Flask's JSON response, its body written by orjson as bytes (the text `dumps` gives was encoded back to
        UTF-8 for the body: ~0.1 ms for a case's ~50 KB answer, issue 20); the same document and newline."""
        if self.compact is None and not self._app.debug or self.compact:
            obj = self._prepare_response_obj(args, kwargs)
            try:
                body = orjson.dumps(obj, default=self.default, option=_RESPONSE_OPTIONS | orjson.OPT_APPEND_NEWLINE)
            except orjson.JSONEncodeError:
                pass
            else:
                return self._app.response_class(body, mimetype=self.mimetype)  # type: ignore[arg-type]
        return super().response(*args, **kwargs)
