"""An audit entry appended in one statement (PostgreSQL: the INSERT reads the last entry and hashes the new one in
SQL, issue 20) is the entry the Python path writes: the same seq, link and SHA-256 over the same canonical fields."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.sql import statements
from xborder.core.audit import GENESIS, AuditEntry, canonical, hash_prefix, record, verify_chain

# Text PostgreSQL stores (no NUL) in any script: the action's JSON text is hashed as UTF-8 by the database.
TEXT = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
ACTIONS = st.one_of(st.sampled_from(["transition.withdraw", "evidence.added", "self_assessment.saved"]),
                    st.text(TEXT, min_size=1, max_size=60))
PAYLOADS = st.dictionaries(st.text(TEXT, max_size=8), st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**63, max_value=2**63 - 1), st.text(TEXT),
    st.lists(st.integers(min_value=0, max_value=10**6), max_size=3)), max_size=4)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(appends=st.lists(st.tuples(ACTIONS, PAYLOADS, st.booleans(), st.booleans()), min_size=1, max_size=4))
def test_each_appended_entry_hashes_as_compute_hash_and_links_to_the_last(db, factory, appends):
    exporter = factory.organisation()
    user = factory.user(organisation=exporter)
    case = factory.case(exporter)
    previous = (0, GENESIS)
    for action, payload, with_actor, row_locked in appends:
        appended = record(case, action, payload, user if with_actor else None, row_locked=row_locked)
        stored = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.id == appended.id))
        assert (appended.seq, appended.prev_hash) == (previous[0] + 1, previous[1])
        assert (stored.seq, stored.prev_hash, stored.hash) == (appended.seq, appended.prev_hash, appended.hash)
        assert stored.hash == stored.compute_hash()  # what verify_chain recomputes in Python
        assert (stored.action, stored.payload, stored.actor_id) == (action, payload, user.id if with_actor else None)
        previous = (appended.seq, appended.hash)
    check = verify_chain(case.id)
    assert check.ok and check.entries == len(appends)


def test_the_prefix_is_the_canonical_text_up_to_the_fields_the_database_fills_in(db, factory):
    exporter = factory.organisation()
    case = factory.case(exporter)
    appended = record(case, "测试.动作", {"说明": "中文"}, factory.user(organisation=exporter))
    entry = db.session.get(AuditEntry, appended.id)
    assert canonical(entry.chained_fields()).decode() == \
        f'{hash_prefix(entry)}{entry.prev_hash}","seq":{entry.seq}}}'


def test_an_append_is_one_statement_after_the_lock_on_postgresql(db, factory):
    exporter = factory.organisation()
    case = factory.case(exporter)
    record(case, "first", {})
    with statements(db) as locked:
        record(case, "second", {}, row_locked=True)
    with statements(db) as unlocked:
        record(case, "third", {})
    if db.engine.dialect.name == "postgresql":
        assert len(locked) == 1 and locked[0].lstrip().upper().startswith("INSERT INTO AUDIT_ENTRIES")
        assert len(unlocked) == 2 and "FOR NO KEY UPDATE" in unlocked[0].upper()
    else:  # SQLite: read the last entry, then insert (its write lock is the database's)
        assert len(locked) == 2 and len(unlocked) == 3
    assert verify_chain(case.id).ok and verify_chain(case.id).entries == 3
