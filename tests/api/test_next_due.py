"""`Case.next_due` equals the nearest of `open_deadlines` through both routes, in the transition's own UPDATE (one
version per transition); a stale value is left alone on an unchanged case and put right by the sweep, without a
version; the migration's backfill computes the same; the jobs pick their cases by it."""

from __future__ import annotations

import datetime as dt
import importlib.util
import pathlib

import pytest
import sqlalchemy as sa

from tests.helpers.api import act, answered_case, assessor_id, review_all
from tests.helpers.api import stored_next_due as stored
from tests.helpers.factories import Factory, auth, declaration
from xborder.cases.models import Case
from xborder.core.timeutil import china_today, utcnow

ENTERPRISE_USCC = "9131011552601815X1"
MIGRATION = pathlib.Path(__file__).resolve().parents[2] / "migrations/versions/e7a9499eb3d0_case_next_due.py"


def nearest(case: dict) -> dt.date | None:
    dues = [d["due"] for d in case["deadlines"]]
    return dt.date.fromisoformat(min(dues)) if dues else None


def step(client, db, token, case: dict, action: str, **fields) -> dict:
    """Take a transition through the API; the stored date is the nearest deadline shown, one version later."""
    response = act(client, token, case, action, **fields)
    assert response.status_code == 200, response.json
    after = response.json
    assert after["version"] == case["version"] + 1
    assert stored(db, after["id"]) == (nearest(after), after["version"])
    return after


def get(client, token, case: dict) -> dict:
    return client.get(f"/api/v1/cases/{case['id']}", headers=auth(token)).json


def test_security_assessment_route(client, roles, db):
    from xborder.sweep import sweep

    case = answered_case(client, roles, pi=0, important=True)
    assert stored(db, case["id"]) == (None, case["version"])
    case = step(client, db, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles))
    case = review_all(client, roles, get(client, roles["assessor"], case))
    case = step(client, db, roles["assessor"], case, "sign_opinion")
    assert [d["kind"] for d in case["deadlines"]] == ["provincial_completeness_check"]
    due_date = china_today() + dt.timedelta(days=20)
    case = step(client, db, roles["official"], get(client, roles["official"], case), "request_supplement",
                comment="请补充", due_date=due_date.isoformat())
    assert stored(db, case["id"])[0] == due_date  # the official's date, not the default period
    mine = get(client, roles["enterprise"], case)
    mine = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(roles["enterprise"]), json={
        "version": mine["version"], "answers": [{"key_point": mine["key_points"][0]["id"], "answer": "已补充"}]}).json
    assert stored(db, case["id"]) == (due_date, mine["version"])
    case = step(client, db, roles["enterprise"], mine, "resubmit")
    case = step(client, db, roles["official"], get(client, roles["official"], case), "forward_to_regulator",
                completeness_confirmed=True)
    assert [d["kind"] for d in case["deadlines"]] == ["regulator_acceptance", "assessment"]
    case = step(client, db, roles["official"], case, "record_decision", decision="approved",
                decision_number="国网信评〔2026〕1号", decision_date=china_today().isoformat())
    assert stored(db, case["id"])[0] == dt.date.fromisoformat(case["valid_until"])  # the extension window's due
    expires = (dt.date.fromisoformat(case["valid_until"]) + dt.timedelta(days=1)).isoformat()
    assert sweep(today=expires)["expired"] == [case["reference"]]
    assert stored(db, case["id"]) == (None, case["version"] + 1)


def test_standard_contract_filing_and_a_rejection(client, roles, db):
    raw = {**declaration(ENTERPRISE_USCC, pi=150_000), "contract_effective_date": "2025-09-29"}
    case = client.post("/api/v1/cases", headers=auth(roles["enterprise"]),
                       json={"title": "标准合同", "declaration": raw}).json
    assert stored(db, case["id"]) == (dt.date(2025, 10, 20), case["version"])  # filing, counted in the other test
    answers = [{"key_point": kp["id"], "answer": "回答"} for kp in case["key_points"]]
    case = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(roles["enterprise"]),
                      json={"version": case["version"], "answers": answers}).json
    case = step(client, db, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles))
    assert [d["kind"] for d in case["deadlines"]] == ["standard_contract_filing"]
    case = step(client, db, roles["assessor"], review_all(client, roles, get(client, roles["assessor"], case)),
                "sign_opinion")
    assert [d["kind"] for d in case["deadlines"]] == ["filing_review"]  # the provincial review of the filing
    case = step(client, db, roles["official"], get(client, roles["official"], case), "record_filing",
                filing_number="沪备-2026-0001")
    assert stored(db, case["id"])[0] is None

    rejected = answered_case(client, roles, pi=0, important=True)
    rejected = step(client, db, roles["enterprise"], rejected, "submit", assessor_org_id=assessor_id(client, roles))
    rejected = step(client, db, roles["assessor"], review_all(client, roles, get(client, roles["assessor"], rejected)),
                    "sign_opinion")
    rejected = step(client, db, roles["official"], get(client, roles["official"], rejected), "forward_to_regulator",
                    completeness_confirmed=True)
    rejected = step(client, db, roles["official"], rejected, "record_acceptance",
                    acceptance_date=china_today().isoformat())
    assert [(d["kind"], d["start_estimated"]) for d in rejected["deadlines"]] == [("assessment", False)]
    rejected = step(client, db, roles["official"], rejected, "record_decision", decision="rejected",
                    decision_number="国网信评〔2026〕2号", decision_date=china_today().isoformat())
    assert [d["kind"] for d in rejected["deadlines"]] == ["reassessment_request"]
    withdrawn = step(client, db, roles["enterprise"], answered_case(client, roles, **{"pi": 150_000}), "withdraw",
                     comment="不再出境")
    assert stored(db, withdrawn["id"])[0] is None


