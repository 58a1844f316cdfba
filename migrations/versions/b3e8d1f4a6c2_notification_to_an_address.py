"""a notification may be addressed to an e-mail address that is nobody's account (a rejected applicant, an invitee)

Revision ID: b3e8d1f4a6c2
Revises: e2f3a4b5c6d7
Create Date: 2026-12-06 13:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3e8d1f4a6c2'
down_revision = 'e2f3a4b5c6d7'
branch_labels = None
depends_on = None

ONE_OF_THREE = ("(CASE WHEN user_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN organisation_id IS NULL THEN 0 "
                "ELSE 1 END) + (CASE WHEN email IS NULL THEN 0 ELSE 1 END) = 1")


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_notifications_one_recipient'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notifications_one_recipient'), ONE_OF_THREE)


def downgrade():
    op.execute("DELETE FROM notifications WHERE email IS NOT NULL")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_notifications_one_recipient'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_notifications_one_recipient'),
                                         '(user_id IS NULL) <> (organisation_id IS NULL)')
        batch_op.drop_column('email')
