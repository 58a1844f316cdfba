"""Migrations from empty match the models; demo seeding is idempotent and gives every demo role real work."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from xborder.accounts.demo import DEMO_PASSWORD, seed_demo_accounts
from xborder.accounts.models import Organisation, User
from xborder.core.timeutil import china_today
from xborder.core.workdays import add_years
from xborder.dossiers.pki import verification_anchors


def test_migrated_schema_matches_the_models(db):
    context = MigrationContext.configure(db.session.connection(), opts={"compare_type": True})
    assert compare_metadata(context, db.metadata) == []


def _snapshot(db):
    orgs = db.session.execute(sa.select(Organisation.id, Organisation.uscc, Organisation.name)).all()
    users = db.session.execute(sa.select(User.id, User.email, User.password_hash, User.role)).all()
    return sorted(orgs), sorted(users)


def test_demo_seeding_twice_changes_nothing(db):
    seed_demo_accounts()
    first = _snapshot(db)
    seed_demo_accounts()
    assert _snapshot(db) == first
    emails = {row[1] for row in first[1]}
    assert {"enterprise@demo.xborder", "assessor@demo.xborder", "official@demo.xborder"} <= emails


def test_demo_accounts_log_in_through_the_api(client, db):
    seed_demo_accounts()
    for email in ("enterprise@demo.xborder", "assessor@demo.xborder", "official@demo.xborder"):
        response = client.post("/api/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 200, email


DEMO_STATUSES = {
    "海外员工人事管理数据出境": "draft",
    "全球售后服务工单数据出境": "draft",
    "工业设备运行数据（重要数据）出境": "draft",
    "海外工厂生产运营数据（重要数据）出境": "approved",
    "亚太区设备远程运维用户数据出境": "filed",
    "全球研发协同平台工艺数据（重要数据）出境": "provincial_review",
    "欧洲经销商客户关系管理数据出境": "third_party_review",
}


def _demo_rows(db):
    """Everything seeding writes, counted per table, and each case's state."""
    from xborder.cases.models import AnswerVersion, Case
    from xborder.core.audit import AuditEntry
    from xborder.dossiers.models import SigningCertificate, Stage
    from xborder.notifications.models import Notification

    counts = {model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
              for model in (Case, AnswerVersion, AuditEntry, Stage, SigningCertificate, Notification)}
    cases = sorted(db.session.execute(sa.select(Case.title, Case.pathway, Case.status, Case.version,
                                                Case.answers_revision, Case.next_due)).all())
    return counts, cases


def test_demo_cases_cover_several_pathways_and_seed_once(db):
    from xborder.demo import seed_demo

    seed_demo()
    first = _demo_rows(db)
    seed_demo()
    assert _demo_rows(db) == first
    cases = first[1]
    assert {row.title: row.status for row in cases} == DEMO_STATUSES
    assert {row.pathway for row in cases} == {"exempt", "standard_contract_or_certification", "security_assessment"}
    # Answers saved once per case; the filed case once more, after the assessor asked for rectification.
    assert {row.title: row.answers_revision for row in cases if row.answers_revision != 1} == {
        "海外员工人事管理数据出境": 0, "工业设备运行数据（重要数据）出境": 0, "亚太区设备远程运维用户数据出境": 2}


@pytest.fixture
def demo(db):
    """The demo seeded in the test's transaction: its cases by title."""
    from xborder.cases.models import Case
    from xborder.demo import seed_demo

    seed_demo()
    db.session.flush()
    return {case.title: case for case in db.session.scalars(sa.select(Case))}


