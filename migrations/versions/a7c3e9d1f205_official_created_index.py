"""the official's unfiltered case list: the cases at a provincial authority, newest first, from a partial index

Revision ID: a7c3e9d1f205
Revises: f4a5b6c7d8e9
Create Date: 2026-12-06 17:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a7c3e9d1f205'
down_revision = 'f4a5b6c7d8e9'
branch_labels = None
depends_on = None

REACHED = sa.text("reached_provincial_at IS NOT NULL")


def upgrade():
    op.create_index('ix_cases_official_created', 'cases', ['province', 'created_at'],
                    postgresql_where=REACHED, sqlite_where=REACHED)


def downgrade():
    op.drop_index('ix_cases_official_created', table_name='cases')
