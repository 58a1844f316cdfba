"""A case opened by the intake's Core statements (issue 20: one statement on PostgreSQL for the reference, the case,
its declaration version, its transfers, the exporter's totals and the first audit entry) writes the rows the ORM's
flush and the separate statements wrote, holds the values the ORM's object held, and joins
the session as a loaded object that later changes UPDATE."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.helpers.factories import declaration
from xborder.cases import intake, operations
from xborder.cases.models import (
    Case,
    CaseStatus,
    CaseTransfer,
    CaseTransferTotal,
    DeclarationVersion,
    ReferenceCounter,
    next_reference,
)
from xborder.core import audit
from xborder.extensions import db

VARYING = {"id", "case_id", "created_at", "updated_at"}  # the database's ids and the clock


def _orm_create(user, title, raw):
    """The creation as it was before the intake's Core statements (the ORM's flush), kept as the reference."""
    declaration_ = operations._validated(raw, user)
    org = user.organisation
    determination = operations.determine_for_case(declaration_, org.id, None)
    case = Case(reference=next_reference(org.province, dt.date.today().year), exporter=org, province=org.province,
                title=title, status=CaseStatus.DRAFT, answers=[], answers_revision=0, declaration_revision=0)
    operations._apply_declaration(case, declaration_, raw, determination)
    db.session.add(case)
    db.session.flush()
    operations._record_declaration(case, declaration_, raw, determination, user)
    audit.record(case, "case.created", {"title": title, "declaration_revision": 1,
                                        "pathway": determination["pathway"]}, user, new_case=True)
    return case


def _rows(case_id: int, exporter_id: int) -> dict:
    """Every column of the case's rows (and of its exporter's totals) but ids and times, JSON columns told apart as
    SQL NULL or a JSON document; an audit entry's hash, which covers its case id and time, is checked by the chain."""
    tables = {"cases": (Case.__table__, Case.__table__.c.id), "declaration_versions": (
        DeclarationVersion.__table__, DeclarationVersion.__table__.c.case_id), "case_transfers": (
        CaseTransfer.__table__, CaseTransfer.__table__.c.case_id), "audit_entries": (
        audit.AuditEntry.__table__, audit.AuditEntry.__table__.c.case_id), "case_transfer_totals": (
        CaseTransferTotal.__table__, CaseTransferTotal.__table__.c.exporter_id)}
    out = {}
    for name, (table, key) in tables.items():
        json_nulls = [(table.c[c.name] == sa.null()).label(f"{c.name}_is_null") for c in table.columns
                      if isinstance(c.type, sa.JSON)]
        value = exporter_id if name == "case_transfer_totals" else case_id
        rows = db.session.execute(sa.select(table, *json_nulls).where(key == value)
                                  .order_by(*table.primary_key.columns)).mappings().all()
        out[name] = [{k: v for k, v in row.items() if k not in VARYING | {"hash"}} for row in rows]
    return out


def _object(case: Case) -> dict:
    return {attr.key: getattr(case, attr.key) for attr in sa.inspect(Case).column_attrs
            if attr.key not in VARYING}


@pytest.mark.parametrize("shape", [
    {}, {"pi": 150_000, "sensitive": 20}, {"pi": 0, "important": True}, {"pi": 2_000_000},
    {"pi": 5_000, "exemption": "contract_with_individual"}, {"onward": True, "country": "US"}, {"more": True},
])
def test_the_intake_writes_what_the_orm_wrote(db, factory, shape):
    org = factory.organisation()
    user = factory.user(organisation=org)
    factory.case(org, title="更早")  # an earlier case the determination counts
    more = shape.pop("more", False)
    raw = declaration(org.uscc, **shape)
    if more:  # several transfers: two under one exemption, two under none, summed per day and exemption
        first = raw["transfers"][0]
        raw["transfers"] = [{**first, "data": {**first["data"], "pi_individuals": pi, "sensitive_pi_individuals": s},
                             "exemption": exemption} for pi, s, exemption in (
            (3_000, 0, "contract_with_individual"), (70_000, 40, None), (1_000, 0, "contract_with_individual"),
            (9_000, 0, None))]
    db.session.flush()
    savepoint = db.session.begin_nested()
    old = _orm_create(user, "对照", raw)
    old_rows, old_object = _rows(old.id, org.id), _object(old)
    savepoint.rollback()
    db.session.expire_all()

    new = operations.create_case(user, "对照", raw)
    assert _object(new) == old_object
    assert new.reference == old_object["reference"]  # the counter's increment was rolled back with the old case
    assert _rows(new.id, org.id) == old_rows
    assert len(old_rows["declaration_versions"]) == 1 and len(old_rows["audit_entries"]) == 1
    assert len(old_rows["case_transfers"]) == len(raw["transfers"]) and old_rows["case_transfer_totals"]
    assert new.created_at == new.updated_at and new.version == 1
    entry = db.session.scalars(sa.select(audit.AuditEntry).where(audit.AuditEntry.case_id == new.id)).one()
    assert (entry.seq, entry.prev_hash, entry.actor_id) == (1, audit.GENESIS, user.id)
    assert entry.hash == entry.compute_hash() and audit.verify_chain(new.id).ok


def test_the_new_case_is_a_loaded_object_of_the_session_and_a_change_is_a_versioned_update(db, factory):
    org = factory.organisation()
    user = factory.user(organisation=org)
    case = operations.create_case(user, "会话", declaration(org.uscc))
    assert case in db.session and not db.session.is_modified(case) and case not in db.session.new
    assert db.session.get(Case, case.id) is case
    case.title = "改名"
    db.session.flush()
    db.session.expire(case)
    assert (case.title, case.version) == ("改名", 2)


@pytest.mark.parametrize("last", [0, 41, 999_998, 999_999, 1_234_566])
def test_the_reference_is_the_counters_next_number_padded_as_next_reference_pads_it(db, factory, last):
    org = factory.organisation()
    user = factory.user(organisation=org)
    year = dt.date.today().year
    if last:
        db.session.add(ReferenceCounter(province=org.province, year=year, last=last))
        db.session.flush()
    case = operations.create_case(user, "编号", declaration(org.uscc))
    assert case.reference == f"XB-{org.province}-{year}-{last + 1:06d}"
    assert db.session.scalar(sa.select(ReferenceCounter.last).filter_by(province=org.province, year=year)) == last + 1


def test_a_json_column_left_unset_is_sql_null_and_a_sql_default_is_refused(db, factory):
    org = factory.organisation()
    user = factory.user(organisation=org)
    case = operations.create_case(user, "空值", declaration(org.uscc))
    assert case.facts is None and case.profile_snapshot is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(
        Case.id == case.id, Case.facts.is_(sa.null()), Case.profile_snapshot.is_(sa.null()))) == 1
    column = Case.__table__.c.valid_until
    original = column.default
    try:
        column.default = sa.ColumnDefault(sa.func.current_date())
        with pytest.raises(TypeError, match="valid_until"):
            intake._fill_defaults(Case())
    finally:
        column.default = original
