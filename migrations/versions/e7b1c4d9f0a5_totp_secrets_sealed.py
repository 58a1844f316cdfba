"""TOTP secrets sealed at rest under XBORDER_KEY_PASSPHRASE (the key that protects the signing keys); existing
rows are sealed here

Revision ID: e7b1c4d9f0a5
Revises: d5a0f3b8c2e4
Create Date: 2026-12-06 14:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7b1c4d9f0a5'
down_revision = 'd5a0f3b8c2e4'
branch_labels = None
depends_on = None


def _passphrase() -> bytes:
    # Migrations run through Flask-Migrate, inside the app: the configured passphrase is the one the app reads with.
    from flask import current_app

    return bytes(current_app.config["XBORDER"].key_passphrase)


def upgrade():
    with op.batch_alter_table('user_totp', schema=None) as batch_op:
        batch_op.alter_column('secret', existing_type=sa.String(length=64), type_=sa.String(length=255),
                              existing_nullable=False)
    from xborder.core.sealing import PREFIX, seal

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, secret FROM user_totp")).all()
    clear = [(row_id, secret) for row_id, secret in rows if not secret.startswith(PREFIX)]
    if clear:
        passphrase = _passphrase()
        for row_id, secret in clear:
            conn.execute(sa.text("UPDATE user_totp SET secret = :sealed WHERE id = :id"),
                         {"sealed": seal(secret, passphrase), "id": row_id})


def downgrade():
    from xborder.core.sealing import PREFIX, unseal

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, secret FROM user_totp")).all()
    sealed = [(row_id, secret) for row_id, secret in rows if secret.startswith(PREFIX)]
    if sealed:
        passphrase = _passphrase()
        for row_id, secret in sealed:
            conn.execute(sa.text("UPDATE user_totp SET secret = :clear WHERE id = :id"),
                         {"clear": unseal(secret, passphrase), "id": row_id})
    with op.batch_alter_table('user_totp', schema=None) as batch_op:
        batch_op.alter_column('secret', existing_type=sa.String(length=255), type_=sa.String(length=64),
                              existing_nullable=False)
