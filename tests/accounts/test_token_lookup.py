"""A bearer token's lookup: on PostgreSQL one statement through psycopg itself, its row made into the same three
persistent objects the ORM's joined load gives (issue 20); elsewhere, and when the session already holds one of
them, the joined load. Held equal here, with the driver's errors raised as SQLAlchemy raises its own."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.helpers.factories import Factory, auth
from xborder.accounts.models import ApiToken, User, hash_token


def _columns(instance) -> dict:
    return {prop.key: getattr(instance, prop.key) for prop in sa.inspect(type(instance)).column_attrs}


def _snapshot(token: ApiToken) -> tuple[dict, dict, dict]:
    return _columns(token), _columns(token.user), _columns(token.user.organisation)


def test_the_lookup_gives_what_the_joined_load_gives(db, factory):
    from xborder.accounts.operations import _token_statement, find_token

    org = factory.organisation(profile={"联系人": "张三", "phone": "021-12345678"})
    user = factory.user(organisation=org)
    secret = factory.token(user)
    other = factory.token(user)
    db.session.commit()
    user_id = user.id
    db.session.expunge_all()
    statements: list[str] = []
    sa.event.listen(db.session.get_bind(), "before_cursor_execute",
                    lambda *args: statements.append(args[2]))

    found = find_token(secret)
    # The token, its user and the organisation in one statement, seen by the events (the test's savepoint aside).
    assert len([statement for statement in statements if statement.startswith("SELECT")]) == 1, statements
    looked_up = _snapshot(found)
    db.session.expunge_all()
    loaded = _snapshot(db.session.scalar(_token_statement(), {"token_hash": hash_token(secret)}))
    assert looked_up == loaded
    assert looked_up[2]["profile"] == {"联系人": "张三", "phone": "021-12345678"}

    db.session.expunge_all()
    found = find_token(secret)
    for instance in (found, found.user, found.user.organisation):
        state = sa.inspect(instance)
        assert state.persistent and not state.modified and not state.expired_attributes
    assert db.session.get(User, user_id) is found.user  # in the identity map: no second copy of anyone
    # Lazy loads and writes work on them as on any loaded object.
    assert sorted(token.token_hash for token in found.user.tokens) == sorted([hash_token(secret),
                                                                             hash_token(other)])
    assert found.user in found.user.organisation.users
    found.user.name = "改名"
    db.session.flush()
    assert db.session.scalar(sa.select(User.name).where(User.id == user_id)) == "改名"
    # The session already holds them: the same objects come back, what they had not loaded filled in from the row
    # (as the ORM's loading does), with no statement but the lookup.
    db.session.expire(found.user)
    db.session.expire(found, ["revoked_at"])
    statements.clear()
    assert find_token(secret) is found
    assert found.user.name == "改名" and found.revoked_at is None
    assert found.user.organisation.profile["联系人"] == "张三"
    assert [statement for statement in statements if statement.startswith("SELECT")] == statements[-1:]
    # Its columns loaded again (the collection of tokens stays expired, as the joined load leaves it).
    assert sa.inspect(found.user).expired_attributes == {"tokens"} and not sa.inspect(found.user).modified
    assert find_token("no such token") is None


def test_an_unknown_or_revoked_token_is_refused_on_each_database(client, factory, db):
    from xborder.accounts.operations import find_token, revoke_token

    user = factory.user()
    secret = factory.token(user)
    db.session.commit()
    assert client.get("/api/v1/cases", headers=auth(secret)).status_code == 200
    assert client.get("/api/v1/cases", headers=auth(secret + "x")).status_code == 401
    revoke_token(find_token(secret))
    db.session.commit()
    assert client.get("/api/v1/cases", headers=auth(secret)).status_code == 401


@pytest.mark.parametrize("secret", ["x' OR '1'='1", "abc\x00def", "%s%s%(x)s", "令牌🙂", "A" * 20_000],
                         ids=["sql", "nul", "placeholders", "unicode", "20k"])
def test_a_hostile_bearer_secret_is_refused_as_unknown_on_each_database(client, factory, db, secret):
    """An outsider's secrets reach the lookup's own statement (psycopg's cursor on PostgreSQL): quotes, a NUL,
    psycopg's placeholder syntax, non-ASCII and 20 KB are each an unknown token, 401 problem+json, and the lookup
    still works for the real token afterwards."""
    user = factory.user()
    real = factory.token(user)
    db.session.commit()
    response = client.get("/api/v1/cases", headers=auth(secret))
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert client.get("/api/v1/cases", headers=auth(real)).status_code == 200


def test_a_dead_connection_under_the_lookup_is_raised_as_sqlalchemy_raises_it(tmp_path, postgres_url):
    """The driver's error becomes a DBAPIError with the connection invalidated, which `core.auth` retries once
    on a new connection; the session then carries on."""
    from tests.helpers.live import app_of_its_own
    from xborder.accounts.operations import find_token
    from xborder.extensions import db

    with app_of_its_own("postgresql", tmp_path, postgres_url, "xborder_token") as app, app.app_context():
        factory = Factory(db)
        user = factory.user()
        secret = factory.token(user)
        db.session.commit()
        backend = db.session.scalar(sa.text("SELECT pg_backend_pid()"))  # the session's connection, in use
        with db.engine.connect() as other:
            assert other.scalar(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": backend})
        with pytest.raises(sa.exc.DBAPIError) as caught:
            find_token(secret)
        assert caught.value.connection_invalidated
        db.session.rollback()
        assert find_token(secret).user.id == user.id
        db.session.remove()


def test_a_reading_list_sends_no_end_of_transaction_and_is_planned_once(own_app):
    """A list reads in autocommit on PostgreSQL: the teardown has no transaction to end, and the close's rollback
    sends nothing, so psycopg keeps the token's and the list's prepared statements across requests, and the list's
    generic plan serves it."""
    from xborder.extensions import db

    with own_app.app_context():
        factory = Factory(db)
        secret = factory.token(factory.user())
        db.session.commit()
        db.session.remove()
    client = own_app.test_client()
    # psycopg prepares a statement at its fifth execution; PostgreSQL plans its first five executions for their
    # values, then keeps the generic plan when that plan is no dearer.
    for _ in range(14):
        assert client.get("/api/v1/cases", headers=auth(secret)).status_code == 200
    with own_app.app_context():
        if db.engine.dialect.name == "postgresql":
            prepared = db.session.execute(sa.text("SELECT statement, generic_plans, custom_plans "
                                                  "FROM pg_prepared_statements")).all()
            assert any("api_tokens" in statement for statement, _, _ in prepared), prepared
            (listed,) = [row for row in prepared if row[0].startswith("SELECT cases.id")]
            # The list is planned once, not at each execution: its page size is written out and the first page has
            # no OFFSET (with both as parameters the generic plan guessed a tenth of the rows and always lost).
            assert "LIMIT 20" in listed[0] and "OFFSET" not in listed[0], listed[0]
            assert listed[1] >= 2 and listed[2] <= 5, listed  # generic plans once the five custom ones are made
        db.session.remove()
