"""the large JSON documents (a case's determination, risk, declaration and answers, their versions, an import's
preview) compressed with lz4 instead of pglz on PostgreSQL

A case's risk is ~47 KB of JSON and its determination ~6 KB; PostgreSQL compresses every value over ~2 KB on its way
to TOAST, and pglz cost ~0.65 ms of the server's CPU per case row written (measured: 2,000 rows of a real case's two
documents, 1.25 ms a row with pglz, 0.55-0.62 ms with lz4), and more on every read. Only values written from now on
are compressed with lz4; older ones stay readable as they are. SQLite stores JSON as text and is not changed; a
PostgreSQL built without lz4 keeps pglz (the ALTER is skipped).

Revision ID: c9e5a1f3b427
Revises: b8d4f0e2a316
Create Date: 2026-12-06 20:25:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c9e5a1f3b427'
down_revision = 'b8d4f0e2a316'
branch_labels = None
depends_on = None

COLUMNS = {
    "cases": ("declaration", "determination", "risk", "answers", "review", "workflow", "facts", "profile_snapshot"),
    "declaration_versions": ("declaration", "determination"),
    "answer_versions": ("answers",),
    "inventory_import_runs": ("preview", "errors"),
}


def _set(method: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        alter = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION {method}" for column in columns)
        op.execute("DO $$ BEGIN EXECUTE 'ALTER TABLE " + table + " " + alter + "'; "
                   "EXCEPTION WHEN feature_not_supported THEN NULL; END $$")


def upgrade():
    _set("lz4")


def downgrade():
    _set("pglz")
