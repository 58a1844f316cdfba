"""Counting the SQL statements a request sends (issue 20: a list's count must not grow with its rows)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa


@contextlib.contextmanager
def statements(db) -> Iterator[list[str]]:
    """Collect the text of every statement sent to the database inside the block."""
    sent: list[str] = []

    def collect(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", collect)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", collect)
