"""`POST /api/v1/assess` parses with orjson and falls back to the stdlib, so no body is answered differently."""

from __future__ import annotations

import json

from tests.helpers.law import declaration, transfer
from xborder.law.api import assess_payload


def post(client, body: bytes, content_type: str = "application/json"):
    return client.post("/api/v1/assess", data=body, headers={"Content-Type": content_type})


def test_the_answer_is_the_engine_s_determination(client) -> None:
    raw = declaration(transfer(80_000), transfer(300, exemption="cross_border_hr"))
    response = post(client, json.dumps(raw, ensure_ascii=False).encode())
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == json.loads(json.dumps(assess_payload(raw)))


def test_what_orjson_refuses_goes_to_the_stdlib_parser(client) -> None:
    huge = declaration(transfer(10**20))  # beyond 64 bits: orjson refuses, the stdlib reads it
    response = post(client, json.dumps(huge).encode())
    assert response.status_code == 200
    assert response.get_json()["pathway"] == "security_assessment"
    utf16 = post(client, json.dumps(declaration(), ensure_ascii=False).encode("utf-16"))
    assert utf16.status_code == 200


def test_malformed_json_is_still_400_problem_json(client) -> None:
    response = post(client, b'{"as_of": ')
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    invalid = post(client, json.dumps(declaration(transfer(-1))).encode())
    assert invalid.status_code == 422
    assert {e["path"] for e in invalid.get_json()["errors"]} == {"transfers/0/data/pi_individuals"}
