"""Issue 20's migrations, each on a database of the test's own: b8d4f0e2a316 moves the withdrawn and rejected cases
out of the running totals (and back on downgrade), so an existing history counts the same before and after;
c9e5a1f3b427 compresses the large JSON documents with lz4 on PostgreSQL; 3d7e2a9c1f60 keeps a case's determination
and risk picture as JSON text on PostgreSQL, not JSONB."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.helpers.app import TEST_PASSPHRASE, TEST_SECRET
from tests.helpers.factories import Factory, declaration
from tests.helpers.live import database_of_kind

BEFORE = "a7c3e9d1f205"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    server = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    with database_of_kind(request.param, tmp_path, server, "xborder_totals") as url:
        yield url


def _app(url: str, tmp_path):
    """The app on a database of the test's own (its schema is the test's to migrate)."""
    from xborder import create_app

    return create_app({"DATABASE_URL": url, "XBORDER_INSTANCE_PATH": str(tmp_path / "instance"),
                       "XBORDER_SECRET_KEY": TEST_SECRET, "XBORDER_KEY_PASSPHRASE": TEST_PASSPHRASE}, TESTING=True)


def _totals(db) -> list[tuple]:
    return sorted(map(tuple, db.session.execute(sa.text(
        "SELECT as_of, exemption, cases, transfers, pi_individuals FROM case_transfer_totals WHERE transfers <> 0"))))


def _aggregate(db, where: str) -> list[tuple]:
    return sorted(map(tuple, db.session.execute(sa.text(
        "SELECT t.as_of, COALESCE(t.exemption, ''), SUM(CASE WHEN t.\"index\" = 0 THEN 1 ELSE 0 END), COUNT(*), "
        "SUM(t.pi_individuals) FROM case_transfers t JOIN cases c ON c.id = t.case_id WHERE " + where +
        " GROUP BY t.as_of, COALESCE(t.exemption, '')"))))


def test_the_upgrade_takes_cases_that_do_not_count_out_of_the_totals_and_the_downgrade_puts_them_back(
        database, tmp_path):
    from flask_migrate import downgrade, upgrade

    from xborder.cases import operations
    from xborder.extensions import db

    app = _app(database, tmp_path)
    with app.app_context():
        try:
            upgrade(revision=BEFORE)
            factory = Factory(db)
            org = factory.organisation()
            user = factory.user(organisation=org)
            cases = [operations.create_case(user, f"迁移 {n}", declaration(org.uscc, pi=pi, exemption=exemption))
                     for n, (pi, exemption) in enumerate([(10, None), (20, None), (40, "cross_border_hr"),
                                                          (80, None)])]
            cases[1].status, cases[2].status = "withdrawn", "rejected"
            db.session.commit()
            every = _aggregate(db, "1 = 1")
            assert _totals(db) == every  # before: every case is in the totals
            db.session.close()  # no snapshot held open across a migration (SQLite's WAL readers keep theirs)
            upgrade(revision="heads")
            counted = _aggregate(db, "c.status NOT IN ('withdrawn', 'rejected')")
            assert counted != every
            assert _totals(db) == counted
            db.session.close()
            downgrade(revision=BEFORE)
            assert _totals(db) == every
            db.session.close()
            upgrade(revision="heads")
            assert _totals(db) == counted
        finally:
            db.session.remove()
            db.engine.dispose()


def test_a_case_s_large_documents_are_stored_with_lz4_on_postgresql_and_read_back_whole(postgres_url, tmp_path):
    from flask_migrate import upgrade

    from xborder.cases import operations
    from xborder.cases.models import Case
    from xborder.extensions import db

    with database_of_kind("postgresql", tmp_path, postgres_url, "xborder_lz4") as url:
        app = _app(url, tmp_path)
        with app.app_context():
            try:
                upgrade(revision="heads")
                factory = Factory(db)
                org = factory.organisation()
                user = factory.user(organisation=org)
                case = operations.create_case(user, "压缩", declaration(org.uscc, pi=120_000))
                db.session.commit()
                risk, determination = case.risk, case.determination
                db.session.expunge_all()
                stored = db.session.execute(sa.text(
                    "SELECT pg_column_compression(risk), pg_column_compression(determination), "
                    "octet_length(risk::text), pg_typeof(risk)::text, pg_typeof(determination)::text "
                    "FROM cases WHERE id = :id"), {"id": case.id}).one()
                assert stored[:2] == ("lz4", "lz4")
                assert stored[2] > 20_000  # large enough to be compressed at all
                assert stored[3:] == ("json", "json")
                again = db.session.get(Case, case.id)
                assert (again.risk, again.determination) == (risk, determination)
            finally:
                db.session.remove()
                db.engine.dispose()


def test_the_documents_change_type_and_back_with_every_value_kept(postgres_url, tmp_path):
    """3d7e2a9c1f60 on a case written as JSONB: after the upgrade and after the downgrade the case reads back the
    same documents, the version's determination too, and the types are what each revision says."""
    from flask_migrate import downgrade, upgrade

    from xborder.cases import operations
    from xborder.cases.models import Case
    from xborder.extensions import db

    def types() -> list[str]:
        return [row[0] for row in db.session.execute(sa.text(
            "SELECT data_type FROM information_schema.columns WHERE (table_name, column_name) IN "
            "(('cases', 'risk'), ('cases', 'determination'), ('declaration_versions', 'determination')) "
            "ORDER BY table_name, column_name"))]

    def documents(case_id: int) -> tuple:
        db.session.expunge_all()
        again = db.session.get(Case, case_id)
        version = db.session.execute(sa.text("SELECT determination FROM declaration_versions WHERE case_id = :id"),
                                     {"id": case_id}).scalar_one()
        return again.risk, again.determination, version

    with database_of_kind("postgresql", tmp_path, postgres_url, "xborder_json_text") as url:
        app = _app(url, tmp_path)
        with app.app_context():
            try:
                upgrade(revision="ed19d556d84e")
                assert types() == ["jsonb", "jsonb", "jsonb"]
                factory = Factory(db)
                org = factory.organisation()
                user = factory.user(organisation=org)
                case = operations.create_case(user, "文本", declaration(org.uscc, pi=120_000))
                db.session.commit()
                written = (case.risk, case.determination, case.determination)
                assert len(case.risk["key_points"]) > 5
                db.session.remove()
                upgrade(revision="heads")
                assert types() == ["json", "json", "json"]
                assert documents(case.id) == written
                db.session.remove()
                downgrade(revision="ed19d556d84e")
                assert types() == ["jsonb", "jsonb", "jsonb"]
                assert documents(case.id) == written
            finally:
                db.session.remove()
                db.engine.dispose()
