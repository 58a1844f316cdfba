"""Earlier transfers made outside xborder, in the declaration wizard and the edit page: they count toward the
thresholds exactly as the engine counts them, bad rows come back with their messages, and edits keep them."""

from __future__ import annotations

import copy
import re

import pytest
import sqlalchemy as sa

from tests.helpers.web import csrf_token, wizard_data
from xborder.cases.models import Case
from xborder.law.declaration import validate_declaration
from xborder.law.pathway import determine_pathway

PRIOR = {"prior_transfers-0-date": "2025-02-10", "prior_transfers-0-pi_individuals": "30,000",
         "prior_transfers-0-sensitive_pi_individuals": "0", "prior_transfers-0-exemption": ""}


def _count_cases(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Case))


def test_wizard_shows_the_earlier_transfers_section_without_inline_code(people):
    html = people.enterprise.get("/cases/new").get_data(as_text=True)
    assert "此前已出境（未经本系统申报）" in html
    assert 'id="add-prior-transfer"' in html and 'id="prior-transfer-template"' in html
    # the exemptions the law defines, named as forms/reasons.yaml names them, or none
    template = html.split('id="prior-transfer-template"')[1]
    assert '<option value="">无</option>' in template
    assert '<option value="cross_border_hr">依法实施跨境人力资源管理确需提供员工个人信息</option>' in template


def test_declaring_with_an_earlier_transfer_gives_the_engines_determination(people, db):
    token = csrf_token(people.enterprise.get("/cases/new").get_data(as_text=True))
    response = people.enterprise.post("/cases/new", data=wizard_data(
        token, **{"transfers-0-pi_individuals": "80,000"}, **PRIOR))
    assert response.status_code == 302
    case = db.session.scalar(sa.select(Case).where(Case.title == "网页申报"))
    assert case.declaration["prior_transfers"] == [
        {"date": "2025-02-10", "pi_individuals": 30_000, "sensitive_pi_individuals": 0, "exemption": None}]
    expected = determine_pathway(validate_declaration(copy.deepcopy(case.declaration)))
    assert expected["pathway"] == "standard_contract_or_certification"
    assert expected["cumulative"]["pi_individuals"] == 110_000
    assert case.pathway == expected["pathway"]
    assert case.determination["cumulative"] == expected["cumulative"]
    assert case.determination["transfers"] == expected["transfers"]
    assert case.determination["counted"]["prior_transfers"] == expected["counted"]["prior_transfers"] == [0]


def test_without_the_earlier_transfer_the_same_facts_need_no_procedure(people, db):
    token = csrf_token(people.enterprise.get("/cases/new").get_data(as_text=True))
    response = people.enterprise.post("/cases/new", data=wizard_data(token, **{"transfers-0-pi_individuals": "80,000"}))
    assert response.status_code == 302
    case = db.session.scalar(sa.select(Case).where(Case.title == "网页申报"))
    assert case.declaration["prior_transfers"] == [] and case.pathway == "exempt"


def test_an_exempt_earlier_transfer_is_left_out_of_the_count(people, db):
    token = csrf_token(people.enterprise.get("/cases/new").get_data(as_text=True))
    people.enterprise.post("/cases/new", data=wizard_data(token, **{
        "transfers-0-pi_individuals": "80,000", **PRIOR, "prior_transfers-0-exemption": "cross_border_hr"}))
    case = db.session.scalar(sa.select(Case).where(Case.title == "网页申报"))
    assert case.declaration["prior_transfers"][0]["exemption"] == "cross_border_hr"
    expected = determine_pathway(validate_declaration(copy.deepcopy(case.declaration)))
    assert expected["cumulative"]["pi_individuals"] == 80_000 and expected["pathway"] == "exempt"
    assert (case.pathway, case.determination["cumulative"]) == (expected["pathway"], expected["cumulative"])


