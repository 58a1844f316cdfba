"""case next_due: the nearest due date of a case's open deadlines, stored and indexed for the official's dashboard

Revision ID: e7a9499eb3d0
Revises: 4d8a2f6e0b13
Create Date: 2026-11-26 04:30:00.000000

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'e7a9499eb3d0'
down_revision = '4d8a2f6e0b13'
branch_labels = None
depends_on = None

BATCH = 1000
# Only the columns the deadline engine reads, so this step keeps working when the model grows later columns.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
cases = sa.table(
    "cases", sa.column("id", sa.Integer), sa.column("status", sa.String), sa.column("regime", sa.String),
    sa.column("pathway", sa.String), sa.column("workflow", JSON), sa.column("declaration", JSON),
    sa.column("reached_provincial_at", sa.DateTime(timezone=True)), sa.column("valid_until", sa.Date),
    sa.column("next_due", sa.Date))


class _CaseRow:
    """A row of `cases` with the attributes `open_deadlines` reads."""

    def __init__(self, row):
        self.__dict__.update(row._mapping)
        self.workflow = self.workflow or {}


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_due', sa.Date(), nullable=True))
        batch_op.create_index('ix_cases_official_next_due', ['province', 'next_due', 'id'], unique=False,
                              postgresql_include=['status', 'pathway'],
                              postgresql_where=sa.text('reached_provincial_at IS NOT NULL'),
                              sqlite_where=sa.text('reached_provincial_at IS NOT NULL'))
    _backfill()


def _backfill():
    """Compute each existing case's next due date with the deadline engine, a thousand cases at a time."""
    from xborder.cases.next_due import nearest_due

    conn = op.get_bind()
    update = cases.update().where(cases.c.id == sa.bindparam("case_id")).values(next_due=sa.bindparam("due"))
    last = 0
    while True:
        rows = conn.execute(sa.select(*cases.c).where(cases.c.id > last).order_by(cases.c.id).limit(BATCH)).all()
        if not rows:
            return
        last = rows[-1].id
        dues = [{"case_id": row.id, "due": due} for row in rows if (due := nearest_due(_CaseRow(row))) is not None]
        if dues:
            conn.execute(update, dues)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_official_next_due')
        batch_op.drop_column('next_due')
