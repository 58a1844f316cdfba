"""A test-only job shaped like a dossier build: work in one transaction, committed only at the very end, with a
gate in the middle so a test can kill the worker while the job is half-way."""

from __future__ import annotations

from redis import Redis

from xborder.core.jobs import job_app


def rename_case_in_one_transaction(case_id: int, title: str, redis_url: str, started_key: str, gate_key: str) -> str:
    """Rename the case and audit it, committing both together; waits at `gate_key` half-way through."""
    from xborder.cases.models import Case
    from xborder.core import audit
    from xborder.extensions import db

    app = job_app()
    with app.app_context():
        case = db.session.get(Case, case_id)
        case.title = title  # the first half of the work, flushed but not committed
        db.session.flush()
        redis = Redis.from_url(redis_url)
        redis.rpush(started_key, "started")
        # Short blocking reads (the client's socket timeout is shorter than a long BLPOP), for at most a minute.
        if not any(redis.blpop([gate_key], timeout=1) for _ in range(60)):
            raise RuntimeError("the test never opened the gate")
        audit.record(case, "test_renamed", {"title": title})
        db.session.commit()
        return title