@pytest.fixture
def late(db):
    """A case in completeness check since 2 January 2025 (long overdue), its stored date then made stale as a
    calendar change would (a plain UPDATE, which neither the flush listener nor the version sees)."""
    factory = Factory(db)
    exporter = factory.organisation()
    case = factory.case(exporter, status="provincial_review", regime="cac-2024", reached_provincial_at=utcnow(),
                        workflow={"deadline_starts": {"provincial_completeness_check": "2025-01-02"}})
    assert case.next_due == dt.date(2025, 1, 9) and case.version == 1  # 3, 6, 7, 8, 9 January
    db.session.execute(sa.update(Case.__table__).where(Case.__table__.c.id == case.id).values(next_due=None))
    db.session.expire(case)
    return case


def test_an_unchanged_case_keeps_its_version_and_the_sweep_refreshes_the_stale_date(db, late):
    from xborder.cases.deadline_tasks import mark_overdue, refresh_next_due
    from xborder.sweep import sweep

    late.title = late.title  # loaded and set to the same value: nothing to write
    db.session.flush()
    assert stored(db, late.id) == (None, 1)
    updated_at = late.updated_at
    # The overdue job picks its cases by the stored date, so it misses this one ...
    assert mark_overdue(today="2025-02-03") == []
    # ... until the date is stored again, without a version or a change of updated_at (the case did not change).
    assert refresh_next_due() == 1
    db.session.expire_all()
    case = db.session.get(Case, late.id)
    assert (case.next_due, case.version, case.updated_at) == (dt.date(2025, 1, 9), 1, updated_at)
    assert refresh_next_due() == 0
    # The sweep stores the dates first thing, so its overdue job finds the case.
    db.session.execute(sa.update(Case.__table__).where(Case.__table__.c.id == case.id).values(next_due=None))
    result = sweep(today="2025-02-03")
    assert result["next_due_refreshed"] == 1 and result["overdue"] == [late.reference]
    assert stored(db, late.id) == (dt.date(2025, 1, 9), 2)  # the one write of the overdue job itself


def test_a_change_to_the_case_stores_the_date_in_the_same_update(db, late):
    late.workflow = {**late.workflow, "deadline_starts": {"provincial_completeness_check": "2025-03-03"}}
    db.session.flush()
    assert stored(db, late.id) == (dt.date(2025, 3, 10), 2)


def test_the_migration_backfills_with_the_engine(db, late):
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    other = Factory(db).case(Factory(db).organisation(), status="filed", regime="cac-2024")
    db.session.execute(sa.update(Case.__table__).values(next_due=dt.date(2000, 1, 1)))
    spec = importlib.util.spec_from_file_location("next_due_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with Operations.context(MigrationContext.configure(db.session.connection())):
        migration._backfill()
    assert stored(db, late.id) == (dt.date(2025, 1, 9), 1)
    # The backfill writes only dates it computed: a case without deadlines keeps what the new column holds (NULL
    # after the upgrade; here the date set above).
    assert stored(db, other.id)[0] == dt.date(2000, 1, 1)


@pytest.mark.parametrize("n", [0, 1, 5])
def test_last_day_within_agrees_with_working_days_left(n):
    from xborder.cases.deadline_tasks import last_day_within, working_days_left

    for offset in range(0, 400, 7):  # across the Spring Festival and National Day of 2025
        today = dt.date(2025, 1, 1) + dt.timedelta(days=offset)
        last = last_day_within(today, n)
        assert working_days_left(today, last) <= n < working_days_left(today, last + dt.timedelta(days=1))
