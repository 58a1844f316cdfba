"""The audit trail: an append-only SHA-256 chain of entries per case, written in the change's own transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
from typing import Any, NamedTuple, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from xborder.core.timeutil import as_utc, utcnow
from xborder.extensions import JSONType, db

GENESIS = "0" * 64


def canonical(value: Any) -> bytes:
    """The canonical JSON bytes that digests are taken over (sorted keys, no spaces, UTF-8)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


# mypy cannot see `db.Model` (a class made at run time by Flask-SQLAlchemy) as a base: python/mypy#8603.
class AuditEntry(db.Model):  # type: ignore[name-defined]
    """One recorded change: who, which organisation, when, what, a digest of the payload, and the chain hashes."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"))
    seq: Mapped[int]
    actor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))  # noqa: UP045
    organisation_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("organisations.id"))  # noqa: UP045
    action: Mapped[str] = mapped_column(sa.String(60))
    payload: Mapped[dict] = mapped_column(JSONType)
    payload_digest: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))

    # (case_id, seq) unique: two writers appending to one case at once cannot both take the same place.
    __table_args__ = (sa.UniqueConstraint("case_id", "seq"),)

    def chained_fields(self) -> dict[str, Any]:
        """The fields the entry's hash covers."""
        return chained_fields_of(self.case_id, self.seq, self.actor_id, self.organisation_id, self.action,
                                 self.payload_digest, self.created_at, self.prev_hash)

    def compute_hash(self) -> str:
        """SHA-256 over the canonical JSON of the chained fields."""
        return hashlib.sha256(canonical(self.chained_fields())).hexdigest()


def chained_fields_of(case_id: int, seq: int, actor_id: int | None, organisation_id: int | None, action: str,
                      payload_digest: str, created_at: dt.datetime, prev_hash: str) -> dict[str, Any]:
    """The fields an entry's hash covers, as `AuditEntry.chained_fields` gives them."""
    return {
        "case_id": case_id, "seq": seq, "actor_id": actor_id, "organisation_id": organisation_id, "action": action,
        "payload_digest": payload_digest, "created_at": as_utc(created_at).isoformat(timespec="microseconds"),
        "prev_hash": prev_hash,
    }


class Appended(NamedTuple):
    """Where an entry went in the chain (`record` writes the row with a plain INSERT, not an ORM object)."""

    id: int
    seq: int
    prev_hash: str
    hash: str


def record(case, action: str, payload: dict[str, Any], actor=None, *, new_case: bool = False,
           row_locked: bool = False) -> Appended:
    """Append an entry for `case` in the current transaction (the caller's commit makes both durable together).

    Appends to one case are serialised on the case's row (FOR NO KEY UPDATE, held to the commit): two requests that
    read the same last entry would otherwise both take its next `seq`, and the loser's commit would fail with a
    unique violation. NO KEY UPDATE rather than UPDATE, because the rows a request inserts first (evidence, builds)
    hold a KEY SHARE lock on the case that UPDATE would wait on — two such requests would deadlock. SQLite has no
    row locks; there every write transaction begins IMMEDIATE and so holds the database's one write lock already.

    `new_case=True` (the case's row was inserted by this transaction) skips both reads: no other transaction can see
    the row yet, so none can lock it or append to it, and the chain starts at seq 1 after GENESIS — two round trips
    fewer per creation (issue 20). `row_locked=True` (this transaction has UPDATEd the case's row, which holds the
    same lock to the commit) skips the lock statement. The last entry is read after the lock, in a statement of its
    own, so it sees every entry committed before; on PostgreSQL that statement is the INSERT itself, which reads
    the last entry and hashes the new one in SQL (`_append_after_last`): one round trip per entry."""
    # Microseconds are what both databases keep, so the hash recomputes identically after a round trip.
    entry = AuditEntry(
        case_id=case.id, actor_id=getattr(actor, "id", None), organisation_id=getattr(actor, "organisation_id", None),
        action=action, payload=payload, payload_digest=hashlib.sha256(canonical(payload)).hexdigest(),
        created_at=utcnow())
    if not new_case and not row_locked:
        cases = case.__table__
        db.session.execute(sa.select(cases.c.id).where(cases.c.id == case.id).with_for_update(key_share=True))
    if not new_case and db.session.get_bind(mapper=AuditEntry).dialect.name == "postgresql":
        row = db.session.execute(_append_after_last(), {**_columns(entry), "hash_prefix": hash_prefix(entry),
                                                        "genesis": GENESIS}).one()
        appended = Appended(*row)
    else:
        last = None if new_case else db.session.execute(
            sa.select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.case_id == case.id)
            .order_by(AuditEntry.seq.desc()).limit(1)).first()
        entry.seq, entry.prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS)
        entry.hash = entry.compute_hash()
        entry_id = db.session.execute(_INSERT, {**_columns(entry), "seq": entry.seq, "prev_hash": entry.prev_hash,
                                                "hash": entry.hash}).scalar_one()
        appended = Appended(entry_id, entry.seq, entry.prev_hash, entry.hash)
    db.session.flush()  # as when the entry was an ORM object: the caller's pending changes are written with it
    return appended


