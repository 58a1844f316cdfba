"""A transition's faster paths (issue 20) answer and write as the general ones: the case read with its evidence in one
statement is `get_case` and `evidence_list`'s, and the versioned UPDATE written as a statement leaves the row, the
object and the session as the ORM's flush does — 409 on a stale version included."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.helpers.api import answered_case
from tests.helpers.factories import auth
from tests.helpers.sql import statements


def _viewers(factory, exporter, assessor):
    return {"enterprise": factory.user(organisation=exporter),
            "other enterprise": factory.user(),
            "assessor": factory.user("assessor", organisation=assessor),
            "other assessor": factory.user("assessor"),
            "provincial_official": factory.user("provincial_official"),
            "admin": factory.user("admin")}


@pytest.mark.parametrize("reached", [False, True])
def test_the_case_with_its_evidence_is_get_case_and_evidence_list_for_every_viewer(db, factory, reached):
    from xborder.cases.evidence import evidence_list
    from xborder.cases.models import Evidence
    from xborder.cases.queries import get_case, get_case_with_evidence
    from xborder.core.errors import NotFound

    exporter, assessor = factory.organisation(), factory.organisation(kind="assessor")
    case = factory.case(exporter, assessor_org_id=assessor.id, status="provincial_review" if reached else "draft",
                        reached_provincial_at=dt.datetime.now(dt.UTC) if reached else None)
    bare = factory.case(exporter)
    # Times the database's JSON text writes differently from Python's isoformat: whole seconds, trailing zeros.
    times = [dt.datetime(2026, 3, 1, 8, 0, 0, tzinfo=dt.UTC), dt.datetime(2026, 3, 1, 8, 0, 1, 120000, tzinfo=dt.UTC),
             dt.datetime(2026, 3, 1, 8, 0, 2, 5, tzinfo=dt.UTC), None]
    for n, created in enumerate(times):
        db.session.add(Evidence(case_id=case.id, key_point="PIA-1" if n % 2 else None, kind="contract" if n == 3
                                else None, filename=f"证明{n}.pdf", content_type="application/pdf", size=10 + n,
                                sha256=f"{n:064d}", data=b"x", **({"created_at": created} if created else {})))
    db.session.flush()
    for role, viewer in _viewers(factory, exporter, assessor).items():
        for shown in (case, bare):
            db.session.expire_all()
            try:
                expected = get_case(viewer, shown.id)
            except NotFound:
                with pytest.raises(NotFound):
                    get_case_with_evidence(viewer, shown.id)
                continue
            expected_evidence = evidence_list(expected)
            db.session.expire_all()
            read, evidence = get_case_with_evidence(viewer, shown.id)
            assert read is expected and evidence == expected_evidence, role
            assert len(evidence) == (4 if shown is case else 0)
    with pytest.raises(NotFound):
        get_case_with_evidence(factory.user("admin"), 10**9)


def test_a_transition_reads_the_case_and_its_evidence_in_one_statement(client, db, roles):
    case = answered_case(client, roles, pi=150_000)
    uploaded = client.post(f"/api/v1/cases/{case['id']}/evidence", headers=auth(roles["enterprise"]),
                           content_type="multipart/form-data",
                           data={"file": (__import__("io").BytesIO(b"plain text evidence"), "e.txt")})
    assert uploaded.status_code == 201
    case = client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["enterprise"])).json
    with statements(db) as sent:
        withdrawn = client.post(f"/api/v1/cases/{case['id']}/transitions", headers=auth(roles["enterprise"]),
                                json={"action": "withdraw", "version": case["version"], "comment": "不再需要"})
    assert withdrawn.status_code == 200, withdrawn.json
    assert not any("FROM EVIDENCE" in s.upper() and "FROM CASES" not in s.upper() for s in sent)
    assert withdrawn.json["evidence"] == case["evidence"] and len(case["evidence"]) == 1
    read = client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["enterprise"])).json
    assert {k: v for k, v in read.items() if not k.endswith("_at")} == \
        {k: v for k, v in withdrawn.json.items() if not k.endswith("_at")}


def _flush_path(case) -> bool:
    """What a transition did before issue 20: the ORM's flush of the case."""
    from xborder.core.unit_of_work import flush

    seen = case.version
    flush()
    return case.version != seen


def _row(db, case_id) -> dict:
    from xborder.cases.models import Case

    row = db.session.execute(sa.select(Case.__table__).where(Case.__table__.c.id == case_id)).mappings().one()
    return {k: v for k, v in row.items() if k not in ("id", "reference", "created_at", "updated_at")}


REACHED = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
CHANGES = {
    "status and workflow": lambda case, org: (setattr(case, "status", "withdrawn"),
                                              setattr(case, "workflow", {**case.workflow, "deadline_starts": {}})),
    # The due date moves: the statement stores next_due as the flush's listener does.
    "deadline starts": lambda case, org: (
        setattr(case, "status", "provincial_review"), setattr(case, "reached_provincial_at", REACHED),
        setattr(case, "workflow", {**case.workflow, "deadline_starts": {"provincial_completeness_check":
                                                                        dt.date.today().isoformat()}})),
    "every column an effect sets": lambda case, org: (
        setattr(case, "status", "certified"), setattr(case, "assessor_org_id", org.id),
        setattr(case, "mechanism", "certification"), setattr(case, "valid_until", dt.date(2029, 1, 31)),
        setattr(case, "profile_snapshot", {"name": "快照"}), setattr(case, "facts", {"items": []}),
        setattr(case, "workflow", {**case.workflow, "certificate": {"certificate_number": "C-1"}})),
    "a value set to what it was": lambda case, org: (setattr(case, "title", case.title),
                                                     setattr(case, "status", "withdrawn")),
    "nothing changed": lambda case, org: setattr(case, "workflow", dict(case.workflow)),
    "a relationship": lambda case, org: (setattr(case, "assessor_org", org), setattr(case, "status", "withdrawn")),
}


