"""Loading of the regulation data in `forms/`, cached, with selection of the version in force on a date."""

from __future__ import annotations

import datetime as dt
import functools
import os
import pathlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import yaml

FORMS_DIR = pathlib.Path(os.environ.get("XBORDER_FORMS_DIR") or pathlib.Path(__file__).resolve().parents[2] / "forms")


class FormsError(Exception):
    """A file in `forms/` is missing or does not say what the engine needs."""


@functools.cache
def load(relpath: str) -> Any:
    """Return the parsed YAML document at `forms/<relpath>` (cached for the life of the process)."""
    path = FORMS_DIR / relpath
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError as exc:
        raise FormsError(f"forms/{relpath} is missing") from exc


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def in_force(versions: Iterable[Mapping[str, Any]], on: dt.date) -> Mapping[str, Any] | None:
    """Pick the version whose `effective_from` ≤ `on` ≤ `effective_to` (open-ended when absent); latest start wins."""
    best: Mapping[str, Any] | None = None
    for version in versions:
        start = _as_date(version.get("effective_from"))
        end = _as_date(version.get("effective_to"))
        if start is not None and on < start:
            continue
        if end is not None and on > end:
            continue
        if best is None or (_as_date(best.get("effective_from")) or dt.date.min) < (start or dt.date.min):
            best = version
    return best


def versions_of(folder: str) -> list[Any]:
    """Load every YAML file in `forms/<folder>/`, sorted by file name (which starts with its effective date)."""
    return list(_versions(FORMS_DIR, folder))


@functools.cache
def _versions(forms_dir: pathlib.Path, folder: str) -> tuple[Any, ...]:
    # Listed once per process, like the files are loaded once: a directory listing per call was several stat calls
    # per engine call, a few per request (issue 20). clear_cache() forgets it with the files.
    return tuple(load(f"{folder}/{p.name}") for p in sorted((forms_dir / folder).glob("*.yaml")))


_dependents: list[Callable[[], None]] = []


def on_clear(callback: Callable[[], None]) -> None:
    """Have `clear_cache()` also call `callback`, so caches built from loaded files are forgotten with them."""
    if callback not in _dependents:
        _dependents.append(callback)


def clear_cache() -> None:
    """Forget loaded files (tests that write temporary catalogues call this) and what was compiled from them."""
    load.cache_clear()
    _versions.cache_clear()
    for callback in _dependents:
        callback()
