"""merge certification (cases.mechanism, new statuses) with the sessions and import heartbeat heads

Revision ID: e2f3a4b5c6d7
Revises: d1e2f3a4b5c6, f3c1a9e5b2d8
Create Date: 2026-12-06 11:50:00

"""


# revision identifiers, used by Alembic.
revision = 'e2f3a4b5c6d7'
down_revision = ('d1e2f3a4b5c6', 'f3c1a9e5b2d8')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
