"""The dossier ZIP of dossier.md, built as pure data: bytes in, byte-identical bytes out for the same inputs.

What a stage manifest lists: every content file of the dossier as it stands when that stage signs (case.json,
documents/…), plus the manifest and signature of every earlier stage. It never lists itself, later stages,
`manifest.json` (the unsigned index, rewritten at every stage) or `certs/` (trust anchors cannot vouch for
themselves). Files are append-only: a path listed by one stage keeps its exact bytes in every later stage and in
the bundle, and the last stage lists every content file in the bundle, so the last signature covers everything
except the index and the anchors.

Revisions: when the enterprise changes its submission after the assessor signed (a supplement), it signs stage 1
again as revision 2, 3, … (`stages/01-enterprise-r2.json`, content under `revisions/2/`), chained after the stage
before it like any other stage. The chain runs 1, 2, 1-r2, 1-r3, …, 3, 4; each later stage covered the newest
revision before it, so the stages themselves show which revision each sign-off saw.

The case summary in manifest.json holds only facts from the signed records (`summary_from_files`), so a verifier
recomputes it and refuses any other summary.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any, BinaryIO

from cryptography import x509

from xborder.dossiers import signing

FORMAT = "xborder-dossier/1"
MANIFEST = "manifest.json"
CA_PATH = "certs/ca.pem"
CRL_PATH = "certs/crl.pem"
# Stages 5 and 6 extend dossier.md's four compatibly (a bundle of stages 1-4 is unchanged): a certification case has
# no provincial stage and no regulator's decision — its result is the certificate the enterprise records
# (record_certificate), signed as stage 5 straight after the assessor's stage 2; an approved case's extensions
# (record_extension) are the authority's further decisions, each signed as stage 6 (revision 2, 3, … for the second,
# third, …) after stage 4. Each number keeps one role, one file stem and one record, so a stage file says what it is.
STAGE_ROLES = {1: "enterprise", 2: "assessor", 3: "provincial_official", 4: "provincial_official", 5: "enterprise",
               6: "provincial_official"}
STAGE_STEMS = {1: "01-enterprise", 2: "02-assessor", 3: "03-provincial", 4: "04-decision", 5: "05-certificate",
               6: "06-extension"}
# The signed data record each stage adds (stage 1's is case.json, or revisions/N/case.json for revision N).
RECORD_PATHS = {2: "records/02-assessor.json", 3: "records/03-provincial.json", 4: "records/04-decision.json",
                5: "records/05-certificate.json", 6: "records/06-extension.json"}
# The stages signed more than once: the enterprise's after a supplement, the authority's extension per extension.
REVISED_STAGES = (1, 6)
# The stages (first revisions) a chain may consist of, in order: a prefix of the assessment or filing route, the
# certification route, or an approved case's extensions.
CHAINS = ((1, 2, 3, 4, 6), (1, 2, 5))
MAX_REVISIONS = 50
STAGE_FILE = re.compile(r"stages/(0[1-6])-[a-z]+(?:-r([1-9][0-9]*))?\.(?:json|p7s)")
STAGE_KEYS = frozenset({"stage", "role", "signer", "signed_at", "files", "previous"})
SIGNER_REQUIRED = ("organisation", "uscc", "certificate_sha256")
# The earliest time a ZIP header can hold; any fixed value makes the archive reproducible.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f\\:]")


class BundleError(ValueError):
    """The inputs cannot make a dossier that verifies; the message says which file or stage and why."""


class LazyFiles(MutableMapping[str, bytes]):
    """Dossier files whose bytes are loaded only when read, one at a time (evidence files may be large): each path
    maps to the SHA-256 its bytes are stored under (content-addressed, so the address is the digest), and `load`
    fetches them. Files set afterwards are held in memory like a dict's. With `stream` (a SHA-256 to its bytes in
    pieces), `pieces` and the ZIP writer read a stored file a piece at a time, never whole."""

    def __init__(self, stored: Mapping[str, tuple[str, int]], load: Callable[[str], bytes],
                 stream: Callable[[str], Iterable[bytes]] | None = None):
        self._stored = dict(stored)  # path -> (sha256, size)
        self._load = load
        self._stream = stream
        self._held: dict[str, bytes] = {}

    def __getitem__(self, path: str) -> bytes:
        if path in self._held:
            return self._held[path]
        return self._load(self._stored[path][0])

    def __setitem__(self, path: str, data: bytes) -> None:
        self._stored.pop(path, None)
        self._held[path] = data

    def __delitem__(self, path: str) -> None:
        if self._held.pop(path, None) is None:
            del self._stored[path]

    def __iter__(self) -> Iterator[str]:
        return iter([*self._stored, *self._held])

    def __len__(self) -> int:
        return len(self._stored) + len(self._held)

    def __contains__(self, path: object) -> bool:
        return path in self._stored or path in self._held

    def copy(self) -> LazyFiles:
        """A copy sharing the loader; files set on it do not reach this one."""
        other = LazyFiles(self._stored, self._load, self._stream)
        other._held = dict(self._held)
        return other

    def add_stored(self, path: str, sha256: str, size: int) -> None:
        """Add a file already stored under its SHA-256, without reading it."""
        self._held.pop(path, None)
        self._stored[path] = (sha256, size)

    def size(self, path: str) -> int:
        """A file's size, without loading a stored one."""
        return len(self._held[path]) if path in self._held else self._stored[path][1]

    def pieces(self, path: str) -> Iterable[bytes]:
        """A file's bytes in order, a piece at a time when its store can stream it."""
        if path in self._held or self._stream is None:
            return [self[path]]
        return self._stream(self._stored[path][0])

    def digest(self, path: str) -> tuple[str, int]:
        """The SHA-256 and size of a file, without loading a stored one."""
        if path in self._held:
            return sha256_hex(self._held[path]), len(self._held[path])
        return self._stored[path]


