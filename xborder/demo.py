"""Demo data for `xborder serve --demo`: organisations, accounts and (as features land) cases."""

from __future__ import annotations

from xborder.accounts.demo import seed_demo_accounts
from xborder.cases.demo import seed_demo_cases


def seed_demo() -> None:
    """Create everything the demo shows, idempotently."""
    seed_demo_accounts()
    seed_demo_cases()
