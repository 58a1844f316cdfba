"""dossier blob chunks: large blobs (evidence, bundles) stored in pieces of at most 1 MiB, never held whole

Revision ID: b7d2e5f19c43
Revises: e2f3a4b5c6d7
Create Date: 2026-12-06 13:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7d2e5f19c43'
down_revision = 'e2f3a4b5c6d7'
branch_labels = None
depends_on = None


def upgrade():
    # A column added, not the table rebuilt: SQLite's batch rebuild would drop dossier_blobs under the foreign
    # keys of the stages that point at it. Existing rows keep their bytes in `data` (chunks = 0).
    with op.batch_alter_table('dossier_blobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chunks', sa.Integer(), server_default='0', nullable=False))
    op.create_table('dossier_blob_chunks',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['sha256'], ['dossier_blobs.sha256'],
                            name=op.f('fk_dossier_blob_chunks_sha256_dossier_blobs')),
    sa.PrimaryKeyConstraint('sha256', 'seq', name=op.f('pk_dossier_blob_chunks'))
    )


def downgrade():
    op.drop_table('dossier_blob_chunks')
    with op.batch_alter_table('dossier_blobs', schema=None) as batch_op:
        batch_op.drop_column('chunks')
