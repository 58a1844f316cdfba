"""A transition's fields are declared once, in the workflow's action table (xborder/cases/transitions.py): the API's
request schema, the web form and the audit entry are held to it here, for every action and every field, including
the comment's length (4,000 characters by the API and by the web alike)."""

from __future__ import annotations

import re

import marshmallow as ma
import pytest
import sqlalchemy as sa
import wtforms

from tests.helpers.factories import auth, declaration
from tests.helpers.materials import attach_materials
from xborder.cases.transitions import ACTIONS, FieldKind, TransitionSchema, audit_payload, fields_by_name
from xborder.cases.web_forms import FIELD_LABELS, ActionForm
from xborder.core.audit import AuditEntry

ENTERPRISE_USCC = "9131011552601815X1"
COMMENT_LIMIT = 4000  # api.md/workflow.md set none; the API's limit was 4,000 and the web's 5,000: now one

API_TYPES = {FieldKind.TEXT: ma.fields.String, FieldKind.LINE: ma.fields.String, FieldKind.REF: ma.fields.Integer,
             FieldKind.IDS: ma.fields.List, FieldKind.DATE: ma.fields.String, FieldKind.FLAG: ma.fields.Boolean,
             FieldKind.CHOICE: ma.fields.String}
WEB_TYPES = {FieldKind.TEXT: wtforms.TextAreaField, FieldKind.LINE: wtforms.StringField,
             FieldKind.REF: wtforms.SelectField, FieldKind.IDS: wtforms.SelectMultipleField,
             FieldKind.DATE: wtforms.DateField, FieldKind.FLAG: wtforms.BooleanField,
             FieldKind.CHOICE: wtforms.SelectField}
EVERY_FIELD = [(name, field) for name, action in ACTIONS.items() for field in action.fields]


def _max_length(validators) -> int | None:
    lengths = [v.max for v in validators if isinstance(v, ma.validate.Length | wtforms.validators.Length)]
    assert len(lengths) <= 1
    return lengths[0] if lengths else None


# --- helpers of this module (the shared ones are tests/api/test_workflow.py's, not imported across modules) -----

def _act(client, token, case, action, **fields):
    if action == "submit":
        attach_materials(client, token, case["id"])  # a submission carries its filing materials (issue 16)
    return client.post(f"/api/v1/cases/{case['id']}/transitions", headers=auth(token),
                       json={"action": action, "version": case["version"], **fields})


def _answered_case(client, roles, **decl):
    case = client.post("/api/v1/cases", headers=auth(roles["enterprise"]),
                       json={"title": "字段表", "declaration": declaration(ENTERPRISE_USCC, **decl)}).json
    answers = [{"key_point": kp["id"], "answer": f"{kp['id']} 的回答"} for kp in case["key_points"]]
    return client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(roles["enterprise"]),
                      json={"version": case["version"], "answers": answers}).json


def _assessor_id(client, roles):
    orgs = client.get("/api/v1/organisations?kind=assessor", headers=auth(roles["enterprise"])).json
    return next(o["id"] for o in orgs if o["uscc"] == "91320500131860916B")


def _last_transition(db, case_id):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.case_id == case_id,
                                                          AuditEntry.action.like("transition.%"))
                              .order_by(AuditEntry.seq.desc())).first()


def _web_client(app, email):
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": email, "password": "demo-password", "csrf_token": token[1]})
    page = client.get("/").get_data(as_text=True)
    return client, re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)[1]


# --- the table itself ----------------------------------------------------------------------------------------------

def test_every_action_takes_a_comment_of_the_same_length_and_a_field_is_the_same_everywhere():
    for name, action in ACTIONS.items():
        assert action.field("comment") is not None, name
        assert action.field("comment").length == COMMENT_LIMIT, name
    # fields_by_name() refuses two actions declaring one field differently; it covers every declared field.
    assert {field.name for _, field in EVERY_FIELD} == set(fields_by_name())
    required = {name: sorted(f.name for f in a.fields if f.required) for name, a in ACTIONS.items()}
    assert required["request_rectification"] == ["comment", "key_points"]
    assert required["withdraw"] == ["comment"] and required["submit"] == ["assessor_org_id"]


# --- the API's request schema --------------------------------------------------------------------------------------

