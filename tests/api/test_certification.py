"""The certification route of the standard-contract band through the API (issue 15, acceptance 4): `submit` with
`mechanism: certification`, the assessor's opinion to `certification_pending`, the enterprise's certificate to
`certified` with its three years and the renewal deadline six months before; refused for a CIIO or important data."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers.api import act
from tests.helpers.factories import auth, declaration
from xborder.core.timeutil import china_today

ENTERPRISE_USCC = "9131011552601815X1"


def get(client, token, case):
    return client.get(f"/api/v1/cases/{case['id']}", headers=auth(token)).json


def answered_case(client, roles, decl):
    case = client.post("/api/v1/cases", headers=auth(roles["enterprise"]),
                       json={"title": "认证路线", "declaration": decl}).json
    answers = [{"key_point": kp["id"], "answer": f"{kp['id']} 的回答"} for kp in case["key_points"]]
    return client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(roles["enterprise"]),
                      json={"version": case["version"], "answers": answers}).json


def assessor_id(client, roles):
    orgs = client.get("/api/v1/organisations?kind=assessor", headers=auth(roles["enterprise"])).json
    return next(o["id"] for o in orgs if o["uscc"] == "91320500131860916B")


def reviewed(client, roles, case):
    case = get(client, roles["assessor"], case)
    reviews = [{"key_point": kp["id"], "finding": "satisfied", "comment": "符合"} for kp in case["key_points"]]
    response = client.put(f"/api/v1/cases/{case['id']}/review", headers=auth(roles["assessor"]),
                          json={"version": case["version"], "reviews": reviews})
    assert response.status_code == 200, response.json
    return response.json


def certification_pending(client, roles, **decl):
    case = answered_case(client, roles, declaration(ENTERPRISE_USCC, pi=150_000, **decl))
    assert case["determination"]["pathway"] == "standard_contract_or_certification"
    case = act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles),
               mechanism="certification")
    assert case.status_code == 200, case.json
    case = act(client, roles["assessor"], reviewed(client, roles, case.json), "sign_opinion")
    assert case.status_code == 200, case.json
    return case.json


def test_certification_case_runs_from_submit_to_certified_with_its_renewal_deadline(client, roles):
    case = certification_pending(client, roles)
    assert case["status"] == "certification_pending"
    assert case["actions"] == []  # the assessor's part is done; the enterprise records the certificate
    # Not handed to the provincial authority: a certification case is not filed.
    assert client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["official"])).status_code == 404
    case = get(client, roles["enterprise"], case)
    assert "record_certificate" in case["actions"] and "withdraw" in case["actions"]
    issued = china_today() - dt.timedelta(days=10)
    case = act(client, roles["enterprise"], case, "record_certificate", certificate_number="CCRC-PI-2026-0001",
               certification_body="cac-dtsc", issued_on=issued.isoformat())
    assert case.status_code == 200, case.json
    case = case.json
    assert case["status"] == "certified"
    until = issued.replace(year=issued.year + 3)
    assert case["valid_until"] == until.isoformat()
    [renewal] = case["deadlines"]
    assert renewal["kind"] == "certification_renewal"
    month = until.month - 6 if until.month > 6 else until.month + 6
    year = until.year if until.month > 6 else until.year - 1
    assert renewal["due"] == dt.date(year, month, min(until.day, 28 if month == 2 else until.day)).isoformat()
    assert renewal["valid_until"] == until.isoformat()
    assert {b["instrument"] for b in renewal["legal_basis"]} == {"pi-cert-measures-2025"}
    trail = client.get(f"/api/v1/cases/{case['id']}/audit", headers=auth(roles["enterprise"])).json
    entries = [e for e in trail["entries"] if e["action"].startswith("transition.")]
    assert [e["action"] for e in entries] == ["transition.submit", "transition.sign_opinion",
                                              "transition.record_certificate"]
    assert entries[0]["payload"]["mechanism"] == "certification"
    assert entries[1]["payload"]["to"] == "certification_pending"
    assert entries[2]["payload"] | {"certificate_number": "CCRC-PI-2026-0001", "certification_body": "cac-dtsc",
                                    "to": "certified"} == entries[2]["payload"]
    assert trail["chain"]["ok"] is True


def test_the_certificate_is_checked_field_by_field(client, roles):
    case = get(client, roles["enterprise"], certification_pending(client, roles))
    tomorrow = (china_today() + dt.timedelta(days=1)).isoformat()
    refused = act(client, roles["enterprise"], case, "record_certificate", certificate_number=" ",
                  certification_body="someone-else", issued_on=tomorrow)
    assert refused.status_code == 422
    assert {(e["path"], e["code"]) for e in refused.json["errors"]} >= {
        ("certificate_number", "required"), ("issued_on", "future")}
    # An unknown body is refused by the schema's list (the three filed with the CAC), with its field.
    assert any(e["path"] == "certification_body" for e in refused.json["errors"])
    assert get(client, roles["enterprise"], case)["status"] == "certification_pending"
    assert act(client, roles["assessor"], case, "record_certificate", certificate_number="X",
               certification_body="cesi-cert", issued_on="2026-01-05").status_code in (403, 404)


@pytest.mark.parametrize("decl", [{"important": True}, {"ciio": True}], ids=["important_data", "ciio"])
def test_certification_is_refused_for_a_ciio_or_important_data(client, roles, decl):
    raw = declaration(ENTERPRISE_USCC, pi=150_000, important=decl.get("important", False))
    raw["exporter"]["is_ciio"] = decl.get("ciio", False)
    case = answered_case(client, roles, raw)
    refused = act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles),
                  mechanism="certification")
    assert refused.status_code == 422
    [error] = refused.json["errors"]
    assert error["path"] == "mechanism" and error["code"] == "not_allowed"
    assert ("关键信息基础设施" if "ciio" in decl else "重要数据") in error["message_zh"]
    assert get(client, roles["enterprise"], case)["status"] == "draft"


def test_the_standard_contract_stays_the_default_and_certification_files_no_contract(client, roles):
    case = answered_case(client, roles, declaration(ENTERPRISE_USCC, pi=150_000))
    case = act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles)).json
    case = act(client, roles["assessor"], reviewed(client, roles, case), "sign_opinion").json
    assert case["status"] == "provincial_review"
    assert case["mechanism"] == "standard_contract"
    assert act(client, roles["enterprise"], case, "record_certificate", certificate_number="X",
               certification_body="cesi-cert", issued_on="2026-01-05").status_code == 422  # not pending


def test_a_standard_contract_is_filed_only_with_the_day_it_takes_effect(client, roles):
    case = answered_case(client, roles, declaration(ENTERPRISE_USCC, pi=150_000))
    assert case["deadlines"] == []  # the day is not known yet: no filing deadline to show
    case = act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles)).json
    case = act(client, roles["assessor"], reviewed(client, roles, case), "sign_opinion").json
    official = get(client, roles["official"], case)
    assert "record_filing" not in official["actions"]
    refused = act(client, roles["official"], official, "record_filing", filing_number="沪备2026-0001")
    assert refused.status_code == 422
    assert [(e["path"], e["code"]) for e in refused.json["errors"]] == [
        ("declaration/contract_effective_date", "required")]
    # The official asks for it; the enterprise gives the day; then the filing is recorded.
    case = act(client, roles["official"], official, "request_supplement", comment="请补充标准合同生效日期").json
    mine = get(client, roles["enterprise"], case)
    raw = {**mine["declaration"], "contract_effective_date": "2025-07-01"}
    mine = client.put(f"/api/v1/cases/{case['id']}/declaration", headers=auth(roles["enterprise"]),
                      json={"version": mine["version"], "declaration": raw}).json
    mine = act(client, roles["enterprise"], mine, "resubmit").json
    filed = act(client, roles["official"], get(client, roles["official"], mine), "record_filing",
                filing_number="沪备2026-0001")
    assert filed.status_code == 200, filed.json
    assert filed.json["status"] == "filed"


def test_the_filing_deadline_shows_from_day_one_for_a_standard_contract_only(client, roles):
    # Declared once the certification measures are in force (2026-01-01): renewal is a duty (art 8).
    decl = declaration(ENTERPRISE_USCC, as_of="2026-03-01", pi=150_000, contract_effective_date="2026-03-02")
    case = answered_case(client, roles, decl)
    [filing] = case["deadlines"]  # in the draft already, whatever the stage
    assert (filing["kind"], filing["starts"]) == ("standard_contract_filing", "2026-03-02")
    assert {(b["instrument"], b["article"]) for b in filing["legal_basis"]} == {("sc-measures-2023", "7")}
    case = act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles),
               mechanism="certification").json
    assert case["deadlines"] == []  # certification is not filed
    codes = [o["code"] for o in case["obligations"]]
    assert "apply_for_certification" in codes and "renew_certificate" in codes
    assert "file_standard_contract" not in codes and "conclude_standard_contract_or_certify" not in codes


def test_months_are_counted_as_calendar_months():
    from xborder.core.workdays import add_months, deadline_for

    assert add_months(dt.date(2029, 8, 31), -6) == dt.date(2029, 2, 28)
    assert add_months(dt.date(2028, 8, 31), -6) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2029, 1, 15), -6) == dt.date(2028, 7, 15)
    assert add_months(dt.date(2029, 11, 30), 3) == dt.date(2030, 2, 28)
    renewal = deadline_for("certification_renewal", dt.date(2029, 1, 5), "cac-2024")
    assert (renewal.due, renewal.provisional, renewal.opens) == (dt.date(2028, 7, 5), False, None)
