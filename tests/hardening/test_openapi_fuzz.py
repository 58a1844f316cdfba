"""schemathesis against the app's own OpenAPI document: every operation, valid and invalid input, three roles.

Each operation gets a bounded, derandomised number of generated requests (the same ones every run), sent through
the WSGI app inside the test's rolled-back transaction, with the demo accounts' bearer tokens. A request is held
to: no 5xx, a status code and content type the document declares, and a body that matches the declared schema.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("XBORDER_FUZZ_EXAMPLES", "15"))
ROLES = ("enterprise", "assessor", "official", "anonymous")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360"
                    "000002000001e221bc330000000049454e44ae426082")


@pytest.fixture
def world(app, db):
    """The demo accounts with cases each role can see (a draft, one under assessment, one in provincial review),
    a piece of evidence, and a token per role that is re-issued whenever the fuzzer revokes it."""
    from xborder.accounts.demo import seed_demo_accounts
    from xborder.accounts.operations import issue_token
    from xborder.cases import evidence
    from xborder.cases.demo import seed_demo_cases
    from xborder.cases.models import Case

    enterprise, assessor, official = seed_demo_accounts()
    seed_demo_cases()
    db.session.flush()
    cases = db.session.query(Case).filter(Case.exporter_id == enterprise.organisation_id).order_by(Case.id).all()
    assert len(cases) >= 3
    cases[1].status, cases[1].assessor_org_id = "third_party_review", assessor.organisation_id
    cases[2].status, cases[2].assessor_org_id = "provincial_review", assessor.organisation_id
    cases[2].reached_provincial_at = dt.datetime.now(dt.UTC)
    db.session.flush()
    proof = evidence.add_evidence(enterprise, cases[0], "proof.png", PNG, None)
    db.session.flush()
    users = {"enterprise": enterprise, "assessor": assessor, "official": official}
    tokens = {role: issue_token(user)[0] for role, user in users.items()}
    world = {"user_ids": {role: user.id for role, user in users.items()}, "tokens": tokens,
             "case_ids": [c.id for c in cases], "evidence_id": proof.id}
    db.session.commit()  # into the test's outer transaction, which is still rolled back at the end
    return world


def _end_request(db) -> None:
    """What the end of the app context does in production (the test keeps one open): drop the request's session,
    rolling back whatever it did not commit, so a request that failed in the database cannot spoil the next."""
    db.session.remove()


def _reissue(db, world, role: str) -> None:
    from xborder.accounts.models import User
    from xborder.accounts.operations import issue_token

    world["tokens"][role] = issue_token(db.session.get(User, world["user_ids"][role]))[0]
    db.session.commit()


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_has_schemas_and_problem_errors(app):
    """The document itself: a response schema for every success, problem+json for every error."""
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    components = spec["components"]["responses"]
    missing = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            for code, response in responses.items():
                response = components[response["$ref"].rsplit("/", 1)[1]] if "$ref" in response else response
                content = response.get("content", {})
                if code.startswith(("4", "5")) or code == "default":
                    if "application/problem+json" not in content:
                        missing.append(f"{method.upper()} {path} {code}: not problem+json")
                elif code != "204" and not any("schema" in media for media in content.values()):
                    missing.append(f"{method.upper()} {path} {code}: no schema")
            for code in ("400", "503"):
                if code not in responses:
                    missing.append(f"{method.upper()} {path}: {code} undeclared")
            if method in ("post", "put", "patch") and "requestBody" not in operation and "{" not in path:
                missing.append(f"{method.upper()} {path}: no request body")
    assert missing == [], "\n".join(missing)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_schemathesis_finds_no_server_error_and_no_schema_violation(app, db, world, mode):
    """Every operation, `EXAMPLES` generated requests each, spread over the three roles and anonymous callers."""
    failures: list[str] = []
    answered: dict[str, set[int]] = {}
    for operation in _operations(app):
        if mode is GenerationMode.NEGATIVE and not _has_inputs(operation):
            continue  # nothing to make invalid (e.g. GET /health)
        strategy = operation.as_strategy(generation_mode=mode)

        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy, role=st.sampled_from(ROLES), known=st.integers(0, 4))
        def run(case, role, known):
            _aim_at_real_rows(case, world, known)
            headers = {"Authorization": f"Bearer {world['tokens'][role]}"} if role in world["tokens"] else {}
            response = case.call(headers=headers)
            label = case.operation.label
            answered.setdefault(label, set()).add(response.status_code)
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except AssertionError as exc:
                failures.append(f"{label} as {role}: {exc}"[:1500])
            _end_request(db)
            if label in ("DELETE /api/v1/auth/token", "POST /api/v1/auth/logout") and response.status_code == 204:
                _reissue(db, world, role)  # the fuzzer revoked it

        run()
    assert failures == [], "\n\n".join(failures[:10])
    if mode is GenerationMode.POSITIVE:  # the fuzzer got past authentication and lookups, not only to 4xx
        succeeded = [label for label, codes in answered.items() if any(200 <= c < 300 for c in codes)]
        assert len(succeeded) >= len(answered) // 2, answered


def _has_inputs(operation) -> bool:
    return any(len(group) for group in (operation.path_parameters, operation.query, operation.headers)) or bool(
        list(operation.body))


def _aim_at_real_rows(case, world, known: int) -> None:
    """Most requests name a case (and evidence) that exists, so the fuzzer reaches past the 404."""
    params = case.path_parameters or {}
    if "case_id" in params and known < len(world["case_ids"]):
        params["case_id"] = world["case_ids"][known]
    if "evidence_id" in params and known == 0:
        params["evidence_id"] = world["evidence_id"]
