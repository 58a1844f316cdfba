"""Migrations from empty match the models; demo seeding is idempotent."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from xborder.accounts.demo import DEMO_PASSWORD, seed_demo_accounts
from xborder.accounts.models import Organisation, User


def test_migrated_schema_matches_the_models(db):
    context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
    assert compare_metadata(context, db.metadata) == []


def _snapshot(db):
    orgs = db.session.execute(sa.select(Organisation.id, Organisation.uscc, Organisation.name)).all()
    users = db.session.execute(sa.select(User.id, User.email, User.password_hash, User.role)).all()
    return sorted(orgs), sorted(users)


def test_demo_seeding_twice_changes_nothing(db):
    seed_demo_accounts()
    first = _snapshot(db)
    seed_demo_accounts()
    assert _snapshot(db) == first
    emails = {row[1] for row in first[1]}
    assert {"enterprise@demo.xborder", "assessor@demo.xborder", "official@demo.xborder"} <= emails


def test_demo_accounts_log_in_through_the_api(client, db):
    seed_demo_accounts()
    for email in ("enterprise@demo.xborder", "assessor@demo.xborder", "official@demo.xborder"):
        response = client.post("/api/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 200, email


def test_demo_cases_cover_several_pathways_and_seed_once(db):
    from xborder.cases.models import Case
    from xborder.demo import seed_demo

    seed_demo()
    first = sorted(db.session.execute(sa.select(Case.title, Case.pathway, Case.answers_revision)).all())
    seed_demo()
    assert sorted(db.session.execute(sa.select(Case.title, Case.pathway, Case.answers_revision)).all()) == first
    assert {row.pathway for row in first} == {"exempt", "standard_contract_or_certification", "security_assessment"}
    assert max(row.answers_revision for row in first) == 1, first
