"""Writes on the inventory: uploads and their runs, and declarations started from inventory rows. They flush and
audit, never commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from xborder.core import audit
from xborder.core.errors import Forbidden, NotFound, Unprocessable, field_error
from xborder.core.labels import status_names
from xborder.core.text import check_text
from xborder.extensions import db
from xborder.inventory.models import ImportFile, ImportRun, InventoryFlow, InventoryHead, InventoryRecipient

MAX_FILES = 5
ACCEPTED = (".xlsx", ".csv")


def require_enterprise(user) -> None:
    """The inventory is an exporter's: other roles get 403."""
    if user.role != "enterprise":
        raise Forbidden("The data inventory belongs to an enterprise")


def get_run(user, run_id: int) -> ImportRun:
    """The import run if it is the user's organisation's; 404 otherwise."""
    run = db.session.scalar(sa.select(ImportRun).where(ImportRun.id == run_id,
                                                       ImportRun.organisation_id == user.organisation_id))
    if run is None:
        raise NotFound(f"No import {run_id} of your organisation")
    return run


def start_import(user, files: list[tuple[str, bytes]], apply_when_valid: bool = False) -> ImportRun:
    """Keep the uploaded files with a new run, queued for reading and validation by a job."""
    require_enterprise(user)
    errors = []
    if not files:
        errors.append(field_error("file", "required", "Upload the inventory as .xlsx or .csv (field 'file')",
                                  "请上传 .xlsx 或 .csv 格式的清单文件（字段 file）"))
    if len(files) > MAX_FILES:
        errors.append(field_error("file", "too_many", f"At most {MAX_FILES} files at once",
                                  f"一次最多上传{MAX_FILES}个文件"))
    for index, (name, data) in enumerate(files):
        if not name.lower().endswith(ACCEPTED):
            errors.append(field_error(f"file/{index}", "type", f"{name}: only .xlsx and .csv files are read",
                                      f"{name}：仅支持 .xlsx 和 .csv 文件"))
        elif not data:
            errors.append(field_error(f"file/{index}", "empty", f"{name} is empty", f"{name} 是空文件"))
        errors += check_text(name, f"file/{index}", multiline=False, filename=True)
    if errors:
        raise Unprocessable("The upload cannot be read", errors)
    run = ImportRun(organisation_id=user.organisation_id, user_id=user.id, status="queued",
                    filenames=[name for name, _ in files], apply_when_valid=apply_when_valid, errors=[])
    db.session.add(run)
    db.session.flush()
    for name, data in files:
        db.session.add(ImportFile(run_id=run.id, filename=name[:255], data=data))
    db.session.flush()
    return run


def request_apply(user, run: ImportRun) -> ImportRun:
    """Mark a previewed run for applying (a job writes it)."""
    require_enterprise(user)
    if run.status != "previewed":
        raise Unprocessable(f"An import in status {run.status} cannot be applied", [field_error(
            "status", "not_previewed", "Only a validated, previewed import can be applied",
            "只有校验通过并已预览的导入才能应用")])
    run.status = "applying"
    db.session.flush()
    return run


def discard(user, run: ImportRun) -> ImportRun:
    """Drop a run that was not applied; its files are deleted."""
    require_enterprise(user)
    if run.status in ("applied", "applying", "discarded"):
        raise Unprocessable(f"An import in status {run.status} cannot be discarded", [field_error(
            "status", "not_discardable", "Applied or applying imports stay", "已应用或正在应用的导入不能放弃")])
    run.status = "discarded"
    db.session.execute(sa.delete(ImportFile).where(ImportFile.run_id == run.id))
    db.session.flush()
    return run


def revision(organisation_id: int) -> int:
    """The organisation's inventory revision (0 before the first import)."""
    return db.session.scalar(sa.select(InventoryHead.revision)
                             .where(InventoryHead.organisation_id == organisation_id)) or 0


def advance_revision(organisation_id: int, expected: int) -> bool:
    """Move the revision from `expected` to the next; False when someone else moved it first (the preview is stale).
    The conditional UPDATE takes the row lock, so of two imports previewed at one revision only one applies."""
    table = InventoryHead.__table__
    if db.session.execute(sa.select(table.c.revision).where(table.c.organisation_id == organisation_id)).first() \
            is None:
        try:
            with db.session.begin_nested():
                db.session.execute(table.insert().values(organisation_id=organisation_id, revision=0))
        except sa.exc.IntegrityError:
            pass
    from xborder.core.timeutil import utcnow

    result = db.session.execute(table.update().where(table.c.organisation_id == organisation_id,
                                                     table.c.revision == expected)
                                .values(revision=expected + 1, updated_at=utcnow()))
    return result.rowcount == 1


# ---------------------------------------------------------------------------------------------------------------
# Declaring from the inventory


