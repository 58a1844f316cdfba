"""Which inventory rows fed which case, and the re-declaration triggers a later change of those rows sets off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from xborder.core import audit
from xborder.core.timeutil import utcnow
from xborder.extensions import db
from xborder.inventory import spec
from xborder.inventory.models import CaseInventoryLink, InventoryDocument, InventoryFlow, InventoryRecipient


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _row(sheet_id: str, obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {c.id: _json(getattr(obj, c.id)) for c in spec.sheet(sheet_id).columns if c.id not in skip}


def snapshots(organisation_id: int, entry_keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The current state of each flow (with its recipient and the recipient's documents), by entry key."""
    keys = sorted(set(entry_keys))
    if not keys:
        return {}
    flows = db.session.scalars(sa.select(InventoryFlow).where(InventoryFlow.organisation_id == organisation_id,
                                                              InventoryFlow.entry_key.in_(keys))).all()
    names = {f.recipient for f in flows}
    recipients = {r.recipient: r for r in db.session.scalars(sa.select(InventoryRecipient).where(
        InventoryRecipient.organisation_id == organisation_id, InventoryRecipient.recipient.in_(names)))}
    documents: dict[str, list] = {}
    for d in db.session.scalars(sa.select(InventoryDocument).where(
            InventoryDocument.organisation_id == organisation_id, InventoryDocument.recipient.in_(names))
            .order_by(InventoryDocument.kind, InventoryDocument.title)):
        documents.setdefault(d.recipient, []).append(_row("documents", d, skip=("recipient",)))
    out = {}
    for flow in flows:
        recipient = recipients.get(flow.recipient)
        out[flow.entry_key] = {
            "flows": _row("flows", flow),
            "recipients": _row("recipients", recipient, skip=("recipient",)) if recipient else {},
            "documents": documents.get(flow.recipient, []),
        }
    return out


def link_case(case, organisation_id: int, entry_keys: Iterable[str]) -> list[CaseInventoryLink]:
    """Record that these rows fed `case`, with their state now."""
    rows = []
    for key, snapshot in snapshots(organisation_id, entry_keys).items():
        link = CaseInventoryLink(case_id=case.id, organisation_id=organisation_id, entry_key=key,
                                 snapshot=snapshot, flags=[])
        db.session.add(link)
        rows.append(link)
    return rows


def _part(snapshot: dict[str, Any] | None, field: str) -> Any:
    if snapshot is None:
        return None
    if field == "documents":
        return snapshot.get("documents")
    sheet_id, _, column = field.partition(".")
    return (snapshot.get(sheet_id) or {}).get(column)


def triggered(before: dict[str, Any], now: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The re-declaration triggers (forms/inventory/levels.yaml) that the change from `before` to `now` sets off."""
    out = []
    for trigger in spec.triggers():
        if now is None:
            fields = ["removed"] if "removed" in trigger["fields"] else []
        else:
            fields = [f for f in trigger["fields"] if f != "removed" and _part(before, f) != _part(now, f)]
        if fields:
            out.append({"trigger": trigger["id"], "fields": fields, "message_zh": trigger["zh"],
                        "message_en": trigger["en"], "legal_basis": [dict(c) for c in trigger["legal_basis"]]})
    return out


def refresh_flags(organisation_id: int, actor=None, import_run_id: int | None = None) -> list[int]:
    """Re-check every link of the organisation's open cases against the inventory; flag (and audit) the cases whose
    rows changed since they were declared. Returns the ids of the cases newly flagged."""
    from xborder.cases.models import Case
    from xborder.cases.models.status import FINAL

    links = db.session.scalars(sa.select(CaseInventoryLink).join(Case, Case.id == CaseInventoryLink.case_id).where(
        CaseInventoryLink.organisation_id == organisation_id, Case.status.not_in(FINAL))).all()
    if not links:
        return []
    current = snapshots(organisation_id, (link.entry_key for link in links))
    by_case: dict[int, list[dict[str, Any]]] = {}
    for link in links:
        flags = triggered(link.snapshot, current.get(link.entry_key))
        if flags != (link.flags or []):
            link.flags = flags
            link.flagged_at = utcnow() if flags else None
            if flags:
                by_case.setdefault(link.case_id, []).append({"entry_key": link.entry_key,
                                                             "triggers": [f["trigger"] for f in flags]})
    db.session.flush()
    for case_id, entries in by_case.items():
        case = db.session.get(Case, case_id)
        audit.record(case, "inventory.changed", {"entries": entries, "import_run_id": import_run_id}, actor)
    return sorted(by_case)


def acknowledge(case, actor) -> list[CaseInventoryLink]:
    """Take the inventory as it is now as the case's basis: snapshots renewed, flags cleared, audited."""
    links = db.session.scalars(sa.select(CaseInventoryLink).where(CaseInventoryLink.case_id == case.id)).all()
    current = snapshots(case.exporter_id, (link.entry_key for link in links))
    cleared = [link.entry_key for link in links if link.flags]
    for link in links:
        if link.entry_key in current:
            link.snapshot = current[link.entry_key]
        link.flags, link.flagged_at = [], None
    db.session.flush()
    audit.record(case, "inventory.acknowledged", {"entries": sorted(cleared)}, actor)
    return links


def links_of(case_id: int) -> list[CaseInventoryLink]:
    """The case's links, by entry key."""
    return list(db.session.scalars(sa.select(CaseInventoryLink).where(CaseInventoryLink.case_id == case_id)
                                   .order_by(CaseInventoryLink.entry_key)))


def flagged(organisation_id: int) -> list[CaseInventoryLink]:
    """The organisation's links that carry a re-declaration flag, newest first."""
    return list(db.session.scalars(sa.select(CaseInventoryLink).where(
        CaseInventoryLink.organisation_id == organisation_id, CaseInventoryLink.flagged_at.is_not(None))
        .order_by(CaseInventoryLink.flagged_at.desc(), CaseInventoryLink.entry_key)))


def open_cases_with(organisation_id: int, entry_keys: Iterable[str]) -> list[tuple[Any, list[str]]]:
    """The organisation's cases not in a final status that were declared from any of these rows, oldest first, each
    with the rows it shares with the selection."""
    from xborder.cases.models import Case
    from xborder.cases.models.status import FINAL

    keys = sorted(set(entry_keys))
    if not keys:
        return []
    rows = db.session.execute(sa.select(Case, CaseInventoryLink.entry_key)
                              .join(CaseInventoryLink, CaseInventoryLink.case_id == Case.id)
                              .where(CaseInventoryLink.organisation_id == organisation_id,
                                     Case.exporter_id == organisation_id, Case.status.not_in(FINAL),
                                     CaseInventoryLink.entry_key.in_(keys))
                              .order_by(Case.id, CaseInventoryLink.entry_key)).all()
    out: dict[int, tuple[Any, list[str]]] = {}
    for case, key in rows:
        out.setdefault(case.id, (case, []))[1].append(key)
    return list(out.values())
