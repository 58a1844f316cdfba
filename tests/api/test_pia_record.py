"""The enterprise's PIA record (issue 15): an exempt case that carries PI keeps the PIA duty (pipl art 55(4), art 56;
cbdf-2024 art 10); the enterprise records it on the case, the retention date follows forms/, and the record comes
back as the 个人信息保护影响评估报告（出境版） document."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from docx.oxml.ns import qn

from tests.helpers.api import ENTERPRISE_USCC, act, case_as
from tests.helpers.factories import auth, declaration
from xborder.core.audit import AuditEntry
from xborder.core.timeutil import china_today
from xborder.dossiers import documents
from xborder.dossiers.pia_record import layout_spec


def _exempt_case(client, roles, pi=80_000):
    case = client.post("/api/v1/cases", headers=auth(roles["enterprise"]),
                       json={"title": "豁免出境", "declaration": declaration(ENTERPRISE_USCC, pi=pi)}).json
    assert case["determination"]["pathway"] == "exempt", case["determination"]
    return case


def _record(client, token, case_id, **fields):
    body = {"completed_on": "2024-02-29", "carried_out_by": "third_party", "third_party_name": "某某咨询有限公司",
            "conclusion": "出境风险可控，保护措施有效。", **fields}
    return client.post(f"/api/v1/cases/{case_id}/pia-record", headers=auth(token), json=body)


def test_exempt_case_with_pi_records_its_pia_and_keeps_it_three_years(client, roles, db):
    case = _exempt_case(client, roles)
    assert case["pia_required"] is True and case["pia"] is None
    assert "pi_impact_assessment" in {o["code"] for o in case["obligations"]}
    case = act(client, roles["enterprise"], case, "record_exemption").json
    assert case["status"] == "exempt_recorded"
    response = _record(client, roles["enterprise"], case["id"])
    assert response.status_code == 200, response.json
    pia = response.json["pia"]
    # 29 February plus three years: no such day, the period ends on the month's last day (Civil Code art 202).
    assert (pia["completed_on"], pia["retain_until"], pia["retention_years"]) == ("2024-02-29", "2027-02-28", 3)
    assert pia["retention_basis"] == ["《个人信息保护法》第五十六条"]
    assert case_as(client, roles["enterprise"], case["id"])["pia"]["retain_until"] == "2027-02-28"
    entry = db.session.query(AuditEntry).filter_by(case_id=case["id"], action="pia.recorded").one()
    assert entry.payload["retain_until"] == "2027-02-28"
    again = _record(client, roles["enterprise"], case["id"], completed_on="2025-06-30", carried_out_by="internal")
    assert again.json["pia"]["retain_until"] == "2028-06-30" and again.json["pia"]["third_party_name"] is None


@pytest.mark.parametrize(("fields", "path"), [
    ({"completed_on": (china_today() + dt.timedelta(days=1)).isoformat()}, "completed_on"),
    ({"completed_on": "2024-02-30"}, "completed_on"),
    ({"carried_out_by": "someone"}, "carried_out_by"),
    ({"third_party_name": ""}, "third_party_name"),
    ({"conclusion": "  "}, "conclusion"),
    ({"conclusion": {"text": "风险可控"}}, "conclusion"),
])
def test_a_bad_record_is_refused_field_by_field_and_changes_nothing(client, roles, fields, path):
    case = _exempt_case(client, roles)
    response = _record(client, roles["enterprise"], case["id"], **fields)
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert [e["path"] for e in response.json["errors"]] == [path]
    assert all(e["message_zh"] and e["message_en"] for e in response.json["errors"])
    after = case_as(client, roles["enterprise"], case["id"])
    assert after["pia"] is None and after["version"] == case["version"]


def test_another_organisation_sees_neither_the_record_nor_its_document(client, roles, factory):
    case = _exempt_case(client, roles)
    assert _record(client, roles["enterprise"], case["id"]).status_code == 200
    stranger = factory.token(factory.user(organisation=factory.organisation()))
    assert _record(client, stranger, case["id"]).status_code == 404
    assert client.get(f"/api/v1/cases/{case['id']}/pia-record.docx", headers=auth(stranger)).status_code == 404
    assert client.get(f"/api/v1/cases/{case['id']}", headers=auth(stranger)).status_code == 404


def test_the_record_reads_back_as_the_pia_report_with_its_dates(client, roles):
    case = _exempt_case(client, roles)
    assert client.get(f"/api/v1/cases/{case['id']}/pia-record.docx",
                      headers=auth(roles["enterprise"])).status_code == 404  # nothing recorded yet
    _record(client, roles["enterprise"], case["id"])
    response = client.get(f"/api/v1/cases/{case['id']}/pia-record.docx", headers=auth(roles["enterprise"]))
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert "attachment" in response.headers["Content-Disposition"]
    document = docx.Document(io.BytesIO(response.data))
    # The headings are the template's tree (Word outline levels), in the templates' typography.
    shown = [(int(level.get(qn("w:val"))) + 1, p.text, p) for p in document.paragraphs if p._p.pPr is not None
             for level in [p._p.pPr.find(qn("w:outlineLvl"))] if level is not None]
    assert [(level, text) for level, text, _ in shown] == documents.headings(layout_spec(china_today()))
    fonts = {1: "黑体", 2: "楷体", 3: "仿宋"}
    assert all(run._element.rPr.rFonts.get(qn("w:eastAsia")) == fonts[level]
               for level, _, para in shown for run in para.runs)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "个人信息保护影响评估报告（出境版）" in text
    assert "评估完成日期：2024-02-29" in text
    assert "保存期限至：2027-02-28（《个人信息保护法》第五十六条：至少保存3年）" in text
    assert "评估实施方：委托第三方机构（某某咨询有限公司）" in text
    assert "未经电子签名" in text and "电子签名（CMS）签署" not in text
    assert "出境风险可控" in "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells) + text
    assert "pi_impact_assessment" not in text and "exempt" not in text


def test_an_exempt_case_without_pi_has_no_pia_to_record(client, roles):
    case = _exempt_case(client, roles, pi=0)
    assert case["pia_required"] is False
    response = _record(client, roles["enterprise"], case["id"])
    assert response.status_code == 422 and response.json["errors"][0]["path"] == "case"
