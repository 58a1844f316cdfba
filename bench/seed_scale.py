"""Seed PostgreSQL database `xborder_scale` with 100,000 cases across 1,000 exporters, for `bench/scale.py`.

    .venv/bin/python bench/seed_scale.py [--cases 100000] [--exporters 1000]

Drops and rebuilds the schema with the migrations, then bulk-inserts organisations, the three demo-style users
(`scale-enterprise@…` owns exporter 1, `scale-assessor@…`, `scale-official@…` for Shanghai 310000) and the cases,
spread over provinces, statuses, pathways, assessor bodies and four years.
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


def app_for(url: str):
    """The app on the scale database (secrets and instance folder in a temporary directory)."""
    from xborder import create_app

    instance = tempfile.mkdtemp(prefix="xborder-scale-")
    return create_app({"DATABASE_URL": url, "XBORDER_INSTANCE_PATH": instance,
                       "XBORDER_SECRET_KEY": "scale-bench-secret-key-0123456789abcdef",
                       "XBORDER_KEY_PASSPHRASE": "scale-bench-passphrase-0123456789"})


def seed(n_cases: int, n_exporters: int) -> None:
    from flask_migrate import upgrade

    from tests.conftest import _empty_database
    from tests.factories import make_uscc
    from xborder.accounts.models import Organisation, User
    from xborder.cases.models import Case
    from xborder.extensions import db

    admin = sa.create_engine(f"{PG.replace('postgresql', 'postgresql+psycopg')}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": NAME}):
            conn.exec_driver_sql(f'CREATE DATABASE "{NAME}"')
    admin.dispose()
    app = app_for(f"{PG}/{NAME}")
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
            batch.append({
                "reference": f"XB-{province}-{created.year}-{i + 1:06d}", "exporter_id": exporter_id,
                "province": province, "title": f"规模测试案件 {i}", "status": status, "version": 1,
                "assessor_org_id": None if status in ("draft", "exempt_recorded") else rng.choice(assessors),
                "reached_provincial_at": created + dt.timedelta(days=30) if status in PROVINCIAL else None,
                "created_at": created, "updated_at": created, "pathway": rng.choice(PATHWAYS),
                "regime": "2024", "as_of": created.date(), "answers": [], "review": [], "workflow": {},
                "declaration": {"as_of": created.date().isoformat(), "transfers": []},
                "declaration_revision": 1, "answers_revision": 0,
            })
            if len(batch) == 5000:
                db.session.execute(sa.insert(Case), batch)
                db.session.commit()
                batch.clear()
        if batch:
            db.session.execute(sa.insert(Case), batch)
            db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    print(f"seeded {n_cases:,} cases across {n_exporters:,} exporters into {NAME} in "
          f"{time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--exporters", type=int, default=1_000)
    args = parser.parse_args()
    seed(args.cases, args.exporters)


if __name__ == "__main__":
    main()
