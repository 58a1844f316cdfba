"""Import with preview and apply, exports, the round trip, errors located by sheet/row/column, and scoping."""

from __future__ import annotations

import io
import json

import openpyxl
import sqlalchemy as sa

from tests.helpers.inventory import csv_file, flow, flows, run_jobs_inline, upload, workbook


def _run(client, headers, run_id):
    response = client.get(f"/api/v1/inventory/imports/{run_id}", headers=headers)
    assert response.status_code == 200
    return response.get_json()


def _preview_then_apply(app, client, headers, files):
    run = upload(client, headers, files)
    run_jobs_inline(app, run["id"])
    run = _run(client, headers, run["id"])
    assert run["status"] == "previewed", run["errors"][:5]
    response = client.post(f"/api/v1/inventory/imports/{run['id']}/apply", headers=headers)
    assert response.status_code == 202
    run_jobs_inline(app, run["id"], apply=True)
    run = _run(client, headers, run["id"])
    assert run["status"] == "applied", run
    return run


def _inventory(db, organisation_id):
    from xborder.inventory.exports import inventory_rows

    return {s: list(inventory_rows(organisation_id, s)) for s in ("flows", "recipients", "documents")}


def test_preview_shows_added_changed_removed_and_nothing_is_written_before_apply(app, client, db, enterprise):
    user, headers = enterprise
    _preview_then_apply(app, client, headers, [("inv.xlsx", workbook(flows(5)))])
    changed = flows(5)
    changed[1] = flow("F000001", 999_999, recipient="Example GmbH")
    del changed[4]
    changed.append(flow("NEW1"))
    run = upload(client, headers, [("inv.xlsx", workbook(changed))])
    run_jobs_inline(app, run["id"])
    run = _run(client, headers, run["id"])
    preview = run["preview"]["sheets"]["flows"]
    assert (preview["added"], preview["changed"], preview["removed"], preview["unchanged"]) == (1, 1, 1, 3)
    assert preview["changed_rows"][0]["changes"]["persons_per_year"] == {"before": 101, "after": 999_999}
    assert preview["removed_rows"][0]["entry_key"] == "F000004"
    assert len(_inventory(db, user.organisation_id)["flows"]) == 5  # previewing wrote nothing
    client.post(f"/api/v1/inventory/imports/{run['id']}/apply", headers=headers)
    run_jobs_inline(app, run["id"], apply=True)
    keys = [row[0] for row in _inventory(db, user.organisation_id)["flows"]]
    assert keys == ["F000000", "F000001", "F000002", "F000003", "NEW1"]


def test_round_trip_xlsx_export_import_gives_the_same_inventory(app, client, db, enterprise):
    user, headers = enterprise
    _preview_then_apply(app, client, headers, [("inv.xlsx", workbook(flows(40)))])
    before = _inventory(db, user.organisation_id)
    exported = client.get("/api/v1/inventory/export?format=xlsx", headers=headers)
    assert exported.status_code == 200
    run = upload(client, headers, [("export.xlsx", exported.data)])
    run_jobs_inline(app, run["id"])
    sheets = _run(client, headers, run["id"])["preview"]["sheets"]
    assert {s: (p["added"], p["changed"], p["removed"]) for s, p in sheets.items()} == {
        "flows": (0, 0, 0), "recipients": (0, 0, 0), "documents": (0, 0, 0)}
    client.post(f"/api/v1/inventory/imports/{run['id']}/apply", headers=headers)
    run_jobs_inline(app, run["id"], apply=True)
    assert _inventory(db, user.organisation_id) == before


