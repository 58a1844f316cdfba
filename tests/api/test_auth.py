"""Bearer tokens: issue, expiry, revocation, wrong passwords and inactive users."""

from __future__ import annotations

import datetime as dt

from tests.helpers.factories import auth
from xborder.accounts.models import ApiToken, hash_token


def test_token_issued_for_right_credentials_and_stored_hashed(client, factory, db):
    user = factory.user(email="a@example.test", password="s3cret-pass")
    response = client.post("/api/v1/auth/token", json={"email": "A@example.test", "password": "s3cret-pass"})
    assert response.status_code == 200
    token = response.json["token"]
    row = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.token_hash == hash_token(token) != token
    me = client.get("/api/v1/me", headers=auth(token))
    assert me.status_code == 200
    assert me.json["email"] == "a@example.test"
    assert me.json["organisation"]["uscc"] == user.organisation.uscc


def test_wrong_password_is_401_problem(client, factory):
    factory.user(email="b@example.test", password="right")
    response = client.post("/api/v1/auth/token", json={"email": "b@example.test", "password": "wrong"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 401
    assert response.json["title_zh"] == "需要登录或令牌无效"


def test_unknown_email_answers_exactly_like_a_wrong_password(client):
    response = client.post("/api/v1/auth/token", json={"email": "nobody@example.test", "password": "x"})
    assert response.status_code == 401
    assert response.json["detail"] == "Wrong email or password, or the account is deactivated"


def test_inactive_user_is_refused_a_token_and_its_old_tokens_stop_working(client, factory, db):
    user = factory.user(email="c@example.test", password="pw")
    token = factory.token(user)
    user.active = False
    db.session.flush()
    assert client.post("/api/v1/auth/token", json={"email": "c@example.test", "password": "pw"}).status_code == 401
    response = client.get("/api/v1/cases", headers=auth(token))
    assert response.status_code == 401
    assert response.json["detail"] == "The account is deactivated"


def test_missing_token_is_401_problem_with_challenge(client):
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_expired_token_is_refused(client, factory, db):
    user = factory.user()
    token = factory.token(user)
    row = db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    db.session.flush()
    response = client.get("/api/v1/cases", headers=auth(token))
    assert response.status_code == 401
    assert response.json["detail"] == "The token is unknown, expired or revoked"


def test_revoked_token_is_refused(client, factory):
    token = factory.token(factory.user())
    assert client.get("/api/v1/cases", headers=auth(token)).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=auth(token)).status_code == 204
    assert client.get("/api/v1/cases", headers=auth(token)).status_code == 401


def test_token_request_with_missing_fields_is_422_with_field_paths(client):
    response = client.post("/api/v1/auth/token", json={"email": "x@example.test"})
    assert response.status_code == 422
    assert response.json["errors"] == [
        {"path": "password", "code": "required", "message_en": "Missing data for required field.",
         "message_zh": "必填字段缺失"}
    ]
