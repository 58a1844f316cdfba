"""What an upload would change in the inventory (added, changed, removed rows per sheet), and applying it at once.

An upload replaces each sheet it contains; sheets it does not contain stay as they are. Nothing is written unless
every row of every sheet is valid and every reference between sheets resolves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from xborder.extensions import db
from xborder.inventory import spec
from xborder.inventory.messages import cell_error
from xborder.inventory.models import MODELS
from xborder.inventory.reading import Limits, Progress, Upload, read_files

SAMPLE = 50  # rows of each kind shown in a preview
CHUNK = 5000


@dataclass
class SheetChange:
    """The rows of one sheet that an upload adds, changes and removes (keys), with the rows before and after."""

    sheet: str
    added: list[tuple] = field(default_factory=list)
    changed: list[tuple] = field(default_factory=list)
    removed: list[tuple] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class Analysis:
    """An upload read and compared with the organisation's inventory."""

    upload: Upload
    existing: dict[str, dict[tuple, tuple[int, tuple]]]
    changes: dict[str, SheetChange]

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Every problem found (empty when the upload can be applied)."""
        return self.upload.errors


def existing_rows(organisation_id: int, sheet_id: str) -> dict[tuple, tuple[int, tuple]]:
    """The organisation's rows of a sheet: key → (row id, values in the sheet's column order)."""
    sheet = spec.sheet(sheet_id)
    model = MODELS[sheet_id]
    columns = [getattr(model, c.id) for c in sheet.columns]
    key_index = sheet.key_index
    out: dict[tuple, tuple[int, tuple]] = {}
    result = db.session.execute(sa.select(model.id, *columns).where(model.organisation_id == organisation_id))
    for row in result:
        values = tuple(row[1:])
        out[tuple(values[i] for i in key_index)] = (row[0], values)
    return out


def _recipient_names(organisation_id: int) -> set[str]:
    from xborder.inventory.models import InventoryRecipient

    return set(db.session.scalars(sa.select(InventoryRecipient.recipient)
                                  .where(InventoryRecipient.organisation_id == organisation_id)))


def _check_references(organisation_id: int, upload: Upload) -> None:
    """Every recipient named by a flow or a document must be in the recipients the inventory will have."""
    recipients_sheet = upload.sheets.get("recipients")
    names = ({k[0] for k in recipients_sheet.rows} if recipients_sheet is not None
             else _recipient_names(organisation_id))
    for sheet_id in ("flows", "documents"):
        rows = upload.sheets.get(sheet_id)
        sheet = spec.sheet(sheet_id)
        index = [c.id for c in sheet.columns].index("recipient")
        if rows is not None:
            for key, values in rows.rows.items():
                if values[index] not in names:
                    if len(upload.errors) >= upload.limits.errors:
                        return  # as many as reading keeps; the first ones say enough
                    upload.errors.append(cell_error(sheet, rows.title, rows.row_numbers[key],
                                                    rows.column_letters["recipient"], sheet.column("recipient"),
                                                    "unknown_recipient", value=values[index]))
        elif recipients_sheet is not None:
            # The sheet stays as it is: its rows must not lose their recipient.
            model = MODELS[sheet_id]
            kept = db.session.execute(sa.select(model.recipient, getattr(model, sheet.key[0]))
                                      .where(model.organisation_id == organisation_id)).all()
            for recipient, entry in kept:
                if recipient not in names:
                    upload.errors.append(cell_error(spec.sheet("recipients"), recipients_sheet.title, None, None,
                                                    None, "recipient_in_use", value=recipient, entry=entry))


def analyse(organisation_id: int, files: list[tuple[str, bytes]], progress: Progress | None = None,
            limits: Limits | None = None) -> Analysis:
    """Read the files (stopping at `limits`), validate every cell and reference, and compare with the inventory."""
    upload = read_files(files, progress, limits)
    existing: dict[str, dict[tuple, tuple[int, tuple]]] = {}
    changes: dict[str, SheetChange] = {}
    if upload.errors:
        return Analysis(upload, existing, changes)
    _check_references(organisation_id, upload)
    if upload.errors:
        return Analysis(upload, existing, changes)
    for sheet_id, rows in upload.sheets.items():
        before = existing[sheet_id] = existing_rows(organisation_id, sheet_id)
        change = changes[sheet_id] = SheetChange(sheet_id)
        for key, values in rows.rows.items():
            old = before.get(key)
            if old is None:
                change.added.append(key)
            elif old[1] != values:
                change.changed.append(key)
            else:
                change.unchanged += 1
        change.removed = [key for key in before if key not in rows.rows]
    return Analysis(upload, existing, changes)


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _as_dict(sheet: spec.Sheet, values: tuple) -> dict[str, Any]:
    return {c.id: _json(v) for c, v in zip(sheet.columns, values, strict=True)}


def preview(analysis: Analysis) -> dict[str, Any]:
    """What applying would do, per sheet: counts and the first rows of each kind (changed ones with before/after)."""
    out: dict[str, Any] = {}
    for sheet_id, change in analysis.changes.items():
        sheet = spec.sheet(sheet_id)
        new_rows = analysis.upload.sheets[sheet_id].rows
        old_rows = analysis.existing[sheet_id]
        changed = []
        for key in change.changed[:SAMPLE]:
            before, after = old_rows[key][1], new_rows[key]
            changed.append({"key": list(map(_json, key)), "changes": {
                c.id: {"before": _json(b), "after": _json(a)}
                for c, b, a in zip(sheet.columns, before, after, strict=True) if a != b}})
        out[sheet_id] = {
            "added": len(change.added), "changed": len(change.changed), "removed": len(change.removed),
            "unchanged": change.unchanged,
            "added_rows": [_as_dict(sheet, new_rows[k]) for k in change.added[:SAMPLE]],
            "changed_rows": changed,
            "removed_rows": [_as_dict(sheet, old_rows[k][1]) for k in change.removed[:SAMPLE]],
        }
    return out


def apply(organisation_id: int, analysis: Analysis) -> dict[str, dict[str, int]]:
    """Write the analysed changes (in the caller's transaction); returns the counts per sheet."""
    counts: dict[str, dict[str, int]] = {}
    for sheet_id in ("recipients", "documents", "flows"):
        change = analysis.changes.get(sheet_id)
        if change is None:
            continue
        sheet, model = spec.sheet(sheet_id), MODELS[sheet_id]
        table = model.__table__
        new_rows, old_rows = analysis.upload.sheets[sheet_id].rows, analysis.existing[sheet_id]
        ids = [c.id for c in sheet.columns]
        removed = [old_rows[k][0] for k in change.removed]
        for start in range(0, len(removed), CHUNK):
            db.session.execute(table.delete().where(table.c.id.in_(removed[start:start + CHUNK])))
        if change.changed:
            # Bound names differ from the column names: SQLAlchemy reserves those for its own VALUES/SET parameters.
            params = [{"row_id": old_rows[k][0], **{f"v_{c}": v for c, v in zip(ids, new_rows[k], strict=True)}}
                      for k in change.changed]
            statement = table.update().where(table.c.id == sa.bindparam("row_id")).values(
                {c: sa.bindparam(f"v_{c}") for c in ids})
            for start in range(0, len(params), CHUNK):
                db.session.execute(statement, params[start:start + CHUNK])
        if change.added:
            rows = [{"organisation_id": organisation_id, **dict(zip(ids, new_rows[k], strict=True))}
                    for k in change.added]
            for start in range(0, len(rows), CHUNK):
                db.session.execute(table.insert(), rows[start:start + CHUNK])
        counts[sheet_id] = {"added": len(change.added), "changed": len(change.changed),
                            "removed": len(change.removed)}
    return counts


def import_files(organisation_id: int, files: list[tuple[str, bytes]]) -> Analysis:
    """Analyse and, when valid, apply at once (no preview): for scripts, the benchmark and tests."""
    analysis = analyse(organisation_id, files)
    if not analysis.errors:
        apply(organisation_id, analysis)
    return analysis
