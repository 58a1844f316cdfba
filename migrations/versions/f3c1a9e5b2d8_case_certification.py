"""case certification: the mechanism chosen at submit and the statuses certification_pending and certified

Revision ID: f3c1a9e5b2d8
Revises: c8b17e2a0f94
Create Date: 2026-12-06 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3c1a9e5b2d8'
down_revision = 'c8b17e2a0f94'
branch_labels = None
depends_on = None

_OLD = ('draft', 'third_party_review', 'rectification', 'provincial_review', 'supplement_requested',
        'submitted_to_regulator', 'filed', 'approved', 'rejected', 'exempt_recorded', 'withdrawn', 'expired')
# In CaseStatus order (the model builds its constraint from the enum; the models-vs-migrations test compares them).
_NEW = ('draft', 'third_party_review', 'rectification', 'provincial_review', 'supplement_requested',
        'submitted_to_regulator', 'filed', 'certification_pending', 'certified', 'approved', 'rejected',
        'exempt_recorded', 'withdrawn', 'expired')


def _in(statuses):
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        # standard_contract | certification for the standard-contract band; null for the other pathways and for
        # cases submitted before the choice existed (they were all standard contracts).
        batch_op.add_column(sa.Column('mechanism', sa.String(length=30), nullable=True))
        batch_op.drop_constraint(op.f('ck_cases_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_cases_status'), _in(_NEW))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cases_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_cases_status'), _in(_OLD))
        batch_op.drop_column('mechanism')
