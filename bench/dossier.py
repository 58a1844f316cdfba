"""Benchmark of the dossier documents and bundle for a large case (issue 6).

usage: .venv/bin/python bench/dossier.py [--transfers N] [--categories N] [--repeat N]

Needs no database: the case is plain data, made by the same engines the service runs (declaration validation,
pathway determination, risk scoring) from a security-assessment declaration of --transfers transfers (default 50)
whose data categories add up to --categories rows (default 2,000) in the self-assessment report's inventory annex.

It measures, in the same run:
- table, xborder: the inventory annex as xborder writes it (one XML fragment, header row repeated) into a fresh
  document, and the whole .docx saved;
- table, naive: the same rows written with python-docx's `table.add_row()` then `cell.text = …`, saved the same way;
- documents: every document of the three stages (申报书, 自评估报告 with the annex, 评估意见, 省级审查记录);
- whole bundle: the documents plus three stage manifests, three CMS signatures (EC P-256) and the ZIP;
- where LibreOffice is installed, the whole bundle again with a PDF copy of each document (issue 16).

Each is the best of --repeat runs (default 3). Targets: the table ≥ 3× faster than the naive loop; the whole bundle
under 3 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import pathlib
import platform
import sys
import time
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from docx import Document  # noqa: E402

from xborder.dossiers import bundle, documents, signing  # noqa: E402
from xborder.dossiers.documents import context  # noqa: E402
from xborder.dossiers.documents.writer import Writer  # noqa: E402
from xborder.law.declaration import validate_declaration  # noqa: E402
from xborder.law.keypoints import applicable_key_points  # noqa: E402
from xborder.law.pathway import determine_pathway  # noqa: E402
from xborder.law.risk import assess_risk  # noqa: E402

EXPORTER = {"name": "上海演示智能制造有限公司", "uscc": "9131011552601815X1", "province": "310000",
            "sector": "manufacturing", "is_ciio": False, "pi_subjects_processed": 2_500_000}
PARTIES = {"enterprise": (EXPORTER["name"], EXPORTER["uscc"]),
           "assessor": ("演示数据安全评估中心", "91320500131860916B"),
           "provincial_official": ("上海市演示数据出境管理办公室", "113100000024158670")}
COUNTRIES = ("DE", "FR", "SG", "JP", "US")


def large_snapshot(transfers: int, categories: int) -> dict:
    """A security-assessment case as the stage files record it, with `categories` inventory rows in all."""
    per, extra = divmod(categories, transfers)
    raw = {
        "as_of": "2025-06-30", "exporter": EXPORTER, "prior_transfers": [],
        "transfers": [{
            "purpose": f"全球售后服务与质量追溯（业务线 {n + 1}）", "exemption": None,
            "recipient": {"name": f"Example Recipient {n + 1} GmbH", "country": COUNTRIES[n % len(COUNTRIES)],
                          "onward_transfer": False},
            "data": {"pi_individuals": 12_000 + n, "sensitive_pi_individuals": 0, "important_data": n == 0,
                     "core_data": False, "transit_only": False,
                     "categories": [f"设备运行数据类别-{n + 1:02d}-{k + 1:03d}" for k in range(per + (n < extra))]},
        } for n in range(transfers)],
    }
    declaration = validate_declaration(raw)
    determination = determine_pathway(declaration)
    points = applicable_key_points(declaration, determination)
    answers = [{"key_point": p["id"], "answer": f"{p['title_zh']}：已逐项评估，措施见附件。"} for p in points]
    risk = assess_risk(declaration, determination, answers)
    return {
        "reference": "XB-310000-2025-000042", "title": "大型案件", "as_of": "2025-06-30",
        "exporter": EXPORTER, "declaration": raw, "determination": determination, "answers": answers,
        "key_points": [{k: p[k] for k in ("id", "title_zh", "title_en")} for p in points], "risk": risk,
        "review": [{"key_point": p["id"], "finding": "satisfied", "comment": "符合"} for p in points],
        "assessor": {"name": PARTIES["assessor"][0], "uscc": PARTIES["assessor"][1]},
        "authority": {"name": PARTIES["provincial_official"][0], "uscc": PARTIES["provincial_official"][1]},
        "provincial": {"action": "forward_to_regulator", "completeness_confirmed": True},
        "stage_date": "2025-07-01",
    }


def _best(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def table_xborder(headers, rows, widths) -> bytes:
    """The annex as xborder writes it."""
    writer = Writer(documents.layout(dt.date(2025, 6, 30))["fonts"])
    writer.table(headers, rows, widths)
    return writer.save()


def table_naive(headers, rows) -> bytes:
    """The annex with python-docx's documented API: add_row() then cell.text for every cell."""
    document = Document()
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        cell.text = header
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def whole_bundle(snapshot: dict, signers: dict, pdf_copies: bool = False) -> bytes:
    """Every stage's documents and record, manifest and signature, then the bundle, as the service makes them."""
    files: dict[str, bytes] = {}
    stages: list[tuple[bytes, bytes]] = []
    records = {1: "case.json", 2: "records/02-assessor.json", 3: "records/03-provincial.json"}
    for number in (1, 2, 3):
        files[records[number]] = bundle.canonical_json({"stage": number, "reference": snapshot["reference"]})
        files.update(documents.render_stage(number, snapshot, pdf_copies=pdf_copies))
        key, cert, chain = signers[bundle.STAGE_ROLES[number]]
        manifest = bundle.next_stage_manifest(files, stages, signer=bundle.signer_from_certificate(cert),
                                              signed_at=dt.datetime.now(dt.UTC))
        stages.append((manifest, signing.sign_detached(manifest, key, cert, chain)))
    summary = bundle.summary_from_files(files, bundle.stage_slots(stages))  # the summary states signed facts only
    return bundle.build_bundle(files, stages, signers["ca_pem"], summary)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=50)
    parser.add_argument("--categories", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    snapshot = large_snapshot(args.transfers, args.categories)
    spec = next(d for d in documents.layout(dt.date(2025, 6, 30))["documents"] if d["id"] == "sa_self_assessment")
    annex = next(b for s in spec["sections"] for b in s["blocks"] if b.get("source") == "inventory")
    headers = [c["header"]["zh"] for c in annex["columns"]]
    widths = [c["width"] for c in annex["columns"]]
    rows = [[r[c["value"]] for c in annex["columns"]] for r in context.build(snapshot)["rows"]["inventory"]]
    assert len(rows) == args.categories, len(rows)

    ca_key, ca = signing.create_ca("bench CA")
    signers: dict = {"ca_pem": signing.cert_to_pem(ca)}
    for role, (name, uscc) in PARTIES.items():
        key, cert = signing.issue_signing_certificate(ca_key, ca, organisation_name=name, uscc=uscc, role=role)
        signers[role] = (key, cert, [ca])

    fast, fast_doc = _best(lambda: table_xborder(headers, rows, widths), args.repeat)
    naive, naive_doc = _best(lambda: table_naive(headers, rows), args.repeat)
    for data in (fast_doc, naive_doc):  # both documents hold the same table
        table = Document(io.BytesIO(data)).tables[0]
        assert len(table.rows) == len(rows) + 1 and table.cell(len(rows), 3).text == rows[-1][3]
    docs_time, docs = _best(lambda: {path: data for n in (1, 2, 3)
                                     for path, data in documents.render_stage(n, snapshot, pdf_copies=False).items()},
                            args.repeat)
    bundle_time, data = _best(lambda: whole_bundle(snapshot, signers), args.repeat)

    from xborder.dossiers.verify import verify_bundle

    assert verify_bundle(data, ca_pem=signers["ca_pem"]).exit_code == 0
    print(f"bench/dossier.py · Python {platform.python_version()} · {platform.machine()} · best of {args.repeat}")
    print(f"case: {args.transfers} transfers, {len(rows)} inventory rows, {len(snapshot['key_points'])} key points")
    print(f"table, xborder (XML fragment) : {fast * 1000:8.1f} ms")
    print(f"table, naive add_row/cell.text: {naive * 1000:8.1f} ms")
    print(f"ratio naive / xborder         : {naive / fast:8.1f}x   (target >= 3x)")
    print(f"documents of the 3 stages     : {docs_time * 1000:8.1f} ms  ({len(docs)} .docx, "
          f"{sum(map(len, docs.values())) // 1024} KiB)")
    print(f"whole bundle (docs+3 signatures+zip): {bundle_time * 1000:8.1f} ms  ({len(data) // 1024} KiB; "
          f"target < 3000 ms)")
    from xborder.dossiers.documents import pdf

    if pdf.available():  # issue 16: the time with PDF copies, where LibreOffice is installed (no bar: soffice's own)
        pdf_time, pdf_data = _best(lambda: whole_bundle(snapshot, signers, pdf_copies=True), 1)
        with zipfile.ZipFile(io.BytesIO(pdf_data)) as archive:
            made = sum(name.endswith(".pdf") for name in archive.namelist())
        print(f"whole bundle with PDF copies (LibreOffice): {pdf_time * 1000:8.1f} ms  ({len(pdf_data) // 1024} KiB, "
              f"{made} PDF copies{'' if made else ': LibreOffice failed or timed out, see the log'})")
    else:
        print("whole bundle with PDF copies: not measured (LibreOffice is not installed)")
    return 0 if naive / fast >= 3 and bundle_time < 3 else 1


if __name__ == "__main__":
    sys.exit(main())
