"""The case list's query string: the plain parse (issue 20) gives what webargs' parse of CaseListQuerySchema gives, and
leaves everything else — every 422 among it — to webargs."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from tests.helpers.factories import auth

PLAIN = ["", "page=2", "per_page=100", "page=100000&per_page=1", "status=provincial_review", "status=draft&page=3",
         "after=abc", "after=" + "x" * 200, "after=", "page=007", "per_page=20&status=filed&after=Zm9v"]
DECLINED = ["page=0", "page=100001", "per_page=101", "per_page=0", "page=abc", "page=1.0", "page=-1", "page=+1",
            "page=%EF%BC%91", "page=1&page=2", "status=bogus", "status=", "after=" + "x" * 201, "sort=title",
            "page=", "per_page=1e2", "page=%C2%B2"]


def _webargs(app, query_string: str) -> dict:
    from flask_smorest import Blueprint

    from xborder.cases.schemas import CaseListQuerySchema

    with app.test_request_context("/api/v1/cases?" + query_string):
        return Blueprint.ARGUMENTS_PARSER.parse(CaseListQuerySchema, location="query")


@pytest.mark.parametrize("query_string", PLAIN)
def test_a_plain_query_is_parsed_as_webargs_parses_it(app, query_string):
    from urllib.parse import parse_qsl

    from xborder.cases.api import plain_list_query

    args = MultiDict(parse_qsl(query_string, keep_blank_values=True))
    assert plain_list_query(args) == _webargs(app, query_string)


@pytest.mark.parametrize("query_string", DECLINED)
def test_anything_else_is_left_to_webargs(app, client, db, factory, query_string):
    from urllib.parse import parse_qsl

    from werkzeug.exceptions import UnprocessableEntity

    from xborder.cases.api import plain_list_query

    assert plain_list_query(MultiDict(parse_qsl(query_string, keep_blank_values=True))) is None
    answer = client.get("/api/v1/cases?" + query_string, headers=auth(factory.token(factory.user())))
    try:
        expected = _webargs(app, query_string)
    except UnprocessableEntity:
        assert answer.status_code == 422 and answer.mimetype == "application/problem+json", answer.json
    else:  # what webargs accepts (a repeated name: its first value; an unknown name: ignored)
        assert answer.status_code == 200 and (answer.json["page"], answer.json["per_page"]) == (
            expected["page"], expected["per_page"])


RANGE_100 = "Must be greater than or equal to 1 and less than or equal to 100."
ONE_OF = ("Must be one of: draft, third_party_review, rectification, provincial_review, supplement_requested, "
          "submitted_to_regulator, filed, certification_pending, certified, approved, rejected, exempt_recorded, "
          "withdrawn, expired.")


@pytest.mark.parametrize(("query_string", "errors"), [
    ("per_page=1000", [{"code": "invalid", "message_en": RANGE_100, "message_zh": RANGE_100, "path": "per_page"}]),
    ("page=abc&per_page=0&status=x", [
        {"code": "type", "message_en": "Not a valid integer.", "message_zh": "应为整数", "path": "page"},
        {"code": "invalid", "message_en": RANGE_100, "message_zh": RANGE_100, "path": "per_page"},
        {"code": "invalid", "message_en": ONE_OF, "message_zh": ONE_OF, "path": "status"}]),
])
def test_the_422_is_the_problem_it_was(client, db, factory, query_string, errors):
    """The answer the list gave before the plain parse (taken from main at 2fdbb82), but its request id."""
    answer = client.get("/api/v1/cases?" + query_string, headers=auth(factory.token(factory.user())))
    body = dict(answer.json)
    assert body.pop("request_id") == answer.headers["X-Request-ID"]
    assert (answer.status_code, answer.mimetype, answer.headers.get("Vary")) == (
        422, "application/problem+json", "Cookie")
    assert body == {"detail": "The request was well-formed but was unable to be followed due to semantic errors.",
                    "errors": errors, "instance": "/api/v1/cases", "status": 422, "title": "Invalid input",
                    "title_zh": "输入不符合规则", "type": "https://xborder.invalid/problems/422"}


def test_the_list_documents_its_query_parameters(app):
    with app.test_request_context():
        spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    names = {p["name"] for p in spec["paths"]["/api/v1/cases"]["get"]["parameters"]}
    assert {"page", "per_page", "status", "after"} <= names
