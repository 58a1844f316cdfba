"""psycopg converts each statement's placeholders once and caches the result, the long ones included
(core.database.cache_long_statements, issue 20): a creation's one statement is beyond psycopg's default limits."""

from __future__ import annotations

import pytest

from tests.helpers.factories import auth, declaration


def test_a_creation_s_statements_are_all_converted_from_psycopg_s_cache(client, db, factory, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("psycopg's statement conversion is PostgreSQL's")
    from psycopg import _queries

    from xborder.cases import intake

    compiled = intake._insert_with_reference_and_version().compile(dialect=db.engine.dialect)
    # Beyond the defaults (4,096 characters, 50 parameters): without the raised limits it is converted every time.
    assert len(str(compiled)) > 4096 or len(compiled.params) > 50
    exporter = factory.organisation(uscc="9131011552601815X1")
    token = factory.token(factory.user(organisation=exporter))
    body = {"title": "缓存", "declaration": declaration(exporter.uscc)}
    assert client.post("/api/v1/cases", headers=auth(token), json=body).status_code == 201  # fills the cache
    uncached: list[bytes] = []
    original = _queries._query2pg_nocache

    def counting(query, *args):
        uncached.append(query)
        return original(query, *args)

    # convert() calls the module's `_query2pg_nocache` for a statement it does not cache; the cache itself holds
    # the original function, so only those are counted.
    monkeypatch.setattr(_queries, "_query2pg_nocache", counting)
    hits = _queries._query2pg.cache_info().hits
    assert client.post("/api/v1/cases", headers=auth(token), json=body).status_code == 201
    assert uncached == []
    assert _queries._query2pg.cache_info().hits >= hits + 3  # the token, the counting read, the intake
