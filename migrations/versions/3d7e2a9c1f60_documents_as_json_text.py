"""a case's determination and risk picture (and each declaration version's determination) as JSON text on
PostgreSQL, not JSONB

Both are written whole and read back whole; nothing in SQL looks into them. JSONB parsed each into its binary form on
the way in and printed it again on the way out: measured on a real case's 43 KB risk picture with lz4 (this
machine, 1,000 rows each), 0.91-0.97 ms of the server's CPU per row written as JSONB against 0.33-0.40 as JSON, and
0.49-0.55 ms against 0.25-0.30 per row read. Every case's creation writes one, every answer with the case reads one.
The values are converted in place (jsonb's own text, the same documents); lz4 stays the columns' compression.
SQLite stores JSON as text already and is not changed.

Revision ID: 3d7e2a9c1f60
Revises: ed19d556d84e
Create Date: 2026-12-07 02:40:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '3d7e2a9c1f60'
down_revision = 'ed19d556d84e'
branch_labels = None
depends_on = None

COLUMNS = {"cases": ("determination", "risk"), "declaration_versions": ("determination",)}


def _convert(kind: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        op.execute(f"ALTER TABLE {table} " + ", ".join(
            f"ALTER COLUMN {column} TYPE {kind} USING {column}::{kind}" for column in columns))
        # The rewrite keeps each column's compression; set again all the same, as c9e5a1f3b427 did (skipped where
        # the server was built without lz4).
        alter = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION lz4" for column in columns)
        op.execute("DO $$ BEGIN EXECUTE 'ALTER TABLE " + table + " " + alter + "'; "
                   "EXCEPTION WHEN feature_not_supported THEN NULL; END $$")


def upgrade():
    _convert("json")


def downgrade():
    _convert("jsonb")
