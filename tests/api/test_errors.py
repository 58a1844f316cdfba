"""Every API error is application/problem+json."""

from __future__ import annotations

import pytest


def test_malformed_json_is_400_problem(client):
    response = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.json["type"].endswith("/400")
    assert response.json["status"] == 400


def test_unknown_api_path_is_404_problem(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.json["title"] == "Not found"


def test_wrong_method_is_405_problem_with_allow(client):
    response = client.put("/api/v1/auth/token", json={})
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert "POST" in response.headers["Allow"]


@pytest.fixture
def failing_app(app_env):
    from xborder import create_app

    app = create_app(app_env, TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.get("/api/v1/_boom")
    def boom():
        raise RuntimeError("kaboom")

    yield app
    from xborder.extensions import db

    with app.app_context():
        db.engine.dispose()


def test_unexpected_exception_is_500_problem_with_request_id_and_no_internals(failing_app, caplog):
    response = failing_app.test_client().get("/api/v1/_boom", headers={"X-Request-ID": "abc123"})
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert response.json["request_id"] == "abc123"
    assert "kaboom" not in response.get_data(as_text=True)
    assert any("abc123" in record.getMessage() for record in caplog.records)


def test_openapi_document_lists_the_core_endpoints(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json["paths"]
    assert {"/api/v1/auth/token", "/api/v1/cases", "/api/v1/assess", "/api/v1/organisations"} <= set(paths)
    assert response.json["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert paths["/api/v1/auth/token"]["post"]["security"] == []
