"""orjson writes what the standard library would: the same JSON value for responses and for the JSON columns."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
import uuid

import pytest
from flask.json.provider import DefaultJSONProvider

from xborder.core import jsoncodec


@dataclasses.dataclass
class Point:
    x: int
    label: str


DOCUMENTS = [
    {"b": [1, 2.5, None, True, False], "a": "数据出境 ✓", "nested": {"z": 1, "a": [{"y": 2, "x": 1}]}},
    {"date": dt.date(2026, 1, 2), "at": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
     "decimal": decimal.Decimal("1.10"), "uuid": uuid.UUID(int=5), "point": Point(3, "三")},
    {"huge": 2**70, "negative": -(2**64)},  # beyond 64 bits: the library writes it
    {2: "integer keys", 1: "are written as strings"},  # orjson refuses non-string keys: the library writes it
    ["\u2028", "tab\tquote\"backslash\\", "emoji 🇨🇳"],
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_responses_carry_the_value_flask_would_write(app, document):
    ours, flasks = jsoncodec.JSONProvider(app), DefaultJSONProvider(app)
    for kwargs in ({}, {"separators": (",", ":")}, {"indent": 2}):
        written = ours.dumps(document, **kwargs)
        assert json.loads(written) == json.loads(flasks.dumps(document, **kwargs))


def test_responses_keep_keys_sorted_and_chinese_readable(app):
    written = jsoncodec.JSONProvider(app).dumps({"b": 1, "a": "中文"}, separators=(",", ":"))
    assert written == '{"a":"中文","b":1}'


@pytest.mark.parametrize("document", [DOCUMENTS[0], DOCUMENTS[2], DOCUMENTS[4]])
def test_columns_store_the_same_value(document):
    assert json.loads(jsoncodec.dumps(document)) == document


def test_a_huge_integer_survives_a_json_column(db):
    from tests.helpers.factories import Factory

    make = Factory(db)
    case = make.case(make.organisation())
    case.workflow = {"huge": 2**70, "text": "数据"}
    db.session.flush()
    db.session.expire(case)
    assert case.workflow == {"huge": 2**70, "text": "数据"}


@pytest.mark.parametrize("document", DOCUMENTS)
def test_a_response_body_is_the_text_dumps_writes_with_flasks_newline(app, document):
    """The body written as orjson's bytes (issue 20) is what the text path sends, byte for byte, for every document
    (those orjson refuses take the library's path)."""
    ours = jsoncodec.JSONProvider(app)
    with app.app_context():
        body = ours.response(document).get_data()
        assert body == (ours.dumps(document, separators=(",", ":")) + "\n").encode()
        assert json.loads(body) == json.loads(DefaultJSONProvider(app).response(document).get_data())
        assert ours.response(document).mimetype == "application/json"
        app.debug = True  # indented as Flask indents in debug mode
        try:
            assert ours.response(document).get_data() == DefaultJSONProvider(app).response(document).get_data()
        finally:
            app.debug = False


@pytest.mark.parametrize("document", [DOCUMENTS[0], DOCUMENTS[2], DOCUMENTS[4]])
def test_the_utf8_column_writer_gives_the_text_writers_document(document):
    written = jsoncodec.dumps_utf8(document)
    assert (written.decode() if isinstance(written, bytes) else written) == jsoncodec.dumps(document)


def test_postgresql_connections_write_json_parameters_as_utf8_bytes(app, db):
    """On PostgreSQL psycopg's JSON dumpers of each pooled connection use `dumps_utf8` (after SQLAlchemy gave them the
    engine's text serializer, which stays for JSON literals), and a JSON column round-trips through them."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's adapters are PostgreSQL's")
    from psycopg.adapt import PyFormat
    from psycopg.types.json import Jsonb

    connection = db.session.connection().connection.driver_connection
    for format_ in (PyFormat.BINARY, PyFormat.TEXT):
        assert connection.adapters.get_dumper(Jsonb, format_)._dumps is jsoncodec.dumps_utf8
    assert db.engine.dialect._json_serializer is jsoncodec.dumps
    from tests.helpers.factories import Factory

    make = Factory(db)
    case = make.case(make.organisation())
    case.workflow = {"text": "数据出境 ✓", "nested": [{"b": 1, "a": None}]}
    db.session.flush()
    db.session.expire(case)
    assert case.workflow == {"text": "数据出境 ✓", "nested": [{"b": 1, "a": None}]}
