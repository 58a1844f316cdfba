"""The inventory API's nested response schemas send what the operations built: every import error, every flag and
the draft's determination come out of the schema unchanged."""

from __future__ import annotations

import copy
import io
import json

import sqlalchemy as sa

from tests.helpers.inventory import flow, workbook
from xborder.inventory import links, spec
from xborder.inventory.schemas import FlagSchema, ImportErrorSchema


def _upload(app, client, headers, content: bytes) -> dict:
    response = client.post("/api/v1/inventory/imports", headers=headers, content_type="multipart/form-data",
                           data={"file": [(io.BytesIO(content), "inv.xlsx")]})
    assert response.status_code == 202, response.get_json()
    if app.config["XBORDER"].redis_url:  # queued: run the job here (the worker test covers RQ)
        from xborder.inventory.tasks import preview_import

        preview_import(response.get_json()["id"])
    return client.get(f"/api/v1/inventory/imports/{response.get_json()['id']}", headers=headers).get_json()


def test_import_errors_are_sent_as_stored(app, client, db, enterprise):
    from xborder.inventory.models import ImportRun

    _user, headers = enterprise
    rows = [flow("E1", -5), flow("E1", 10), flow("E3", 10, level="no-such-level")]
    run = _upload(app, client, headers, workbook(rows, recipients=[("Nowhere Ltd", "CN", False, None)]))
    assert run["status"] == "invalid" and len(run["errors"]) >= 3
    db.session.expire_all()
    stored = db.session.scalar(sa.select(ImportRun).where(ImportRun.id == run["id"])).errors
    assert run["errors"] == json.loads(json.dumps(stored))
    for error in stored:
        assert ImportErrorSchema().dump(copy.deepcopy(error)) == error


def test_every_redeclaration_trigger_dumps_unchanged():
    fields = {f for trigger in spec.triggers() for f in trigger["fields"] if f != "removed"}
    before = {"documents": ["old"]}
    now: dict = {"documents": ["new"]}
    for field in fields:
        if field != "documents":
            sheet_id, _, column = field.partition(".")
            before.setdefault(sheet_id, {})[column] = "before"
            now.setdefault(sheet_id, {})[column] = "now"
    flags = links.triggered(before, now) + links.triggered(before, None)
    assert {f["trigger"] for f in flags} == {t["id"] for t in spec.triggers()}
    for flag in flags:
        assert FlagSchema().dump(copy.deepcopy(flag)) == flag


def test_a_draft_sends_the_determination_as_determined(client, db, enterprise):
    from xborder.inventory import operations

    user, headers = enterprise
    rows = [flow("D1", 150_000), flow("D2", 2_000, level="sensitive_personal")]
    response = client.post("/api/v1/inventory/imports", headers=headers, content_type="multipart/form-data",
                           data={"file": [(io.BytesIO(workbook(rows)), "inv.xlsx")], "apply": "true"})
    assert response.status_code == 202
    from xborder.inventory.tasks import preview_import

    if client.application.config["XBORDER"].redis_url:  # queued: validate and apply here (apply_when_valid)
        preview_import(response.get_json()["id"])
    body = client.post("/api/v1/inventory/declarations/draft", headers=headers, json={
        "entry_keys": ["D1", "D2"], "as_of": "2025-06-30"}).get_json()
    assert body["determination"] is not None, body
    expected, errors = operations.determine_draft(user, body["declaration"])
    assert errors == [] and body["determination"] == json.loads(json.dumps(expected))
