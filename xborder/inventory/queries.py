"""Reads on the inventory, always scoped to the caller's organisation."""

from __future__ import annotations

import sqlalchemy as sa

from xborder.extensions import db
from xborder.inventory.models import ImportRun, InventoryDocument, InventoryFlow, InventoryRecipient


def flows_page(organisation_id: int, page: int = 1, per_page: int = 50) -> dict:
    """A page of the organisation's flows by entry key, with the total."""
    from xborder.inventory.operations import revision

    where = InventoryFlow.organisation_id == organisation_id
    total = db.session.scalar(sa.select(sa.func.count()).select_from(InventoryFlow).where(where)) or 0
    items = db.session.scalars(sa.select(InventoryFlow).where(where).order_by(InventoryFlow.entry_key)
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "page": page, "per_page": per_page, "total": total,
            "pages": max((total + per_page - 1) // per_page, 1), "revision": revision(organisation_id)}


def recipients(organisation_id: int) -> list[dict]:
    """Every recipient with its documents."""
    documents: dict[str, list[dict]] = {}
    for d in db.session.scalars(sa.select(InventoryDocument).where(InventoryDocument.organisation_id ==
                                                                   organisation_id).order_by(InventoryDocument.id)):
        documents.setdefault(d.recipient, []).append({
            "kind": d.kind, "title": d.title, "signed_on": d.signed_on.isoformat() if d.signed_on else None,
            "valid_until": d.valid_until.isoformat() if d.valid_until else None})
    rows = db.session.scalars(sa.select(InventoryRecipient).where(InventoryRecipient.organisation_id ==
                                                                  organisation_id).order_by(InventoryRecipient.recipient))
    return [{"id": r.id, "recipient": r.recipient, "country": r.country, "onward_transfer": r.onward_transfer,
             "contact": r.contact, "documents": documents.get(r.recipient, [])} for r in rows]


def recent_runs(organisation_id: int, limit: int = 10) -> list[ImportRun]:
    """The organisation's latest uploads."""
    return list(db.session.scalars(sa.select(ImportRun).where(ImportRun.organisation_id == organisation_id)
                                   .order_by(ImportRun.id.desc()).limit(limit)))
