"""A request whose transaction only read ends it with COMMIT (psycopg keeps its prepared statements; a ROLLBACK made
it forget them all and send DEALLOCATE ALL); one that wrote anything, left something pending or raised is still
rolled back by the session's close (issue 20)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.helpers.factories import Factory, auth, declaration
from xborder.core.database import end_reads_with_commit


def test_reading_requests_commit_and_keep_postgresql_s_prepared_statements(own_app):
    from xborder.cases import operations
    from xborder.extensions import db

    with own_app.app_context():
        factory = Factory(db)
        org = factory.organisation()
        user = factory.user(organisation=org)
        token = factory.token(user)
        case = operations.create_case(user, "只读", declaration(org.uscc))
        db.session.commit()
        case_id = case.id
        db.session.remove()
        ends: list[str] = []
        sa.event.listen(db.engine, "commit", lambda conn: ends.append("commit"))
        sa.event.listen(db.engine, "rollback", lambda conn: ends.append("rollback"))
    client = own_app.test_client()
    for _ in range(8):  # psycopg prepares a statement on its fifth execution
        assert client.get(f"/api/v1/cases/{case_id}", headers=auth(token)).status_code == 200
    assert "rollback" not in ends
    assert ends.count("commit") >= 8
    with own_app.app_context():
        if db.engine.dialect.name == "postgresql":
            # One connection served every request, and its prepared statements lived through all of them.
            prepared = db.session.scalar(sa.text("SELECT count(*) FROM pg_prepared_statements"))
            assert prepared >= 3  # the token, the case and its evidence, at least
        db.session.remove()


def test_a_transaction_that_wrote_or_holds_pending_changes_is_not_committed(db, factory):
    from xborder.accounts.models import Organisation

    org = factory.organisation()
    db.session.flush()
    # A write through a Core statement (nothing pending in the session afterwards).
    db.session.execute(sa.update(Organisation).where(Organisation.id == org.id).values(name="改名未提交"))
    assert not (db.session.new or db.session.dirty)
    end_reads_with_commit(None)
    assert db.session().in_transaction()
    # A change pending in the session.
    org.name = "再改"
    end_reads_with_commit(None)
    assert db.session().in_transaction()
    assert db.session.dirty


def test_a_request_that_raised_is_not_committed(db, factory):
    factory.organisation()
    end_reads_with_commit(RuntimeError("the view failed"))
    assert db.session().in_transaction()
