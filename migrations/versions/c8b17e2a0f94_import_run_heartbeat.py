"""import run heartbeat: when a run's row last moved, so a run whose worker died can be recovered by the sweep

Revision ID: c8b17e2a0f94
Revises: a29c450ac28d
Create Date: 2026-12-06 10:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c8b17e2a0f94'
down_revision = 'a29c450ac28d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inventory_import_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    # Existing rows last moved when they finished or, if they never did, when they were uploaded.
    op.execute("UPDATE inventory_import_runs SET updated_at = COALESCE(finished_at, created_at)")
    with op.batch_alter_table('inventory_import_runs', schema=None) as batch_op:
        batch_op.alter_column('updated_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table('inventory_import_runs', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
