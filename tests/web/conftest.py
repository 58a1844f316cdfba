"""Fixtures for the pages: the demo accounts signed in, each in its own test client (tests/helpers/web.py)."""

from __future__ import annotations

import pytest

from tests.helpers.web import People


@pytest.fixture
def people(app, db):
    """The demo users signed in, each with their own client."""
    return People(app, db)
