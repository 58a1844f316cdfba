"""Fixtures shared by the API tests."""

from __future__ import annotations

import pytest

from xborder.accounts.demo import DEMO_PASSWORD, seed_demo_accounts


@pytest.fixture
def roles(client, db):
    """Bearer tokens of the three demo roles."""
    seed_demo_accounts()
    return {role: client.post("/api/v1/auth/token", json={"email": f"{role}@demo.xborder",
                                                          "password": DEMO_PASSWORD}).json["token"]
            for role in ("enterprise", "assessor", "official")}
