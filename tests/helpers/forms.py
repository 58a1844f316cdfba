"""Helpers for tests that check `forms/` files against their JSON Schemas."""

from __future__ import annotations

import datetime as dt
from typing import Any


def plain(node: Any) -> Any:
    """YAML dates as ISO strings, the way the JSON Schemas describe them."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, dt.date):
        return node.isoformat()
    return node