def digest_of(files: Mapping[str, bytes], path: str) -> tuple[str, int]:
    """The SHA-256 and size of one file of `files` (a stored file of `LazyFiles` is not loaded)."""
    if isinstance(files, LazyFiles):
        return files.digest(path)
    data = files[path]
    return sha256_hex(data), len(data)


def canonical_json(value: Any) -> bytes:
    """Serialise as the one byte form xborder signs and checks: sorted keys, 2-space indent, UTF-8, final newline."""
    return (json.dumps(value, sort_keys=True, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode()


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of the bytes in lower-case hex, as manifests and `sha256sum` write it."""
    return hashlib.sha256(data).hexdigest()


def path_problem(path: object) -> str | None:
    """Say why a path may not name a file in a dossier (absolute, `..`, backslash, …), or None if it may."""
    if not isinstance(path, str) or not path:
        return "empty or not text"
    if len(path) > 512:
        return "longer than 512 characters"
    if path.startswith("/"):
        return "absolute"
    if _UNSAFE_CHARS.search(path):
        return "contains a backslash, colon or control character"
    if any(part in ("", ".", "..") for part in path.split("/")):
        return "has an empty, '.' or '..' segment"
    return None


def stage_paths(stage: int, revision: int = 1) -> tuple[str, str]:
    """The manifest and signature paths of a stage, e.g. stages/01-enterprise.json and .p7s (-r2 for revision 2)."""
    if stage not in STAGE_STEMS:
        raise BundleError(f"there is no stage {stage}; stages are 1 to {len(STAGE_STEMS)}")
    if revision != 1 and (stage not in REVISED_STAGES or not 1 < revision <= MAX_REVISIONS):
        raise BundleError(f"only stages {' and '.join(map(str, REVISED_STAGES))} have revisions (2 to "
                          f"{MAX_REVISIONS}), not stage {stage}")
    stem = f"stages/{STAGE_STEMS[stage]}" + (f"-r{revision}" if revision > 1 else "")
    return f"{stem}.json", f"{stem}.p7s"


def slot_order(slot: tuple[int, int]) -> tuple[int, int]:
    """Where a (stage, revision) stands in the chain: 1, 2, then stage 1's revisions, then 3, 4, 5 and stage 6's
    revisions in order."""
    stage, revision = slot
    return (2, revision) if stage == 1 and revision > 1 else (stage, revision)


def chain_slots(stage_numbers: Sequence[int]) -> list[tuple[int, int]]:
    """The (stage, revision) of each stage of a chain, from the stage numbers in signing order."""
    slots, seen = [], dict.fromkeys(REVISED_STAGES, 0)
    for number in stage_numbers:
        if number in seen:
            seen[number] += 1
        slots.append((number, seen.get(number, 1)))
    return slots


def chain_problem(slots: Sequence[tuple[int, int]]) -> str | None:
    """Why a chain of (stage, revision) in signing order cannot be a dossier's, or None: it must follow one of
    `CHAINS` without gaps, stage 1's revisions after stage 2 and before the later stages, stage 6's after it."""
    base = tuple(stage for stage, revision in slots if revision == 1)
    if list(slots) != sorted(slots, key=slot_order) or not any(base == chain[:len(base)] for chain in CHAINS):
        return f"stages must run 1, 2, stage 1's revisions, then 3, 4, 6 (or 5 for a certificate); got {list(slots)}"
    for stage in REVISED_STAGES:
        revisions = [revision for number, revision in slots if number == stage]
        if revisions != list(range(1, len(revisions) + 1)):
            return f"stage {stage}'s revisions must run 1, 2, … without gaps; got {revisions}"
    if any(stage == 1 and revision > 1 for stage, revision in slots) and len(base) < 2:
        return "a revision of stage 1 answers a request after the assessor signed: it needs stage 2 before it"
    return None


def record_path(stage: int, revision: int = 1) -> str:
    """Where a stage's signed record is: case.json (revisions/N/case.json) for stage 1, records/0N-….json (with
    -rN for a later revision of stage 6) for the others."""
    if stage == 1:
        return case_record_path(revision)
    path = RECORD_PATHS[stage]
    return path if revision == 1 else path.replace(".json", f"-r{revision}.json")


def case_record_path(revision: int) -> str:
    """Where a revision of stage 1 keeps case.json: case.json, then revisions/N/case.json."""
    return "case.json" if revision == 1 else f"revisions/{revision}/case.json"


def revision_path(path: str, revision: int) -> str:
    """A stage-1 content path as revision N stores it (revisions/N/…), so earlier revisions keep their bytes."""
    return path if revision == 1 else f"revisions/{revision}/{path}"


def summary_from_files(files: Mapping[str, bytes], slots: Sequence[tuple[int, int]]) -> dict[str, Any]:
    """The case summary of manifest.json, taken only from the signed records of the chain's stages (dossier.md:
    every fact the summary states is in a signed stage), so anyone can recompute it."""
    def record(path: str) -> dict[str, Any]:
        try:
            value = json.loads(files[path])
        except (KeyError, ValueError, RecursionError):
            return {}
        return value if isinstance(value, dict) else {}

    newest = max((revision for stage, revision in slots if stage == 1), default=1)
    case = record(case_record_path(newest))
    # The newest revision of each stage (slots are in signing order, so a later revision replaces an earlier one).
    records = {stage: record(record_path(stage, revision)) for stage, revision in slots if stage != 1}
    last = slots[-1] if slots else (1, 1)
    status = (case if last[0] == 1 else records.get(last[0], {})).get("status")
    exporter = case.get("exporter") if isinstance(case.get("exporter"), dict) else {}
    decision = records.get(4, {})
    # The validity the latest result gave: an extension's, else the certificate's, else the decision's.
    result = next((records[stage] for stage in (6, 5, 4) if stage in records), {})
    return {
        "reference": case.get("reference"), "title": case.get("title"), "exporter": exporter.get("name"),
        "uscc": exporter.get("uscc"), "pathway": case.get("pathway"), "status": status,
        "filing_number": records.get(3, {}).get("filing_number"),
        "decision": {k: decision[k] for k in ("decision", "decision_number", "decision_date") if decision.get(k)}
        or None,
        "valid_until": result.get("valid_until"),
    }


def is_reserved(path: str) -> bool:
    """True for the paths the bundle itself writes (index, anchors, stage files), which content may not use."""
    return path == MANIFEST or path.startswith(("certs/", "stages/"))


def file_entries(files: Mapping[str, bytes]) -> list[dict[str, Any]]:
    """The `files` list of a manifest: path, SHA-256 and size of each file, sorted by path."""
    entries = []
    for path in sorted(files):
        digest, size = digest_of(files, path)
        entries.append({"path": path, "sha256": digest, "bytes": size})
    return entries


def format_time(value: dt.datetime) -> str:
    """An aware datetime as the UTC timestamp manifests carry, e.g. 2025-03-01T08:00:00Z."""
    if value.tzinfo is None:
        raise ValueError("signed_at must be timezone-aware")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def signer_from_certificate(cert: x509.Certificate, *, person: str | None = None) -> dict[str, str]:
    """The `signer` of a stage manifest, taken from the signing certificate (and optionally who pressed sign)."""
    signer = {
        "organisation": signing.certificate_organisation(cert),
        "uscc": signing.certificate_uscc(cert),
        "certificate_sha256": signing.certificate_sha256(cert),
    }
    if person:
        signer["person"] = person
    return signer


def previous_link(manifest: bytes, signature: bytes) -> dict[str, str]:
    """The `previous` of the next stage: the SHA-256 of this stage's exact manifest and signature bytes."""
    return {"manifest_sha256": sha256_hex(manifest), "signature_sha256": sha256_hex(signature)}


