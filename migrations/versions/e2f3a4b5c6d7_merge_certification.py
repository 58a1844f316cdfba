"""merge certification (cases.mechanism, new statuses) , materials (evidence.kind) and the organisation profile with the onboarding head (registrations, TOTP, resets)

Revision ID: e2f3a4b5c6d7
Revises: 4f19a7c2e8b1, f3c1a9e5b2d8, f3a1c9d27e64, a16f3c2d9e57
Create Date: 2026-12-06 11:50:00

"""


# revision identifiers, used by Alembic.
revision = 'e2f3a4b5c6d7'
down_revision = ('4f19a7c2e8b1', 'f3c1a9e5b2d8', 'f3a1c9d27e64', 'a16f3c2d9e57')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
