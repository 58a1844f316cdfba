"""Stage signing, hooked into the workflow: the enterprise signs stage 1 at `submit` (again, as a new round, at a
`resubmit` after rectification), the assessor stage 2 at `sign_opinion`, the province stage 3 at
`forward_to_regulator` / `record_filing` and stage 4, the regulator's decision, at `record_decision` — inside the
transition's own transaction, so a transition and its signature are committed together or not at all.

Two stages extend dossier.md's four (bundle.py, `CHAINS`). A certification case never reaches the province and has
no regulator's decision: its result is the certificate, which the enterprise records (`record_certificate`) and
signs as stage 5, records/05-certificate.json (number, body, issue date, valid until, renewal due) and its document,
chained straight to the assessor's stage 2. An approved case's extension (`record_extension`) is a further decision
of the authority, signed by the official as stage 6 after stage 4 (the second extension as stage 6 revision 2, …):
records/06-extension.json with the decision number and date and the new end of validity, which the bundle's summary
then states (`valid_until` comes from the latest of stages 6, 5, 4).

Each stage adds its own files and never changes an earlier one (bundle.py's append-only rule): stage 1 adds
case.json and the enterprise's documents, stage 2 records/02-assessor.json and the opinion, stage 3
records/03-provincial.json and the provincial record, stage 4 records/04-decision.json. Each record states the
status its action reached, so the bundle's summary comes from signed stages only.

No signature outlives its content (workflow.md): a `resubmit` after a supplement that changes what the enterprise
signed signs stage 1 again as a new revision, in a new round that continues the earlier round's chain (its stage 1
manifest has a `previous`); the assessor's stage 2 then covered an earlier revision, which verify and the
official's page show as a stale sign-off.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from xborder.cases import materials
from xborder.cases.evidence import evidence_list
from xborder.cases.keypoints import key_point_status
from xborder.cases.models import Evidence
from xborder.cases.models.status import CaseStatus
from xborder.core import audit
from xborder.core.timeutil import utcnow
from xborder.dossiers import blobs, bundle, documents, pki, signing
from xborder.dossiers.blobs import blob, store_blob
from xborder.dossiers.models import Stage, StageFile
from xborder.extensions import db

STAGE_OF_ACTION = {"submit": 1, "resubmit": 1, "sign_opinion": 2, "forward_to_regulator": 3, "record_filing": 3,
                   "record_decision": 4, "record_certificate": 5, "record_extension": 6}


def current_round(case_id: int) -> int:
    """The round of the case's latest stage 1 (0 before the first submission)."""
    return db.session.scalar(sa.select(sa.func.max(Stage.round)).where(Stage.case_id == case_id)) or 0


def stages_of(case_id: int, round_: int | None = None) -> list[Stage]:
    """The signed stages of a round (the current one by default), in order."""
    round_ = current_round(case_id) if round_ is None else round_
    return list(db.session.scalars(sa.select(Stage).where(Stage.case_id == case_id, Stage.round == round_)
                                   .order_by(Stage.stage)))


def continues_chain(row: Stage) -> bool:
    """True for the first stage of a round that continues the earlier round's chain: a revision of stage 1 (signed
    after a supplement) or of stage 6 (a later extension); a round after rectification starts afresh."""
    return json.loads(blob(row.manifest_sha256)).get("previous") is not None


def chain_of(case_id: int, round_: int | None = None) -> list[Stage]:
    """The signed stages the case's bundle carries, in signing order: the round's own stages, after the earlier
    round's when the round began with a revision of stage 1."""
    round_ = current_round(case_id) if round_ is None else round_
    rows = stages_of(case_id, round_)
    if rows and round_ > 1 and continues_chain(rows[0]):
        return chain_of(case_id, round_ - 1) + rows
    return rows


def chain_slots(chain: list[Stage]) -> list[tuple[int, int]]:
    """The (stage, revision) of each stage of a chain, as the bundle names them."""
    return bundle.chain_slots([row.stage for row in chain])


def revision_report(case_id: int) -> dict[str, Any]:
    """Which revision of the enterprise's stage each later stage covered, for the pages: the newest revision and
    the later stages that covered an older one (stale sign-offs)."""
    slots = chain_slots(chain_of(case_id))
    newest = max((revision for stage, revision in slots if stage == 1), default=0)
    covered, stale, stages = 1, [], []
    for stage, revision in slots:
        if stage == 1:
            covered = revision
            continue
        stages.append({"stage": stage, "revision": covered})
        if covered < newest:
            stale.append({"stage": stage, "role": bundle.STAGE_ROLES[stage], "revision": covered})
    return {"newest": newest, "stages": stages, "stale": stale}


