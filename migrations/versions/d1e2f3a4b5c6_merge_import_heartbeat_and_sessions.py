"""merge the import-run heartbeat and the server-side sessions / limiter counters

Revision ID: d1e2f3a4b5c6
Revises: c8a17e5f9d21, c8b17e2a0f94
Create Date: 2026-12-06 11:05:00

"""


# revision identifiers, used by Alembic.
revision = 'd1e2f3a4b5c6'
down_revision = ('c8a17e5f9d21', 'c8b17e2a0f94')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
