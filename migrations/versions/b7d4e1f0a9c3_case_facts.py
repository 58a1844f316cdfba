"""the case's transfer details beside the declaration (issue 16)

Revision ID: b7d4e1f0a9c3
Revises: e2f3a4b5c6d7
Create Date: 2026-12-06 13:30:00.000000

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = 'b7d4e1f0a9c3'
down_revision = 'e2f3a4b5c6d7'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facts', JSON, nullable=True))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('facts')