def test_the_api_schema_is_derived_from_the_table():
    schema = TransitionSchema()
    assert set(schema.fields) == {"action", "version"} | set(fields_by_name())
    assert schema.Meta.unknown == ma.RAISE
    for action, field in EVERY_FIELD:
        api = schema.fields[field.name]
        assert isinstance(api, API_TYPES[field.kind]), (action, field.name)
        inner = api.inner if isinstance(api, ma.fields.List) else api
        assert _max_length(inner.validators) == field.length, (action, field.name)
        assert action in api.metadata["description"], (action, field.name)
    assert schema.fields["decision"].metadata["enum"] == ["approved", "rejected"]


@pytest.mark.parametrize("length, status", [(COMMENT_LIMIT, 200), (COMMENT_LIMIT + 1, 422)])
def test_the_api_takes_a_comment_up_to_the_tables_length(client, roles, length, status):
    case = _answered_case(client, roles, pi=150_000)
    response = _act(client, roles["enterprise"], case, "withdraw", comment="撤" * length)
    assert response.status_code == status, response.json
    if status == 422:
        assert [e["path"] for e in response.json["errors"]] == ["comment"]


# --- the web form --------------------------------------------------------------------------------------------------

def test_the_web_form_is_derived_from_the_table(app):
    with app.test_request_context():
        form = ActionForm(meta={"csrf": False})
        # `confirm` and `confirm_unmet` are the web's own confirmation step (issue 18), never sent to the API.
        assert {f.name for f in form} == {"action", "version", "confirm", "confirm_unmet"} | set(fields_by_name())
        for action, field in EVERY_FIELD:
            web = form[field.name]
            assert type(web) is WEB_TYPES[field.kind], (action, field.name)
            assert _max_length(web.validators) == (field.length if field.kind in (FieldKind.TEXT, FieldKind.LINE)
                                                   else None), (action, field.name)
            assert str(web.label.text) == str(FIELD_LABELS[field.name])
            assert form.fields_of(action) == ACTIONS[action].fields
        assert form.comment.validators[-1].max == COMMENT_LIMIT


def test_a_web_post_becomes_the_api_body_of_its_action_only(app):
    """Only the action's own fields are sent, in the API's types, and the body loads through the API schema."""
    filled = {"comment": " 说明 ", "assessor_org_id": "7", "key_points": ["PIA-1", "PIA-2"], "due_date": "2099-01-31",
              "completeness_confirmed": "y", "filing_number": " 沪备-1 ", "decision": "approved",
              "decision_number": "国网信评〔2025〕1号", "decision_date": "2025-07-15",
              "result_received_date": "2025-07-20", "acceptance_date": "2025-06-01",
              # issue 15: the route at submit, the certificate, the extension's new end of validity
              "mechanism": "certification", "certificate_number": " CCRC-1 ", "certification_body": "cesi-cert",
              "issued_on": "2026-01-05", "valid_until": "2030-01-05",
              "assessment_completed_on": "2025-06-20"}
    for name, action in ACTIONS.items():
        with app.test_request_context(method="POST", data={"action": name, "version": "3", **filled}):
            form = ActionForm(meta={"csrf": False})
            form.assessor_org_id.choices = [(7, "评估机构")]
            assert form.validate(), form.errors
            body = form.to_body()
        assert set(body) == {"action", "version"} | {f.name for f in action.fields}, name
        assert TransitionSchema().load(body) == body, name
    assert body["comment"] == "说明"


@pytest.mark.parametrize("length, withdrawn", [(COMMENT_LIMIT, True), (COMMENT_LIMIT + 1, False)])
def test_the_web_takes_a_comment_up_to_the_tables_length(app, client, roles, db, length, withdrawn):
    case = _answered_case(client, roles, pi=150_000)
    web, token = _web_client(app, "enterprise@demo.xborder")
    page = web.post(f"/cases/{case['id']}/actions", data={
        "csrf_token": token, "action": "withdraw", "version": case["version"], "comment": "撤" * length},
        follow_redirects=True)
    status = client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["enterprise"])).json["status"]
    assert (status == "withdrawn") is withdrawn
    if not withdrawn:
        assert str(COMMENT_LIMIT) in page.get_data(as_text=True)  # the form's length message names the limit


# --- the audit entry -----------------------------------------------------------------------------------------------

