"""API tokens people manage (issue 19): the page lists one's tokens, a new one is shown once, revocation ends it;
"last used" is written at most once an hour per token, by one conditional UPDATE."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from tests.helpers.accounts import STRONG
from tests.helpers.factories import auth
from tests.helpers.web import csrf_token
from xborder.accounts.models import ApiToken


def _signed_in(app, user):
    web = app.test_client()
    page = web.get("/login").get_data(as_text=True)
    assert web.post("/login", data={"email": user.email, "password": STRONG,
                                     "csrf_token": csrf_token(page)}).status_code == 302
    return web


def test_a_new_token_is_shown_once_works_and_is_revoked_from_the_page(app, client, db, factory):
    user = factory.user("enterprise", password=STRONG)
    web = _signed_in(app, user)
    page = web.get("/account/tokens").get_data(as_text=True)
    assert "API 令牌" in page and "没有令牌" in page
    made = web.post("/account/tokens", data={"name": "报表程序", "days": "30", "csrf_token": csrf_token(page)})
    html = made.get_data(as_text=True)
    secret = re.search(r'id="new-token">([^<]+)<', html).group(1)
    assert "只显示这一次" in html and "报表程序" in html
    assert client.get("/api/v1/me", headers=auth(secret)).status_code == 200
    again = web.get("/account/tokens").get_data(as_text=True)
    assert secret not in again and "报表程序" in again  # listed, never shown again
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == "报表程序"))
    assert row.user_id == user.id and row.token_hash != secret
    assert dt.timedelta(days=29) < row.expires_at - row.created_at <= dt.timedelta(days=30)

    assert web.post(f"/account/tokens/{row.id}/revoke").status_code == 400  # no CSRF token
    web.post(f"/account/tokens/{row.id}/revoke", data={"csrf_token": csrf_token(again)})
    assert client.get("/api/v1/me", headers=auth(secret)).status_code == 401
    assert "报表程序" not in web.get("/account/tokens").get_data(as_text=True)


def test_bad_names_and_lifetimes_are_refused_and_others_tokens_untouchable(app, client, db, factory):
    user, other = factory.user("enterprise", password=STRONG), factory.user("enterprise", password=STRONG)
    theirs = factory.token(other)
    web = _signed_in(app, user)
    page = web.get("/account/tokens").get_data(as_text=True)
    empty = web.post("/account/tokens", data={"name": " ", "days": "30", "csrf_token": csrf_token(page)})
    assert empty.status_code == 422 and "请填写令牌名称" in empty.get_data(as_text=True)
    forever = web.post("/account/tokens", data={"name": "永久", "days": "36500", "csrf_token": csrf_token(page)})
    assert forever.status_code == 422 and "有效期须为" in forever.get_data(as_text=True)
    junk = web.post("/account/tokens", data={"name": "x", "days": "abc", "csrf_token": csrf_token(page)})
    assert junk.status_code == 422 and 'id="new-token"' not in junk.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id)) == 0
    their_row = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == other.id))
    web.post(f"/account/tokens/{their_row.id}/revoke", data={"csrf_token": csrf_token(page)})
    assert client.get("/api/v1/me", headers=auth(theirs)).status_code == 200


def test_last_use_is_written_once_an_hour_by_one_update(app, client, db, factory):
    user = factory.user("enterprise", password=STRONG)
    secret = factory.token(user)
    row = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id))
    assert row.last_used_at is None
    writes: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE API_TOKENS"):
            writes.append(statement)

    engine = db.session.get_bind().engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(3):
            assert client.get("/api/v1/me", headers=auth(secret)).status_code == 200
        assert len(writes) == 1  # the first use only: then it is fresh for an hour
        first = db.session.scalar(sa.select(ApiToken.last_used_at).where(ApiToken.id == row.id))
        assert first is not None  # kept although the requests were reads

        hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=61)
        db.session.execute(sa.update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=hour_ago))
        writes.clear()
        assert client.get("/api/v1/me", headers=auth(secret)).status_code == 200
        assert client.get("/api/v1/me", headers=auth(secret)).status_code == 200
        assert len(writes) == 1
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    latest = db.session.scalar(sa.select(ApiToken.last_used_at).where(ApiToken.id == row.id))
    assert latest.replace(tzinfo=latest.tzinfo or dt.UTC) > hour_ago + dt.timedelta(minutes=30)
    web = _signed_in(app, user)
    assert "从未使用" not in web.get("/account/tokens").get_data(as_text=True)
