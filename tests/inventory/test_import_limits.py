"""Bounded imports (issue 17): the XLSX bomb stops within seconds and little memory, limits say so, hostile XML is
refused in words, and a run whose worker died is recovered."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import pathlib
import subprocess
import sys
import textwrap
import zipfile

import pytest

from tests.helpers.inventory import csv_file, flows, headers, run_jobs_inline, upload, workbook

ROOT = pathlib.Path(__file__).resolve().parents[2]


def bomb_xlsx(rows: int = 1_000_000) -> bytes:
    """The attack's workbook: a flows header, then `rows` one-cell rows, no <dimension> (~150 KB zipped)."""
    from xml.sax.saxutils import escape

    header = "".join(f'<c t="inlineStr"><is><t>{escape(h)}</t></is></c>' for h in headers("flows"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>'))
        archive.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        archive.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'))
        archive.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{escape(_flows_title())}" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?>'
                        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            sheet.write(f"<row>{header}</row>".encode())
            # Rows and cells without their optional `r` address repeat byte for byte, so deflate packs them ~400:1.
            chunk = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 10_000
            for _ in range(rows // 10_000):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def _flows_title() -> str:
    from xborder.inventory import spec

    return spec.sheet("flows").title


# The server side of the attack in a process of its own, so its peak memory (VmHWM) is the import's alone:
# the embedded default (SQLite, no Redis, not TESTING), the upload through the API, then the import's thread.
SERVER = textwrap.dedent("""
    import json, resource, sys, threading, time
    sys.path.insert(0, sys.argv[1])
    from xborder import create_app
    from xborder.extensions import db
    from tests.helpers.memory import peak_mb
    from tests.helpers.factories import Factory, auth
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # a runaway must not take the shared machine down
    app = create_app()
    with app.app_context():
        factory = Factory(db)
        user = factory.user("enterprise")
        headers = auth(factory.token(user))
        db.session.commit()
    bomb = open(sys.argv[2], "rb").read()
    client = app.test_client()
    started = time.monotonic()
    response = client.post("/api/v1/inventory/imports", headers=headers,
                           data={"file": [(__import__("io").BytesIO(bomb), "bomb.xlsx")]},
                           content_type="multipart/form-data")
    answered = time.monotonic() - started
    for thread in threading.enumerate():
        if thread.name.startswith("xborder-import-"):
            thread.join(600)
    finished = time.monotonic() - started
    run = client.get(f"/api/v1/inventory/imports/{response.get_json()['id']}", headers=headers).get_json()
    print(json.dumps({"status_code": response.status_code, "answered": answered, "finished": finished,
                      "peak_mb": peak_mb(),
                      "run_status": run["status"], "error_count": run["error_count"],
                      "last": run["errors"][-1] if run["errors"] else None, "message": run.get("message")}))
""")


# The schema is built by a process of its own first, as a deployment is migrated before its server starts: the
# server's peak memory is then the server's and the import's, not the migrations'.
MIGRATE = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[1])
    from flask_migrate import upgrade
    from xborder import create_app
    app = create_app()
    with app.app_context():
        upgrade(revision="heads")
""")


def test_the_xlsx_bomb_is_stopped_within_seconds_and_the_server_stays_under_500_mb(tmp_path):
    bomb = bomb_xlsx()
    assert len(bomb) < 400_000  # the attack's size class: a small upload, well under the 16 MB limit
    (tmp_path / "bomb.xlsx").write_bytes(bomb)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(XBORDER_INSTANCE_PATH=str(tmp_path / "instance"), XBORDER_SECRET_KEY="s" * 32,
               XBORDER_KEY_PASSPHRASE="p" * 32, DATABASE_URL=f"sqlite:///{tmp_path / 'bomb.sqlite3'}")
    migrated = subprocess.run([sys.executable, "-c", MIGRATE, str(ROOT)], env=env, capture_output=True, text=True,
                              timeout=600)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    done = subprocess.run([sys.executable, "-c", SERVER, str(ROOT), str(tmp_path / "bomb.xlsx")], env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status_code"] == 202
    assert result["answered"] < 5, result  # the request only stores the file; a thread reads it
    assert result["finished"] < 20, result  # seconds, on a loaded two-core machine; ~1 s idle
    assert result["peak_mb"] < 500, result
    assert result["run_status"] == "invalid", (result, done.stderr[-3000:])
    assert result["error_count"] <= 1_001
    assert result["last"]["code"] == "too_many_errors"
    assert "stopped" in result["last"]["message_en"] and "停止读取" in result["last"]["message_zh"]


def test_row_and_cell_limits_stop_reading_and_say_so():
    from xborder.inventory.reading import Limits, read_files

    data = workbook(flows(30))
    upload = read_files([("inv.xlsx", data)], limits=Limits(rows=10))
    assert upload.stopped and upload.errors[-1]["code"] == "too_many_rows"
    assert "10" in upload.errors[-1]["message_en"] and "10" in upload.errors[-1]["message_zh"]
    upload = read_files([("inv.xlsx", data)], limits=Limits(cells=100))
    assert upload.stopped and upload.errors[-1]["code"] == "too_many_cells"
    blank_lines = ",".join(headers("flows")).encode() + b"\n" + b",,,\n" * 50
    upload = read_files([("flows.csv", blank_lines)], limits=Limits(rows=20))
    assert upload.errors[-1]["code"] == "too_many_rows"  # empty lines count: a million of them is no cheaper
    assert not read_files([("inv.xlsx", data)]).errors


def test_the_limits_come_from_the_configuration(app_env, tmp_path):
    from xborder import create_app
    from xborder.inventory.tasks import limits

    app = create_app({**app_env, "XBORDER_IMPORT_MAX_ROWS": "7", "XBORDER_IMPORT_MAX_CELLS": "99",
                      "XBORDER_IMPORT_MAX_ERRORS": "3"}, TESTING=True)
    assert (limits(app).rows, limits(app).cells, limits(app).errors) == (7, 99, 3)


def _with_doctype(prolog: str, reference: str) -> bytes:
    """A valid workbook whose first sheet's XML gets `prolog` (a DTD) and uses its entity in the first cell."""
    source = zipfile.ZipFile(io.BytesIO(workbook(flows(2))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = prolog.encode() + data.replace(b"<t>", f"<t>{reference}".encode(), 1)
            archive.writestr(item, data)
    return out.getvalue()


LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol0 "lol">' + "".join(
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)) + "]>")
XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize(("prolog", "reference"), [(LAUGHS, "&lol9;"), (XXE, "&xxe;")], ids=["billion-laughs", "xxe"])
def test_billion_laughs_and_xxe_workbooks_are_refused_in_words(app, client, db, enterprise, prolog, reference):
    user, headers_ = enterprise
    run = upload(client, headers_, [("evil.xlsx", _with_doctype(prolog, reference))])
    run_jobs_inline(app, run["id"])
    run = client.get(f"/api/v1/inventory/imports/{run['id']}", headers=headers_).get_json()
    assert run["status"] == "invalid", run
    assert run["errors"][0]["code"] == "dtd"
    assert "DTD" in run["errors"][0]["message_en"] and "为安全起见" in run["errors"][0]["message_zh"]
    assert not run.get("message")  # no parser exception text anywhere


def test_a_failed_run_says_so_in_words_not_with_the_exception(app, client, db, enterprise, monkeypatch):
    from xborder.inventory import importing, tasks
    from xborder.inventory.operations import start_import

    user, headers_ = enterprise
    run = {"id": start_import(user, [("inv.xlsx", workbook(flows(2)))]).id}
    monkeypatch.setattr(importing, "analyse", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("secret path")))
    with pytest.raises(RuntimeError):
        tasks.preview_import(run["id"])
    body = client.get(f"/api/v1/inventory/imports/{run['id']}", headers=headers_).get_json()
    assert body["status"] == "failed" and "secret path" not in body["message"] and "导入失败" in body["message"]


