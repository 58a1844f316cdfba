"""The content-addressed blob store of the dossiers, in the database (PostgreSQL or SQLite alike).

A blob up to `CHUNK_BYTES` is one row; a larger one (evidence, finished bundles) is written and read in rows of at
most `CHUNK_BYTES`, so storing, assembling and downloading a bundle holds one piece at a time, never the whole
(issue 16: "stream, do not hold the ZIP in memory"). A blob's row and its pieces are written in the caller's
transaction, so a blob is there whole or not at all, and a build is marked ready in the transaction that stores it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from xborder.core.timeutil import utcnow
from xborder.dossiers.models import Blob, BlobChunk
from xborder.extensions import db

CHUNK_BYTES = 1 << 20


def _insert(model):
    return {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[db.session.get_bind().dialect.name](model)


def _exists(digest: str) -> bool:
    return db.session.scalar(sa.select(Blob.sha256).where(Blob.sha256 == digest)) is not None


def _write(digest: str, size: int, pieces: Callable[[], Iterable[bytes]]) -> str:
    """Store `pieces()` (the bytes in order, each at most CHUNK_BYTES) under `digest`, once."""
    if _exists(digest):
        return digest
    # Two requests may store the same bytes at once (parallel downloads build the same bundle): the address is the
    # content, so the second insert is a no-op instead of a unique violation (PostgreSQL makes it wait for the
    # first transaction, then skip; SQLite has one writer).
    if size <= CHUNK_BYTES:
        data = b"".join(pieces())
        db.session.execute(_insert(Blob).values(sha256=digest, size=size, data=data, chunks=0, created_at=utcnow())
                           .on_conflict_do_nothing(index_elements=["sha256"]))
        return digest
    count = -(-size // CHUNK_BYTES)
    db.session.execute(_insert(Blob).values(sha256=digest, size=size, data=b"", chunks=count, created_at=utcnow())
                       .on_conflict_do_nothing(index_elements=["sha256"]))
    written = 0
    for seq, piece in enumerate(pieces()):
        db.session.execute(_insert(BlobChunk).values(sha256=digest, seq=seq, data=piece)
                           .on_conflict_do_nothing(index_elements=["sha256", "seq"]))
        written += len(piece)
    if written != size:  # the source changed under us; the transaction must not keep a wrong blob
        raise ValueError(f"blob {digest}: wrote {written} bytes of {size}")
    return digest


def _slices(data: bytes) -> Iterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(data), CHUNK_BYTES):
        yield bytes(view[start:start + CHUNK_BYTES])


def store_blob(data: bytes) -> str:
    """Store bytes under their SHA-256 (once) and return the address."""
    return _write(hashlib.sha256(data).hexdigest(), len(data), lambda: _slices(data))


def _file_pieces(source: BinaryIO) -> Iterator[bytes]:
    source.seek(0)
    while piece := source.read(CHUNK_BYTES):
        yield piece


def store_file(source: BinaryIO) -> str:
    """Store a seekable binary file's bytes (once) and return the address, reading it a piece at a time."""
    digest, size = hashlib.sha256(), 0
    for piece in _file_pieces(source):
        digest.update(piece)
        size += len(piece)
    return _write(digest.hexdigest(), size, lambda: _file_pieces(source))


def column_pieces(column, row_id: int, size: int) -> Iterator[bytes]:
    """A large binary column of the row with this `id` read a piece at a time: SQLite's incremental blob reading
    (its `substr` would load the whole value for every piece), elsewhere `substr`, which works on bytea."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        with raw.blobopen(column.table.name, column.name, row_id, readonly=True) as value:
            while piece := value.read(CHUNK_BYTES):
                yield piece
        return
    key = column.table.c.id
    for start in range(0, size, CHUNK_BYTES):
        piece = db.session.scalar(sa.select(sa.func.substr(column, start + 1, CHUNK_BYTES)).where(key == row_id))
        yield bytes(piece or b"")


def store_column(column, row_id: int, size: int, sha256: str | None = None) -> str:
    """Store a large binary column of the row with this `id` as a blob without loading it whole; `sha256`, when the
    row states it, saves the first reading pass (it is checked as the pieces are copied)."""
    if sha256 is None:
        digest = hashlib.sha256()
        for piece in column_pieces(column, row_id, size):
            digest.update(piece)
        sha256 = digest.hexdigest()
    check = hashlib.sha256()

    def copied() -> Iterator[bytes]:
        for piece in column_pieces(column, row_id, size):
            check.update(piece)
            yield piece
        if check.hexdigest() != sha256:
            raise ValueError(f"the stored bytes do not hash to {sha256}")

    if _exists(sha256):
        return sha256
    return _write(sha256, size, copied)


def size_of(digest: str) -> int:
    """The number of bytes stored under a SHA-256."""
    return db.session.scalar(sa.select(Blob.size).where(Blob.sha256 == digest))


def pieces(digest: str) -> Iterator[bytes]:
    """The bytes stored under a SHA-256, a piece of at most CHUNK_BYTES at a time (one query per piece, so neither
    the driver nor the session holds more than that)."""
    data, chunks = db.session.execute(sa.select(Blob.data, Blob.chunks).where(Blob.sha256 == digest)).one()
    if not chunks:
        yield data
        return
    del data
    for seq in range(chunks):
        yield db.session.scalar(sa.select(BlobChunk.data).where(BlobChunk.sha256 == digest, BlobChunk.seq == seq))


def piece_count(digest: str) -> int:
    """How many pieces `piece` gives for a SHA-256 (1 for a blob kept in one row)."""
    return db.session.scalar(sa.select(Blob.chunks).where(Blob.sha256 == digest)) or 1


def piece(digest: str, seq: int) -> bytes:
    """Piece `seq` (from 0) of the bytes stored under a SHA-256, at most CHUNK_BYTES."""
    chunked = db.session.scalar(sa.select(BlobChunk.data).where(BlobChunk.sha256 == digest, BlobChunk.seq == seq))
    if chunked is not None:
        return chunked
    if seq != 0:
        raise KeyError(f"blob {digest} has no piece {seq}")
    return db.session.scalar(sa.select(Blob.data).where(Blob.sha256 == digest))


def blob(digest: str) -> bytes:
    """The bytes stored under a SHA-256, whole (for the small files: manifests, records, documents)."""
    return b"".join(pieces(digest))
