"""merge the case transfer details (cases.facts), the accounts chain (mail to addresses, token names, personal
signing certificates, sealed TOTP secrets) and the dossier blob chunks

Revision ID: f4a5b6c7d8e9
Revises: b7d4e1f0a9c3, e7b1c4d9f0a5, b7d2e5f19c43
Create Date: 2026-12-06 14:25:00

"""


# revision identifiers, used by Alembic.
revision = 'f4a5b6c7d8e9'
down_revision = ("b7d4e1f0a9c3", "e7b1c4d9f0a5", "b7d2e5f19c43")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
