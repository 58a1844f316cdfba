"""Latency of listing, filtering and the official's dashboard on 100,000 cases (seed with bench/seed_scale.py).

    .venv/bin/python bench/scale.py [--requests 200]

Each request goes through the whole Flask app in-process (authentication, scoping, query, serialisation), with
the three roles' bearer tokens; prints p50/p95/max per scenario and whether p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import pathlib
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
    ]


def measure(client, headers: dict, path: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:300])
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    from xborder.accounts.models import User
    from xborder.accounts.operations import issue_token
    from xborder.cases.models import Case
    from xborder.extensions import db

    app = app_for(f"{PG}/{NAME}")
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Case))
        users = {u.role: u for u in db.session.scalars(sa.select(User).where(User.email.like("scale-%")))}
        tokens = {"enterprise": issue_token(users["enterprise"])[0], "assessor": issue_token(users["assessor"])[0],
                  "official": issue_token(users["provincial_official"])[0]}
        ids = {"enterprise_case": db.session.scalar(sa.select(sa.func.max(Case.id)).where(
            Case.exporter_id == users["enterprise"].organisation_id))}
        db.session.commit()
    client = app.test_client()
    print(f"{total:,} cases; {args.requests} requests per scenario, in-process through the whole app")
    print(f"{'scenario':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    worst = 0.0
    for name, role, path in scenarios(ids):
        headers = {"Authorization": f"Bearer {tokens[role]}"}
        if path == "CURSOR":
            first = client.get("/api/v1/cases?per_page=20", headers=headers).get_json()
            path = f"/api/v1/cases?per_page=20&after={first['next_cursor']}"
        elif path == "COUNTS":
            path = "/api/v1/cases/counts"
        measure(client, headers, path, 5)  # warm-up
        times = sorted(measure(client, headers, path, args.requests))
        p95 = times[int(len(times) * 0.95) - 1]
        worst = max(worst, p95)
        print(f"{name:34} {statistics.median(times):8.1f} {p95:8.1f} {times[-1]:8.1f}")
    print(f"worst p95 {worst:.1f} ms: {'meets' if worst < TARGET_MS else 'MISSES'} the {TARGET_MS:.0f} ms target")


if __name__ == "__main__":
    main()
