"""Stage signing, hooked into the workflow: the enterprise signs stage 1 at `submit` (again, as a new round, at a
`resubmit` after rectification), the assessor stage 2 at `sign_opinion`, the province stage 3 at
`forward_to_regulator` / `record_filing` — inside the transition's own transaction, so a transition and its
signature are committed together or not at all.

Each stage adds its own files and never changes an earlier one (bundle.py's append-only rule): stage 1 adds
case.json and the enterprise's documents, stage 2 records/02-assessor.json and the opinion, stage 3
records/03-provincial.json and the provincial record. Later events (the regulator's decision) appear only in the
bundle's unsigned manifest.json summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from xborder.cases import workflow
from xborder.core import audit
from xborder.core.timeutil import utcnow
from xborder.dossiers import bundle, documents, pki, signing
from xborder.dossiers.models import Blob, Stage, StageFile
from xborder.extensions import db

STAGE_OF_ACTION = {"submit": 1, "resubmit": 1, "sign_opinion": 2, "forward_to_regulator": 3, "record_filing": 3}


def store_blob(data: bytes) -> str:
    """Store bytes under their SHA-256 (once) and return the address."""
    digest = bundle.sha256_hex(data)
    if db.session.get(Blob, digest) is None:
        # Two requests may store the same bytes at once (parallel downloads build the same bundle): the address
        # is the content, so the second insert is a no-op instead of a unique violation.
        insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[db.session.get_bind().dialect.name]
        db.session.execute(insert(Blob).values(sha256=digest, size=len(data), data=data, created_at=utcnow())
                           .on_conflict_do_nothing(index_elements=["sha256"]))
    return digest


def blob(digest: str) -> bytes:
    """The bytes stored under a SHA-256."""
    return db.session.get(Blob, digest).data


def current_round(case_id: int) -> int:
    """The round of the case's latest stage 1 (0 before the first submission)."""
    return db.session.scalar(sa.select(sa.func.max(Stage.round)).where(Stage.case_id == case_id)) or 0


def stages_of(case_id: int, round_: int | None = None) -> list[Stage]:
    """The signed stages of a round (the current one by default), in order."""
    round_ = current_round(case_id) if round_ is None else round_
    return list(db.session.scalars(sa.select(Stage).where(Stage.case_id == case_id, Stage.round == round_)
                                   .order_by(Stage.stage)))


def signed_material(stages: list[Stage]) -> tuple[dict[str, bytes], list[tuple[bytes, bytes]]]:
    """The content files the stages added and each stage's (manifest, signature), as bundle.py takes them."""
    files = {f.path: blob(f.sha256) for stage in stages for f in stage.files}
    return files, [(blob(s.manifest_sha256), blob(s.signature_sha256)) for s in stages]


def _party(org) -> dict[str, str] | None:
    return {"name": org.name, "uscc": org.uscc} if org is not None else None


def case_record(case) -> dict[str, Any]:
    """case.json of stage 1: what the enterprise declares and answers, as data."""
    from xborder.cases.presenters import evidence_list, key_point_status

    return {
        "reference": case.reference, "title": case.title, "as_of": case.as_of.isoformat() if case.as_of else None,
        "regime": case.regime, "pathway": case.pathway,
        "exporter": {"name": case.exporter.name, "uscc": case.exporter.uscc, "province": case.exporter.province,
                     **{k: (case.declaration or {}).get("exporter", {}).get(k)
                        for k in ("sector", "is_ciio", "pi_subjects_processed")}},
        "declaration_revision": case.declaration_revision, "declaration": case.declaration,
        "determination": case.determination,
        "answers_revision": case.answers_revision, "answers": case.answers or [],
        "key_points": [{k: p[k] for k in ("id", "title_zh", "title_en")} for p in key_point_status(case)],
        "risk": case.risk,
        "evidence": [{k: e[k] for k in ("filename", "sha256", "size", "key_point")} for e in evidence_list(case)],
    }


