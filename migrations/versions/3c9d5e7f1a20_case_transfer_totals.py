"""running totals for cumulative counting, and indexes for counting an exporter's cases

Revision ID: 3c9d5e7f1a20
Revises: 1a370e762b3c
Create Date: 2026-11-25 22:45:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3c9d5e7f1a20'
down_revision = '1a370e762b3c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_transfer_totals',
    sa.Column('exporter_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('exemption', sa.String(length=40), nullable=False),
    sa.Column('cases', sa.Integer(), nullable=False),
    sa.Column('transfers', sa.Integer(), nullable=False),
    sa.Column('pi_individuals', sa.BigInteger(), nullable=False),
    sa.Column('sensitive_pi_individuals', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['exporter_id'], ['organisations.id'],
                            name=op.f('fk_case_transfer_totals_exporter_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('exporter_id', 'as_of', 'exemption', name=op.f('pk_case_transfer_totals'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_exporter_id', ['exporter_id', 'id'], unique=False)
        batch_op.create_index('ix_cases_exporter_status', ['exporter_id', 'status'], unique=False)

    # Totals of the transfers already recorded, so existing histories count the same after the upgrade.
    op.execute(
        "INSERT INTO case_transfer_totals (exporter_id, as_of, exemption, cases, transfers, pi_individuals, "
        "sensitive_pi_individuals) "
        "SELECT exporter_id, as_of, COALESCE(exemption, ''), SUM(CASE WHEN \"index\" = 0 THEN 1 ELSE 0 END), "
        "COUNT(*), SUM(pi_individuals), SUM(sensitive_pi_individuals) "
        "FROM case_transfers GROUP BY exporter_id, as_of, COALESCE(exemption, '')"
    )


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_exporter_status')
        batch_op.drop_index('ix_cases_exporter_id')

    op.drop_table('case_transfer_totals')