def test_round_trip_csv_export_import_gives_the_same_inventory(app, client, db, enterprise):
    user, headers = enterprise
    _preview_then_apply(app, client, headers, [("inv.xlsx", workbook(flows(12)))])
    before = _inventory(db, user.organisation_id)
    files = []
    for sheet in ("flows", "recipients", "documents"):
        response = client.get(f"/api/v1/inventory/export?format=csv&sheet={sheet}", headers=headers)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        files.append((f"{sheet}.csv", response.data))
    # Emptied first, so the round trip really writes every row again.
    from xborder.inventory.models import InventoryDocument, InventoryFlow, InventoryRecipient

    for model in (InventoryFlow, InventoryDocument, InventoryRecipient):
        db.session.execute(sa.delete(model).where(model.organisation_id == user.organisation_id))
    _preview_then_apply(app, client, headers, files)
    assert _inventory(db, user.organisation_id) == before


def test_json_export_lists_every_sheet(app, client, db, enterprise):
    user, headers = enterprise
    _preview_then_apply(app, client, headers, [("inv.xlsx", workbook(flows(3)))])
    body = json.loads(client.get("/api/v1/inventory/export?format=json", headers=headers).data)
    assert [f["entry_key"] for f in body["flows"]] == ["F000000", "F000001", "F000002"]
    assert body["recipients"][0] == {"recipient": "Example GmbH", "country": "DE", "onward_transfer": False,
                                     "contact": "dpo@example.de"}
    assert body["documents"][0]["valid_until"] == "2028-01-09"


def test_a_bad_file_changes_nothing_and_every_bad_cell_is_located(app, client, db, enterprise):
    user, headers = enterprise
    _preview_then_apply(app, client, headers, [("inv.xlsx", workbook(flows(3)))])
    before = _inventory(db, user.organisation_id)
    rows = flows(3)
    rows[0] = ("F000000", "CRM", "联系方式", "秘密", None, "客户", "Example GmbH", "x", None, -5, "many", None, 1.5)
    rows[2] = ("F000000", "", "联系方式", "personal", None, None, "Nobody Ltd", None, "holiday", 10, None, None, None)
    recipients = [("Example GmbH", "CN", "maybe", None), ("Example KK", "JP", False, None)]
    documents = [("Example GmbH", "standard_contract", "合同", "2025-05-01", "2024-01-01")]
    run = upload(client, headers, [("bad.xlsx", workbook(rows, recipients, documents))], apply=True)
    run_jobs_inline(app, run["id"])
    run = _run(client, headers, run["id"])
    assert run["status"] == "invalid"
    located = {(e["sheet"], e["row"], e["column"], e["code"]) for e in run["errors"]}
    assert located == {
        ("flows", 2, "D", "not_in_vocabulary"), ("flows", 2, "J", "negative"), ("flows", 2, "K", "not_integer"),
        ("flows", 2, "M", "not_integer"),
        ("flows", 4, "B", "required"), ("flows", 4, "I", "not_scenario"),
        ("recipients", 2, "B", "not_abroad"), ("recipients", 2, "C", "not_bool"),
        ("documents", 2, "E", "before"),
    }
    assert run["error_count"] == len(run["errors"]) == 9
    bad_level = next(e for e in run["errors"] if e["code"] == "not_in_vocabulary")
    assert bad_level["message_zh"].startswith("工作表“数据出境清单”第2行D列（数据级别）：")
    assert bad_level["message_en"].startswith("Sheet “数据出境清单”, row 2, column D (Data level): ")
    assert _inventory(db, user.organisation_id) == before


def test_duplicates_and_unknown_recipients_are_errors_too(app, client, db, enterprise):
    user, headers = enterprise
    rows = [flow("A1"), flow("A1", recipient="Example KK"), flow("A2", recipient="Nobody Ltd")]
    run = upload(client, headers, [("inv.xlsx", workbook(rows))])
    run_jobs_inline(app, run["id"])
    run = _run(client, headers, run["id"])
    codes = {(e["row"], e["column"], e["code"]) for e in run["errors"]}
    assert (3, "A", "duplicate_key") in codes
    assert run["status"] == "invalid"
    # The unknown recipient is found once the cells are valid.
    run = upload(client, headers, [("inv.xlsx", workbook([flow("A2", recipient="Nobody Ltd")]))])
    run_jobs_inline(app, run["id"])
    errors = _run(client, headers, run["id"])["errors"]
    assert [(e["row"], e["column"], e["code"]) for e in errors] == [(2, "G", "unknown_recipient")]


