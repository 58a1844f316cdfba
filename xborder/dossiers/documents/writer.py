"""python-docx with Chinese typography: East Asian fonts on every run, a cover page, PAGE-field page numbers, and
tables written as one XML fragment whose header row repeats on every page.

Why tables are XML: python-docx's `add_row()` copies and re-walks the table for each row and `cell.text` rebuilds
the cell's runs; for an inventory of thousands of rows that dominates the document's time (see bench/dossier.py).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt

FONT_SIZES = {"title": 26, "cover": 16, "heading": 16, "body": 14, "table": 10.5}  # 二号/三号/四号/五号, in points


class Writer:
    """One document being written, with the fonts of its layout."""

    def __init__(self, fonts: Mapping[str, str]) -> None:
        self.fonts = dict(fonts)
        self.doc = Document()
        self._set_defaults()

    # --- runs and paragraphs --------------------------------------------------------------------------------

    def _fonts_on(self, run, east_asian: str, size: float, *, bold: bool = False) -> None:
        run.font.size = Pt(size)
        run.font.bold = bold or None
        fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:ascii"), self.fonts["latin"])
        fonts.set(qn("w:hAnsi"), self.fonts["latin"])
        fonts.set(qn("w:eastAsia"), east_asian)

    def _set_defaults(self) -> None:
        normal = self.doc.styles["Normal"]
        normal.font.size = Pt(FONT_SIZES["body"])
        fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:ascii"), self.fonts["latin"])
        fonts.set(qn("w:hAnsi"), self.fonts["latin"])
        fonts.set(qn("w:eastAsia"), self.fonts["body"])
        # East Asian language tag, so Word picks Chinese line-breaking rules and punctuation.
        lang = normal.element.get_or_add_rPr().find(qn("w:lang"))
        if lang is None:
            lang = parse_xml(f'<w:lang {nsdecls("w")} w:eastAsia="zh-CN"/>')
            normal.element.get_or_add_rPr().append(lang)
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4, as GB/T 9704 asks
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    def paragraph(self, text: str, *, font: str | None = None, size: float | None = None, bold: bool = False,
                  center: bool = False, indent: bool = True):
        """A paragraph of body text (first line indented two characters, as Chinese prose is)."""
        para = self.doc.add_paragraph()
        if center:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif indent:
            para.paragraph_format.first_line_indent = Pt(2 * (size or FONT_SIZES["body"]))
        for number, line in enumerate(text.split("\n")):
            run = para.add_run(line)
            if number:
                run.add_break()
            self._fonts_on(run, font or self.fonts["body"], size or FONT_SIZES["body"], bold=bold)
        return para

    def heading(self, text: str) -> None:
        """A section heading in 黑体, kept with the text that follows."""
        para = self.paragraph(text, font=self.fonts["heading"], size=FONT_SIZES["heading"], indent=False)
        para.paragraph_format.keep_with_next = True
        para.paragraph_format.space_before = Pt(12)

    def bullet_list(self, items: Sequence[str]) -> None:
        """Numbered items, one paragraph each."""
        for number, item in enumerate(items, start=1):
            self.paragraph(f"{number}. {item}")

    # --- cover and page numbers ------------------------------------------------------------------------------

    def cover(self, title: str, lines: Sequence[tuple[str, str]], note: str) -> None:
        """A cover page (no page number on it) with the title and the identifying lines, then a page break."""
        for _ in range(5):
            self.doc.add_paragraph()
        self.paragraph(title, font=self.fonts["heading"], size=FONT_SIZES["title"], center=True)
        for _ in range(4):
            self.doc.add_paragraph()
        for label, value in lines:
            self.paragraph(f"{label}：{value}", size=FONT_SIZES["cover"], center=True)
        self.doc.add_paragraph()
        self.paragraph(note, size=FONT_SIZES["table"], center=True)
        self.doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
        self._page_numbers()

    def _page_numbers(self) -> None:
        section = self.doc.sections[0]
        section.different_first_page_header_footer = True  # the cover carries no number
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = footer.add_run("— ")
        self._fonts_on(run, self.fonts["body"], FONT_SIZES["table"])
        fld = (f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>'
               f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
               f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>'
               f'<w:r {nsdecls("w")}><w:t>1</w:t></w:r>'
               f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>')
        for element in parse_xml(f'<w:p {nsdecls("w")}>{fld}</w:p>'):
            footer._p.append(element)
        run = footer.add_run(" —")
        self._fonts_on(run, self.fonts["body"], FONT_SIZES["table"])

    # --- tables ----------------------------------------------------------------------------------------------

    def _cell(self, text: str, width: int, *, header: bool) -> str:
        font = self.fonts["heading"] if header else self.fonts["table"]
        size = int(FONT_SIZES["table"] * 2)
        runs = []
        for number, line in enumerate(str(text).split("\n")):
            brk = "<w:br/>" if number else ""
            runs.append(
                f'<w:r><w:rPr><w:rFonts w:ascii="{self.fonts["latin"]}" w:hAnsi="{self.fonts["latin"]}" '
                f'w:eastAsia="{font}"/>{"<w:b/>" if header else ""}<w:sz w:val="{size}"/>'
                f'<w:szCs w:val="{size}"/></w:rPr>{brk}<w:t xml:space="preserve">{escape(line)}</w:t></w:r>')
        shade = '<w:shd w:val="clear" w:color="auto" w:fill="D9D9D9"/>' if header else ""
        return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shade}</w:tcPr>'
                f'<w:p><w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr>{"".join(runs)}</w:p></w:tc>')

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]) -> None:
        """A bordered table, built as one XML fragment; the header row repeats across pages (w:tblHeader)."""
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
        parts = [f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="TableGrid"/>'
                 f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
                 '<w:tblBorders>' + "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                                           for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
                 + f'</w:tblBorders><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>']
        parts.append('<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>'
                     + "".join(self._cell(h, w, header=True) for h, w in zip(headers, widths, strict=True))
                     + "</w:tr>")
        for row in rows:
            parts.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>"
                         + "".join(self._cell(v, w, header=False) for v, w in zip(row, widths, strict=True))
                         + "</w:tr>")
        parts.append("</w:tbl>")
        body = self.doc.element.body
        body.insert(len(body) - 1, parse_xml("".join(parts)))  # before the final sectPr
        self.doc.add_paragraph()

    def save(self) -> bytes:
        """The .docx bytes."""
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()

