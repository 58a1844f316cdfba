"""a signer is a named person: signing certificates name their user, are revoked when the person is deactivated,
and the deployment CA keeps its current CRL

Revision ID: d5a0f3b8c2e4
Revises: c4f9e2a7b1d3
Create Date: 2026-12-06 13:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd5a0f3b8c2e4'
down_revision = 'c4f9e2a7b1d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('dossier_signing_certificates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_dossier_signing_certificates_user_id'), ['user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_dossier_signing_certificates_user_id_users'), 'users',
                                    ['user_id'], ['id'])
    with op.batch_alter_table('dossier_trust_anchors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crl_pem', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('dossier_trust_anchors', schema=None) as batch_op:
        batch_op.drop_column('crl_pem')
    with op.batch_alter_table('dossier_signing_certificates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_dossier_signing_certificates_user_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_dossier_signing_certificates_user_id'))
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('user_id')
