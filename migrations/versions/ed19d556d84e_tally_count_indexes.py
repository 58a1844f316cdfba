"""the official's tallies and the assessor's list count from narrow indexes that PostgreSQL deduplicates

Revision ID: ed19d556d84e
Revises: c9e5a1f3b427
Create Date: 2026-12-06 20:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'ed19d556d84e'
down_revision = 'c9e5a1f3b427'
branch_labels = None
depends_on = None

REACHED = sa.text("reached_provincial_at IS NOT NULL")


def upgrade():
    op.create_index('ix_cases_official_tally', 'cases', ['province', 'status'],
                    postgresql_where=REACHED, sqlite_where=REACHED)
    op.create_index('ix_cases_assessor_org', 'cases', ['assessor_org_id'])


def downgrade():
    op.drop_index('ix_cases_assessor_org', table_name='cases')
    op.drop_index('ix_cases_official_tally', table_name='cases')