def selected_flows(user, entry_keys: list[str]) -> tuple[list[InventoryFlow], dict[str, InventoryRecipient]]:
    """The user's organisation's flows with these entry keys and their recipients; 422 naming any unknown key."""
    require_enterprise(user)
    keys = list(dict.fromkeys(str(k) for k in entry_keys))
    if not keys:
        raise Unprocessable("Select at least one inventory row", [field_error(
            "entry_keys", "required", "Select at least one inventory row", "请至少选择一条清单条目")])
    flows = list(db.session.scalars(sa.select(InventoryFlow).where(
        InventoryFlow.organisation_id == user.organisation_id, InventoryFlow.entry_key.in_(keys))))
    found = {f.entry_key for f in flows}
    missing = [k for k in keys if k not in found]
    if missing:
        raise Unprocessable("Unknown inventory rows", [field_error(
            f"entry_keys/{keys.index(k)}", "unknown_entry", f"No entry {k} in your inventory",
            f"清单中没有条目 {k}") for k in missing])
    names = {f.recipient for f in flows}
    recipients = {r.recipient: r for r in db.session.scalars(sa.select(InventoryRecipient).where(
        InventoryRecipient.organisation_id == user.organisation_id, InventoryRecipient.recipient.in_(names)))}
    return flows, recipients


def determine_draft(user, declaration: dict[str, Any]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The determination of a drafted declaration counting the exporter's earlier cases, or its errors."""
    from xborder.cases.operations import determine_for_case
    from xborder.law.declaration import DeclarationInvalid, validate_declaration

    try:
        valid = validate_declaration(declaration)
    except DeclarationInvalid as exc:
        return None, exc.errors
    return determine_for_case(valid, user.organisation_id, None), []


def organisation_sector(organisation) -> str | None:
    """The sector the organisation declares under: the one of its latest case that names one (the organisation
    record and its profile keep no sector)."""
    from xborder.cases.models import Case

    declarations = db.session.scalars(sa.select(Case.declaration).where(Case.exporter_id == organisation.id)
                                      .order_by(Case.created_at.desc(), Case.id.desc()).limit(20))
    return next((d["exporter"]["sector"] for d in declarations
                 if isinstance(d, dict) and (d.get("exporter") or {}).get("sector")), None)



def overlap_warnings(user, entry_keys: list[str]) -> list[dict[str, Any]]:
    """A warning per open case of the user's organisation already declared from some of these rows: declaring them
    again would count their persons twice (forms/inventory/levels.yaml `declaring_warnings`)."""
    from xborder.inventory import spec
    from xborder.inventory.links import open_cases_with

    warning = spec.declaring_warning("already_in_open_case")
    out = []
    for case, keys in open_cases_with(user.organisation_id, entry_keys):
        status_zh, status_en = status_names(case.status)
        params = {"reference": case.reference, "title": case.title, "status_zh": status_zh, "status_en": status_en}
        out.append({
            "code": "already_in_open_case",
            "message_zh": warning["zh"].format(entries="、".join(keys), **params),
            "message_en": warning["en"].format(entries=", ".join(keys), **params),
            "legal_basis": [dict(c) for c in warning["legal_basis"]],
            "entry_keys": keys,
            "case": {"id": case.id, "reference": case.reference, "title": case.title, "status": case.status},
        })
    return out


def draft_declaration(user, entry_keys: list[str], as_of: dt.date, exporter: dict[str, Any] | None = None
                      ) -> dict[str, Any]:
    """The declaration the rows add up to, which rows fed each transfer, the determination (or the errors), and
    warnings about rows already in an open case. A sector not given is the organisation's."""
    from xborder.inventory.declaring import build_declaration

    flows, recipients = selected_flows(user, entry_keys)
    facts = dict(exporter or {})
    if "sector" not in facts:
        facts["sector"] = organisation_sector(user.organisation)
    declaration, sources = build_declaration(user.organisation, flows, recipients, as_of, facts)
    determination, errors = determine_draft(user, declaration)
    return {"declaration": declaration, "sources": sources, "determination": determination, "errors": errors,
            "warnings": overlap_warnings(user, [f.entry_key for f in flows])}


def declare_from_inventory(user, entry_keys: list[str], title: str, as_of: dt.date,
                           exporter: dict[str, Any] | None = None, declaration: dict[str, Any] | None = None):
    """Open a draft case from the rows (or from the caller's edit of the drafted declaration), linked to the rows."""
    from xborder.cases.operations import create_case
    from xborder.inventory.declaring import build_declaration
    from xborder.inventory.links import link_case

    flows, recipients = selected_flows(user, entry_keys)
    facts = dict(exporter or {})
    if "sector" not in facts:
        facts["sector"] = organisation_sector(user.organisation)
    built, sources = build_declaration(user.organisation, flows, recipients, as_of, facts)
    case = create_case(user, title, declaration if declaration is not None else built)
    link_case(case, user.organisation_id, [f.entry_key for f in flows])
    audit.record(case, "inventory.declared", {"entries": sorted(f.entry_key for f in flows),
                                              "transfers_from_rows": sources,
                                              "edited": declaration is not None}, user)
    return case
