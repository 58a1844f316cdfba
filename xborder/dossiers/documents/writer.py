"""python-docx with the templates' Chinese typography: A4, margins 2.54 cm top and bottom and 3.18 cm left and
right, body 四号 仿宋 at a fixed 26 pt line with a two-character first-line indent, headings 黑体 / 楷体 bold /
仿宋 bold by level,
digits and Latin letters in Times New Roman (w:rFonts ascii/hAnsi) — all read from the layout's `typography` and
`fonts` — a cover page, PAGE-field page numbers, and tables written as one XML fragment whose header row repeats.

Why tables are XML: python-docx's `add_row()` copies and re-walks the table for each row and `cell.text` rebuilds
the cell's runs; for an inventory of thousands of rows that dominates the document's time (see bench/dossier.py).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt

FONT_SIZES = {"title": 22, "cover": 16, "heading": 14, "body": 14, "table": 10.5}  # 二号/三号/四号/四号/五号, points
# The templates' rule 4 ([TPL-SA] 说明 4); a layout's `typography` overrides these.
TYPOGRAPHY = {"page": {"width_cm": 21.0, "height_cm": 29.7},
              "margins_cm": {"top": 2.54, "bottom": 2.54, "left": 3.18, "right": 3.18},
              "body_pt": 14, "line_pt": 26, "first_line_chars": 2, "heading_pt": 14, "title_pt": 22, "table_pt": 10.5}


class Writer:
    """One document being written, with the fonts of its layout."""

    def __init__(self, fonts: Mapping[str, str], typography: Mapping[str, object] | None = None) -> None:
        self.fonts = {"heading2": fonts.get("heading", "黑体"), "heading3": fonts.get("body", "仿宋"), **fonts}
        self.type = {**TYPOGRAPHY, **(typography or {})}
        self.sizes = {**FONT_SIZES, "body": self.type["body_pt"], "heading": self.type["heading_pt"],
                      "title": self.type["title_pt"], "table": self.type["table_pt"]}
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
        normal.font.size = Pt(self.sizes["body"])
        # Fixed line spacing for every paragraph (固定值 26 磅); tables and the cover's title override it.
        normal.paragraph_format.line_spacing = Pt(self.type["line_pt"])
        normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        normal.paragraph_format.space_before = Pt(0)
        normal.paragraph_format.space_after = Pt(0)
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
        page, margins = self.type["page"], self.type["margins_cm"]
        section.page_width, section.page_height = Cm(page["width_cm"]), Cm(page["height_cm"])  # A4
        section.top_margin, section.bottom_margin = Cm(margins["top"]), Cm(margins["bottom"])
        section.left_margin, section.right_margin = Cm(margins["left"]), Cm(margins["right"])

    def paragraph(self, text: str, *, font: str | None = None, size: float | None = None, bold: bool = False,
                  center: bool = False, indent: bool = True, right: bool = False):
        """A paragraph of body text (first line indented two characters, as Chinese prose is)."""
        para = self.doc.add_paragraph()
        size = size or self.sizes["body"]
        if center:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif right:
            para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif indent:
            para.paragraph_format.first_line_indent = Pt(self.type["first_line_chars"] * size)
            # Also in characters (w:firstLineChars, hundredths), so Word keeps two characters if the size changes.
            para.paragraph_format.element.get_or_add_pPr().find(qn("w:ind")).set(
                qn("w:firstLineChars"), str(int(self.type["first_line_chars"] * 100)))
        if size > self.type["line_pt"] - 2:
            # A line taller than the fixed 26 pt (the cover's title) would be clipped: give it room.
            para.paragraph_format.line_spacing = Pt(size * 1.5)
        for number, line in enumerate(text.split("\n")):
            run = para.add_run(line)
            if number:
                run.add_break()
            self._fonts_on(run, font or self.fonts["body"], size, bold=bold)
        return para

    def heading(self, text: str, level: int = 1) -> None:
        """A heading of the templates: level 1 黑体, level 2 楷体 bold, level 3 仿宋 bold; kept with what follows.
        Levels 1 and 2 are Word outline levels 0 and 1 too, so the navigation pane shows the template's tree."""
        font = {1: self.fonts["heading"], 2: self.fonts["heading2"]}.get(level, self.fonts["heading3"])
        para = self.paragraph(text, font=font, size=self.sizes["heading"], bold=level > 1, indent=level > 1)
        para.paragraph_format.keep_with_next = True
        outline = parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="{min(level, 9) - 1}"/>')
        para.paragraph_format.element.get_or_add_pPr().append(outline)

    def signature(self, lines: Sequence[str]) -> None:
        """The seal, signature and date lines, right-aligned after a blank line."""
        self.doc.add_paragraph()
        for line in lines:
            self.paragraph(line, right=True)

    def bullet_list(self, items: Sequence[str]) -> None:
        """Numbered items, one paragraph each."""
        for number, item in enumerate(items, start=1):
            self.paragraph(f"{number}. {item}")

    # --- cover and page numbers ------------------------------------------------------------------------------

    def cover(self, title: str, lines: Sequence[tuple[str, str]], note: str) -> None:
        """A cover page (no page number on it) with the title and the identifying lines, then a page break."""
        for _ in range(5):
            self.doc.add_paragraph()
        self.paragraph(title, font=self.fonts["heading"], size=self.sizes["title"], center=True)
        for _ in range(4):
            self.doc.add_paragraph()
        for label, value in lines:
            self.paragraph(f"{label}：{value}", size=self.sizes["body"], center=True)
        self.doc.add_paragraph()
        self.paragraph(note, size=self.sizes["table"], center=True)
        self.doc.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
        self._page_numbers()

    def _page_numbers(self) -> None:
        section = self.doc.sections[0]
        section.different_first_page_header_footer = True  # the cover carries no number
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = footer.add_run("— ")
        self._fonts_on(run, self.fonts["body"], self.sizes["table"])
        fld = (f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>'
               f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
               f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>'
               f'<w:r {nsdecls("w")}><w:t>1</w:t></w:r>'
               f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>')
        for element in parse_xml(f'<w:p {nsdecls("w")}>{fld}</w:p>'):
            footer._p.append(element)
        run = footer.add_run(" —")
        self._fonts_on(run, self.fonts["body"], self.sizes["table"])

    # --- tables ----------------------------------------------------------------------------------------------

    def _cell(self, text: str, width: int, *, header: bool) -> str:
        font = self.fonts["heading"] if header else self.fonts["table"]
        size = int(self.sizes["table"] * 2)
        runs = []
        for number, line in enumerate(str(text).split("\n")):
            brk = "<w:br/>" if number else ""
            runs.append(
                f'<w:r><w:rPr><w:rFonts w:ascii="{self.fonts["latin"]}" w:hAnsi="{self.fonts["latin"]}" '
                f'w:eastAsia="{font}"/>{"<w:b/>" if header else ""}<w:sz w:val="{size}"/>'
                f'<w:szCs w:val="{size}"/></w:rPr>{brk}<w:t xml:space="preserve">{escape(line)}</w:t></w:r>')
        shade = '<w:shd w:val="clear" w:color="auto" w:fill="D9D9D9"/>' if header else ""
        return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shade}</w:tcPr>'
                f'<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="300" w:lineRule="auto"/></w:pPr>'
                f'{"".join(runs)}</w:p></w:tc>')

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

