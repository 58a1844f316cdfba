"""Seed PostgreSQL database `xborder_scale` with 100,000 cases across 1,000 exporters, for `bench/scale.py`.

    .venv/bin/python bench/seed_scale.py [--cases 100000] [--exporters 1000] [--database xborder_scale]

Drops and rebuilds the schema with the migrations, then bulk-inserts organisations, the three demo-style users
(`scale-enterprise@…` owns exporter 1, `scale-assessor@…`, `scale-official@…` for Shanghai 310000) and the cases,
spread over provinces, statuses, pathways, assessor bodies and four years, each with the workflow events its status
implies (deadline starts, decisions, validity) and the nearest due date the deadline engine computes from them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib
import random
import sys
import tempfile
import time

import sqlalchemy as sa

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

PG = "postgresql://postgres@127.0.0.1:5432"
NAME = "xborder_scale"
PROVINCES = ("310000", "110000", "440000", "320000", "330000")
STATUS_WEIGHTS = {"draft": 20, "third_party_review": 10, "rectification": 5, "provincial_review": 10,
                  "supplement_requested": 3, "submitted_to_regulator": 7, "filed": 20, "approved": 10,
                  "rejected": 3, "exempt_recorded": 5, "withdrawn": 4, "expired": 3}
PROVINCIAL = {"provincial_review", "supplement_requested", "submitted_to_regulator", "filed", "approved", "rejected",
              "expired"}
PATHWAYS = ("security_assessment", "standard_contract_or_certification", "exempt")
REGIME_2024 = dt.date(2024, 3, 22)


def app_for(url: str):
    """The app on the scale database (secrets and instance folder in a temporary directory)."""
    from xborder import create_app

    instance = tempfile.mkdtemp(prefix="xborder-scale-")
    return create_app({"DATABASE_URL": url, "XBORDER_INSTANCE_PATH": instance,
                       "XBORDER_SECRET_KEY": "scale-bench-secret-key-0123456789abcdef",
                       "XBORDER_KEY_PASSPHRASE": "scale-bench-passphrase-0123456789",
                       "XBORDER_MFA_REQUIRED_ROLES": ""})  # the bench signs its official in with a password


def bench_tokens(app, *, name: str, email_prefix: str, uscc_base: int, uscc_span: int) -> tuple[dict[str, str], str]:
    """Bearer tokens for the seeded enterprise, assessor and official, plus a fresh exporter of its own ("writer",
    USCC from `uscc_base` + the clock) for a bench's writes; returns (tokens, the writer's USCC)."""
    from tests.helpers.factories import make_uscc
    from xborder.accounts.models import Organisation, User
    from xborder.accounts.operations import issue_token
    from xborder.extensions import db

    with app.app_context():
        users = {u.role: u for u in db.session.scalars(sa.select(User).where(User.email.like("scale-%")))}
        uscc = make_uscc(uscc_base + int(time.time()) % uscc_span)
        org = Organisation(kind="enterprise", name=f"{name} {uscc}", uscc=uscc, province="310000")
        writer = User(email=f"{email_prefix}-{uscc}@bench.xborder", role="enterprise", organisation=org)
        writer.set_password("bench-password")
        db.session.add_all([org, writer])
        db.session.flush()
        tokens = {"enterprise": issue_token(users["enterprise"])[0], "assessor": issue_token(users["assessor"])[0],
                  "official": issue_token(users["provincial_official"])[0], "writer": issue_token(writer)[0]}
        db.session.commit()
    return tokens, uscc


def workflow_of(rng: random.Random, status: str, created: dt.datetime, today: dt.date) -> dict:
    """The workflow fields a case in `status` carries: deadline starts (recent for the running steps, so some are
    overdue and some not), the official's own due date on some supplement requests, decisions and validity."""
    from xborder.core.workdays import add_years

    def recent(days: int) -> str:
        return (today - dt.timedelta(days=rng.randrange(days))).isoformat()

    decided = (created + dt.timedelta(days=90)).date()
    starts: dict[str, str] = {}
    fields: dict = {"workflow": {"deadline_starts": starts}}
    if status == "provincial_review":
        starts["provincial_completeness_check"] = recent(30)
    elif status == "supplement_requested":
        starts["supplement"] = recent(30)
        due = dt.date.fromisoformat(starts["supplement"]) + dt.timedelta(days=rng.randrange(10, 40))
        fields["workflow"]["open_request"] = {"action": "request_supplement", "comment": "请补充",
                                              "due_date": due.isoformat() if rng.random() < 0.5 else None}
    elif status == "submitted_to_regulator":
        starts["regulator_acceptance"] = recent(90)
    elif status in ("approved", "rejected"):
        fields["workflow"]["decision"] = {"decision": status, "decision_number": "规模测试", "decision_date":
                                          decided.isoformat()}
        if status == "approved":
            fields["valid_until"] = add_years(decided, 3)
    return fields


