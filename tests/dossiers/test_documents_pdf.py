"""PDF copies where LibreOffice is installed (issue 16): each .docx gets a .pdf beside it, made by soffice, never
hand-drawn; without LibreOffice nothing is added and the case page says so."""

from __future__ import annotations

import pathlib
import sys

from tests.helpers.services import needs_libreoffice
from xborder.dossiers import documents
from xborder.dossiers.documents import pdf

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "bench"))


def _snapshot() -> dict:
    from dossier import large_snapshot

    return {**large_snapshot(1, 3), "stage_date": "2026-12-06"}


@needs_libreoffice
def test_each_document_gets_a_pdf_beside_it(monkeypatch, tmp_path):
    monkeypatch.setenv("XBORDER_PDF_COPIES", "auto")
    pdf.soffice.cache_clear()
    try:
        out = documents.render_stage(1, _snapshot())
    finally:
        pdf.soffice.cache_clear()
    (tmp_path / "report.pdf").write_bytes(out["documents/01-数据出境风险自评估报告.pdf"])
    docx = sorted(p for p in out if p.endswith(".docx"))
    pdfs = sorted(p for p in out if p.endswith(".pdf"))
    assert [p.removesuffix(".pdf") for p in pdfs] == [p.removesuffix(".docx") for p in docx]
    assert all(out[p].startswith(b"%PDF-") for p in pdfs)


def test_without_libreoffice_the_documents_are_complete_without_pdfs(monkeypatch):
    monkeypatch.setenv("XBORDER_PDF_COPIES", "off")
    pdf.soffice.cache_clear()
    try:
        assert not pdf.available()
        out = documents.render_stage(1, _snapshot())
        assert out and all(p.endswith(".docx") for p in out)
        assert pdf.convert(out) == {}
    finally:
        pdf.soffice.cache_clear()


def test_the_time_a_conversion_may_take_grows_with_the_documents(monkeypatch):
    monkeypatch.delenv("XBORDER_PDF_TIMEOUT", raising=False)
    assert pdf.timeout_for({"a.docx": b"x" * 40_000}) == pdf.TIMEOUT_SECONDS
    assert pdf.timeout_for({"a.docx": b"x" * 40_000, "b.docx": b"x" * 130_000}) == 4 * pdf.TIMEOUT_SECONDS
    monkeypatch.setenv("XBORDER_PDF_TIMEOUT", "30")
    assert pdf.timeout_for({"a.docx": b"x" * 60_000}) == 60
