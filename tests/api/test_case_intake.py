"""Case intake: declarations turned into cases, versioned edits, cumulative counting, answers, evidence."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from tests.helpers.factories import auth, declaration
from xborder.cases.models import AnswerVersion, DeclarationVersion
from xborder.core.audit import AuditEntry


@pytest.fixture
def exporter(factory):
    org = factory.organisation()
    user = factory.user(organisation=org)
    return org, user, factory.token(user)


def create(client, token, decl, title="测试案件"):
    return client.post("/api/v1/cases", json={"title": title, "declaration": decl}, headers=auth(token))


def test_create_case_returns_draft_with_determination_key_points_and_risk(client, exporter):
    org, _, token = exporter
    response = create(client, token, declaration(org.uscc, pi=150_000))
    assert response.status_code == 201
    body = response.json
    assert body["status"] == "draft"
    assert body["reference"].startswith("XB-310000-")
    assert body["determination"]["pathway"] == "standard_contract_or_certification"
    assert {kp["id"] for kp in body["key_points"]} == {f"PIA-{i}" for i in range(1, 7)} | {
        f"LD-{i}" for i in range(1, 7)}
    assert all(kp["answered"] is False for kp in body["key_points"])
    assert body["risk"]["level"] in {"low", "medium", "high", "severe"}
    assert all(kp["factors"] for kp in body["risk"]["key_points"])
    fetched = client.get(f"/api/v1/cases/{body['id']}", headers=auth(token)).json
    assert fetched["determination"] == body["determination"]


def test_declaring_for_another_organisation_is_422_at_exporter_uscc(client, exporter, factory):
    other = factory.organisation()
    response = create(client, exporter[2], declaration(other.uscc))
    assert response.status_code == 422
    assert [e["path"] for e in response.json["errors"]] == ["exporter/uscc"]


def test_invalid_declaration_is_422_with_paths_and_nothing_stored(client, exporter, db):
    org, _, token = exporter
    bad = declaration(org.uscc, pi=-1, country="CN")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(DeclarationVersion))
    response = create(client, token, bad)
    assert response.status_code == 422
    paths = {e["path"] for e in response.json["errors"]}
    assert {"transfers/0/data/pi_individuals", "transfers/0/recipient/country"} <= paths
    assert all(e["message_zh"] and e["message_en"] for e in response.json["errors"])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DeclarationVersion)) == before


def test_only_enterprises_open_cases(client, factory):
    token = factory.token(factory.user(role="assessor"))
    assert create(client, token, declaration("9131011552601815X1")).status_code == 403


def test_earlier_cases_count_toward_the_threshold_and_are_named(client, exporter):
    org, _, token = exporter
    first = create(client, token, declaration(org.uscc, pi=60_000)).json
    assert first["determination"]["pathway"] == "exempt"
    second = create(client, token, declaration(org.uscc, pi=50_000)).json
    assert second["determination"]["pathway"] == "standard_contract_or_certification"
    assert second["determination"]["cumulative"]["pi_individuals"] == 110_000
    assert second["determination"]["counted"]["cases"] == [first["reference"]]


def test_cases_of_other_exporters_are_not_counted(client, exporter, factory):
    other = factory.organisation()
    other_token = factory.token(factory.user(organisation=other))
    create(client, other_token, declaration(other.uscc, pi=90_000))
    org, _, token = exporter
    mine = create(client, token, declaration(org.uscc, pi=50_000)).json
    assert mine["determination"]["pathway"] == "exempt"
    assert mine["determination"]["counted"]["cases"] == []


def test_withdrawn_and_out_of_window_cases_are_not_counted(client, exporter, db):
    from xborder.cases.models import Case

    org, _, token = exporter
    old = create(client, token, declaration(org.uscc, pi=90_000, as_of="2024-12-31")).json
    withdrawn = create(client, token, declaration(org.uscc, pi=90_000)).json
    db.session.get(Case, withdrawn["id"]).status = "withdrawn"
    db.session.flush()
    mine = create(client, token, declaration(org.uscc, pi=50_000)).json
    assert mine["determination"]["pathway"] == "exempt"
    assert old["reference"] not in mine["determination"]["counted"]["cases"]


def test_editing_a_draft_keeps_every_version(client, exporter, db):
    org, _, token = exporter
    case = create(client, token, declaration(org.uscc, pi=50_000)).json
    response = client.put(f"/api/v1/cases/{case['id']}/declaration", headers=auth(token),
                          json={"version": case["version"], "declaration": declaration(org.uscc, pi=500_000)})
    assert response.status_code == 200
    assert response.json["version"] == case["version"] + 1
    assert response.json["determination"]["pathway"] == "standard_contract_or_certification"
    versions = client.get(f"/api/v1/cases/{case['id']}/declaration", headers=auth(token)).json["versions"]
    assert [v["declaration"]["transfers"][0]["data"]["pi_individuals"] for v in versions] == [50_000, 500_000]
    assert [v["determination"]["pathway"] for v in versions] == ["exempt", "standard_contract_or_certification"]


def test_stale_version_is_409_and_changes_nothing(client, exporter, db):
    org, _, token = exporter
    case = create(client, token, declaration(org.uscc, pi=150_000)).json
    answers = [{"key_point": "PIA-1", "answer": "目的明确", "measures": "", "evidence": [], "responses": {}}]
    ok = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(token),
                    json={"version": case["version"], "answers": answers})
    assert ok.status_code == 200
    audit_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                     .where(AuditEntry.case_id == case["id"]))
    stale = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(token),
                       json={"version": case["version"], "answers": [dict(answers[0], answer="改了")]})
    assert stale.status_code == 409
    assert stale.mimetype == "application/problem+json"
    current = client.get(f"/api/v1/cases/{case['id']}", headers=auth(token)).json
    assert current["answers"][0]["answer"] == "目的明确"
    assert current["version"] == ok.json["version"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.case_id == case["id"])) == audit_before


def test_answers_are_versioned_and_mark_key_points_answered(client, exporter, db):
    org, _, token = exporter
    case = create(client, token, declaration(org.uscc, pi=150_000)).json
    version = case["version"]
    for text in ("第一版", "第二版"):
        response = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(token), json={
            "version": version, "answers": [{"key_point": "PIA-1", "answer": text}]})
        assert response.status_code == 200
        version = response.json["version"]
    answered = {kp["id"]: kp["answered"] for kp in response.json["key_points"]}
    assert answered["PIA-1"] is True and answered["PIA-2"] is False
    rows = db.session.scalars(sa.select(AnswerVersion).where(AnswerVersion.case_id == case["id"])
                              .order_by(AnswerVersion.revision)).all()
    assert [r.answers[0]["answer"] for r in rows] == ["第一版", "第二版"]


def test_invalid_answers_are_422_with_paths(client, exporter):
    org, _, token = exporter
    case = create(client, token, declaration(org.uscc, pi=150_000)).json
    response = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(token), json={
        "version": case["version"], "answers": [{"key_point": "SA-9", "answer": "x"}]})
    assert response.status_code == 422
    assert response.json["errors"][0]["path"].startswith("answers/0")


def test_evidence_is_checked_by_content_and_hashed(client, exporter):
    import hashlib

    org, _, token = exporter
    case = create(client, token, declaration(org.uscc, pi=150_000)).json
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    ok = client.post(f"/api/v1/cases/{case['id']}/evidence", headers=auth(token), content_type="multipart/form-data",
                     data={"file": (io.BytesIO(pdf), "合同.pdf"), "key_point": "LD-1"})
    assert ok.status_code == 201
    assert ok.json["content_type"] == "application/pdf"
    assert ok.json["sha256"] == hashlib.sha256(pdf).hexdigest()
    disguised = client.post(f"/api/v1/cases/{case['id']}/evidence", headers=auth(token),
                            content_type="multipart/form-data",
                            data={"file": (io.BytesIO(b"\x7fELF\x02\x01\x01" + b"\x00" * 64), "report.pdf")})
    assert disguised.status_code == 422
    assert disguised.json["errors"][0]["code"] == "type"
    listed = client.get(f"/api/v1/cases/{case['id']}/evidence", headers=auth(token)).json["items"]
    assert [(e["filename"], e["key_point"]) for e in listed] == [("合同.pdf", "LD-1")]
    download = client.get(f"/api/v1/cases/{case['id']}/evidence/{listed[0]['id']}", headers=auth(token))
    assert download.data == pdf


def test_evidence_over_the_limit_is_413(client, exporter):
    from xborder.cases.evidence import MAX_EVIDENCE_BYTES

    org, _, token = exporter
    case = create(client, token, declaration(org.uscc, pi=150_000)).json
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    # Encoded in memory: the test client would otherwise spool an 10 MiB body to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(b"a" * (MAX_EVIDENCE_BYTES + 1)), "big.txt")})
    response = client.post(f"/api/v1/cases/{case['id']}/evidence", headers=auth(token), data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert response.json["errors"][0]["path"] == "file"


def test_audit_trail_records_every_change_and_verifies(client, exporter, db):
    org, _, token = exporter
    case = create(client, token, declaration(org.uscc, pi=150_000)).json
    client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(token),
               json={"version": case["version"], "answers": [{"key_point": "PIA-1", "answer": "有"}]})
    trail = client.get(f"/api/v1/cases/{case['id']}/audit", headers=auth(token)).json
    assert [e["action"] for e in trail["entries"]] == ["case.created", "self_assessment.saved"]
    assert trail["entries"][1]["prev_hash"] == trail["entries"][0]["hash"]
    assert trail["chain"]["ok"] is True
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.case_id == case["id"], AuditEntry.seq == 1))
    db.session.execute(sa.update(AuditEntry).where(AuditEntry.id == entry.id).values(payload={"title": "篡改"}))
    db.session.expire_all()
    tampered = client.get(f"/api/v1/cases/{case['id']}/audit", headers=auth(token)).json["chain"]
    assert tampered["ok"] is False and tampered["first_broken_seq"] == 1


def test_a_weak_risky_transfer_scores_above_a_small_contact_transfer(client, exporter):
    order = ["low", "medium", "high", "severe"]
    org, _, token = exporter
    small = create(client, token, declaration(org.uscc, pi=500)).json
    risky = create(client, token, declaration(org.uscc, pi=0, sensitive=5_000, important=True, onward=True,
                                              country="US")).json
    assert order.index(risky["risk"]["level"]) > order.index(small["risk"]["level"] or "low")
    for case in (small, risky):
        for kp in case["risk"]["key_points"]:
            assert kp["factors"], kp["id"]