@pytest.mark.parametrize(("lang", "after_as_of", "negative"), [
    # Plain words on the page (issue 18), not the API's "as_of".
    ("zh_CN", "以往传输的日期不能晚于计划出境日期。", "人数不能小于 0。"),
    ("en", "An earlier transfer cannot be dated after the planned transfer date.", "Enter 0 or more persons."),
])
def test_an_invalid_earlier_transfer_comes_back_with_its_messages_and_nothing_is_created(
        people, db, lang, after_as_of, negative):
    people.enterprise.get(f"/lang/{lang}")
    token = csrf_token(people.enterprise.get("/cases/new").get_data(as_text=True))
    response = people.enterprise.post("/cases/new", data=wizard_data(token, **{
        **PRIOR, "prior_transfers-1-date": "2025-07-15", "prior_transfers-1-pi_individuals": "5,000",
        "prior_transfers-1-sensitive_pi_individuals": "-3", "prior_transfers-1-exemption": "emergency"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#prior_transfers-1-date"' in html and 'href="#prior_transfers-1-sensitive_pi_individuals"' in html
    assert f'<p class="error" id="prior_transfers-1-date-error">{after_as_of}</p>' in html
    assert f'<p class="error" id="prior_transfers-1-sensitive_pi_individuals-error">{negative}</p>' in html
    assert 'id="prior_transfers-0-date-error"' not in html
    # what was typed is shown again, the claimed exemption still chosen
    assert re.search(r'id="prior_transfers-1-date"[^>]*value="2025-07-15"', html)
    assert re.search(r'id="prior_transfers-1-sensitive_pi_individuals"[^>]*value="-3"', html)
    assert '<option selected value="emergency">' in html
    assert re.search(r'id="prior_transfers-0-pi_individuals"[^>]*value="30,000"', html)
    assert _count_cases(db) == 0


def test_a_missing_date_is_required_and_empty_rows_are_left_out(people, db):
    token = csrf_token(people.enterprise.get("/cases/new").get_data(as_text=True))
    blank = {f"prior_transfers-0-{name}": "" for name in ("date", "pi_individuals", "sensitive_pi_individuals",
                                                          "exemption")}
    response = people.enterprise.post("/cases/new", data=wizard_data(token, **blank, **{
        "prior_transfers-3-date": "", "prior_transfers-3-pi_individuals": "1,000"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and _count_cases(db) == 0
    # the empty row is gone and the other is row 0 now, with its message beside it
    assert 'name="prior_transfers-1-date"' not in html and 'name="prior_transfers-3-date"' not in html
    assert '<p class="error" id="prior_transfers-0-date-error">请填写此项。</p>' in html


def test_earlier_transfers_are_added_and_removed_without_javascript(people):
    token = csrf_token(people.enterprise.get("/cases/new").get_data(as_text=True))
    data = wizard_data(token, add_prior_transfer="1", **PRIOR)
    data.pop("save")
    html = people.enterprise.post("/cases/new", data=data).get_data(as_text=True)
    assert 'name="prior_transfers-0-date"' in html and 'name="prior_transfers-1-date"' in html
    assert 'class="error"' not in html
    data = wizard_data(token, remove_prior_transfer="0", **PRIOR, **{
        "prior_transfers-1-date": "2025-03-01", "prior_transfers-1-pi_individuals": "7,000",
        "prior_transfers-1-sensitive_pi_individuals": "0", "prior_transfers-1-exemption": ""})
    data.pop("save")
    html = people.enterprise.post("/cases/new", data=data).get_data(as_text=True)
    assert re.search(r'id="prior_transfers-0-date"[^>]*value="2025-03-01"', html)
    assert 'name="prior_transfers-1-date"' not in html and "2025-02-10" not in html


def test_editing_keeps_the_earlier_transfers_unchanged(people):
    prior = [{"date": "2025-02-10", "pi_individuals": 30_000, "sensitive_pi_individuals": 1_200,
              "exemption": "cross_border_hr"},
             {"date": "2025-04-01", "pi_individuals": 2_000, "sensitive_pi_individuals": 0, "exemption": None}]
    case = people.case(pi=80_000)
    declaration = {**case.declaration, "prior_transfers": prior}
    from xborder.cases import operations

    operations.update_declaration(people.enterprise_user, case, case.version, declaration, None)
    people.db.session.flush()
    html = people.enterprise.get(f"/cases/{case.id}/declaration").get_data(as_text=True)
    assert re.search(r'id="prior_transfers-0-pi_individuals"[^>]*value="30,000"', html)
    assert re.search(r'id="prior_transfers-1-date"[^>]*value="2025-04-01"', html)
    form = _form_fields(html)
    assert form["prior_transfers-0-exemption"] == "cross_border_hr"
    before = copy.deepcopy(case.declaration)
    response = people.enterprise.post(f"/cases/{case.id}/declaration", data={**form, "save": "1"})
    assert response.status_code == 302
    assert case.declaration["prior_transfers"] == prior
    assert case.declaration["transfers"] == before["transfers"] and case.declaration["as_of"] == before["as_of"]
    assert case.declaration_revision == 3


def _form_fields(html: str) -> dict[str, str]:
    """What a browser would send for the declaration form as shown (inputs, chosen options, checked boxes)."""
    html = html.split('id="prior-transfer-template"')[0]
    fields: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if not name or ('type="checkbox"' in tag and "checked" not in tag):
            continue
        fields[name[1]] = value[1] if value else ""
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"', body)
        fields[name] = chosen[1] if chosen else ""
    import html as html_lib

    return {k: html_lib.unescape(v) for k, v in fields.items()}

