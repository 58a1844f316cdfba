"""Pilot free trade zones and their data-export negative lists (cbdf-2024 art 6), read from `forms/ftz/zones.yaml`.

A zone's list is taken to apply from its date in force where the sources give one, else from `verified_by`, the
earliest date an official text confirms the list existed: an unknown date never lets the exemption apply earlier
than the law can be shown to allow it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xborder.law import catalogue, formsdata
from xborder.law.formsdata import FormsError


@dataclass(frozen=True, slots=True)
class FtzSector:
    """A field a zone's list covers, and the `exporter.sector` values that fall in it."""

    id: str
    zh: str
    en: str
    sector_keys: frozenset[str]


@dataclass(frozen=True, slots=True)
class FtzList:
    """One edition of a zone's negative list."""

    version_zh: str
    version_en: str
    issuers_zh: tuple[str, ...]
    in_force: dt.date | None
    in_force_status: str
    verified_by: dt.date
    sectors: tuple[FtzSector, ...]
    source: str
    # What the zone's measures further ask of a user of the list (the exporter confirms them).
    conditions_zh: tuple[str, ...] = ()
    conditions_en: tuple[str, ...] = ()

    @property
    def applies_from(self) -> dt.date:
        """The first day the exemption may rest on this list: its date in force, else the verified date."""
        return self.in_force or self.verified_by

    def sector(self, sector: str | None) -> FtzSector | None:
        """Return the field of this list that an exporter's sector falls in, or None."""
        key = (sector or "").strip().lower()
        return next((s for s in self.sectors if key and key in s.sector_keys), None)

    def as_json(self, sector: str | None = None) -> dict[str, Any]:
        """The list as a determination states it: version, dates and their standing, the sector it covers."""
        covered = self.sector(sector)
        return {"version_zh": self.version_zh, "version_en": self.version_en,
                "in_force": self.in_force.isoformat() if self.in_force else None,
                "in_force_status": self.in_force_status, "applies_from": self.applies_from.isoformat(),
                "conditions_zh": list(self.conditions_zh), "conditions_en": list(self.conditions_en),
                "sector_covered": None if covered is None else {"id": covered.id, "zh": covered.zh,
                                                                 "en": covered.en}}


@dataclass(frozen=True, slots=True)
class FtzZone:
    """A pilot free trade zone with a negative list filed with the CAC."""

    id: str
    name_zh: str
    name_en: str
    province: str
    lists: tuple[FtzList, ...]


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


@functools.cache
def _zones() -> Mapping[str, FtzZone]:
    doc = formsdata.load("ftz/zones.yaml")
    found = {}
    for raw in doc["zones"]:
        if catalogue.province(str(raw["province"])) is None:
            raise FormsError(f"zone {raw['id']} names province {raw['province']}, which forms does not have")
        lists = []
        for entry in raw["lists"]:
            verified = _date(entry["verified_by"])
            if verified is None:
                raise FormsError(f"zone {raw['id']}: a list without verified_by")
            sectors = tuple(FtzSector(s["id"], s["zh"], s["en"], frozenset(s["sector_keys"]))
                            for s in entry.get("sectors") or ())
            lists.append(FtzList(entry["version_zh"], entry["version_en"], tuple(entry.get("issuers_zh") or ()),
                                 _date(entry.get("in_force")), entry["in_force_status"], verified, sectors,
                                 entry["source"], tuple(entry.get("conditions_zh") or ()),
                                 tuple(entry.get("conditions_en") or ())))
        found[raw["id"]] = FtzZone(raw["id"], raw["name_zh"], raw["name_en"], str(raw["province"]),
                                   tuple(sorted(lists, key=lambda item: item.applies_from)))
    return found


def zones() -> Mapping[str, FtzZone]:
    """Return the zones with a negative list, by id."""
    return _zones()


def zone(zone_id: str) -> FtzZone | None:
    """Return the zone with this id, or None."""
    return _zones().get(zone_id)


def list_on(zone_id: str | None, on: dt.date) -> FtzList | None:
    """Return the newest list of the zone that applies on `on`, or None (no zone, or no list yet)."""
    found = _zones().get(zone_id or "")
    if found is None:
        return None
    current = [item for item in found.lists if item.applies_from <= on]
    return current[-1] if current else None


def earliest(zone_id: str) -> dt.date | None:
    """Return the first day any list of the zone applies, or None for an unknown zone."""
    found = _zones().get(zone_id)
    return found.lists[0].applies_from if found else None


formsdata.on_clear(_zones.cache_clear)