def signed_material(stages: list[Stage]) -> tuple[bundle.LazyFiles, list[tuple[bytes, bytes]]]:
    """The content files the stages added (loaded only when read: evidence files may be large) and each stage's
    (manifest, signature), as bundle.py takes them."""
    files = bundle.LazyFiles({f.path: (f.sha256, f.size) for stage in stages for f in stage.files}, blob,
                             blobs.pieces)
    return files, [(blob(s.manifest_sha256), blob(s.signature_sha256)) for s in stages]


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:]")


def evidence_path(row: Evidence) -> str:
    """Where an evidence file (or filing material) sits in the bundle: evidence/<id>-<its name>, the name made safe
    for a ZIP path (no slash, backslash, colon or control character; not `.` or `..`) and kept short."""
    name = _UNSAFE_NAME.sub("_", row.filename).strip() or "file"
    name = "_" + name if name in (".", "..") else name
    return f"evidence/{row.id:06d}-{name[-120:]}"


def new_evidence(case, files: Mapping[str, bytes]) -> dict[str, tuple[str, int]]:
    """Store the case's evidence files no earlier stage of the chain included (dossier.md: each is listed in the
    stage that first included it), each copied a piece at a time; their paths and (SHA-256, size)."""
    rows = db.session.execute(sa.select(Evidence.id, Evidence.filename, Evidence.size, Evidence.sha256)
                              .where(Evidence.case_id == case.id).order_by(Evidence.id))
    stored = {}
    for row in rows.all():
        path = evidence_path(row)
        if path not in files:
            stored[path] = (blobs.store_column(Evidence.data, row.id, row.size, row.sha256), row.size)
    return stored


def _party(org) -> dict[str, str] | None:
    return {"name": org.name, "uscc": org.uscc} if org is not None else None


def case_record(case) -> dict[str, Any]:
    """case.json of stage 1: what the enterprise declares and answers, as data."""
    return {
        "reference": case.reference, "title": case.title, "as_of": case.as_of.isoformat() if case.as_of else None,
        "regime": case.regime, "pathway": case.pathway, "status": case.status,
        "exporter": {"name": case.exporter.name, "uscc": case.exporter.uscc, "province": case.exporter.province,
                     **{k: (case.declaration or {}).get("exporter", {}).get(k)
                        for k in ("sector", "is_ciio", "pi_subjects_processed")}},
        "declaration_revision": case.declaration_revision, "declaration": case.declaration,
        "determination": case.determination,
        "answers_revision": case.answers_revision, "answers": case.answers or [],
        "key_points": [{k: p[k] for k in ("id", "title_zh", "title_en")} for p in key_point_status(case)],
        "risk": case.risk,
        "evidence": [{k: e[k] for k in ("filename", "sha256", "size", "key_point")} for e in evidence_list(case)],
        # The filing materials and where each file is in the bundle; when the self-assessment was completed.
        "materials": [{**materials.item(row), "path": evidence_path(row)} for row in materials.attached(case)],
        "assessment_completed_on": (case.workflow or {}).get("assessment_completed_on"),
        "profile": case.profile_snapshot,
        # The transfer details (cases/facts.py), only once typed: a case without them signs what it always signed.
        **({"facts": case.facts} if case.facts else {}),
    }


def _supplements(case) -> list[dict[str, Any]]:
    entries = db.session.scalars(sa.select(audit.AuditEntry).where(
        audit.AuditEntry.case_id == case.id, audit.AuditEntry.action == "transition.request_supplement")
        .order_by(audit.AuditEntry.seq))
    return [{"comment": e.payload.get("comment"), "at": e.created_at.isoformat()} for e in entries]