def stage_manifest(
    stage: int,
    role: str,
    signer: Mapping[str, str],
    signed_at: dt.datetime,
    files: Mapping[str, bytes],
    previous: Mapping[str, str] | None,
    *,
    earlier_slots: Sequence[tuple[int, int]] | None = None,
) -> bytes:
    """The exact bytes a stage signs; `files` holds every file at that stage, earlier stage files included
    (`earlier_slots`: the (stage, revision) before it in the chain, by default stages 1 to stage - 1)."""
    stage_paths(stage)  # refuses a stage number outside 1..4
    if role != STAGE_ROLES[stage]:
        raise BundleError(f"stage {stage} is signed by {STAGE_ROLES[stage]}, not {role}")
    slots = [(number, 1) for number in range(1, stage)] if earlier_slots is None else list(earlier_slots)
    if (previous is None) != (not slots):
        raise BundleError("only the first stage has no previous stage" if previous is not None
                          else f"stage {stage} needs previous")
    missing = [key for key in SIGNER_REQUIRED if not signer.get(key)]
    if missing or not all(isinstance(value, str) for value in signer.values()):
        raise BundleError(f"signer needs text values for {', '.join(SIGNER_REQUIRED)}")
    earlier = {path for slot in slots for path in stage_paths(*slot)}
    for path in files:
        if problem := path_problem(path):
            raise BundleError(f"{path!r}: {problem}")
        if is_reserved(path) and path not in earlier:
            raise BundleError(f"{path}: a stage lists content and earlier stages only ({path} is not one)")
    if not earlier <= set(files):
        raise BundleError(f"stage {stage} must list the earlier stages' files: {sorted(earlier - set(files))}")
    return canonical_json({
        "stage": stage,
        "role": role,
        "signer": dict(signer),
        "signed_at": format_time(signed_at),
        "files": file_entries(files),
        "previous": dict(previous) if previous is not None else None,
    })