FLUSHED = {"nothing changed", "a relationship"}  # what the statement leaves to the flush


@pytest.mark.parametrize("change", CHANGES)
def test_the_versioned_update_writes_what_the_flush_writes(client, db, roles, factory, change):
    from xborder.accounts.models import Organisation
    from xborder.cases.models import Case
    from xborder.cases.workflow import write_case
    from xborder.core.timeutil import as_utc

    org_id = factory.organisation(kind="assessor").id
    ids = [answered_case(client, roles, pi=150_000)["id"] for _ in range(2)]
    # The second case counts the first (its determination differs): what differs before must not change.
    before = [_row(db, case_id) for case_id in ids]
    same = {k for k in before[0] if before[0][k] == before[1][k]}
    written = []
    for case_id, write in zip(ids, (write_case, _flush_path), strict=True):
        db.session.expunge_all()  # each case loaded afresh, as a request loads it
        case = db.session.get(Case, case_id)
        org = db.session.get(Organisation, org_id)
        CHANGES[change](case, org)
        flushes: list[int] = []

        def count(*args, flushes=flushes):
            flushes.append(1)

        sa.event.listen(db.session(), "before_flush", count)
        updated = write(case)
        sa.event.remove(db.session(), "before_flush", count)
        assert not db.session.dirty and not db.session.new
        # The statement leaves the session as clean as the ORM's flush leaves it, without a flush of its own.
        assert len(flushes) == (0 if write is write_case and change not in FLUSHED else 1)
        written.append((updated, {k: getattr(case, k) for k in before[0]}))
    assert written[0][0] == written[1][0]
    after = [_row(db, case_id) for case_id in ids]
    assert {k: after[0][k] for k in same} == {k: after[1][k] for k in same}
    assert {k: written[0][1][k] for k in same} == {k: written[1][1][k] for k in same}
    for row, was in zip(after, before, strict=True):
        assert {k: row[k] for k in set(row) - same} == {k: was[k] for k in set(row) - same}
    db.session.expunge_all()

    def utc(values):  # SQLite hands stored times back naive
        return {k: as_utc(v) if isinstance(v, dt.datetime) else v for k, v in values.items()}

    for case_id, (_, seen) in zip(ids, written, strict=True):  # the objects were what the database now holds
        assert utc({k: getattr(db.session.get(Case, case_id), k) for k in seen}) == utc(seen)
    # A later flush of the same object continues from the written version, as after the ORM's flush.
    for case_id in ids:
        case = db.session.get(Case, case_id)
        case.title = "再改"
        version = case.version
        db.session.flush()
        assert case.version == version + 1 == _row(db, case_id)["version"]


@pytest.mark.parametrize("write", ["statement", "flush"])
def test_a_stale_version_is_409_and_nothing_is_written(client, db, roles, write):
    from xborder.cases.models import Case
    from xborder.cases.workflow import write_case
    from xborder.core.errors import Conflict

    case_id = answered_case(client, roles, pi=150_000)["id"]
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    # Another writer moves the version after this one read the case.
    db.session.execute(sa.update(Case.__table__).where(Case.__table__.c.id == case_id)
                       .values(version=Case.__table__.c.version + 1, title="别人改的"))
    case.status = "withdrawn"
    with pytest.raises(Conflict):
        (write_case if write == "statement" else _flush_path)(case)
    db.session.expire_all()
    assert db.session.get(Case, case_id).status == "draft"


@pytest.mark.parametrize("as_of", ["2022-10-01", "2024-03-21", "2024-03-22", "2025-06-30"])
@pytest.mark.parametrize("shape", [{"pi": 150_000}, {"pi": 0, "important": True}, {"pi": 5_000},
                                   {"pi": 150_000, "sensitive": 20_000, "onward": True}])
def test_the_key_points_shown_are_key_point_status(client, db, roles, as_of, shape):
    from tests.helpers.api import ENTERPRISE_USCC
    from tests.helpers.factories import declaration
    from xborder.cases.keypoints import key_point_status
    from xborder.cases.models import Case
    from xborder.cases.presenters import shown_key_points

    created = client.post("/api/v1/cases", headers=auth(roles["enterprise"]), json={
        "title": "评估重点", "declaration": declaration(ENTERPRISE_USCC, as_of=as_of, **shape)})
    assert created.status_code == 201, created.json
    answered = answered_case(client, roles, as_of=as_of, **shape)
    for case_id in (created.json["id"], answered["id"]):
        db.session.expunge_all()  # no key points kept on the object from the request
        case = db.session.get(Case, case_id)
        shown = shown_key_points(case)
        db.session.expunge_all()
        assert shown == key_point_status(db.session.get(Case, case_id))
    assert all(kp["answered"] for kp in answered["key_points"])


def test_a_transition_text_names_the_status_as_status_names_does(app):
    from xborder.cases.models.status import ALL
    from xborder.core.labels import status_names
    from xborder.notifications.texts import _status_names

    with app.test_request_context(headers={"Accept-Language": "en"}):
        for _ in range(2):  # kept after the first
            assert {s: _status_names(s) for s in ALL} == {s: status_names(s) for s in ALL}
