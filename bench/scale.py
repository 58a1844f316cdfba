"""Latency of listing, filtering and the official's dashboard on 100,000 cases (seed with bench/seed_scale.py).

    .venv/bin/python bench/scale.py [--requests 200] [--database xborder_scale]

Each request goes through the whole Flask app in-process (authentication, scoping, query, serialisation or the
rendered page), with the three roles' bearer tokens for the API and, for the official's web dashboard, the session
cookie of a sign-in through the login form; prints p50/p95/max per scenario and whether p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import statistics
import sys
import time

import sqlalchemy as sa

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from bench.seed_scale import NAME, PG, app_for  # noqa: E402

TARGET_MS = 100.0


def scenarios(ids: dict[str, int]) -> list[tuple[str, str, str]]:
    """(name, role, path): what each role's screens ask for most."""
    return [
        ("enterprise: cases, page 1", "enterprise", "/api/v1/cases"),
        ("enterprise: status filter", "enterprise", "/api/v1/cases?status=filed"),
        ("assessor: cases, page 1", "assessor", "/api/v1/cases"),
        ("assessor: status filter", "assessor", "/api/v1/cases?status=third_party_review"),
        ("official: cases, page 1", "official", "/api/v1/cases"),
        ("official: status filter", "official", "/api/v1/cases?status=provincial_review&per_page=50"),
        ("official: page 100", "official", "/api/v1/cases?page=100"),
        ("official: next page by cursor", "official", "CURSOR"),
        ("official: dashboard counts", "official", "COUNTS"),
        ("official web: dashboard, page 1", "official web", "/"),
        ("official web: status filter", "official web", "/?status=provincial_review"),
        ("official web: search exporter", "official web", f"/?q={ids['searched_exporter']}"),
        ("official web: page 50", "official web", "/?page=50"),
    ]


def measure(client, headers: dict, path: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:300])
    return times


def signed_in(app, email: str):
    """A test client holding the session cookie of a sign-in through the web login form."""
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', login).group(1)
    response = client.post("/login", data={"email": email, "password": "bench-password", "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", default=NAME, help=f"the database seed_scale.py filled (default {NAME})")
    args = parser.parse_args()

    from xborder.accounts.models import Organisation, User
    from xborder.accounts.operations import issue_token
    from xborder.cases.models import Case
    from xborder.extensions import db

    app = app_for(f"{PG}/{args.database}")
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Case))
        users = {u.role: u for u in db.session.scalars(sa.select(User).where(User.email.like("scale-%")))}
        tokens = {"enterprise": issue_token(users["enterprise"])[0], "assessor": issue_token(users["assessor"])[0],
                  "official": issue_token(users["provincial_official"])[0]}
        ids = {"enterprise_case": db.session.scalar(sa.select(sa.func.max(Case.id)).where(
            Case.exporter_id == users["enterprise"].organisation_id)),
               # A Shanghai exporter, by part of its name, as an official types it.
               "searched_exporter": db.session.scalar(sa.select(Organisation.name).where(
                   Organisation.kind == "enterprise", Organisation.province == "310000")
                   .order_by(Organisation.id.desc()).limit(1))[-6:]}
        db.session.commit()
    client = app.test_client()
    web = signed_in(app, "scale-official@bench.xborder")
    print(f"{total:,} cases; {args.requests} requests per scenario, in-process through the whole app")
    print(f"{'scenario':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    worst = 0.0
    for name, role, path in scenarios(ids):
        if role == "official web":
            by, headers = web, {}
        else:
            by, headers = client, {"Authorization": f"Bearer {tokens[role]}"}
        if path == "CURSOR":
            first = client.get("/api/v1/cases?per_page=20", headers=headers).get_json()
            path = f"/api/v1/cases?per_page=20&after={first['next_cursor']}"
        elif path == "COUNTS":
            path = "/api/v1/cases/counts"
        measure(by, headers, path, 5)  # warm-up
        times = sorted(measure(by, headers, path, args.requests))
        p95 = times[int(len(times) * 0.95) - 1]
        worst = max(worst, p95)
        print(f"{name:34} {statistics.median(times):8.1f} {p95:8.1f} {times[-1]:8.1f}")
    print(f"worst p95 {worst:.1f} ms: {'meets' if worst < TARGET_MS else 'MISSES'} the {TARGET_MS:.0f} ms target")


if __name__ == "__main__":
    main()
