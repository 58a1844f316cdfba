"""The demo's submitted cases carry their transfer details (issue 16): the enterprise's stage-1 documents of the
filed standard-contract case and the approved security-assessment case print the data items, the export link and
the appendix's transfer method and storage, and nothing as （未填写）."""

from __future__ import annotations

import io

import sqlalchemy as sa
from docx import Document

from xborder.dossiers import stages

FILED_SC = "亚太区设备远程运维用户数据出境"
APPROVED_SA = "海外工厂生产运营数据（重要数据）出境"


def _texts(db, title: str) -> dict[str, str]:
    from xborder.cases.models import Case

    case = db.session.scalar(sa.select(Case).where(Case.title == title))
    files, _ = stages.signed_material(stages.chain_of(case.id))
    out = {}
    for path, data in files.items():
        if path.startswith("documents/01-") and path.endswith(".docx"):
            document = Document(io.BytesIO(data))
            out[path] = "\n".join([p.text for p in document.paragraphs] + [
                c.text for t in document.tables for r in t.rows for c in r.cells])
    return out


def test_the_demo_documents_carry_the_transfer_details(db):
    from xborder.demo import seed_demo

    seed_demo()
    db.session.flush()
    sa_docs, sc_docs = _texts(db, APPROVED_SA), _texts(db, FILED_SC)
    for path, text in {**sa_docs, **sc_docs}.items():
        assert "（未填写）" not in text, path
    report = sa_docs["documents/01-数据出境风险自评估报告.docx"]
    assert "生产批次" in report and "海外工厂排产同步所必需" in report
    assert "gw.sh-demo.cn（203.0.113.10）" in report and "IPsec 专线" in report
    appendix = sc_docs["documents/01-标准合同附录.docx"]
    assert "IPsec 专线，HTTPS（TLS 1.3）接口" in appendix and "自出境之日起三年，期满删除" in appendix
