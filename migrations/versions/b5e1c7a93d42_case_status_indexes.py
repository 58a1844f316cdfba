"""case status indexes: the official's and the assessor's tallies and status-filtered lists from the index alone

Revision ID: b5e1c7a93d42
Revises: 4d8a2f6e0b13
Create Date: 2026-11-26 04:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b5e1c7a93d42'
down_revision = '4d8a2f6e0b13'
branch_labels = None
depends_on = None

REACHED = sa.text("reached_provincial_at IS NOT NULL")


def upgrade():
    op.create_index('ix_cases_official_status', 'cases', ['province', 'status', 'created_at'],
                    postgresql_where=REACHED, sqlite_where=REACHED)
    op.create_index('ix_cases_assessor_status', 'cases', ['assessor_org_id', 'status', 'created_at'])


def downgrade():
    op.drop_index('ix_cases_assessor_status', table_name='cases')
    op.drop_index('ix_cases_official_status', table_name='cases')