def seed(n_cases: int, n_exporters: int, name: str = NAME) -> None:
    from flask_migrate import upgrade

    from tests.helpers.app import empty_database as _empty_database
    from tests.helpers.factories import make_uscc
    from xborder.accounts.models import Organisation, User
    from xborder.cases.deadline_tasks import refresh_next_due
    from xborder.cases.models import Case
    from xborder.cases.next_due import nearest_due
    from xborder.extensions import db

    admin = sa.create_engine(f"{PG.replace('postgresql', 'postgresql+psycopg')}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    app = app_for(f"{PG}/{name}")
    today = dt.date.today()
    rng = random.Random(20261125)
    started = time.perf_counter()
    with app.app_context():
        _empty_database(db.engine)
        upgrade(revision="heads")
        orgs = [{"kind": "enterprise", "name": f"规模测试企业{i:04d}", "uscc": make_uscc(500_000 + i),
                 "province": PROVINCES[i % len(PROVINCES)]} for i in range(n_exporters)]
        orgs += [{"kind": "assessor", "name": f"规模测试评估机构{i:02d}", "uscc": make_uscc(600_000 + i),
                  "province": "320000"} for i in range(10)]
        orgs.append({"kind": "authority", "name": "规模测试上海网信办", "uscc": make_uscc(700_000),
                     "province": "310000"})
        db.session.execute(sa.insert(Organisation), orgs)
        ids = dict(db.session.execute(sa.select(Organisation.uscc, Organisation.id)).all())
        exporters = [(ids[o["uscc"]], o["province"]) for o in orgs if o["kind"] == "enterprise"]
        assessors = [ids[o["uscc"]] for o in orgs if o["kind"] == "assessor"]
        users = [User(email="scale-enterprise@bench.xborder", role="enterprise", organisation_id=exporters[0][0]),
                 User(email="scale-assessor@bench.xborder", role="assessor", organisation_id=assessors[0]),
                 User(email="scale-official@bench.xborder", role="provincial_official",
                      organisation_id=ids[make_uscc(700_000)])]
        for user in users:
            user.set_password("bench-password")
        db.session.add_all(users)
        db.session.commit()

        statuses, weights = zip(*STATUS_WEIGHTS.items(), strict=True)
        start = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
        batch: list[dict] = []
        for i in range(n_cases):
            exporter_id, province = exporters[i % len(exporters)]
            status = rng.choices(statuses, weights)[0]
            created = start + dt.timedelta(minutes=i * 15 + rng.randrange(10))
            pathway = rng.choice(PATHWAYS)
            declaration: dict = {"as_of": created.date().isoformat(), "transfers": []}
            if pathway == "standard_contract_or_certification" and status in ("draft", "third_party_review",
                                                                               "rectification"):
                declaration["contract_effective_date"] = (created + dt.timedelta(days=10)).date().isoformat()
            row = {
                "reference": f"XB-{province}-{created.year}-{i + 1:06d}", "exporter_id": exporter_id,
                "province": province, "title": f"规模测试案件 {i}", "status": status, "version": 1,
                "assessor_org_id": None if status in ("draft", "exempt_recorded") else rng.choice(assessors),
                "reached_provincial_at": created + dt.timedelta(days=30) if status in PROVINCIAL else None,
                "created_at": created, "updated_at": created, "pathway": pathway,
                "regime": "cac-2024" if created.date() >= REGIME_2024 else "cac-2022", "as_of": created.date(),
                "answers": [], "review": [], "declaration": declaration, "valid_until": None,
                "declaration_revision": 1, "answers_revision": 0, **workflow_of(rng, status, created, today),
            }
            # The bulk INSERT bypasses the flush listener: store the date the engine computes, as it would.
            row["next_due"] = nearest_due(Case(**row))
            batch.append(row)
            if len(batch) == 5000:
                db.session.execute(sa.insert(Case), batch)
                db.session.commit()
                batch.clear()
        if batch:
            db.session.execute(sa.insert(Case), batch)
            db.session.commit()
        # What autovacuum does after a bulk load (PostgreSQL 13+ vacuums after inserts too): statistics, and the
        # visibility map that lets the dashboard count from its index alone.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        seeded = time.perf_counter() - started
        # What the sweep's refresh costs at this size (it finds nothing to change: every date was just computed).
        refresh_started = time.perf_counter()
        changed = refresh_next_due()
        refreshed = time.perf_counter() - refresh_started
    print(f"seeded {n_cases:,} cases across {n_exporters:,} exporters into {name} in {seeded:.1f} s; "
          f"the sweep's next-due refresh took {refreshed:.1f} s ({changed} changed)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--exporters", type=int, default=1_000)
    parser.add_argument("--database", default=NAME, help=f"PostgreSQL database to (re)build (default {NAME})")
    args = parser.parse_args()
    seed(args.cases, args.exporters, args.database)


if __name__ == "__main__":
    main()
