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


def test_a_driver_statement_runs_on_the_cursor_only_where_its_rows_need_no_conversion(app, db, factory):
    """`DriverStatement` (core.database) runs the lists' and tallies' statements on psycopg's cursor; one whose
    parameters or columns SQLAlchemy converts, or whose IN list is rendered per call, goes through the session.
    Both give the same rows. (A JSON column is psycopg's to decode on PostgreSQL: SQLAlchemy converts nothing.)"""
    import sqlalchemy as sa

    from xborder.cases.counting import _counting_driver
    from xborder.cases.models import Case
    from xborder.cases.queries import _counts_statement, _summary_driver
    from xborder.core.database import DriverStatement

    dialect = db.engine.dialect
    postgresql = dialect.name == "postgresql"
    exporter = factory.organisation()
    cases = [factory.case(exporter, title=f"直行{i}") for i in range(3)]
    db.session.flush()
    ids = [case.id for case in cases]
    plain = sa.select(Case.id, Case.title, Case.created_at, Case.status).where(
        Case.exporter_id == sa.bindparam("exporter"), Case.status != "withdrawn").order_by(Case.id)
    with_json = sa.select(Case.id, Case.risk).where(Case.exporter_id == sa.bindparam("exporter")).order_by(Case.id)
    json_bound = sa.select(Case.id).where(Case.exporter_id == sa.bindparam("exporter"),
                                          sa.bindparam("doc", type_=sa.JSON()).is_not(None)).order_by(Case.id)
    expanding = sa.select(Case.id).where(Case.id.in_(sa.bindparam("ids", expanding=True))).order_by(Case.id)
    expected = {statement: [tuple(row) for row in db.session.execute(statement, params)]
                for statement, params in ((plain, {"exporter": exporter.id}), (with_json, {"exporter": exporter.id}),
                                          (json_bound, {"exporter": exporter.id, "doc": {"a": 1}}),
                                          (expanding, {"ids": ids}))}
    for statement, params, direct in ((plain, {"exporter": exporter.id}, postgresql),
                                      (with_json, {"exporter": exporter.id}, postgresql),
                                      (json_bound, {"exporter": exporter.id, "doc": {"a": 1}}, False),
                                      (expanding, {"ids": ids}, False)):
        compiled = DriverStatement(statement, dialect)
        assert compiled.direct is direct
        assert [tuple(row) for row in compiled.rows(db.session, params)] == expected[statement]
    assert [row[0] for row in expected[plain]] == ids
    # The hot statements do take the cursor on PostgreSQL.
    for role in ("enterprise", "assessor", "provincial_official"):
        assert all(s.direct is postgresql for s in _summary_driver(role, True, False, 20, True, dialect))
        assert _counts_statement(role, dialect).direct is postgresql
    assert _counting_driver(dialect).direct is postgresql


def test_driver_execute_returns_rows_exactly_where_psycopg_s_fetchall_gives_them(app, db, factory):
    """`driver_execute` tells a statement with rows from one without by the result's status (not by building
    `cursor.description`): a SELECT's rows, none for a SELECT that finds nothing, an UPDATE's RETURNING rows, and an
    empty list for an UPDATE without RETURNING, whose fetchall would raise. The status it compares with is
    psycopg's own TUPLES_OK (checked on SQLite too: psycopg is installed everywhere)."""
    from psycopg import pq

    from xborder.core import database

    assert database._TUPLES_OK == pq.ExecStatus.TUPLES_OK
    if db.engine.dialect.name != "postgresql":
        return  # the rest is psycopg's cursor, which SQLite has not
    exporter = factory.organisation()
    case = factory.case(exporter, title="直行")
    db.session.flush()
    connection = db.session.connection()
    run = database.driver_execute
    assert run(connection, "SELECT id, title FROM cases WHERE id = %s", (case.id,)) == [(case.id, "直行")]
    assert run(connection, "SELECT id FROM cases WHERE id = %s", (-1,)) == []
    assert run(connection, "UPDATE cases SET title = %s WHERE id = %s RETURNING title", ("改", case.id)) == [("改",)]
    assert run(connection, "UPDATE cases SET title = %s WHERE id = %s", ("再改", case.id)) == []
    assert run(connection, "SELECT title FROM cases WHERE id = %s", (case.id,)) == [("再改",)]
