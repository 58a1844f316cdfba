"""evidence kind: a filing material (forms/materials) is an evidence file with a kind

Revision ID: f3a1c9d27e64
Revises: c8b17e2a0f94
Create Date: 2026-12-06 11:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f3a1c9d27e64'
down_revision = 'c8b17e2a0f94'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_column('kind')
