"""Fixtures for the inventory: an enterprise with a token, and a second enterprise to check scoping."""

from __future__ import annotations

import pytest

from tests.helpers.factories import auth


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
