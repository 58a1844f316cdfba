"""Fixtures for the inventory: an enterprise with a token, and a second enterprise to check scoping."""

from __future__ import annotations

import pytest

from tests.factories import auth


@pytest.fixture
def enterprise(factory):
    """An enterprise user of Shanghai and its bearer header."""
    user = factory.user("enterprise")
    return user, auth(factory.token(user))


@pytest.fixture
def other(factory):
    """Another enterprise, for scoping."""
    user = factory.user("enterprise")
    return user, auth(factory.token(user))


def upload(client, headers, files, apply: bool = False):
    """POST files to the import API; returns the run (the job ran in-process or is queued)."""
    import io

    data = {"file": [(io.BytesIO(content), name) for name, content in files]}
    if apply:
        data["apply"] = "true"
    response = client.post("/api/v1/inventory/imports", headers=headers, data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    return response.get_json()


def run_jobs_inline(app, run_id: int, apply: bool = False) -> None:
    """With Redis configured the API queued the job; run the same function here (the worker test covers RQ)."""
    from xborder.inventory import tasks

    if app.config["XBORDER"].redis_url:
        (tasks.apply_import if apply else tasks.preview_import)(run_id)
