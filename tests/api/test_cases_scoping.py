"""Cases are scoped to the caller's organisation and role."""

from __future__ import annotations

from tests.helpers.factories import auth
from xborder.cases.queries import get_case
from xborder.core.errors import NotFound


def test_enterprise_sees_only_its_own_cases(client, factory):
    mine = factory.organisation()
    other = factory.organisation()
    own_case = factory.case(mine, title="我的案件")
    factory.case(other, title="别人的案件")
    token = factory.token(factory.user(organisation=mine))
    response = client.get("/api/v1/cases", headers=auth(token))
    assert response.status_code == 200
    assert [c["reference"] for c in response.json["items"]] == [own_case.reference]
    assert response.json["total"] == 1


def test_enterprise_gets_404_for_another_organisations_case(factory):
    other_case = factory.case(factory.organisation())
    user = factory.user(organisation=factory.organisation())
    try:
        get_case(user, other_case.id)
    except NotFound as exc:
        assert exc.status == 404
    else:
        raise AssertionError("another organisation's case was visible")


def test_assessor_sees_cases_naming_its_body_only(client, factory):
    exporter = factory.organisation()
    body = factory.organisation(kind="assessor")
    named = factory.case(exporter, assessor_org_id=body.id)
    factory.case(exporter)
    token = factory.token(factory.user(role="assessor", organisation=body))
    response = client.get("/api/v1/cases", headers=auth(token))
    assert [c["reference"] for c in response.json["items"]] == [named.reference]


def test_official_sees_cases_of_its_province_from_provincial_review_on(client, factory):
    import datetime as dt

    shanghai = factory.organisation(province="310000")
    jiangsu = factory.organisation(province="320000")
    reached = dt.datetime(2025, 5, 1, tzinfo=dt.UTC)
    visible = factory.case(shanghai, status="provincial_review", reached_provincial_at=reached)
    factory.case(shanghai, status="third_party_review")
    factory.case(jiangsu, status="provincial_review", reached_provincial_at=reached)
    authority = factory.organisation(kind="authority", province="310000")
    token = factory.token(factory.user(role="provincial_official", organisation=authority))
    response = client.get("/api/v1/cases", headers=auth(token))
    assert [c["reference"] for c in response.json["items"]] == [visible.reference]


def test_list_is_newest_first_and_paginated(client, factory):
    org = factory.organisation()
    cases = [factory.case(org, title=f"案件{i}") for i in range(5)]
    token = factory.token(factory.user(organisation=org))
    first = client.get("/api/v1/cases?per_page=2", headers=auth(token)).json
    second = client.get("/api/v1/cases?per_page=2&page=2", headers=auth(token)).json
    assert first["total"] == 5 and first["pages"] == 3
    refs = [c["reference"] for c in first["items"] + second["items"]]
    assert refs == [c.reference for c in reversed(cases)][:4]


def test_bad_pagination_is_422_with_path(client, factory):
    token = factory.token(factory.user())
    response = client.get("/api/v1/cases?per_page=1000", headers=auth(token))
    assert response.status_code == 422
    assert response.json["errors"][0]["path"] == "per_page"


def test_references_are_sequential_per_province_and_year(factory):
    org = factory.organisation(province="440000")
    a, b = factory.case(org), factory.case(org)
    prefix_a, _, seq_a = a.reference.rpartition("-")
    prefix_b, _, seq_b = b.reference.rpartition("-")
    assert prefix_a == prefix_b and prefix_a.startswith("XB-440000-")
    assert int(seq_b) == int(seq_a) + 1
