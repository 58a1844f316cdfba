"""organisation profile and the case's copy of it at submit (issue 16)

Revision ID: a16f3c2d9e57
Revises: c8b17e2a0f94
Create Date: 2026-12-06 11:00:00.000000

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'a16f3c2d9e57'
down_revision = 'c8b17e2a0f94'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile', JSON, nullable=True))
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile_snapshot', JSON, nullable=True))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('profile_snapshot')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('profile')