def test_a_control_character_in_a_cell_is_an_error_located_by_cell():
    from xborder.inventory.reading import read_files

    rows = flows(2)
    rows[1] = (rows[1][0], "C\x0bRM\x01") + rows[1][2:]
    upload = read_files([("flows.csv", csv_file("flows", rows))])
    assert [(e["code"], e["row"], e["column"]) for e in upload.errors] == [("control", 3, "B")]
    assert "控制字符" in upload.errors[0]["message_zh"]


def test_a_run_whose_worker_died_is_recovered_by_the_sweep(app, client, db, enterprise):
    from xborder.core.timeutil import utcnow
    from xborder.inventory.models import ImportRun
    from xborder.inventory.tasks import recover_stuck_imports

    user, headers_ = enterprise
    validating = ImportRun(organisation_id=user.organisation_id, user_id=user.id, status="validating", errors=[],
                           filenames=["a.xlsx"])
    applying = ImportRun(organisation_id=user.organisation_id, user_id=user.id, status="applying", errors=[],
                         filenames=["b.xlsx"])
    fresh = ImportRun(organisation_id=user.organisation_id, user_id=user.id, status="validating", errors=[],
                      filenames=["c.xlsx"])
    db.session.add_all([validating, applying, fresh])
    db.session.flush()
    hour_ago = utcnow() - dt.timedelta(hours=1)
    for run in (validating, applying):
        db.session.execute(ImportRun.__table__.update().where(ImportRun.id == run.id).values(updated_at=hour_ago))
    db.session.expire_all()
    assert recover_stuck_imports(utcnow()) == 2
    body = client.get(f"/api/v1/inventory/imports/{validating.id}", headers=headers_).get_json()
    assert body["status"] == "failed" and "重新上传" in body["message"] and "upload the file again" in body["message"]
    assert client.get(f"/api/v1/inventory/imports/{applying.id}", headers=headers_).get_json()["status"] == "previewed"
    assert client.get(f"/api/v1/inventory/imports/{fresh.id}", headers=headers_).get_json()["status"] == "validating"
    assert recover_stuck_imports(utcnow()) == 0


def test_the_sweep_runs_the_recovery(app, db):
    from xborder.sweep import sweep

    assert sweep()["imports_recovered"] == 0