_INSERT = sa.insert(AuditEntry.__table__).returning(AuditEntry.__table__.c.id)  # built once (issue 20)


def _columns(entry: AuditEntry) -> dict[str, Any]:
    return {"case_id": entry.case_id, "actor_id": entry.actor_id, "organisation_id": entry.organisation_id,
            "action": entry.action, "payload": entry.payload, "payload_digest": entry.payload_digest,
            "created_at": entry.created_at}


def hash_prefix(entry: AuditEntry) -> str:
    """The canonical JSON of the entry's chained fields up to `prev_hash`'s value: they sort before `prev_hash` and
    `seq`, the two the database fills in, so the hashed text is this + prev_hash + '","seq":' + seq + '}'."""
    fields = {k: v for k, v in entry.chained_fields().items() if k not in ("prev_hash", "seq")}
    assert max(fields) < "prev_hash" < "seq"
    return canonical(fields).decode()[:-1] + ',"prev_hash":"'


@functools.cache
def _append_after_last() -> sa.Insert:
    """INSERT … SELECT of an entry after the case's last one (PostgreSQL, built once): `seq`, `prev_hash` and the
    SHA-256 of the chained fields (`hash_prefix` + prev_hash + seq, as `compute_hash` writes them) computed from the
    last entry the statement reads. tests/core/test_audit_sql_hash.py holds it equal to `compute_hash`."""
    table = AuditEntry.__table__
    last = (sa.select(table.c.seq, table.c.hash).where(table.c.case_id == sa.bindparam("case_id"))
            .order_by(table.c.seq.desc()).limit(1).subquery("last"))
    one = sa.select(sa.literal(1).label("one")).subquery("one")
    seq = sa.func.coalesce(last.c.seq, 0) + 1
    prev_hash = sa.func.coalesce(last.c.hash, sa.bindparam("genesis", type_=sa.String()))
    text = sa.func.concat(sa.bindparam("hash_prefix", type_=sa.Text()), prev_hash, '","seq":',
                          sa.cast(seq, sa.Text()), "}")
    digest = sa.func.encode(sa.func.sha256(sa.func.convert_to(text, "UTF8")), "hex")
    names = ("case_id", "seq", "actor_id", "organisation_id", "action", "payload", "payload_digest", "created_at",
             "prev_hash", "hash")
    values: dict[str, sa.ColumnElement[Any]] = {name: sa.bindparam(name, type_=table.c[name].type) for name in names}
    values.update(seq=seq, prev_hash=prev_hash, hash=digest)
    select = sa.select(*(values[name] for name in names)).select_from(one.outerjoin(last, sa.true()))
    return (sa.insert(table).from_select(list(names), select)
            .returning(table.c.id, table.c.seq, table.c.prev_hash, table.c.hash))


