"""TOTP secrets are sealed at rest under XBORDER_KEY_PASSPHRASE (issue 19): the raw column holds no base32 secret,
the app reads it back, another passphrase reads nothing, and the migration seals the rows it finds in clear."""

from __future__ import annotations

import re

import pyotp
import pytest
import sqlalchemy as sa

from tests.helpers.accounts import STRONG
from tests.helpers.app import TEST_PASSPHRASE, TEST_SECRET
from tests.helpers.factories import auth
from xborder.core.sealing import SealError, seal, unseal

BASE32_SECRET = re.compile(r"[A-Z2-7]{16,}")


def test_the_raw_column_holds_no_base32_secret_and_the_app_reads_it(client, db, factory):
    user = factory.user("enterprise", password=STRONG)
    token = factory.token(user)
    secret = client.post("/api/v1/auth/totp", headers=auth(token)).json["secret"]
    (raw,) = db.session.execute(sa.text("SELECT secret FROM user_totp WHERE user_id = :id"), {"id": user.id}).one()
    assert secret not in raw and not BASE32_SECRET.search(raw)
    assert unseal(raw, TEST_PASSPHRASE.encode()) == secret
    with pytest.raises(SealError):
        unseal(raw, b"another passphrase entirely")
    # The app reads it back in clear: the first code turns the authenticator on.
    confirmed = client.post("/api/v1/auth/totp/confirm", headers=auth(token), json={"otp": pyotp.TOTP(secret).now()})
    assert confirmed.status_code == 200


def test_the_migration_seals_secrets_stored_in_clear(tmp_path):
    from flask_migrate import upgrade

    from xborder import create_app
    from xborder.extensions import db

    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}", "XBORDER_INSTANCE_PATH": str(tmp_path / "i"),
           "XBORDER_SECRET_KEY": TEST_SECRET, "XBORDER_KEY_PASSPHRASE": TEST_PASSPHRASE,
           "XBORDER_MFA_REQUIRED_ROLES": ""}
    app = create_app(env, TESTING=True)
    clear = pyotp.random_base32()
    with app.app_context():
        upgrade(revision="d5a0f3b8c2e4")  # the revision before sealing: secrets in clear
        with db.engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO organisations (id, kind, name, uscc, province, created_at) VALUES "
                                 "(1, 'enterprise', '迁移测试', '91310000000000000X', '310000', CURRENT_TIMESTAMP)"))
            conn.execute(sa.text("INSERT INTO users (id, email, name, password_hash, role, organisation_id, active, "
                                 "locale, created_at) VALUES (1, 'm@example.test', 'm', 'x', 'enterprise', 1, 1, "
                                 "'zh_CN', CURRENT_TIMESTAMP)"))
            conn.execute(sa.text("INSERT INTO user_totp (user_id, secret, last_step, recovery_hashes) VALUES "
                                 "(1, :secret, 0, '[]')"), {"secret": clear})
        upgrade(revision="heads")
        with db.engine.connect() as conn:
            (raw,) = conn.execute(sa.text("SELECT secret FROM user_totp")).one()
        from xborder.accounts.records import UserTotp

        read = db.session.scalar(sa.select(UserTotp.secret))
        db.session.remove()
        db.engine.dispose()
    assert clear not in raw and not BASE32_SECRET.search(raw)
    assert read == clear


def test_sealing_is_randomised_and_authenticated():
    passphrase = b"p" * 32
    first, second = seal("JBSWY3DPEHPK3PXP", passphrase), seal("JBSWY3DPEHPK3PXP", passphrase)
    assert first != second and unseal(first, passphrase) == unseal(second, passphrase) == "JBSWY3DPEHPK3PXP"
    tampered = first[:-4] + ("AAAA" if not first.endswith("AAAA") else "BBBB")
    with pytest.raises(SealError):
        unseal(tampered, passphrase)