def _parse_stage(position: int, manifest: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(manifest)
    except ValueError as exc:
        raise BundleError(f"stage manifest {position} is not JSON: {exc}") from None
    if not isinstance(parsed, dict) or parsed.get("stage") not in STAGE_STEMS:
        raise BundleError(f"stage manifest {position} names no stage 1 to {len(STAGE_STEMS)}")
    return parsed


def stage_slots(stages: Sequence[tuple[bytes, bytes]]) -> list[tuple[int, int]]:
    """The (stage, revision) of each (manifest, signature) of a chain, refusing a chain out of order."""
    slots = chain_slots([_parse_stage(position, manifest)["stage"]
                         for position, (manifest, _) in enumerate(stages, start=1)])
    if problem := chain_problem(slots):
        raise BundleError(problem)
    return slots


def _check_files_kept(stage: int, listed: list[dict[str, Any]], files: Mapping[str, bytes]) -> None:
    for entry in listed:
        if entry["path"] not in files or digest_of(files, entry["path"])[0] != entry["sha256"]:
            raise BundleError(f"{entry['path']} was signed at stage {stage} and is now missing or changed")


def with_stage_files(files: Mapping[str, bytes], stages: Sequence[tuple[bytes, bytes]]) -> dict[str, bytes]:
    """The content files plus the manifest and signature of each given stage, under their bundle paths."""
    combined = files.copy() if isinstance(files, LazyFiles) else dict(files)
    for slot, (manifest, signature) in zip(stage_slots(stages), stages, strict=True):
        manifest_path, signature_path = stage_paths(*slot)
        combined[manifest_path] = manifest
        combined[signature_path] = signature
    return combined


def next_stage_manifest(
    files: Mapping[str, bytes],
    stages: Sequence[tuple[bytes, bytes]],
    *,
    signer: Mapping[str, str],
    signed_at: dt.datetime,
    stage: int | None = None,
) -> bytes:
    """The manifest of the stage after `stages` (by default the next number; 1 for a new revision of stage 1):
    the content files and earlier stages, chained to the last one."""
    slots = stage_slots(stages)
    base = [number for number, revision in slots if revision == 1]
    stage = len(base) + 1 if stage is None else stage
    if stage not in STAGE_ROLES:
        raise BundleError(f"a dossier has at most {len(STAGE_ROLES)} stages")
    stage_slots([*stages, (canonical_json({"stage": stage}), b"")])  # refuses a stage out of order
    listed = with_stage_files(files, stages)
    if stages:
        _check_files_kept(len(stages), _parse_stage(len(stages), stages[-1][0]).get("files", []), listed)
    previous = previous_link(*stages[-1]) if stages else None
    return stage_manifest(stage, STAGE_ROLES[stage], signer, signed_at, listed, previous, earlier_slots=slots)


def _check_stages(files: Mapping[str, bytes], stages: Sequence[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    if not stages:
        raise BundleError("a dossier needs at least the enterprise's stage 1")
    stage_slots(stages)
    everything = with_stage_files(files, stages)
    parsed = [_parse_stage(number, manifest) for number, (manifest, _) in enumerate(stages, start=1)]
    for number, stage in enumerate(parsed, start=1):
        _check_files_kept(number, stage.get("files", []), everything)
        expected = previous_link(*stages[number - 2]) if number > 1 else None
        if stage.get("previous") != expected:
            raise BundleError(f"stage {number}'s previous does not match stage {number - 1}")
    last_files = {entry["path"] for entry in parsed[-1]["files"]}
    if unsigned := sorted(set(files) - last_files):
        raise BundleError(f"stage {len(stages)} does not list {unsigned}; every file must be signed")
    return parsed


def build_bundle(
    files: Mapping[str, bytes],
    stages: Sequence[tuple[bytes, bytes]],
    ca_pem: bytes,
    case_summary: Mapping[str, Any],
    *,
    crl_pem: bytes | None = None,
) -> bytes:
    """Write the dossier ZIP: content files, stage manifests and signatures, the anchors and the manifest.json index."""
    out = io.BytesIO()
    write_bundle(out, files, stages, ca_pem, case_summary, crl_pem=crl_pem)
    return out.getvalue()


def write_bundle(
    out: BinaryIO,
    files: Mapping[str, bytes],
    stages: Sequence[tuple[bytes, bytes]],
    ca_pem: bytes,
    case_summary: Mapping[str, Any],
    *,
    crl_pem: bytes | None = None,
) -> None:
    """`build_bundle` into a file: with `LazyFiles`, each file is read once when written, so the ZIP is never held in
    memory whole (evidence files make bundles large)."""
    for path in files:
        if problem := path_problem(path):
            raise BundleError(f"{path!r}: {problem}")
        if is_reserved(path):
            raise BundleError(f"{path}: reserved for the bundle's own files")
    signing.load_certificates(ca_pem)  # refuse to ship an anchor file nobody could use
    parsed = _check_stages(files, stages)
    entries = with_stage_files(files, stages)
    entries[CA_PATH] = ca_pem
    if crl_pem is not None:
        entries[CRL_PATH] = crl_pem
    entries[MANIFEST] = manifest_index(entries, parsed, case_summary)
    write_zip_to(out, entries)


def manifest_index(
    entries: Mapping[str, bytes], stages: Sequence[Mapping[str, Any]], case_summary: Mapping[str, Any]
) -> bytes:
    """The manifest.json index: format, case summary, every other entry with its hash, and a line per stage."""
    return canonical_json({
        "format": FORMAT,
        "case": dict(case_summary),
        "files": [entry for entry in file_entries(entries) if entry["path"] != MANIFEST],
        "stages": [
            {
                "stage": slot[0],
                **({"revision": slot[1]} if slot[1] > 1 else {}),
                "role": stage["role"],
                "manifest": stage_paths(*slot)[0],
                "signature": stage_paths(*slot)[1],
                "signer": stage["signer"],
                "signed_at": stage["signed_at"],
            }
            for slot, stage in zip(chain_slots([stage["stage"] for stage in stages]), stages, strict=True)
        ],
    })


def write_zip(entries: Mapping[str, bytes]) -> bytes:
    """A reproducible ZIP: sorted entries, fixed timestamps and permissions, stored uncompressed."""
    out = io.BytesIO()
    write_zip_to(out, entries)
    return out.getvalue()


def write_zip_to(out: BinaryIO, entries: Mapping[str, bytes]) -> None:
    """`write_zip` into a seekable file, reading each entry only when it is written (a `LazyFiles` stored entry a
    piece at a time)."""
    # Stored, not deflated: deflate output may differ between zlib builds (zlib-ng, …), which would change the
    # content address of the same dossier; the .docx inside are already compressed.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for path in sorted(entries):
            info = zipfile.ZipInfo(path, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            if not isinstance(entries, LazyFiles):
                archive.writestr(info, entries[path])
                continue
            # The same bytes writestr would give (it sets file_size, then writes through open): the size known up
            # front picks the same header (ZIP64 or not), and the CRC is patched into it when the entry closes.
            info.file_size = entries.size(path)
            with archive.open(info, "w") as entry:
                for piece in entries.pieces(path):
                    entry.write(piece)
