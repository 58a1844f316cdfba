"""merge feature branches

Revision ID: 1291b24756a5
Revises: 3c9d5e7f1a20, 5b7e2d9c41aa, 7c4e1d2a9b60, 8e2f4a6c1d37
Create Date: 2026-11-26 00:04:50.092380

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1291b24756a5'
down_revision = ('3c9d5e7f1a20', '5b7e2d9c41aa', '7c4e1d2a9b60', '8e2f4a6c1d37')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
