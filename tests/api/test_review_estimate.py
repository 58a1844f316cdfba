"""The warning that the third-party review may overrun a standard contract's filing deadline (issue 15): an estimate
from xborder's own signed cases — the chosen assessor's median, all assessors' when it has signed fewer than three,
the configured default with none — shown on the case in the API, on the case page and in the wizard."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.helpers.factories import auth
from tests.helpers.web import People, csrf_token, wizard_data
from xborder.core.timeutil import china_today
from xborder.core.workdays import add_working_days, is_working_day, subtract_working_days


@pytest.fixture
def people(app, db):
    return People(app, db)


def contract_day_for_due(due: dt.date, earlier: int = 0) -> str:
    """The day a contract takes effect for its 10-working-day filing deadline to fall on `due` (a working day), or
    `earlier` working days before it."""
    return subtract_working_days(due, 10 + earlier).due.isoformat()


def filing_entry(client, token, case_id) -> dict:
    case = client.get(f"/api/v1/cases/{case_id}", headers=auth(token)).json
    return next(d for d in case["deadlines"] if d["kind"] == "standard_contract_filing")


def assessor_history(factory, people, took: list[int]):
    for days in took:
        factory.signed_case(people.assessor_user.organisation, days)


@pytest.mark.parametrize(("earlier", "overrun"), [(0, False), (1, True)])
def test_the_estimate_exactly_meeting_the_deadline_is_no_warning_one_day_over_is(app, factory, people, earlier,
                                                                                  overrun):
    assessor_history(factory, people, [2, 3, 4])  # the demo assessor's median: 3 working days
    expected = add_working_days(china_today(), 3).due  # submitted today: the review is expected done then
    case = people.submitted(contract_effective_date=contract_day_for_due(expected, earlier))
    entry = filing_entry(app.test_client(), factory.token(people.enterprise_user), case.id)
    estimate = entry["review_estimate"]
    assert (estimate["basis"], estimate["cases"], estimate["working_days"]) == ("assessor", 3, 3)
    assert estimate["expected_by"] == expected.isoformat()
    assert estimate["overrun"] is overrun
    assert estimate["estimate_zh"] == "按该评估机构近 3 个案件的中位用时 3 个工作日估算"
    if overrun:
        assert "按该评估机构近 3 个案件的中位用时 3 个工作日估算" in estimate["warning_zh"]
        assert "estimated from this assessor's median of 3 working days over its last 3 cases" in estimate[
            "warning_en"]
        assert "not a legal period" in estimate["warning_en"] and "并非法定期限" in estimate["warning_zh"]
    else:
        assert "warning_zh" not in estimate and "warning_en" not in estimate


@pytest.mark.parametrize(("own_cases", "basis", "cases", "median"), [
    (2, "all_assessors", 5, 9),  # two of its own (2 days) and three of another body (9 days): median of all five
    (3, "assessor", 3, 2),
])
def test_an_assessor_with_few_signed_cases_borrows_all_assessors_history(app, factory, people, own_cases, basis,
                                                                          cases, median):
    assessor_history(factory, people, [2] * own_cases)
    other = factory.organisation(kind="assessor")
    for _ in range(3):
        factory.signed_case(other, 9)
    case = people.submitted(contract_effective_date=china_today().isoformat())
    estimate = filing_entry(app.test_client(), factory.token(people.enterprise_user), case.id)["review_estimate"]
    assert (estimate["basis"], estimate["cases"], estimate["working_days"]) == (basis, cases, median)
    assert estimate["overrun"] is (median > 10)


def test_with_no_history_the_configured_default_is_used_and_said(app, factory, people):
    case = people.case(answered=True, contract_effective_date=china_today().isoformat())
    estimate = filing_entry(app.test_client(), factory.token(people.enterprise_user), case.id)["review_estimate"]
    default = app.config["XBORDER"].review_estimate_days
    assert (estimate["basis"], estimate["cases"], estimate["working_days"]) == ("setting", 0, default)
    assert estimate["overrun"] is (default > 10)
    assert f"按系统默认的 {default} 个工作日估算" in estimate["estimate_zh"]


def test_a_review_under_way_counts_the_working_days_it_has_run(app, db, factory, people):
    from xborder.core.audit import AuditEntry

    assessor_history(factory, people, [6, 6, 6])
    case = people.submitted(contract_effective_date=china_today().isoformat())
    # Four working days have passed since the submission, whether or not today is one.
    today = china_today()
    last_working = today if is_working_day(today) else subtract_working_days(today, 1).due
    submitted_on = subtract_working_days(last_working, 4).due
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.case_id == case.id, AuditEntry.action == "transition.submit")).one()
    entry.created_at = dt.datetime.combine(submitted_on, dt.time(10), tzinfo=dt.UTC)
    db.session.flush()
    estimate = filing_entry(app.test_client(), factory.token(people.enterprise_user), case.id)["review_estimate"]
    assert (estimate["working_days"], estimate["remaining_working_days"]) == (6, 2)
    assert estimate["expected_by"] == add_working_days(china_today(), 2).due.isoformat()


def test_the_estimate_is_one_query(app, db, factory, people):
    from xborder.cases.review_estimate import estimate_review

    assessor_history(factory, people, [2, 3, 4])
    case = people.submitted(contract_effective_date=china_today().isoformat())
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.session.get_bind(), "before_cursor_execute", seen)
    try:
        estimate_review(case, 15)
    finally:
        sa.event.remove(db.session.get_bind(), "before_cursor_execute", seen)
    assert len(statements) == 1, statements


def test_the_case_page_and_the_wizard_warn_with_the_basis(factory, people):
    assessor_history(factory, people, [12, 12, 12])  # longer than the 10 working days
    case = people.submitted(contract_effective_date=china_today().isoformat())
    page = people.enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "按该评估机构近 3 个案件的中位用时 12 个工作日估算" in page
    # The wizard has no assessor yet: all assessors' history (here the demo assessor's three cases).
    token = csrf_token(people.enterprise.get("/cases/new").get_data(as_text=True))
    response = people.enterprise.post("/cases/new", data=wizard_data(
        token, contract_effective_date=china_today().isoformat()), follow_redirects=True)
    assert response.status_code == 200
    assert "尚未选定评估机构，按所有评估机构近 3 个案件的中位用时 12 个工作日估算" in response.get_data(as_text=True)
