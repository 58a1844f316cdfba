"""Passwords: the policy, reset by e-mail (single-use, expiring, no enumeration), change, and hash upgrades."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from tests.helpers.accounts import STRONG
from tests.helpers.factories import auth
from xborder.accounts.models import PASSWORD_METHOD
from xborder.accounts.passwords import password_errors
from xborder.accounts.records import PasswordReset
from xborder.notifications.models import Notification

NEW = "Mq4-harbour-velvet-58"


def test_policy_refuses_short_and_guessable_passwords():
    assert password_errors(STRONG, "p") == []
    assert password_errors("Ab1!", "p")[0]["code"] == "too_short"
    for weak in ("password123", "1234567890", "qwertyuiop", "shanghai2025"):
        assert password_errors(weak, "p")[0]["code"] == "weak", weak
    # The user's own e-mail and name count as known words.
    assert password_errors("wangminxborder", "p", hints=("wangmin@xborder.test",))[0]["code"] == "weak"
    assert password_errors("wangmin@xborder.test", "p", hints=("wangmin@xborder.test",))[0]["code"] == "weak"


def _link_secret(db, user) -> str:
    text = db.session.scalars(sa.select(Notification.text_en).where(Notification.user_id == user.id,
                                                                    Notification.kind == "password_reset")
                              .order_by(Notification.id.desc())).first()
    return re.search(r"/password/reset/([A-Za-z0-9_-]+)", text).group(1)


def test_reset_is_single_use_expires_and_ends_every_credential(client, db, factory):
    user = factory.user("enterprise", password=STRONG)
    old_token = factory.token(user)
    known = client.post("/api/v1/auth/password-reset", json={"email": user.email.upper()})
    unknown = client.post("/api/v1/auth/password-reset", json={"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 202
    assert known.get_data() == unknown.get_data()
    secret = _link_secret(db, user)
    assert db.session.scalar(sa.select(PasswordReset.token_hash).where(PasswordReset.user_id == user.id)) != secret

    weak = client.post("/api/v1/auth/password-reset/confirm", json={"token": secret, "new_password": "password1"})
    assert weak.status_code == 422 and weak.json["errors"][0]["path"] == "new_password"
    done = client.post("/api/v1/auth/password-reset/confirm", json={"token": secret, "new_password": NEW})
    assert done.status_code == 204
    assert client.get("/api/v1/me", headers=auth(old_token)).status_code == 401
    assert client.post("/api/v1/auth/token", json={"email": user.email, "password": NEW}).status_code == 200
    again = client.post("/api/v1/auth/password-reset/confirm", json={"token": secret, "new_password": STRONG})
    assert again.status_code == 422 and again.json["errors"][0]["path"] == "token"

    client.post("/api/v1/auth/password-reset", json={"email": user.email})
    expired = _link_secret(db, user)
    db.session.execute(sa.update(PasswordReset).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    response = client.post("/api/v1/auth/password-reset/confirm", json={"token": expired, "new_password": STRONG})
    assert response.status_code == 422


def test_reset_page_sets_a_password(app, client, db, factory):
    user = factory.user("enterprise", password=STRONG)
    web = app.test_client()
    page = web.get("/password/forgot").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    sent = web.post("/password/forgot", data={"email": user.email, "csrf_token": csrf}).get_data(as_text=True)
    nobody = web.post("/password/forgot", data={"email": "no@example.test", "csrf_token": csrf}).get_data(as_text=True)
    assert "重置链接已发送" in sent and "重置链接已发送" in nobody
    secret = _link_secret(db, user)
    form = web.get(f"/password/reset/{secret}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = web.post(f"/password/reset/{secret}", data={"new_password": NEW, "csrf_token": csrf})
    assert response.status_code == 302
    assert client.post("/api/v1/auth/token", json={"email": user.email, "password": NEW}).status_code == 200


def test_change_password_refuses_weak_ones(client, db, factory):
    user = factory.user("enterprise", password=STRONG)
    token = factory.token(user)
    weak = client.post("/api/v1/auth/password", headers=auth(token),
                       json={"current_password": STRONG, "new_password": "password123"})
    assert weak.status_code == 422 and weak.json["errors"][0]["code"] == "weak"
    assert client.post("/api/v1/auth/password", headers=auth(token),
                       json={"current_password": STRONG, "new_password": NEW}).status_code == 204


def test_old_hashes_are_upgraded_at_sign_in(client, db, factory):
    user = factory.user("enterprise", password=STRONG)
    user.password_hash = generate_password_hash(STRONG, method="pbkdf2:sha256:1000")
    db.session.flush()
    token = factory.token(user)
    assert client.post("/api/v1/auth/token", json={"email": user.email, "password": STRONG}).status_code == 200
    db.session.refresh(user)
    assert user.password_hash.startswith(PASSWORD_METHOD + "$") and user.check_password(STRONG)
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 200  # an upgrade revokes nothing