def _rectifications(case) -> list[dict[str, Any]]:
    """Each rectification round (request, key points, resubmission), for the assessor's opinion (issue 16)."""
    entries = db.session.scalars(sa.select(audit.AuditEntry).where(
        audit.AuditEntry.case_id == case.id, audit.AuditEntry.action.in_(
            ("transition.request_rectification", "transition.resubmit"))).order_by(audit.AuditEntry.seq))
    rounds: list[dict[str, Any]] = []
    for entry in entries:
        if entry.action == "transition.request_rectification":
            rounds.append({"comment": entry.payload.get("comment"), "key_points": entry.payload.get("key_points"),
                           "at": entry.created_at.isoformat()})
        elif rounds and "resubmitted_at" not in rounds[-1]:
            rounds[-1]["resubmitted_at"] = entry.created_at.isoformat()
    return rounds


def stage_record(stage: int, case, action: str, body: Mapping[str, Any], user, covers: int = 1) -> dict[str, Any]:
    """The data file a stage adds: case.json (1), records/02-assessor.json (2), records/03-provincial.json (3),
    records/04-decision.json (4); a later stage names the revision of stage 1 it covered (`enterprise_revision`)."""
    if stage == 1:
        return case_record(case)
    revisions = {"answers_revision": case.answers_revision, "declaration_revision": case.declaration_revision,
                 "enterprise_revision": covers, "status": case.status}
    if stage == 2:
        return {"assessor": _party(case.assessor_org), "review": case.review or [], "risk": case.risk, **revisions}
    if stage == 4:
        decision = (case.workflow or {}).get("decision") or {}
        return {"authority": _party(user.organisation), "action": action,
                **{k: decision.get(k) for k in ("decision", "decision_number", "decision_date",
                                                "result_received_date")},
                "valid_until": case.valid_until.isoformat() if case.valid_until else None, **revisions}
    if stage == 5:
        return {"enterprise": _party(case.exporter), "action": action, **certificate_facts(case), **revisions}
    if stage == 6:
        return {"authority": _party(user.organisation), "action": action, **extension_facts(case), **revisions}
    return {"authority": _party(user.organisation), "action": action,
            "completeness_confirmed": body.get("completeness_confirmed"), "filing_number": body.get("filing_number"),
            "comment": body.get("comment"), "supplements": _supplements(case), **revisions}


def certificate_facts(case) -> dict[str, Any]:
    """The certificate as recorded (record_certificate): number, the body by its id and Chinese name, issue date,
    end of validity and renewal deadline (pi-cert-measures-2025 art 8)."""
    from xborder.law.mechanism import certification_bodies

    certificate = (case.workflow or {}).get("certificate") or {}
    body = certificate.get("certification_body")
    return {"certificate_number": certificate.get("certificate_number"), "certification_body": body,
            "certification_body_name": (certification_bodies().get(body) or {}).get("name_zh"),
            **{k: certificate.get(k) for k in ("issued_on", "valid_until", "renewal_due")}}


def extension_facts(case) -> dict[str, Any]:
    """The latest extension decision as recorded (record_extension): its number and date, the end of validity it
    replaced and the new one."""
    extension = ((case.workflow or {}).get("extensions") or [{}])[-1]
    return {k: extension.get(k) for k in ("decision_number", "decision_date", "previous_valid_until", "valid_until")}


def _record_path(stage: int, revision: int) -> str:
    return bundle.record_path(stage, revision)


def _earlier_stages(case, stage: int, revision: bool) -> tuple[int, list[Stage]]:
    """The round the new stage goes in and the chain before it, refusing a stage out of order."""
    if stage == 1 and not revision:
        return current_round(case.id) + 1, []
    if revision:
        chain = chain_of(case.id)
        if [row.stage for row in chain if row.stage != 1] != [2]:
            raise ValueError(f"{case.reference}: a revision of stage 1 follows the assessor's stage 2, before stage 3")
        return current_round(case.id) + 1, chain
    chain = chain_of(case.id)
    slots = chain_slots(chain)
    if not chain or bundle.chain_problem(bundle.chain_slots([row.stage for row in chain] + [stage])) is not None:
        raise ValueError(f"{case.reference}: stage {stage} cannot follow stages {slots}")
    # A stage signed again (a later extension) opens a round of its own, continuing the chain: a round holds each
    # stage once (dossier_stages is unique by case, round and stage).
    again = any(row.stage == stage for row in chain)
    return current_round(case.id) + again, chain


