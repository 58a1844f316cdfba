"""dossier build heartbeat: when a build's row last moved, so an abandoned build can be replaced

Revision ID: 4d8a2f6e0b13
Revises: 1291b24756a5
Create Date: 2026-11-26 00:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '4d8a2f6e0b13'
down_revision = '1291b24756a5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dossier_builds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    # Existing rows last moved when they finished or, if they never did, when they were asked for.
    op.execute("UPDATE dossier_builds SET updated_at = COALESCE(finished_at, created_at)")
    with op.batch_alter_table('dossier_builds', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('dossier_builds', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
