"""Evidence uploads: size limit, type detected from the content (not the name), SHA-256 recorded."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import filetype
import sqlalchemy as sa

from xborder.cases.keypoints import applicable_key_points
from xborder.cases.models import Case, Evidence
from xborder.cases.permissions import require_party, statuses_for
from xborder.core import audit
from xborder.core.errors import ApiError, Unprocessable, field_error
from xborder.core.text import check_text, check_tree
from xborder.extensions import db

# What an answer may hold (spec/api.md): anything else would be stored and signed unread.
ANSWER_KEYS = frozenset({"key_point", "answer", "measures", "evidence", "responses"})

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES = {
    "application/pdf", "image/png", "image/jpeg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/zip", "text/plain",
}


def detect_type(data: bytes) -> str | None:
    """The media type the bytes really are; plain UTF-8 text counts as text/plain."""
    kind = filetype.guess(data)
    if kind is not None:
        return kind.mime
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain" if b"\x00" not in data else None


def add_evidence(user, case: Case, filename: str, data: bytes, key_point: str | None) -> Evidence:
    """Attach a file to the case (and optionally a key point) after checking its size and real type."""
    require_party(user, case, "add_evidence")
    if case.status not in statuses_for("add_evidence"):
        raise Unprocessable(f"Evidence cannot be added in status {case.status}", [field_error(
            "status", "not_editable", "Evidence is added while the case is a draft or was sent back to you",
            "仅在草稿或被退回整改/补充期间可以添加证明材料")])
    problems = check_text(filename or "file", "file", multiline=False, filename=True)
    if problems:
        raise Unprocessable("The file name is not accepted", problems)
    if len(data) > MAX_EVIDENCE_BYTES:
        raise ApiError(f"Evidence is limited to {MAX_EVIDENCE_BYTES} bytes", [field_error(
            "file", "too_large", f"The file is larger than {MAX_EVIDENCE_BYTES // 1048576} MiB",
            f"文件超过 {MAX_EVIDENCE_BYTES // 1048576} MiB 上限")], status=413)
    if not data:
        raise Unprocessable("The file is empty", [field_error("file", "empty", "The file is empty", "文件为空")])
    content_type = detect_type(data)
    if content_type not in ALLOWED_TYPES:
        raise Unprocessable("This kind of file is not accepted", [field_error(
            "file", "type", "Accepted: PDF, PNG, JPEG, DOCX, XLSX, ZIP or UTF-8 text",
            "仅接受 PDF、PNG、JPEG、DOCX、XLSX、ZIP 或 UTF-8 文本文件")])
    if key_point is not None:
        if key_point not in {p["id"] for p in applicable_key_points(case)}:
            raise Unprocessable("Unknown key point", [field_error(
                "key_point", "unknown_key_point", f"{key_point} does not apply to this case",
                f"评估重点 {key_point} 不适用于本案件")])
    digest = hashlib.sha256(data).hexdigest()
    row = Evidence(case_id=case.id, key_point=key_point, filename=(filename or "file")[:255],
                   content_type=content_type, size=len(data), sha256=digest, data=data, uploaded_by_id=user.id)
    db.session.add(row)
    db.session.flush()
    audit.record(case, "evidence.added", {"evidence_id": row.id, "filename": row.filename, "sha256": digest,
                                          "key_point": key_point}, user)
    return row


def evidence_list(case: Case) -> list[dict[str, Any]]:
    """The case's evidence, without the bytes."""
    rows = db.session.scalars(sa.select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.id)).all()
    return [evidence_summary(e) for e in rows]


def evidence_summary(e: Evidence) -> dict[str, Any]:
    """One evidence row as JSON."""
    return {"id": e.id, "key_point": e.key_point, "filename": e.filename, "content_type": e.content_type,
            "size": e.size, "sha256": e.sha256, "created_at": e.created_at.isoformat()}


_SUMMARY_COLUMNS = ("id", "key_point", "filename", "content_type", "size", "sha256", "created_at")


def evidence_aggregate(dialect: str) -> sa.ScalarSelect:
    """A correlated subquery giving the case's evidence as one JSON array of `[id, key_point, …, created_at]` arrays
    (`evidence_from_aggregate` reads it), so that a case and its evidence come back in one round trip."""
    columns = [Evidence.__table__.c[name] for name in _SUMMARY_COLUMNS]
    if dialect == "postgresql":
        rows = sa.func.coalesce(sa.func.json_agg(sa.func.json_build_array(*columns)), sa.literal_column("'[]'::json"))
    else:
        rows = sa.func.json_group_array(sa.func.json_array(*columns))
    return sa.select(sa.type_coerce(rows, sa.JSON)).where(Evidence.__table__.c.case_id == Case.__table__.c.id) \
        .scalar_subquery()


def evidence_from_aggregate(rows: list[list[Any]] | None) -> list[dict[str, Any]]:
    """`evidence_list`'s answer from `evidence_aggregate`'s array. Its times are the database's JSON text of the
    stored value (PostgreSQL: ISO 8601 in the session's time zone; SQLite: the stored text), read back into the
    datetime the ORM would have given; tests/api/test_transition_reads.py holds the two equal."""
    return [dict(zip(_SUMMARY_COLUMNS[:-1], row[:-1], strict=True),
                 created_at=dt.datetime.fromisoformat(row[-1]).isoformat())
            for row in sorted(rows or (), key=lambda row: row[0])]


def answer_problems(case: Case, answers: list) -> list[dict[str, str]]:
    """What the key-point check leaves to the case: keys an answer may not have, `evidence` naming anything but
    this case's own evidence, and control characters in any text (they break the documents and e-mails)."""
    errors: list[dict[str, str]] = []
    own: set[int] | None = None
    for index, answer in enumerate(answers):
        if not isinstance(answer, dict):
            continue
        for key in sorted(set(answer) - ANSWER_KEYS, key=str):
            errors.append(field_error(f"answers/{index}/{key}", "unknown_field", "Unknown field", "未知字段"))
        for position, item in enumerate(answer.get("evidence") or []):
            if own is None:
                own = set(db.session.scalars(sa.select(Evidence.id).where(Evidence.case_id == case.id)))
            if type(item) is not int or item not in own:
                errors.append(field_error(f"answers/{index}/evidence/{position}", "unknown_evidence",
                                          "Not the id of this case's evidence", "不是本案件证明材料的编号"))
    return errors + check_tree(answers, "answers")
