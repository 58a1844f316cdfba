"""merge next_due, idempotency keys and status indexes

Revision ID: a29c450ac28d
Revises: 6a1f3c8e2d57, b5e1c7a93d42, e7a9499eb3d0
Create Date: 2026-11-26 04:53:09.870291

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a29c450ac28d'
down_revision = ('6a1f3c8e2d57', 'b5e1c7a93d42', 'e7a9499eb3d0')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
