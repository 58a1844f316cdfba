"""Registration with approval (api.md "Accounts and onboarding"): checks, decisions, audit, sign-in only after."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from tests.helpers.accounts import STRONG, application, uscc_in
from tests.helpers.factories import auth
from xborder.accounts.models import Organisation, User
from xborder.accounts.records import AccountAuditEntry, Accreditation, accreditation_lapsed, verify_accounts_chain


def _paths(response) -> dict[str, str]:
    return {e["path"]: e["code"] for e in response.json.get("errors", [])}


def _token(client, email, password=STRONG):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password})


def test_applicant_waits_for_approval_then_signs_in(client, db, demo):
    body = application()
    response = client.post("/api/v1/registrations", json=body)
    assert response.status_code == 202 and response.json["status"] == "pending"
    assert _token(client, body["user"]["email"]).status_code == 401  # pending: nobody to sign in yet

    listed = client.get("/api/v1/registrations?status=pending", headers=auth(demo["official"])).json
    assert [r["id"] for r in listed["items"] if r["uscc"] == body["organisation"]["uscc"]] == [response.json["id"]]
    assert "password" not in str(listed) and "password_hash" not in listed["items"][0]

    approved = client.post(f"/api/v1/registrations/{response.json['id']}/approve", headers=auth(demo["official"]),
                           json={})
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    org = db.session.scalar(sa.select(Organisation).where(Organisation.uscc == body["organisation"]["uscc"]))
    assert org.kind == "enterprise" and org.province == "310000"
    user = db.session.scalar(sa.select(User).where(User.email == body["user"]["email"]))
    assert user.role == "enterprise" and user.organisation_id == org.id
    assert _token(client, body["user"]["email"]).status_code == 200

    again = client.post(f"/api/v1/registrations/{response.json['id']}/approve", headers=auth(demo["official"]),
                        json={})
    assert again.status_code == 409
    actions = db.session.scalars(sa.select(AccountAuditEntry.action).order_by(AccountAuditEntry.seq)).all()
    assert actions[-2:] == ["registration_submitted", "registration_approved"]
    assert verify_accounts_chain()[0]


def test_rejection_needs_a_reason_and_the_rejected_cannot_sign_in(client, db, demo):
    body = application()
    reg = client.post("/api/v1/registrations", json=body).json
    no_reason = client.post(f"/api/v1/registrations/{reg['id']}/reject", headers=auth(demo["official"]), json={})
    assert no_reason.status_code == 422 and _paths(no_reason) == {"comment": "required"}
    rejected = client.post(f"/api/v1/registrations/{reg['id']}/reject", headers=auth(demo["official"]),
                           json={"comment": "营业执照信息不一致"})
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    assert rejected.json["comment"] == "营业执照信息不一致"
    assert _token(client, body["user"]["email"]).status_code == 401
    assert db.session.scalar(sa.select(User).where(User.email == body["user"]["email"])) is None


def test_uscc_division_province_duplicates_and_weak_passwords_are_refused(client, db, demo):
    outside = application(uscc=uscc_in("440300"))  # Shenzhen's code, declared in Shanghai
    response = client.post("/api/v1/registrations", json=outside)
    assert response.status_code == 422 and _paths(response) == {"organisation/uscc": "province_mismatch"}
    assert "message_zh" in response.json["errors"][0]

    good = uscc_in("310100")
    bad_check = application(uscc=good[:-1] + ("0" if good[-1] != "0" else "1"))
    assert _paths(client.post("/api/v1/registrations", json=bad_check)) == {"organisation/uscc": "check_character"}

    national = application(province="440000", uscc=uscc_in("100000"))
    assert client.post("/api/v1/registrations", json=national).status_code == 202

    existing = application(uscc="9131011552601815X1")  # the demo enterprise
    response = client.post("/api/v1/registrations", json=existing)
    assert response.status_code == 409 and _paths(response) == {"organisation/uscc": "exists"}
    taken = application(email="enterprise@demo.xborder")
    response = client.post("/api/v1/registrations", json=taken)
    assert response.status_code == 409 and _paths(response) == {"user/email": "exists"}
    pending_twice = application(uscc=national["organisation"]["uscc"], province="440000")
    assert client.post("/api/v1/registrations", json=pending_twice).status_code == 409

    for weak, code in (("short1", "too_short"), ("password123", "weak"), ("qwertyuiop", "weak")):
        response = client.post("/api/v1/registrations", json=application(password=weak))
        assert response.status_code == 422 and _paths(response) == {"user/password": code}, weak
    unknown = application(province="999999")
    assert _paths(client.post("/api/v1/registrations", json=unknown))["organisation/province"] == "unknown_province"


def test_only_the_provinces_official_decides(client, db, demo, factory):
    reg = client.post("/api/v1/registrations", json=application()).json
    assert client.get("/api/v1/registrations", headers=auth(demo["enterprise"])).status_code == 403
    assert client.post(f"/api/v1/registrations/{reg['id']}/approve", headers=auth(demo["enterprise"]),
                       json={}).status_code == 403
    elsewhere = factory.user("provincial_official", organisation=factory.organisation("authority", "440000"))
    token = factory.token(elsewhere)
    assert reg["id"] not in [r["id"] for r in client.get("/api/v1/registrations", headers=auth(token)).json["items"]]
    assert client.post(f"/api/v1/registrations/{reg['id']}/approve", headers=auth(token), json={}).status_code == 404
    admin = factory.token(factory.user("admin", organisation=factory.organisation("authority", "440000")))
    assert client.post(f"/api/v1/registrations/{reg['id']}/approve", headers=auth(admin), json={}).status_code == 200


def test_assessor_carries_its_accreditation_and_lapses(client, db, demo):
    body = application("assessor", province="320000", uscc=uscc_in("320500"))
    missing = application("assessor")
    missing["organisation"].pop("accredited_until")
    assert _paths(client.post("/api/v1/registrations", json=missing)) == {
        "organisation/accredited_until": "required"}
    reg = client.post("/api/v1/registrations", json=body).json
    from tests.helpers.factories import Factory

    admin = Factory(db).user("admin")
    from xborder.accounts.operations import issue_token

    token, _ = issue_token(admin)
    assert client.post(f"/api/v1/registrations/{reg['id']}/approve", headers=auth(token), json={}).status_code == 200
    org = db.session.scalar(sa.select(Organisation).where(Organisation.uscc == body["organisation"]["uscc"]))
    accreditation = db.session.scalar(sa.select(Accreditation).where(Accreditation.organisation_id == org.id))
    assert accreditation.valid_until == dt.date(2099, 12, 31) and accreditation.scope == "数据出境安全评估"
    assert not accreditation_lapsed(org.id, dt.date.today())
    assert accreditation_lapsed(org.id, dt.date(2100, 1, 1))


def test_submit_refuses_a_lapsed_assessor(client, db, demo):
    from tests.helpers.factories import declaration

    case = client.post("/api/v1/cases", headers=auth(demo["enterprise"]),
                       json={"title": "资质测试", "declaration": declaration("9131011552601815X1")}).json
    answers = [{"key_point": kp["id"], "answer": "回答"} for kp in case["key_points"]]
    case = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(demo["enterprise"]),
                      json={"version": case["version"], "answers": answers}).json
    lapsed = Organisation(kind="assessor", name="过期评估机构", uscc=uscc_in("320500"), province="320000")
    db.session.add(lapsed)
    db.session.flush()
    db.session.add(Accreditation(organisation_id=lapsed.id, scope="评估", valid_until=dt.date(2020, 1, 1)))
    db.session.flush()
    response = client.post(f"/api/v1/cases/{case['id']}/transitions", headers=auth(demo["enterprise"]),
                           json={"action": "submit", "version": case["version"], "assessor_org_id": lapsed.id})
    assert response.status_code == 422
    assert {e["code"] for e in response.json["errors"] if e["path"] == "assessor_org_id"} == {"not_accredited"}


def test_the_list_is_paginated_like_the_other_lists(client, db, demo):
    ids = [client.post("/api/v1/registrations", json=application()).json["id"] for _ in range(5)]
    official = auth(demo["official"])
    first = client.get("/api/v1/registrations?per_page=2&status=pending", headers=official).json
    assert (first["page"], first["per_page"], first["total"], first["pages"]) == (1, 2, 5, 3)
    last = client.get("/api/v1/registrations?per_page=2&page=3&status=pending", headers=official).json
    seen = [r["id"] for page in (1, 2, 3) for r in client.get(
        f"/api/v1/registrations?per_page=2&page={page}&status=pending", headers=official).json["items"]]
    assert seen == sorted(ids, reverse=True) and len(last["items"]) == 1  # newest first, each once
    assert client.get("/api/v1/registrations?per_page=1000", headers=official).status_code == 422
    assert client.get("/api/v1/registrations?page=0", headers=official).status_code == 422
    assert client.get("/api/v1/registrations?page=9", headers=official).json["items"] == []