def _supplements(case) -> list[dict[str, Any]]:
    entries = db.session.scalars(sa.select(audit.AuditEntry).where(
        audit.AuditEntry.case_id == case.id, audit.AuditEntry.action == "transition.request_supplement")
        .order_by(audit.AuditEntry.seq))
    return [{"comment": e.payload.get("comment"), "at": e.created_at.isoformat()} for e in entries]


def stage_record(stage: int, case, action: str, body: Mapping[str, Any], user) -> dict[str, Any]:
    """The data file a stage adds: case.json (1), records/02-assessor.json (2), records/03-provincial.json (3)."""
    if stage == 1:
        return case_record(case)
    if stage == 2:
        return {"assessor": _party(case.assessor_org), "review": case.review or [], "risk": case.risk,
                "answers_revision": case.answers_revision, "declaration_revision": case.declaration_revision}
    return {"authority": _party(user.organisation), "action": action,
            "completeness_confirmed": body.get("completeness_confirmed"), "filing_number": body.get("filing_number"),
            "comment": body.get("comment"), "supplements": _supplements(case),
            "answers_revision": case.answers_revision, "declaration_revision": case.declaration_revision}


def _record_path(stage: int) -> str:
    return {1: "case.json", 2: "records/02-assessor.json", 3: "records/03-provincial.json"}[stage]


def sign_stage(case, stage: int, action: str, body: Mapping[str, Any], user) -> Stage:
    """Write the stage's files, its manifest chained to the earlier stages, and the signer's signature; store all."""
    round_ = current_round(case.id) + (1 if stage == 1 else 0)
    earlier = stages_of(case.id, round_) if stage > 1 else []
    if [s.stage for s in earlier] != list(range(1, stage)):
        raise ValueError(f"{case.reference}: stage {stage} needs stages 1 to {stage - 1} of round {round_} first")
    files, signed = signed_material(earlier)
    now = utcnow()
    record = stage_record(stage, case, action, body, user)
    snapshot = {**case_record(case), "stage_date": now.date().isoformat(), "assessor": _party(case.assessor_org),
                "authority": _party(user.organisation) if stage == 3 else None,
                "review": case.review or [], "provincial": record if stage == 3 else None}
    languages = ("zh", "en") if str(getattr(user, "locale", "")).startswith("en") else ("zh",)
    added = {_record_path(stage): bundle.canonical_json(record), **documents.render_stage(stage, snapshot, languages)}
    files.update(added)
    signer = pki.signer_for(user.organisation)
    manifest = bundle.next_stage_manifest(
        files, signed, signer=bundle.signer_from_certificate(signer.cert, person=user.name or user.email),
        signed_at=now)
    signature = signing.sign_detached(manifest, signer.key, signer.cert, signer.chain)
    row = Stage(case_id=case.id, round=round_, stage=stage, role=bundle.STAGE_ROLES[stage], action=action,
                manifest_sha256=store_blob(manifest), signature_sha256=store_blob(signature),
                certificate_id=signer.row.id, signed_by_id=user.id, signed_at=now)
    db.session.add(row)
    db.session.flush()
    for path, data in sorted(added.items()):
        db.session.add(StageFile(stage_id=row.id, path=path, sha256=store_blob(data), size=len(data)))
    db.session.flush()
    audit.record(case, "dossier.stage_signed", {
        "stage": stage, "round": round_, "manifest_sha256": row.manifest_sha256,
        "signature_sha256": row.signature_sha256, "certificate_sha256": signer.row.fingerprint,
        "files": sorted(added)}, user)
    return row


def on_transition(case, action: str, source: str, body: dict, user) -> None:
    """The workflow listener: sign the stage that this action completes, if any."""
    stage = STAGE_OF_ACTION.get(action)
    if stage is None or (action == "resubmit" and source != "rectification"):
        return
    sign_stage(case, stage, action, body, user)


workflow.on_transition(on_transition)
