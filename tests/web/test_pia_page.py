"""The case page's PIA record (issue 15): an exempt case that carries PI offers the form and, once recorded, shows the
retention date and the document; an exempt case without PI offers neither."""

from __future__ import annotations

import datetime as dt
import io
import re

import docx

from xborder.core.timeutil import china_today


def _form_token(html: str) -> str:
    form = html[html.index('id="pia-form"'):]
    return re.search(r'name="csrf_token" value="([^"]+)"', form)[1]


def _post(people, case, **fields):
    page = people.enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    data = {"completed_on": "2024-02-29", "carried_out_by": "internal", "third_party_name": "",
            "conclusion": "风险可控。", "csrf_token": _form_token(page), **fields}
    return people.enterprise.post(f"/cases/{case.id}/pia-record", data=data)


def test_exempt_case_with_pi_records_its_pia_on_the_page(people, db):
    case = people.case(pi=80_000)
    assert case.pathway == "exempt"
    people.act(case, people.enterprise_user, "record_exemption")
    page = people.enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="pia-form"' in page and 'id="pia-download"' not in page
    response = _post(people, case)
    assert response.status_code == 302
    page = people.enterprise.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'id="pia-retain-until">2027-02-28 ', page)
    assert "《个人信息保护法》第五十六条" in page and "pi_impact_assessment" not in page
    download = people.enterprise.get(f"/cases/{case.id}/pia-record.docx")
    assert download.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(download.data)).paragraphs)
    assert "评估完成日期：2024-02-29" in text and "评估实施方：自行开展" in text


def test_a_future_date_is_refused_on_the_page_and_nothing_is_kept(people):
    case = people.case(pi=80_000)
    tomorrow = (china_today() + dt.timedelta(days=1)).isoformat()
    response = _post(people, case, completed_on=tomorrow)
    page = people.enterprise.get(response.headers["Location"]).get_data(as_text=True)
    assert "评估完成日期不能晚于今天" in page or "The completion date cannot be in the future" in page
    assert 'id="pia-record"' not in page
    assert people.enterprise.get(f"/cases/{case.id}/pia-record.docx").status_code == 404


def test_the_assessor_and_official_see_no_form(people):
    case = people.case(pi=80_000)
    assert people.assessor.get(f"/cases/{case.id}").status_code == 404  # a draft is the enterprise's alone
    assert people.assessor.post(f"/cases/{case.id}/pia-record", data={}).status_code in (400, 403, 404)


def test_an_exempt_case_without_pi_offers_no_pia(people):
    case = people.case(pi=0)
    assert case.pathway == "exempt"
    page = people.enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="pia"' not in page and "pia-record" not in page
