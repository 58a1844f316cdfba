"""Each document's heading tree beside its template's (issue 16, acceptance 5).

usage: .venv/bin/python bench/headings.py BUNDLE.zip [...]
       .venv/bin/python bench/headings.py --demo [--out DIR]

For every .docx of a built bundle (or, with --demo, of the demo's filed standard-contract case and approved
security-assessment case, seeded into a throwaway SQLite database), the headings read back with python-docx (level
from the paragraph's outline level, text) are printed beside the heading tree of its template in forms/documents;
a line whose level or text differs is marked `✗`, a matching one `✓`. --out writes the documents there too (to
render them). Exit status 1 when any document differs from its template.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import itertools
import os
import pathlib
import sys
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from docx import Document  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402

DEMO_CASES = ("亚太区设备远程运维用户数据出境", "海外工厂生产运营数据（重要数据）出境")
WIDTH = 58


def read_headings(data: bytes) -> list[tuple[int, str]]:
    """A .docx's headings as (level, text): paragraphs with an outline level, as Word's navigation pane shows."""
    out = []
    for para in Document(io.BytesIO(data)).paragraphs:
        level = para._p.pPr.find(qn("w:outlineLvl")) if para._p.pPr is not None else None
        if level is not None:
            out.append((int(level.get(qn("w:val"))) + 1, para.text))
    return out


def template_headings(path: str, on: dt.date) -> tuple[str, list[tuple[int, str]]] | None:
    """The id and heading tree of the template (the layout in force on `on`) a bundle path was made from, or None
    for a file of no template."""
    from xborder.dossiers import documents

    name = path.rsplit("/", 1)[-1].removesuffix(".docx")
    layout = documents.layout(on)
    for spec in layout["documents"]:
        if spec["filename"]["zh"] == name:
            return f"{spec['id']}, forms/documents/{layout['effective_from']}.yaml", documents.headings(spec)
    return None


def _cut(text: str, width: int) -> str:
    """Text cut and padded to a display width (CJK characters count two)."""
    out, used = "", 0
    for char in text:
        w = 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used + w > width - 1:
            out += "…"
            used += 1
            break
        out, used = out + char, used + w
    return out + " " * (width - used)


def compare(path: str, data: bytes, on: dt.date) -> tuple[list[str], bool]:
    """The side-by-side lines for one document and whether it matches its template."""
    found = read_headings(data)
    template = template_headings(path, on)
    if template is None:
        return [f"{path}: no template in forms/documents"], False
    spec_id, expected = template
    lines = [f"{path}  (template {spec_id})",
             f"    {_cut('document (python-docx)', WIDTH)} | template (forms/documents)"]
    same = True
    for got, want in itertools.zip_longest(found, expected):
        ok = got == want
        same &= ok
        left = f"L{got[0]} {got[1]}" if got else "—"
        right = f"L{want[0]} {want[1]}" if want else "—"
        lines.append(f"  {'✓' if ok else '✗'} {_cut(left, WIDTH)} | {right}")
    lines.append(f"  {'matches' if same else 'DIFFERS'}: {len(found)} headings, template {len(expected)}")
    return lines, same


def bundle_documents(path: pathlib.Path) -> Iterator[tuple[str, bytes]]:
    """The .docx files of a bundle ZIP."""
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            if name.endswith(".docx"):
                yield name, archive.read(name)


def demo_documents() -> Iterator[tuple[str, str, bytes]]:
    """(case title, path, bytes) of every .docx of the demo's two cases, seeded into a throwaway database."""
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="xborder-headings-"))
    os.environ.update(DATABASE_URL=f"sqlite:///{tmp / 'demo.sqlite3'}", XBORDER_INSTANCE_PATH=str(tmp / "instance"),
                      XBORDER_SECRET_KEY="h" * 32, XBORDER_KEY_PASSPHRASE="h" * 32, XBORDER_PDF_COPIES="off")
    os.environ.pop("REDIS_URL", None)
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from xborder import create_app
    from xborder.cases.models import Case
    from xborder.demo import seed_demo
    from xborder.dossiers import stages
    from xborder.extensions import db

    app = create_app()
    with app.app_context():
        upgrade(revision="heads")
        seed_demo()
        db.session.commit()
        for title in DEMO_CASES:
            case = db.session.scalar(sa.select(Case).where(Case.title == title))
            files, _ = stages.signed_material(stages.chain_of(case.id))
            for path in sorted(files):
                if path.endswith(".docx"):
                    yield title, path, files[path]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundles", nargs="*", type=pathlib.Path)
    parser.add_argument("--demo", action="store_true", help="the demo's filed SC case and approved SA case")
    parser.add_argument("--on", type=dt.date.fromisoformat, default=dt.date.today(),
                        help="the templates in force on this date (default today, as documents signed today)")
    parser.add_argument("--out", type=pathlib.Path, help="also write the documents into this directory")
    args = parser.parse_args()
    if not args.bundles and not args.demo:
        parser.error("give bundle ZIPs or --demo")
    docs: list[tuple[str, str, bytes]] = [(str(b), p, d) for b in args.bundles for p, d in bundle_documents(b)]
    if args.demo:
        docs += list(demo_documents())
    all_same, groups = True, {}
    for source, path, data in docs:
        groups.setdefault(source, []).append((path, data))
    for source, items in groups.items():
        print(f"== {source}")
        for path, data in items:
            lines, same = compare(path, data, args.on)
            all_same &= same
            print("\n".join(lines) + "\n")
            if args.out:
                case = DEMO_CASES.index(source) if source in DEMO_CASES else 0
                target = args.out / f"{case}-{path.replace('/', '_')}"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
    return 0 if all_same else 1


if __name__ == "__main__":
    sys.exit(main())
