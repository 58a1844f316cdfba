"""Inventory import of 50,000 rows against openpyxl's own read of the same file (read-only mode), same run.

    .venv/bin/python bench/inventory.py [--rows 50000] [--repeat 3]

Uses $DATABASE_URL when set (PostgreSQL), else a temporary SQLite file. The import is what the job does: read every
cell, validate it, compare with the inventory, and write the rows in one transaction. The baseline reads the same
workbook with `openpyxl.load_workbook(read_only=True)` and iterates every row's values, doing nothing else.
Prints the best of `--repeat` runs of each, rows per second, and the ratio import/bare read (aim: ≤ 3).
"""

from __future__ import annotations

import argparse
import io
import os
import pathlib
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))


def bare_read(data: bytes) -> int:
    """openpyxl alone: open read-only and iterate every row of every sheet."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = 0
    for sheet in book.worksheets:
        for _ in sheet.iter_rows(values_only=True):
            rows += 1
    book.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import sqlalchemy as sa
    from flask_migrate import upgrade

    from tests.helpers.factories import make_uscc
    from tests.helpers.inventory import flows, workbook
    from xborder import create_app
    from xborder.accounts.models import Organisation
    from xborder.extensions import db
    from xborder.inventory import importing
    from xborder.inventory.models import MODELS, InventoryHead

    tmp = tempfile.mkdtemp(prefix="xborder-bench-inventory-")
    env = {"DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3",
           "XBORDER_INSTANCE_PATH": tmp, "XBORDER_SECRET_KEY": "bench-secret-key-0123456789abcdef",
           "XBORDER_KEY_PASSPHRASE": "bench-passphrase-0123456789"}
    app = create_app(env)
    data = workbook(flows(args.rows))
    print(f"file: {args.rows:,} flow rows + 3 rows in other sheets, {len(data) / 1e6:.1f} MB; "
          f"database: {env['DATABASE_URL'].split(':')[0]}")
    reads, imports = [], []
    with app.app_context():
        upgrade(revision="heads")
        for attempt in range(args.repeat):
            start = time.perf_counter()
            counted = bare_read(data)
            reads.append(time.perf_counter() - start)

            org = Organisation(kind="enterprise", name="基准测试企业", uscc=make_uscc(880_000 + attempt),
                               province="310000")
            db.session.add(org)
            db.session.commit()
            start = time.perf_counter()
            analysis = importing.import_files(org.id, [("bench.xlsx", data)])
            db.session.commit()
            imports.append(time.perf_counter() - start)
            assert not analysis.errors and analysis.upload.rows_read == counted - 3, analysis.errors[:3]
            for model in (*MODELS.values(), InventoryHead):
                db.session.execute(sa.delete(model).where(model.organisation_id == org.id))
            db.session.delete(org)
            db.session.commit()
    best_read, best_import = min(reads), min(imports)
    print(f"openpyxl read-only, bare read : {best_read:7.2f} s  {args.rows / best_read:10,.0f} rows/s")
    print(f"inventory import (validated, : {best_import:7.2f} s  {args.rows / best_import:10,.0f} rows/s")
    print("  diffed, written in one transaction)")
    print(f"ratio import / bare read     : {best_import / best_read:7.2f}  (aim ≤ 3)")


if __name__ == "__main__":
    main()