def test_the_assessor_finds_a_fully_answered_case_in_the_queue(client, demo):
    token = client.post("/api/v1/auth/token", json={"email": "assessor@demo.xborder",
                                                     "password": DEMO_PASSWORD}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    queue = client.get("/api/v1/cases?status=third_party_review", headers=headers).json["items"]
    assert [c["title"] for c in queue] == ["欧洲经销商客户关系管理数据出境"]
    case = client.get(f"/api/v1/cases/{queue[0]['id']}", headers=headers).json
    assert len(case["key_points"]) == 12 and all(kp["answered"] for kp in case["key_points"])
    assert case["risk"]["missing"] == []  # every applicable question has its response
    assert case["actions"] == ["request_rectification"]  # signing waits for the assessor's findings
    seen = {c["title"] for c in client.get("/api/v1/cases", headers=headers).json["items"]}
    assert seen == {title for title, status in DEMO_STATUSES.items() if status != "draft"}


def test_the_official_dashboard_shows_the_case_awaiting_the_completeness_check(app, demo):
    from tests.helpers.web import sign_in
    from xborder.cases.workflow import open_deadlines
    from xborder.core.workdays import deadline_for

    case = demo["全球研发协同平台工艺数据（重要数据）出境"]
    (deadline,) = open_deadlines(case)
    assert deadline["kind"] == "provincial_completeness_check" and not deadline["overdue"]
    assert deadline["due"] == deadline_for("provincial_completeness_check", china_today(), "cac-2024").due.isoformat()
    html = sign_in(app, "official@demo.xborder").get("/").get_data(as_text=True)
    rows = re.findall(r'<tr class="[^"]*">(.*?)</tr>', html, re.S)
    listed = {title: row for title, row in ((t, r) for r in rows for t in DEMO_STATUSES if t in r)}
    assert set(listed) == {"海外工厂生产运营数据（重要数据）出境", "亚太区设备远程运维用户数据出境",
                           "全球研发协同平台工艺数据（重要数据）出境"}
    row = listed[case.title]
    assert case.reference in row and "省级网信部门完备性查验" in row and deadline["due"] in row
    order = [rows.index(r) for r in listed.values()]
    assert rows.index(row) == min(order)  # the nearest deadline first


def test_the_walked_demo_cases_carry_their_records(demo, db):
    from xborder.cases.workflow import open_deadlines
    from xborder.core.audit import AuditEntry, verify_chain
    from xborder.dossiers.builds import assemble
    from xborder.dossiers.models import Stage
    from xborder.dossiers.verify import verify_bundle

    for case in demo.values():
        assert verify_chain(case.id).ok, case.title
    approved = demo["海外工厂生产运营数据（重要数据）出境"]
    assert approved.valid_until == add_years(china_today(), 3)
    assert [d["kind"] for d in open_deadlines(approved)] == ["extension_window"]
    filed = demo["亚太区设备远程运维用户数据出境"]
    assert filed.workflow["filing_number"].startswith("沪数出备")
    transitions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.case_id == filed.id, AuditEntry.action.like("transition.%")).order_by(AuditEntry.seq)).all()
    assert transitions == ["transition.submit", "transition.request_rectification", "transition.resubmit",
                           "transition.sign_opinion", "transition.record_filing"]
    stages = db.session.execute(sa.select(Stage.round, Stage.stage).where(Stage.case_id == filed.id)
                                .order_by(Stage.round, Stage.stage)).all()
    assert [tuple(s) for s in stages] == [(1, 1), (2, 1), (2, 2), (2, 3)]
    for case in (approved, filed):  # the signed stages make a bundle that verifies
        assert verify_bundle(assemble(case), ca_pem=verification_anchors()[0]).exit_code == 0, case.title


def test_every_demo_login_opens_the_pages_of_its_cases(app, demo):
    from tests.helpers.web import sign_in

    submitted = {t for t, s in DEMO_STATUSES.items() if s != "draft"}
    visible = {"enterprise@demo.xborder": set(DEMO_STATUSES), "assessor@demo.xborder": submitted,
               "official@demo.xborder": submitted - {"欧洲经销商客户关系管理数据出境"}}
    for email, titles in visible.items():
        browser = sign_in(app, email)
        home = browser.get("/").get_data(as_text=True)
        assert {t for t in DEMO_STATUSES if t in home} == titles, email
        for title in titles:
            assert browser.get(f"/cases/{demo[title].id}").status_code == 200, (email, title)
    queued = demo["欧洲经销商客户关系管理数据出境"]
    review = sign_in(app, "assessor@demo.xborder").get(f"/cases/{queued.id}/review")
    assert review.status_code == 200 and "PIA-1" in review.get_data(as_text=True)
