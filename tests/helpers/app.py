"""Building an app for a test: the settings every test app shares, a fresh `g` per request, emptying a database
before the migrations build it, and deleting committed rows afterwards."""

from __future__ import annotations

import sqlalchemy as sa

TEST_SECRET = "test-secret-key-not-for-production-0123456789"
TEST_PASSPHRASE = "test-key-passphrase-0123456789"


def fresh_g() -> None:
    """Clear `g` (a before_request hook): the test's pushed app context is reused by the test client's requests."""
    from flask import g

    for name in list(vars(g)):
        delattr(g, name)


def empty_database(engine: sa.Engine) -> None:
    """Drop everything in the database, so the migrations build the schema from empty."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    else:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table in reversed(meta.sorted_tables):
                conn.execute(table.delete())
                table.drop(conn)


def delete_rows(db, column: str, ids: list) -> None:
    """Delete every row that points at these ids through a foreign key (e.g. on "cases.id"), and first the rows
    that point at those (another feature's tables included), however deep."""
    table_name, key = column.split(".")
    if not ids:
        return
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name != table_name or fk.column.name != key or table.name == table_name:
                continue
            pk = list(table.primary_key.columns)
            if len(pk) == 1:
                child_ids = list(db.session.scalars(sa.select(pk[0]).where(fk.parent.in_(ids))))
                delete_rows(db, f"{table.name}.{pk[0].name}", child_ids)
            db.session.execute(sa.delete(table).where(fk.parent.in_(ids)))
