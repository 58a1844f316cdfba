"""Declaring from inventory rows: the declaration and determination they add up to, the links kept, and the
re-declaration flags a later change of the rows sets off."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.helpers.inventory import flow, run_jobs_inline, upload, workbook

ROWS = [
    flow("D1", 80_000, group="客户", purpose="售后服务"),
    flow("D2", 60_000, group="客户", category="设备信息", purpose="售后服务"),  # the same customers as D1
    flow("D3", 30_000, group="员工", category="人事信息", purpose="人力资源"),
    flow("D4", 5_000, level="sensitive_personal", group="客户", category="健康信息", recipient="Example KK"),
    flow("D5", 0, level="important", group=None, category="工艺参数", system="MES"),
]


@pytest.fixture
def inventory(app, client, enterprise):
    user, headers = enterprise
    run = upload(client, headers, [("inv.xlsx", workbook(ROWS))], apply=True)
    run_jobs_inline(app, run["id"])
    assert client.get(f"/api/v1/inventory/imports/{run['id']}", headers=headers).get_json()["status"] == "applied"
    return user, headers


def _draft(client, headers, keys):
    response = client.post("/api/v1/inventory/declarations/draft", headers=headers,
                           json={"entry_keys": keys, "as_of": "2025-06-30"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize(("keys", "pathway", "pi", "sensitive"), [
    (["D1"], "exempt", 80_000, 0),  # fewer than 100,000 persons of non-sensitive PI: cbdf-2024 art 5(4)
    (["D1", "D2"], "exempt", 80_000, 0),  # the same customers: 80,000, not 140,000
    (["D1", "D2", "D3"], "standard_contract_or_certification", 110_000, 0),
    (["D1", "D4"], "standard_contract_or_certification", 80_000, 5_000),
    (["D3", "D5"], "security_assessment", 30_000, 0),  # important data
])
def test_rows_add_up_to_the_expected_determination(client, inventory, keys, pathway, pi, sensitive):
    _, headers = inventory
    draft = _draft(client, headers, keys)
    assert draft["errors"] == []
    assert draft["determination"]["pathway"] == pathway
    assert draft["determination"]["cumulative"] == {"pi_individuals": pi, "sensitive_pi_individuals": sensitive}


def test_the_draft_is_a_declaration_of_the_contract(client, inventory):
    from xborder.law.declaration import validate_declaration

    user, headers = inventory
    draft = _draft(client, headers, ["D1", "D2", "D3", "D4"])
    declaration = draft["declaration"]
    validate_declaration(declaration)
    assert declaration["exporter"]["uscc"] == user.organisation.uscc
    gmbh, kk = declaration["transfers"]
    assert gmbh["recipient"] == {"name": "Example GmbH", "country": "DE", "onward_transfer": False}
    assert gmbh["data"]["pi_individuals"] == 110_000
    assert gmbh["data"]["categories"] == ["联系方式", "设备信息", "人事信息"]
    assert gmbh["purpose"] == "售后服务；人力资源"
    assert kk["recipient"]["onward_transfer"] is True
    assert kk["data"]["sensitive_pi_individuals"] == 5_000
    assert draft["sources"] == [["D1", "D2", "D3"], ["D4"]]


def test_declaring_opens_a_linked_case_and_an_edit_is_kept(client, db, inventory):
    from xborder.cases.models import Case

    user, headers = inventory
    draft = _draft(client, headers, ["D1", "D3"])
    edited = draft["declaration"]
    edited["transfers"][0]["data"]["pi_individuals"] = 150_000  # the user knows better than the inventory
    response = client.post("/api/v1/inventory/declarations", headers=headers, json={
        "entry_keys": ["D1", "D3"], "as_of": "2025-06-30", "title": "来自清单", "declaration": edited})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert [link["entry_key"] for link in body["links"]] == ["D1", "D3"]
    case = db.session.get(Case, body["case_id"])
    assert case.pathway == "standard_contract_or_certification"
    assert case.declaration["transfers"][0]["data"]["pi_individuals"] == 150_000
    detail = client.get(f"/api/v1/cases/{case.id}", headers=headers).get_json()
    assert detail["determination"]["pathway"] == "standard_contract_or_certification"


def test_unknown_rows_are_422(client, inventory, other):
    _, headers = inventory
    response = client.post("/api/v1/inventory/declarations/draft", headers=headers, json={"entry_keys": ["NOPE"]})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["code"] == "unknown_entry"
    # Another enterprise cannot declare from your rows.
    response = client.post("/api/v1/inventory/declarations/draft", headers=other[1], json={"entry_keys": ["D1"]})
    assert response.status_code == 422


def test_a_later_change_of_the_rows_flags_the_case(app, client, db, inventory, other):
    from xborder.core.audit import AuditEntry

    user, headers = inventory
    response = client.post("/api/v1/inventory/declarations", headers=headers, json={
        "entry_keys": ["D1", "D4"], "as_of": "2025-06-30", "title": "将被标记"})
    case_id = response.get_json()["case_id"]
    assert client.get(f"/api/v1/inventory/cases/{case_id}", headers=headers).get_json()["flagged"] is False
    rows = list(ROWS)
    rows[0] = flow("D1", 95_000, group="客户", purpose="营销")  # purpose and scope
    del rows[3]  # D4 removed
    recipients = [("Example GmbH", "US", False, "dpo@example.de"), ("Example KK", "JP", True, None)]
    run = upload(client, headers, [("inv.xlsx", workbook(rows, recipients))], apply=True)
    run_jobs_inline(app, run["id"])
    run = client.get(f"/api/v1/inventory/imports/{run['id']}", headers=headers).get_json()
    assert run["preview"]["flagged_cases"] == [case_id]
    links = client.get(f"/api/v1/inventory/cases/{case_id}", headers=headers).get_json()
    assert links["flagged"] is True
    triggers = {link["entry_key"]: [f["trigger"] for f in link["flags"]] for link in links["links"]}
    assert triggers == {"D1": ["purpose_changed", "scope_changed", "recipient_changed"], "D4": ["entry_removed"]}
    assert links["links"][0]["flags"][0]["legal_basis"][0] == {"instrument": "sc-measures-2023", "article": "8"}
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.case_id == case_id)).all()
    assert "inventory.changed" in actions and "inventory.declared" in actions
    flags = client.get("/api/v1/inventory/flags", headers=headers).get_json()["items"]
    assert {f["entry_key"] for f in flags} == {"D1", "D4"}
    assert client.get("/api/v1/inventory/flags", headers=other[1]).get_json()["items"] == []
    assert client.get(f"/api/v1/inventory/cases/{case_id}", headers=other[1]).status_code == 404
    response = client.post(f"/api/v1/inventory/cases/{case_id}/acknowledge", headers=headers)
    assert response.status_code == 200 and response.get_json()["flagged"] is False
    assert client.get("/api/v1/inventory/flags", headers=headers).get_json()["items"] == []


def _withdraw(client, headers, case_id):
    version = client.get(f"/api/v1/cases/{case_id}", headers=headers).get_json()["version"]
    response = client.post(f"/api/v1/cases/{case_id}/transitions", headers=headers,
                           json={"action": "withdraw", "version": version, "comment": "改为合并申报"})
    assert response.status_code == 200, response.get_json()


def test_rows_already_in_an_open_case_are_warned_about_with_its_reference(app, client, inventory, other):
    """Issue 18 acceptance 4: drafting rows already declared in an open case says so, naming the case (its persons
    would otherwise be counted twice); a case in a final status and another organisation's case say nothing."""
    from xborder.cases.models import Case
    from xborder.extensions import db

    _, headers = inventory
    other_user, other_headers = other
    run = upload(client, other_headers, [("inv.xlsx", workbook(ROWS))], apply=True)  # the same entry keys
    run_jobs_inline(app, run["id"])
    response = client.post("/api/v1/inventory/declarations", headers=other_headers, json={
        "entry_keys": ["D1", "D3"], "as_of": "2025-06-30", "title": "别家的案件"})
    assert response.status_code == 201
    assert _draft(client, headers, ["D1", "D3"])["warnings"] == []  # another organisation's case never shows

    response = client.post("/api/v1/inventory/declarations", headers=headers, json={
        "entry_keys": ["D1", "D3"], "as_of": "2025-06-30", "title": "清单申报一"})
    case = db.session.get(Case, response.get_json()["case_id"])
    draft = _draft(client, headers, ["D1", "D2"])
    assert len(draft["warnings"]) == 1
    warning = draft["warnings"][0]
    assert warning["code"] == "already_in_open_case"
    assert warning["case"] == {"id": case.id, "reference": case.reference, "title": "清单申报一", "status": "draft"}
    assert warning["entry_keys"] == ["D1"]  # D2 is not in the case
    assert case.reference in warning["message_zh"] and "草稿" in warning["message_zh"]
    assert case.reference in warning["message_en"] and "Draft" in warning["message_en"]
    assert {"instrument": "cbdf-2024", "article": "8"} in warning["legal_basis"]
    # The double count the warning is about: the open case's 110,000 persons plus the draft's 80,000.
    assert draft["determination"]["cumulative"]["pi_individuals"] == 190_000

    _withdraw(client, headers, case.id)
    assert _draft(client, headers, ["D1", "D2"])["warnings"] == []  # a withdrawn case is final: nothing to warn


def test_the_draft_takes_the_sector_from_the_organisation(client, inventory):
    """Without a sector in the request the draft carries the one the organisation declared under; a sector given
    (or explicitly none) is kept."""
    user, headers = inventory
    assert _draft(client, headers, ["D1"])["declaration"]["exporter"]["sector"] is None  # nothing known yet
    response = client.post("/api/v1/inventory/declarations", headers=headers, json={
        "entry_keys": ["D1"], "as_of": "2025-06-30", "title": "行业", "exporter": {"sector": "finance"}})
    assert response.status_code == 201
    assert _draft(client, headers, ["D3"])["declaration"]["exporter"]["sector"] == "finance"
    response = client.post("/api/v1/inventory/declarations/draft", headers=headers,
                           json={"entry_keys": ["D3"], "as_of": "2025-06-30", "exporter": {"sector": None}})
    assert response.get_json()["declaration"]["exporter"]["sector"] is None