def test_the_audit_payload_is_derived_from_the_table():
    for name, action in ACTIONS.items():
        body = {"action": name, "version": 1, "stray": "not this action's", **{
            f.name: f"<{f.name}>" for f in action.fields}}
        payload = audit_payload(action, "draft", "withdrawn", body)
        assert set(payload) == {"from", "to"} | {f.name for f in action.fields}, name
        assert all(payload[f.name] == f"<{f.name}>" for f in action.fields)
        # A field the action takes but the caller did not send is recorded as null, so every entry has one shape.
        assert audit_payload(action, "draft", "withdrawn", {}) == {
            "from": "draft", "to": "withdrawn", **{f.name: None for f in action.fields}}


def test_a_transition_records_the_tables_audit_entry(client, roles, db):
    case = _answered_case(client, roles, pi=150_000)
    case = _act(client, roles["enterprise"], case, "submit", assessor_org_id=_assessor_id(client, roles),
                comment="提交").json
    entry = _last_transition(db, case["id"])
    assert entry.action == "transition.submit"
    assert entry.payload == {"from": "draft", "to": "third_party_review", "assessor_org_id": case["assessor_org_id"],
                             # mechanism not sent: the standard contract
                             "mechanism": None, "assessment_completed_on": None, "comment": "提交"}
    assessor_view = client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["assessor"])).json
    case = _act(client, roles["assessor"], assessor_view, "request_rectification", comment="请补充",
                key_points=[assessor_view["key_points"][0]["id"]]).json
    entry = _last_transition(db, case["id"])
    assert set(entry.payload) == {"from", "to"} | {f.name for f in ACTIONS["request_rectification"].fields}
    assert entry.payload["key_points"] == [assessor_view["key_points"][0]["id"]]


# --- what else names every action or every status stays in step with the table and the enum ------------------------

def test_every_action_has_its_page_words_and_notification_text(app):
    from xborder.cases.web_actions import DONE_MESSAGES
    from xborder.notifications.texts import ACTIONS as NOTIFICATION_TEXTS

    assert set(DONE_MESSAGES) == set(ACTIONS) == set(NOTIFICATION_TEXTS)
    template = app.jinja_env.loader.get_source(app.jinja_env, "cases/_action_fields.html")[0]
    assert {name for name in ACTIONS if f"'{name}':" in template} == set(ACTIONS)  # each action's title


def test_one_status_vocabulary():
    from xborder.cases.models import Case
    from xborder.cases.models.status import ALL, EDITABLE, FINAL, LIVE, CaseStatus
    from xborder.core.labels import STATUS_LABELS

    # workflow.md, Statuses: "Final: rejected, exempt_recorded, withdrawn, expired."
    assert FINAL == {"rejected", "exempt_recorded", "withdrawn", "expired"}
    assert set(LIVE) == set(ALL) - FINAL and ACTIONS["withdraw"].sources == LIVE
    assert EDITABLE == {"draft", "rectification", "supplement_requested"}
    assert set(STATUS_LABELS) == set(CaseStatus)  # every status has its name on the pages
    constraint = next(c for c in Case.__table__.constraints if isinstance(c, sa.CheckConstraint))
    assert all(f"'{s}'" in str(constraint.sqltext) for s in ALL)
    for action in ACTIONS.values():
        targets = action.target.values() if isinstance(action.target, dict) else [action.target]
        assert set(action.sources) <= set(ALL) and all(t is None or t in ALL for t in targets)


def test_the_permission_rule_is_the_same_for_the_api_and_the_pages(client, roles, db):
    from xborder.accounts.models import User
    from xborder.cases.models import Case
    from xborder.cases.permissions import WRITES, can_act, require_party
    from xborder.core.errors import Forbidden

    case_json = _answered_case(client, roles, pi=150_000)
    case = db.session.get(Case, case_json["id"])
    users = {u.role: u for u in db.session.scalars(sa.select(User).where(User.email.like("%@demo.xborder")))}
    assert [w for w in WRITES if can_act(users["enterprise"], case, w)] == ["edit_declaration", "answer",
                                                                           "add_evidence", "edit_facts"]
    assert not any(can_act(users["assessor"], case, w) for w in WRITES)  # not named yet
    with pytest.raises(Forbidden, match="Only the exporter edits its declaration"):
        require_party(users["assessor"], case, "edit_declaration")
    with pytest.raises(Forbidden, match="submit is taken by the enterprise of this case"):
        require_party(users["provincial_official"], case, "submit")
    assert can_act(users["enterprise"], case, "submit") and can_act(users["enterprise"], case, "withdraw")
    assert not can_act(users["enterprise"], case, "resubmit")  # the right party, not the right status