# A new case's first entry as a part of the intake's one statement (PostgreSQL; issue 20): seq 1 after GENESIS, its
# case id taken from the statement's own case INSERT, so its hash is computed in SQL around that id.

_CASE_ID_MARK = '"case_id":0,'  # case_id in the canonical text while the id is unknown, then cut out


def first_entry(case_id: sa.ColumnElement[int]) -> sa.Insert:
    """INSERT … SELECT of a new case's first entry, `case_id` a column of the same statement's case INSERT, its hash
    SHA-256 over the canonical chained fields as `compute_hash` writes them; bound by `first_entry_parameters`.
    No lock and no read: no other transaction can see the case yet (`record`'s `new_case`)."""
    table = AuditEntry.__table__
    text = sa.func.concat(sa.bindparam("a_hash_head", type_=sa.Text()), sa.cast(case_id, sa.Text()),
                          sa.bindparam("a_hash_tail", type_=sa.Text()))
    digest = sa.func.encode(sa.func.sha256(sa.func.convert_to(text, "UTF8")), "hex")
    columns: dict[str, sa.ColumnElement[Any]] = {name: sa.bindparam(f"a_{name}", type_=table.c[name].type) for name in (
        "actor_id", "organisation_id", "action", "payload", "payload_digest", "created_at")}
    columns.update(case_id=case_id, seq=sa.literal(1), prev_hash=sa.literal(GENESIS), hash=digest)
    return sa.insert(table).from_select(list(columns), sa.select(*columns.values()))


def first_entry_parameters(action: str, payload: dict[str, Any], actor=None) -> dict[str, Any]:
    """The parameters of `first_entry` for an entry `record(case, action, payload, actor, new_case=True)` would
    write."""
    # The entry's values without an ORM object (a transient AuditEntry cost ~30 µs of a creation).
    actor_id, organisation_id = getattr(actor, "id", None), getattr(actor, "organisation_id", None)
    digest, created_at = hashlib.sha256(canonical(payload)).hexdigest(), utcnow()
    values = {"actor_id": actor_id, "organisation_id": organisation_id, "action": action, "payload": payload,
              "payload_digest": digest, "created_at": created_at}
    fields = chained_fields_of(0, 1, actor_id, organisation_id, action, digest, created_at, GENESIS)
    head, mark, tail = canonical(fields).decode().partition(_CASE_ID_MARK)
    assert mark and _CASE_ID_MARK not in tail, "the canonical text names case_id once"
    return {**{f"a_{name}": value for name, value in values.items()},
            "a_hash_head": head + '"case_id":', "a_hash_tail": "," + tail}


@dataclasses.dataclass(frozen=True)
class ChainCheck:
    """The result of recomputing a case's chain: ok, or the first broken entry and why."""

    ok: bool
    entries: int
    first_broken_seq: int | None = None
    reason: str | None = None


def verify_chain(case_id: int) -> ChainCheck:
    """Recompute every digest and link of a case's audit chain and report the first entry that does not hold."""
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.seq)
    ).all()
    prev = GENESIS
    for expected_seq, entry in enumerate(entries, start=1):
        if entry.seq != expected_seq:
            return ChainCheck(False, len(entries), entry.seq, f"sequence gap: expected {expected_seq}")
        if hashlib.sha256(canonical(entry.payload)).hexdigest() != entry.payload_digest:
            return ChainCheck(False, len(entries), entry.seq, "payload does not match its digest")
        if entry.prev_hash != prev:
            return ChainCheck(False, len(entries), entry.seq, "prev_hash does not link to the previous entry")
        if entry.compute_hash() != entry.hash:
            return ChainCheck(False, len(entries), entry.seq, "hash does not match the entry's fields")
        prev = entry.hash
    return ChainCheck(True, len(entries))
