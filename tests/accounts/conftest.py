"""Fixtures for accounts and onboarding: valid USCCs in any division, registrations, MFA settings."""

from __future__ import annotations

import dataclasses

import pytest

from xborder.accounts.demo import seed_demo_accounts


@pytest.fixture
def demo(client, db):
    """Bearer tokens of the demo roles (the official decides Shanghai's registrations)."""
    from xborder.accounts.demo import DEMO_PASSWORD

    seed_demo_accounts()
    return {role: client.post("/api/v1/auth/token", json={"email": f"{role}@demo.xborder",
                                                          "password": DEMO_PASSWORD}).json["token"]
            for role in ("enterprise", "assessor", "official")}


@pytest.fixture
def mfa_required(app):
    """The default requirement in force for this test: officials and admins need a second factor."""
    settings = app.config["XBORDER"]
    app.config["XBORDER"] = dataclasses.replace(settings, mfa_required_roles=("provincial_official", "admin"))
    yield
    app.config["XBORDER"] = settings
