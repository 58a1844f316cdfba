"""The demo's filed standard-contract case and approved security-assessment case: every document read back with
python-docx holds to its template's heading tree (forms/documents), to the templates' typography, and prints no
internal code (issue 16, acceptance 1)."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from docx import Document
from docx.enum.text import WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt

from xborder.dossiers import documents, stages

FILED_SC = "亚太区设备远程运维用户数据出境"
APPROVED_SA = "海外工厂生产运营数据（重要数据）出境"
SNAKE = re.compile(r"(?<![\w@.-])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?![\w-])")
DOTTED = re.compile(r"(?<![\w@.-])[a-z][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+(?![\w-])")
DIVISION = re.compile(r"(?<![\w-])\d{6}(?![\w-])")
EMAIL = re.compile(r"\S+@\S+")


@pytest.fixture
def demo_documents(db):
    """The .docx files of every signed stage of the two demo cases, by case title then bundle path."""
    from xborder.cases.models import Case
    from xborder.demo import seed_demo

    seed_demo()
    db.session.flush()
    out = {}
    for title in (FILED_SC, APPROVED_SA):
        case = db.session.scalar(sa.select(Case).where(Case.title == title))
        files, _ = stages.signed_material(stages.chain_of(case.id))
        out[title] = {path: data for path, data in files.items() if path.endswith(".docx")}
        assert out[title], title
    return out


def _spec_of(path: str) -> dict:
    name = path.rsplit("/", 1)[-1].removesuffix(".docx")
    layout = documents.layout(documents.made_on({"stage_date": "2026-12-06"}))
    return next(spec for spec in layout["documents"] if spec["filename"]["zh"] == name)


def _text(document: Document) -> str:
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(texts)


def _cm(*lengths) -> tuple[float, ...]:
    return tuple(round(length.cm, 2) for length in lengths)


def _headings(document: Document) -> list[tuple[int, str, object]]:
    out = []
    for para in document.paragraphs:
        level = para._p.pPr.find(qn("w:outlineLvl")) if para._p.pPr is not None else None
        if level is not None:
            out.append((int(level.get(qn("w:val"))) + 1, para.text, para))
    return out


def test_the_demo_cases_carry_the_templates_documents(demo_documents):
    names = {path.rsplit("/", 1)[-1] for path in demo_documents[FILED_SC]}
    assert {"01-个人信息出境标准合同备案材料.docx", "01-承诺书.docx", "01-标准合同附录.docx",
            "01-个人信息保护影响评估报告.docx", "01-经办人授权委托书.docx", "02-第三方评估意见.docx",
            "03-省级审查记录.docx"} <= names
    names = {path.rsplit("/", 1)[-1] for path in demo_documents[APPROVED_SA]}
    assert {"01-数据出境安全评估申报书.docx", "01-数据出境风险自评估报告.docx", "01-经办人授权委托书.docx",
            "02-第三方评估意见.docx", "03-省级审查记录.docx"} <= names


@pytest.mark.parametrize("title", [FILED_SC, APPROVED_SA])
def test_every_document_holds_to_its_templates_heading_tree(demo_documents, title):
    fonts = {1: "黑体", 2: "楷体", 3: "仿宋"}
    for path, data in demo_documents[title].items():
        document = Document(io.BytesIO(data))
        found = _headings(document)
        assert [(level, text) for level, text, _ in found] == documents.headings(_spec_of(path)), path
        for level, text, para in found:
            for run in para.runs:
                east = run._element.rPr.rFonts.get(qn("w:eastAsia"))
                assert east == fonts[level], (path, text, east)
                assert bool(run.bold) == (level > 1), (path, text)


def test_the_self_assessment_and_pia_follow_the_official_headings(demo_documents):
    report = next(d for p, d in demo_documents[APPROVED_SA].items() if p.endswith("01-数据出境风险自评估报告.docx"))
    tree = [text for _, text, _ in _headings(Document(io.BytesIO(report)))]
    for heading in ("一、自评估工作情况", "二、出境活动整体情况", "（一）数据处理者基本情况", "（二）拟出境数据情况",
                    "（三）数据处理者数据安全保障能力情况", "（四）境外接收方情况",
                    "（五）法律文件约定数据安全保护责任义务的情况", "（六）数据处理者认为需要说明的其他情况",
                    "三、出境活动的风险自评估情况及结论"):
        assert heading in tree
    assert tree.index("一、自评估工作情况") < tree.index("（六）数据处理者认为需要说明的其他情况") < tree.index(
        "三、出境活动的风险自评估情况及结论")
    pia = next(d for p, d in demo_documents[FILED_SC].items() if p.endswith("01-个人信息保护影响评估报告.docx"))
    tree = [text for _, text, _ in _headings(Document(io.BytesIO(pia)))]
    assert tree[:2] == ["一、出境活动整体情况", "（一）个人信息处理者基本情况"]
    assert {"（二）境外接收方情况", "（三）个人信息处理者认为需要说明的其他情况",
            "二、拟出境活动的影响评估情况及结论"} <= set(tree)


@pytest.mark.parametrize("title", [FILED_SC, APPROVED_SA])
def test_the_typography_is_the_templates(demo_documents, title):
    indented = 0
    for path, data in demo_documents[title].items():
        document = Document(io.BytesIO(data))
        section = document.sections[0]
        # Word stores lengths in twentieths of a point: within 0.01 cm is exact.
        assert _cm(section.page_width, section.page_height) == (21.0, 29.7), path
        assert _cm(section.top_margin, section.bottom_margin) == (2.54, 2.54), path
        assert _cm(section.left_margin, section.right_margin) == (3.18, 3.18), path
        normal = document.styles["Normal"]
        assert normal.font.size == Pt(14)
        assert normal.paragraph_format.line_spacing == Pt(26)
        assert normal.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
        rfonts = normal.element.rPr.rFonts
        assert (rfonts.get(qn("w:ascii")), rfonts.get(qn("w:hAnsi")), rfonts.get(qn("w:eastAsia"))) == (
            "Times New Roman", "Times New Roman", "仿宋")
        body = [p for p in document.paragraphs if p.text.strip() and p.paragraph_format.first_line_indent]
        indented += len(body)
        for para in body:
            assert para.paragraph_format.first_line_indent == Pt(28), (path, para.text)
            assert para._p.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"
            assert para.paragraph_format.line_spacing in (None, Pt(26)), (path, para.text)
        for rfont in document.element.body.iter(qn("w:rFonts")):
            assert rfont.get(qn("w:ascii")) == rfont.get(qn("w:hAnsi")) == "Times New Roman", path
    assert indented > 10  # the reports' prose is there, and indented


@pytest.mark.parametrize("title", [FILED_SC, APPROVED_SA])
def test_no_internal_code_is_printed(demo_documents, title):
    for path, data in demo_documents[title].items():
        text = EMAIL.sub(" ", _text(Document(io.BytesIO(data))))
        assert SNAKE.findall(text) == [], path
        assert DOTTED.findall(text) == [], path
        assert DIVISION.findall(text) == [], path
        # (the province code may appear inside the case reference, XB-310000-…, which is a number, not a code)
        for code in ("manufacturing", "production_data", "所在省份\n310000", " SG ", " JP ", "standard_contract"):
            assert code not in text, (path, code)
        assert text.count("总体风险等级") <= 1, path


def test_names_replace_the_codes(demo_documents):
    sa_text = "\n".join(_text(Document(io.BytesIO(d))) for d in demo_documents[APPROVED_SA].values())
    for name in ("上海市", "制造业", "生产运营数据", "联系方式", "日本", "申报数据出境安全评估"):
        assert name in sa_text, name
    sc_text = "\n".join(_text(Document(io.BytesIO(d))) for d in demo_documents[FILED_SC].values())
    assert "新加坡" in sc_text and "设备信息" in sc_text


def test_appendix_one_is_filled_from_the_case_and_names_the_official_text(demo_documents):
    data = next(d for p, d in demo_documents[FILED_SC].items() if p.endswith("01-标准合同附录.docx"))
    document = Document(io.BytesIO(data))
    text = _text(document)
    assert "《个人信息出境标准合同》（《个人信息出境标准合同办法》附件）" in text
    for label in ("（一）处理目的", "（三）出境个人信息的规模（人数）", "（四）出境个人信息种类",
                  "（五）出境敏感个人信息种类", "（六）境外接收方只向以下中华人民共和国境外第三方提供个人信息",
                  "（七）传输方式", "（八）出境后保存期限", "（九）出境后保存地点"):
        assert label in text, label
    assert "亚太区设备远程运维" in text and "120,000" in text and "Demo Service Asia Pte. Ltd.（新加坡）" in text
    # The contract's body (the regulator's fixed text) is not reproduced: no 第一条 of it.
    assert "第一条 定义" not in text


def test_the_opinion_cites_its_own_pathway_and_records_the_rectification(demo_documents):
    sc = next(d for p, d in demo_documents[FILED_SC].items() if p.endswith("02-第三方评估意见.docx"))
    text = _text(Document(io.BytesIO(sc)))
    assert "《个人信息出境标准合同办法》第五条" in text and "《数据出境安全评估办法》第五条" not in text
    assert "请补充境外接收方的数据安全承诺书及个人信息保护认证计划。" in text and "PIA-3" in text
    approved = next(d for p, d in demo_documents[APPROVED_SA].items() if p.endswith("02-第三方评估意见.docx"))
    text = _text(Document(io.BytesIO(approved)))
    assert "《数据出境安全评估办法》第五条" in text and "本案评估过程中未要求整改。" in text


def test_the_demo_profile_reaches_the_declaration_form(demo_documents):
    data = next(d for p, d in demo_documents[APPROVED_SA].items() if p.endswith("01-数据出境安全评估申报书.docx"))
    text = _text(Document(io.BytesIO(data)))
    for fact in ("上海市浦东新区张江高科技园区演示路88号", "陈立", "刘洋", "信息安全部", "王敏"):
        assert fact in text, fact
    assert "（未填写）" not in text


@pytest.mark.parametrize("title", [FILED_SC, APPROVED_SA])
def test_a_question_is_not_followed_by_a_colon(demo_documents, title):
    for path, data in demo_documents[title].items():
        text = _text(Document(io.BytesIO(data)))
        assert "？：" not in text and "?:" not in text, path