def _document_path(stage: int, path: str, number: int) -> str:
    """Where a stage's document goes: stage 1's revision N under revisions/N/, a later extension's with its number
    (documents/06-延期决定记录-2.docx), so no signed file is ever replaced."""
    if stage != 6 or number == 1:
        return bundle.revision_path(path, number)
    stem, dot, suffix = path.rpartition(".")
    return f"{stem}-{number}{dot}{suffix}"


def sign_stage(case, stage: int, action: str, body: Mapping[str, Any], user, *, revision: bool = False) -> Stage:
    """Write the stage's files, its manifest chained to the earlier stages, and the signer's signature; store all
    (`revision`: sign stage 1 again over changed content, continuing the chain)."""
    round_, earlier = _earlier_stages(case, stage, revision)
    files, signed = signed_material(earlier)
    slots = chain_slots(earlier)
    # Stages 1 and 6 are signed again as revisions (bundle.REVISED_STAGES): this one's number in the chain.
    number = max((r for s, r in slots if s == stage), default=0) + 1 if stage in bundle.REVISED_STAGES else 1
    covers = max((r for s, r in slots if s == 1), default=1)
    now = utcnow()
    record = stage_record(stage, case, action, body, user, covers)
    snapshot = {**case_record(case), "stage_date": now.date().isoformat(), "assessor": _party(case.assessor_org),
                "authority": _party(user.organisation) if stage in (3, 6) else None,
                "review": case.review or [], "provincial": record if stage == 3 else None,
                "rectifications": _rectifications(case) if stage == 2 else [],
                "mechanism": getattr(case, "mechanism", None),
                "certificate": record if stage == 5 else None, "extension": record if stage == 6 else None}
    languages = ("zh", "en") if str(getattr(user, "locale", "")).startswith("en") else ("zh",)
    added = {_record_path(stage, number): bundle.canonical_json(record),
             **{_document_path(stage, path, number): data
                for path, data in documents.render_stage(stage, snapshot, languages).items()}}
    evidence = new_evidence(case, files)
    files.update(added)
    for path, (digest, size) in evidence.items():
        files.add_stored(path, digest, size)
    signer = pki.signer_for(user.organisation, user)
    manifest = bundle.next_stage_manifest(
        files, signed, signer=bundle.signer_from_certificate(signer.cert, person=user.name or user.email),
        signed_at=now, stage=stage)
    signature = signing.sign_detached(manifest, signer.key, signer.cert, signer.chain)
    row = Stage(case_id=case.id, round=round_, stage=stage, role=bundle.STAGE_ROLES[stage], action=action,
                manifest_sha256=store_blob(manifest), signature_sha256=store_blob(signature),
                certificate_id=signer.row.id, signed_by_id=user.id, signed_at=now)
    db.session.add(row)
    db.session.flush()
    for path, data in sorted(added.items()):
        db.session.add(StageFile(stage_id=row.id, path=path, sha256=store_blob(data), size=len(data)))
    for path, (digest, size) in sorted(evidence.items()):
        db.session.add(StageFile(stage_id=row.id, path=path, sha256=digest, size=size))
    db.session.flush()
    audit.record(case, "dossier.stage_signed", {
        "stage": stage, "round": round_, "revision": number, "manifest_sha256": row.manifest_sha256,
        "signature_sha256": row.signature_sha256, "certificate_sha256": signer.row.fingerprint,
        "files": sorted([*added, *evidence])}, user)
    return row


def _changed_since_signed(case) -> bool:
    """Whether stage 1's content (declaration, answers, evidence, …) differs from the newest revision signed."""
    chain = chain_of(case.id)
    slots = chain_slots(chain)
    newest = max((r for s, r in slots if s == 1), default=0)
    if not newest:
        return True
    files, _ = signed_material(chain)
    signed = json.loads(files[bundle.case_record_path(newest)])
    now = case_record(case)
    return {k: v for k, v in signed.items() if k != "status"} != {k: v for k, v in now.items() if k != "status"}


def on_transition(case, action: str, source: str, body: dict, user) -> None:
    """The workflow listener: sign the stage that this action completes, if any; after a supplement, sign stage 1
    again if the enterprise changed what it had signed."""
    stage = STAGE_OF_ACTION.get(action)
    if stage is None:
        return
    if action == "resubmit" and source != CaseStatus.RECTIFICATION:
        if _changed_since_signed(case):
            sign_stage(case, 1, action, body, user, revision=True)
        return
    sign_stage(case, stage, action, body, user)
