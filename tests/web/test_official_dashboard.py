"""The official's dashboard over more than one page: order by nearest deadline (overdue first, cases without a
deadline last), pagination, status tallies and the overdue count, all answered in SQL from `Case.next_due`."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.helpers.factories import Factory
from xborder.core.timeutil import china_today, utcnow


def _listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<td class="ref"><a href="/cases/(\d+)">', html)]


def _tallies(html: str) -> tuple[int, dict[str, int]]:
    overdue = int(re.search(r'<span class="big">(\d+)</span> 已逾期', html).group(1))
    return overdue, {s: int(n) for s, n in re.findall(r'status=(\w+)"><span class="big">(\d+)</span>', html)}


@pytest.fixture
def desk(people, db):
    """34 cases of the demo exporter at the Shanghai authority: 22 in completeness check with starts from 63 days
    ago to today (two on the same day), two supplements with the official's date, one approval, nine without a
    running deadline (eight filed, one expired) and one not yet at the authority (never listed)."""
    factory, org, today = Factory(db), people.enterprise_user.organisation, china_today()
    reached = {"regime": "cac-2024", "reached_provincial_at": utcnow(), "pathway": "standard_contract_or_certification"}
    cases = []
    for i in range(22):
        start = today - dt.timedelta(days=3 * min(i, 20))  # i = 20 and 21 start on the same day
        cases.append(factory.case(org, title=f"完备性查验{i}", status="provincial_review", **reached,
                                  workflow={"deadline_starts": {"provincial_completeness_check": start.isoformat()}}))
    for days in (12, 30):
        cases.append(factory.case(org, title=f"补充材料{days}", status="supplement_requested", **reached, workflow={
            "deadline_starts": {"supplement": today.isoformat()},
            "open_request": {"action": "request_supplement", "comment": "请补充",
                             "due_date": (today + dt.timedelta(days=days)).isoformat()}}))
    cases.append(factory.case(org, title="已批准", status="approved", valid_until=today + dt.timedelta(days=700),
                              **reached))
    cases += [factory.case(org, title=f"已备案{i}", status="filed", **reached) for i in range(8)]
    cases.append(factory.case(org, title="已失效", status="expired", **reached))
    factory.case(org, title="尚在评估", status="third_party_review", regime="cac-2024")
    return cases


def _expected(cases) -> list:
    from xborder.cases.workflow import open_deadlines

    def key(case):
        dues = [d["due"] for d in open_deadlines(case)]
        return (min(dues) if dues else "9999-12-31", -case.id)

    return sorted(cases, key=key)


def test_pages_list_nearest_deadline_first_then_cases_without_one(people, desk):
    order = [case.id for case in _expected(desk)]
    first = people.official.get("/").get_data(as_text=True)
    second = people.official.get("/", query_string={"page": 2}).get_data(as_text=True)
    assert _listed(first) == order[:20] and _listed(second) == order[20:]
    assert "第 1 / 2 页 · 共 34 件" in first and "第 2 / 2 页 · 共 34 件" in second
    assert {case.status for case in _expected(desk)[-9:]} == {"filed", "expired"}  # no deadline: last
    same_day = [case.id for case in desk[20:22]]
    assert order.index(same_day[1]) + 1 == order.index(same_day[0])  # the newer first among equal due dates
    # Beyond the last page: the last page.
    assert _listed(people.official.get("/", query_string={"page": 9}).get_data(as_text=True)) == order[20:]


def test_tallies_count_overdue_and_statuses_of_the_filtered_cases(people, desk):
    from xborder.cases.workflow import open_deadlines

    overdue = sum(1 for case in desk if any(d["overdue"] for d in open_deadlines(case)))
    assert 0 < overdue < 22
    html = people.official.get("/").get_data(as_text=True)
    assert _tallies(html) == (overdue, {"provincial_review": 22, "supplement_requested": 2, "filed": 8,
                                        "approved": 1, "expired": 1})
    assert html.count('<tr class="overdue">') == overdue  # all overdue cases fit on page 1, and lead it
    assert _listed(html)[:overdue] == [case.id for case in _expected(desk)][:overdue]

    by_status = people.official.get("/", query_string={"status": "provincial_review", "page": 2}).get_data(
        as_text=True)
    in_review = [case.id for case in _expected(desk) if case.status == "provincial_review"]
    assert _listed(by_status) == in_review[20:] and "共 22 件" in by_status
    assert _tallies(by_status) == (overdue, {"provincial_review": 22})
    found = people.official.get("/", query_string={"q": "补充材料"}).get_data(as_text=True)
    assert _listed(found) == [desk[22].id, desk[23].id] and _tallies(found) == (0, {"supplement_requested": 2})