def test_csv_with_gb18030_and_chinese_vocabulary_reads(app, client, db, enterprise):
    user, headers = enterprise
    _preview_then_apply(app, client, headers, [("inv.xlsx", workbook(flows(1)))])
    text = csv_file("flows", [flow("C1", level="敏感个人信息")]).decode().encode("gb18030")
    run = upload(client, headers, [("flows.csv", text)], apply=True)
    run_jobs_inline(app, run["id"])
    assert _run(client, headers, run["id"])["status"] == "applied"
    assert _inventory(db, user.organisation_id)["flows"][0][3] == "sensitive_personal"


def test_template_downloads_and_imports_empty(app, client, db, enterprise):
    user, headers = enterprise
    response = client.get("/api/v1/inventory/template?format=xlsx", headers=headers)
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["数据出境清单", "境外接收方", "法律文件", "说明 Notes"]
    assert book["数据出境清单"]["D1"].value == "数据级别 / Data level"
    assert client.get("/api/v1/inventory/template?format=csv&sheet=recipients", headers=headers).status_code == 200


def test_another_enterprise_cannot_see_or_apply_your_import(app, client, db, enterprise, other):
    user, headers = enterprise
    run = upload(client, headers, [("inv.xlsx", workbook(flows(2)))])
    run_jobs_inline(app, run["id"])
    _, other_headers = other
    assert client.get(f"/api/v1/inventory/imports/{run['id']}", headers=other_headers).status_code == 404
    assert client.post(f"/api/v1/inventory/imports/{run['id']}/apply", headers=other_headers).status_code == 404
    mine = _preview_then_apply(app, client, other_headers, [("inv.xlsx", workbook(flows(1, prefix="O")))])
    assert mine["status"] == "applied"
    assert client.get("/api/v1/inventory/flows", headers=headers).get_json()["total"] == 0
    assert [f["entry_key"] for f in client.get("/api/v1/inventory/flows", headers=other_headers)
            .get_json()["items"]] == ["O000000"]


def test_other_roles_get_403_and_uploads_need_a_file(client, db, factory, enterprise):
    from tests.helpers.factories import auth

    assessor = factory.user("assessor")
    response = client.get("/api/v1/inventory/flows", headers=auth(factory.token(assessor)))
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
    _, headers = enterprise
    response = client.post("/api/v1/inventory/imports", headers=headers, data={},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["path"] == "file"
    response = client.post("/api/v1/inventory/imports", headers=headers,
                           data={"file": (io.BytesIO(b"x"), "inv.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 422


def test_case_lists_export_in_each_format_scoped_to_the_caller(client, db, factory, enterprise, other):
    user, headers = enterprise
    factory.case(user.organisation, title="我的案件")
    factory.case(other[0].organisation, title="别人的案件")
    body = client.get("/api/v1/inventory/exports/cases?format=json", headers=headers).get_json()
    assert [c["title"] for c in body["cases"]] == ["我的案件"]
    csv_text = client.get("/api/v1/inventory/exports/cases?format=csv", headers=headers).data.decode("utf-8-sig")
    assert "我的案件" in csv_text and "别人的案件" not in csv_text
    book = openpyxl.load_workbook(io.BytesIO(client.get("/api/v1/inventory/exports/cases?format=xlsx",
                                                        headers=headers).data))
    assert book.active["B2"].value == "我的案件"
    assessor = factory.user("assessor")
    from tests.helpers.factories import auth

    body = client.get("/api/v1/inventory/exports/cases?format=json", headers=auth(factory.token(assessor)))
    assert body.get_json()["cases"] == []
    assert client.get("/api/v1/inventory/exports/cases?format=pdf", headers=headers).status_code == 422
