"""Check a dossier bundle from its bytes alone, trusting nothing in it: trust comes from anchors given from outside
(`--ca`, the deployment's own). Without them the bundle's own certs/ca.pem is used to check that it is internally
consistent, and the report says it is untrusted (exit 3), never valid.

Exit codes (cli.md): 0 every check passed against outside anchors; 1 a check failed; 3 consistent but no outside
anchor; 2 not a readable bundle, meaning not a ZIP, or no
`manifest.json` that parses as a JSON object of format `xborder-dossier/1`. Unsafe entry names and zip bombs
are a failed check (1), not an unreadable bundle: the archive could be read, and the report says what is wrong
with it. Nothing is ever written to disk, so an unsafe name is a finding, not a danger to the verifier.

Time: a signer's certificate must be valid now (or at `now=` for an "as of" check), as `openssl cms -verify`
requires, and also at the stage's `signed_at` and at the CMS signingTime. Both times are the signer's own claim,
so they cannot stand in for now; a dossier that must outlive its certificates needs RFC 3161 timestamps.

Revocation: CRLs come from `certs/crl.pem` in the bundle and from the `crls` argument (fresher, and outside an
attacker's reach); a certificate with no CRL from its issuer is reported as not checked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack
from typing import Any

from cryptography import x509

from xborder.core.timeutil import utcnow
from xborder.dossiers import bundle, signing
from xborder.dossiers.archive import NO_CA, OTHER_CA, TRUSTED, UNANCHORED, Check, Limits, Report, read_archive
from xborder.dossiers.archive import Stop as _Stop
from xborder.dossiers.cms import CmsError, SignedContent, verify_cms_detached

__all__ = ["NO_CA", "OTHER_CA", "TRUSTED", "UNANCHORED", "Check", "CmsError", "Limits", "Report", "SignedContent",
           "format_report", "verify_bundle", "verify_cms_detached"]

_HEX64 = re.compile(r"[0-9a-f]{64}")
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_CRL_PEM = re.compile(rb"-----BEGIN X509 CRL-----.+?-----END X509 CRL-----", re.DOTALL)
_CLOCK_SKEW = dt.timedelta(minutes=5)


def verify_bundle(
    data: bytes | str | os.PathLike[str],
    *,
    ca_pem: bytes | None = None,
    crls: Sequence[bytes] = (),
    now: dt.datetime | None = None,
    limits: Limits | None = None,
) -> Report:
    """Check a dossier bundle (bytes or a path) against the anchors `ca_pem` and report each check; without them the
    bundle's own certs/ca.pem serves for consistency only, and the report is untrusted (exit 3)."""
    report = Report()
    when = now or utcnow()
    if when.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    try:
        with ExitStack() as stack:
            contents, names = read_archive(report, data, limits or Limits(), stack)
            _check_bundle(report, contents, names, ca_pem, crls, when)
    except _Stop as stop:
        if stop.unreadable:
            report.readable = False
            report.add(stop.name, False, stop.detail)
    return report


def format_report(report: Report) -> str:
    """The report as text, one line per check and a verdict, as `xborder verify` prints it."""
    lines = []
    for check in map(_printable, report.checks):
        if check.ok and check.warning:
            lines.append(f"WARN {check.name}" + (f": {check.detail}" if check.detail else ""))
        elif check.ok:
            lines.append(f"ok   {check.name}" + (f" ({check.detail})" if check.detail else ""))
        else:
            lines.append(f"FAIL {check.name}" + (f": {check.detail}" if check.detail else ""))
    failed = sum(not check.ok for check in report.checks)
    if report.readable and report.trust == OTHER_CA:
        lines.append(f"signed under another CA ({'; '.join(report.signed_under.values())}), not under the anchors "
                     "given: a bundle re-signed under any other CA is never valid")
    elif report.readable and report.trust == NO_CA:
        lines.append("signed under no CA that verifies its signers")
    if report.stale:
        lines.append("stale sign-off: " + "; ".join(
            f"stage {item['stage']} ({item['role']}) covered revision {item['revision']} of the enterprise's stage 1, "
            f"the newest is revision {item['newest']}" for item in report.stale))
    if not report.readable:
        lines.append("not a readable dossier bundle")
    elif failed:
        lines.append(f"INVALID: {failed} of {len(report.checks)} checks failed")
    elif report.trust != TRUSTED:
        lines.append(f"UNTRUSTED: all {len(report.checks)} checks passed against the bundle's own {bundle.CA_PATH}, "
                     "which anyone can replace; give the deployment's CA with --ca, or run where the deployment is "
                     "configured")
    else:
        lines.append(f"valid: all {len(report.checks)} checks passed")
    return "\n".join(lines)


def _printable(check: Check) -> Check:
    # Names and details quote the bundle; a hostile entry name must not send escape sequences to a terminal.
    def clean(text: str) -> str:
        return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)

    return Check(clean(check.name), check.ok, clean(check.detail), check.warning)


# --- JSON, manifests -------------------------------------------------------------------------------------------


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _load_json(data: bytes) -> Any:
    """Parse strictly: UTF-8, no duplicate keys (which parsers resolve differently), no NaN."""
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValueError(f"not strict UTF-8 JSON: {exc}") from None


def _file_list(value: Any, where: str) -> dict[str, tuple[str, int]]:
    """A manifest's `files` as path -> (sha256, bytes), raising ValueError on any malformed entry."""
    if not isinstance(value, list):
        raise ValueError(f"{where}: files is not a list")
    listed: dict[str, tuple[str, int]] = {}
    for entry in value:
        if not isinstance(entry, dict) or set(entry) != {"path", "sha256", "bytes"}:
            raise ValueError(f"{where}: each file needs exactly path, sha256 and bytes")
        path, digest, size = entry["path"], entry["sha256"], entry["bytes"]
        if problem := bundle.path_problem(path):
            raise ValueError(f"{where}: path {path!r}: {problem}")
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            raise ValueError(f"{where}: {path}: sha256 is not 64 lower-case hex digits")
        if type(size) is not int or size < 0:
            raise ValueError(f"{where}: {path}: bytes is not a size")
        if path in listed:
            raise ValueError(f"{where}: {path} is listed twice")
        listed[path] = (digest, size)
    return listed


def _read_index(contents: Mapping[str, bytes]) -> tuple[dict[str, Any], dict[str, tuple[str, int]] | None, str]:
    """manifest.json as (index, its file list or None if malformed, the problem); unreadable stops with exit 2."""
    if bundle.MANIFEST not in contents:
        raise _Stop(bundle.MANIFEST, "missing or unreadable", unreadable=True)
    try:
        index = _load_json(contents[bundle.MANIFEST])
    except ValueError as exc:
        raise _Stop(bundle.MANIFEST, str(exc), unreadable=True) from None
    if not isinstance(index, dict) or index.get("format") != bundle.FORMAT:
        found = index.get("format") if isinstance(index, dict) else type(index).__name__
        raise _Stop(bundle.MANIFEST, f"format is {found!r}, not {bundle.FORMAT!r}", unreadable=True)
    try:
        if set(index) != {"format", "case", "files", "stages"} or not isinstance(index["case"], dict):
            raise ValueError("needs exactly format, case (an object), files and stages")
        return index, _file_list(index["files"], bundle.MANIFEST), ""
    except ValueError as exc:
        return index, None, str(exc)


def _parse_stage(number: int, data: bytes) -> dict[str, Any]:
    """A stage manifest, checked for form (canonical bytes, exact keys, types), raising ValueError if malformed."""
    manifest = _load_json(data)
    if not isinstance(manifest, dict) or set(manifest) != bundle.STAGE_KEYS:
        raise ValueError(f"needs exactly the keys {', '.join(sorted(bundle.STAGE_KEYS))}")
    if bundle.canonical_json(manifest) != data:
        raise ValueError("not in canonical form (sorted keys, 2-space indent, UTF-8, final newline)")
    if manifest["stage"] != number or type(manifest["stage"]) is not int:
        raise ValueError(f"says it is stage {manifest['stage']!r} but is stored as stage {number}")
    if manifest["role"] != bundle.STAGE_ROLES[number]:
        raise ValueError(f"role is {manifest['role']!r}; stage {number} is the {bundle.STAGE_ROLES[number]}'s")
    signer = manifest["signer"]
    if not isinstance(signer, dict) or not all(isinstance(value, str) for value in signer.values()):
        raise ValueError("signer is not an object of text values")
    if missing := [key for key in bundle.SIGNER_REQUIRED if not signer.get(key)]:
        raise ValueError(f"signer lacks {', '.join(missing)}")
    if not isinstance(manifest["signed_at"], str) or not _TIMESTAMP.fullmatch(manifest["signed_at"]):
        raise ValueError("signed_at is not a UTC timestamp like 2025-03-01T08:00:00Z")
    signed_at = dt.datetime.strptime(manifest["signed_at"], "%Y-%m-%dT%H:%M:%SZ")
    manifest["signed_at_time"] = signed_at.replace(tzinfo=dt.UTC)
    manifest["listed"] = _file_list(manifest["files"], f"stage {number}")
    previous = manifest["previous"]
    if previous is not None and (
        not isinstance(previous, dict)
        or set(previous) != {"manifest_sha256", "signature_sha256"}
        or not all(isinstance(value, str) and _HEX64.fullmatch(value) for value in previous.values())
    ):
        raise ValueError("previous is neither null nor {manifest_sha256, signature_sha256}")
    return manifest


# --- the bundle: index, anchors, stages -------------------------------------------------------------------------


@dataclasses.dataclass
class _Anchors:
    """The anchors stages are checked against, and what each stage's chain ended at."""

    given: list[x509.Certificate]
    own: list[x509.Certificate]
    outside: bool
    crls: list[x509.CertificateRevocationList]
    now: dt.datetime
    chained: dict[str, bool] = dataclasses.field(default_factory=dict)
    under: dict[str, str] = dataclasses.field(default_factory=dict)
    foreign: dict[str, str] = dataclasses.field(default_factory=dict)


# The stage a status can only follow: a summary stating it without that stage has been rolled back.
_STATUS_NEEDS_STAGE = {"provincial_review": 2, "certification_pending": 2, "submitted_to_regulator": 3, "filed": 3,
                       "approved": 4, "rejected": 4, "certified": 5}


def _label(slot: tuple[int, int]) -> str:
    return f"stage {slot[0]}" + (f" revision {slot[1]}" if slot[1] > 1 else "")


def _check_bundle(
    report: Report,
    contents: Mapping[str, bytes],
    names: Sequence[str],
    ca_pem: bytes | None,
    crls: Sequence[bytes],
    now: dt.datetime,
) -> None:
    index, listed, problem = _read_index(contents)
    report.add(bundle.MANIFEST, listed is not None, problem or f"{bundle.FORMAT}, {len(listed or ())} files listed",
               code="" if problem else "index_format", format=bundle.FORMAT, count=len(listed or ()))
    _check_listed_files(report, contents, names, listed or {})
    anchors = _trust_anchors(report, contents, ca_pem, _revocation_lists(report, contents, crls), now)
    stages = _check_stages(report, contents, names, anchors)
    _settle_trust(report, anchors)
    if listed is None or stages is None:
        report.add("manifest.json index", False, "cannot be rebuilt: it, or a stage it lists, is malformed")
    else:
        entries = {path: data for path, data in contents.items() if path != bundle.MANIFEST}
        same = bundle.manifest_index(entries, [m for _, m in stages], index["case"]) == contents[bundle.MANIFEST]
        report.add(
            "manifest.json index",
            same,
            "lists exactly the archive's files and stages" if same else "does not match the archive's files and "
            "stages, or is not in canonical form",
            code="index_exact" if same else "index_differs",
        )
    _check_summary(report, index.get("case") if isinstance(index.get("case"), dict) else {}, contents, stages)


def _check_summary(report: Report, summary: Mapping[str, Any], contents: Mapping[str, bytes],
                   stages: list[tuple[tuple[int, int], dict[str, Any]]] | None) -> None:
    """Every fact of manifest.json's case summary must be what the signed records say (dossier.md)."""
    if stages is None:
        report.add("case summary", False, "cannot be checked against the signed stages: a stage is missing or "
                   "malformed")
        return
    slots = [slot for slot, _ in stages]
    expected = bundle.summary_from_files(contents, slots)
    problems = []
    present = {stage for stage, _ in slots}
    # A validity comes from the regulator's decision (4) or, for a certification case, the certificate (5).
    result = 5 if 5 in present else 4
    implied = [_STATUS_NEEDS_STAGE.get(summary.get("status")), 3 if summary.get("filing_number") else None,
               4 if summary.get("decision") else None, result if summary.get("valid_until") else None]
    if missing := sorted({n for n in implied if n is not None and n not in present}):
        problems.append(f"implies stage {', '.join(map(str, missing))}, which the bundle does not have (rolled back?)")
    for key in sorted(set(summary) | set(expected)):
        if summary.get(key) != expected.get(key) or key not in summary or key not in expected:
            problems.append(f"{key} is {summary.get(key)!r}; the signed stages say {expected.get(key)!r}")
    report.add("case summary", not problems, "; ".join(problems) or "every fact is in a signed stage",
               code="" if problems else "summary_signed")


def _check_listed_files(
    report: Report, contents: Mapping[str, bytes], names: Sequence[str], listed: Mapping[str, tuple[str, int]]
) -> None:
    for path in sorted(set(listed) | (set(names) - {bundle.MANIFEST})):
        name = f"file {path}"
        if path not in listed:
            report.add(name, False, "in the archive but not listed in manifest.json")
        elif path not in names:
            report.add(name, False, "listed in manifest.json but not in the archive")
        elif path not in contents:
            report.add(name, False, "not readable")
        else:
            digest, size = listed[path]
            actual = bundle.sha256_hex(contents[path])
            if actual == digest and len(contents[path]) == size:
                report.add(name, True, f"sha256 {digest[:16]}…", code="file_unchanged", digest=digest[:16])
            else:
                report.add(name, False, f"changed: sha256 {actual[:16]}…, {len(contents[path])} bytes; listed "
                           f"{digest[:16]}…, {size} bytes")


def _trust_anchors(report: Report, contents: Mapping[str, bytes], ca_pem: bytes | None,
                   crls: list[x509.CertificateRevocationList], now: dt.datetime) -> _Anchors:
    own: list[x509.Certificate] = []
    if bundle.CA_PATH in contents:
        try:
            own = signing.load_certificates(contents[bundle.CA_PATH])
        except signing.CertificateError:
            own = []
    if ca_pem is None:
        result = _Anchors(own, own, False, crls, now)
        if bundle.CA_PATH not in contents:
            report.add("trust anchor", False, f"no {bundle.CA_PATH} in the bundle and no --ca given")
        elif not own:
            report.add("trust anchor", False, f"the bundle's own {bundle.CA_PATH} holds no usable certificate")
        else:
            report.add("trust anchor", True, f"none from outside the bundle: checked against the bundle's own "
                       f"{bundle.CA_PATH} ({'; '.join(a.subject.rfc4514_string() for a in own)}) for consistency "
                       "only, so the bundle is untrusted; pass --ca with the deployment's CA", code="own_anchor",
                       subjects="; ".join(a.subject.rfc4514_string() for a in own))
        return result
    try:
        given = signing.load_certificates(ca_pem)
    except signing.CertificateError as exc:
        report.add("trust anchor", False, f"the anchors given: {exc}")
        return _Anchors([], own, True, crls, now)
    subjects = "; ".join(a.subject.rfc4514_string() for a in given)
    report.add("trust anchor", True, f"{subjects}, from outside the bundle", code="outside_anchor", subjects=subjects)
    return _Anchors(given, own, True, crls, now)


def _settle_trust(report: Report, anchors: _Anchors) -> None:
    if not anchors.outside:
        report.trust, report.signed_under = UNANCHORED, dict(anchors.under)
    elif anchors.chained and all(anchors.chained.values()):
        report.trust, report.signed_under = TRUSTED, dict(anchors.under)
    elif anchors.foreign:
        report.trust, report.signed_under = OTHER_CA, dict(anchors.foreign)
    else:
        report.trust, report.signed_under = NO_CA, {}


def _load_crls(blob: bytes) -> Iterator[x509.CertificateRevocationList]:
    if b"-----BEGIN" in blob:
        blocks = _CRL_PEM.findall(blob)
        if not blocks:
            raise ValueError("no PEM CRL found")
        for block in blocks:
            yield x509.load_pem_x509_crl(block)
    else:
        yield x509.load_der_x509_crl(blob)


def _revocation_lists(
    report: Report, contents: Mapping[str, bytes], crls: Sequence[bytes]
) -> list[x509.CertificateRevocationList]:
    blobs = ([contents[bundle.CRL_PATH]] if bundle.CRL_PATH in contents else []) + list(crls)
    loaded: list[x509.CertificateRevocationList] = []
    problems = []
    for blob in blobs:
        try:
            loaded.extend(_load_crls(blob))
        except ValueError as exc:
            problems.append(f"not a CRL: {exc}")
    if blobs:
        report.add("revocation lists", not problems, "; ".join(problems) or f"{len(loaded)} CRLs",
                   code="" if problems else "crls", count=len(loaded))
    return loaded


def _present_slots(names: Sequence[str]) -> list[tuple[int, int]]:
    slots = set()
    for name in names:
        if match := bundle.STAGE_FILE.fullmatch(name):
            slot = (int(match.group(1)), int(match.group(2) or 1))
            try:
                if name in bundle.stage_paths(*slot):
                    slots.add(slot)
            except bundle.BundleError:
                continue  # not a stage path: signature coverage reports it as unsigned
    return sorted(slots, key=bundle.slot_order)


def _check_stages(
    report: Report,
    contents: Mapping[str, bytes],
    names: Sequence[str],
    anchors: _Anchors,
) -> list[tuple[tuple[int, int], dict[str, Any]]] | None:
    """Check each stage present; return (slot, parsed stage) in chain order if the chain is whole and parses."""
    present = _present_slots(names)
    in_order = bool(present) and bundle.chain_problem(present) is None
    report.add("stages", in_order, ", ".join(_label(s)[6:] for s in present) if in_order else
               f"found {', '.join(_label(s) for s in present) or 'none'}; stages must run 1, 2, … without gaps, "
               "starting with the enterprise's (its revisions 2, 3, … after stage 2)",
               code="stages" if in_order else "", slots=present)
    parsed: dict[tuple[int, int], dict[str, Any]] = {}
    for position, slot in enumerate(present):
        earlier = present[:position]
        previous = parsed.get(earlier[-1]) if earlier else None
        manifest = _check_stage(report, slot, earlier, contents, previous, anchors)
        if manifest is not None:
            parsed[slot] = manifest
    last = present[-1] if present else None
    if last not in parsed:
        report.add("signature coverage", False, "no readable last stage manifest to cover the files")
    else:
        covered = set(parsed[last]["listed"]) | set(bundle.stage_paths(*last))
        covered |= {bundle.MANIFEST, bundle.CA_PATH, bundle.CRL_PATH}
        unsigned = sorted(set(names) - covered)
        report.add("signature coverage", not unsigned, f"not signed by {_label(last)}: {', '.join(map(repr, unsigned))}"
                   if unsigned else f"every file but the index and anchors is signed by {_label(last)}",
                   code="" if unsigned else "all_signed", slot=last)
    if not (in_order and len(parsed) == len(present)):
        return None
    _check_coverage_of_revisions(report, present, parsed)
    return [(slot, parsed[slot]) for slot in present]


def _check_coverage_of_revisions(report: Report, present: Sequence[tuple[int, int]],
                                 parsed: Mapping[tuple[int, int], Mapping[str, Any]]) -> None:
    """Say which revision of the enterprise's stage each later stage covered, and warn of stale sign-offs."""
    newest = max(revision for stage, revision in present if stage == 1)
    if newest == 1:
        return
    covered = 1
    for slot in present:
        if slot[0] == 1:
            covered = slot[1]
            continue
        role = parsed[slot]["role"]
        if covered < newest:
            report.stale.append({"stage": slot[0], "role": role, "revision": covered, "newest": newest})
            report.add(f"stage {slot[0]} covers", True, f"revision {covered} of the enterprise's stage 1; the "
                       f"enterprise has since signed revision {newest}: a stale sign-off", warning=True,
                       code="covers_stale", revision=covered, newest=newest)
        else:
            report.add(f"stage {slot[0]} covers", True, f"revision {newest} of the enterprise's stage 1, the newest",
                       code="covers_newest", revision=newest)


def _check_stage(
    report: Report,
    slot: tuple[int, int],
    earlier: Sequence[tuple[int, int]],
    contents: Mapping[str, bytes],
    previous: Mapping[str, Any] | None,
    anchors: _Anchors,
) -> dict[str, Any] | None:
    number = slot[0]
    label, role = _label(slot), bundle.STAGE_ROLES[number]
    manifest_path, signature_path = bundle.stage_paths(*slot)
    manifest_bytes, signature_bytes = contents.get(manifest_path), contents.get(signature_path)
    manifest = None
    if manifest_bytes is None:
        report.add(f"{label} manifest", False, f"{manifest_path} is missing or unreadable")
    else:
        try:
            manifest = _parse_stage(number, manifest_bytes)
            report.add(f"{label} manifest", True, f"{manifest_path}, {role}, signed at {manifest['signed_at']}",
                       code="stage_manifest", path=manifest_path, role=role, signed_at=manifest["signed_at"])
        except ValueError as exc:
            report.add(f"{label} manifest", False, f"{manifest_path}: {exc}")
    if manifest is not None:
        _check_stage_files(report, label, earlier, manifest, contents, previous)
        _check_stage_link(report, label, earlier, manifest, contents, previous)
    if signature_bytes is None or manifest_bytes is None:
        report.add(f"{label} signature", False, f"{signature_path if signature_bytes is None else manifest_path} "
                   "is missing or unreadable")
        return manifest
    try:
        signed = verify_cms_detached(signature_bytes, manifest_bytes)
    except CmsError as exc:
        report.add(f"{label} signature", False, str(exc))
        return manifest
    role_signed, organisation = _role_or(signed.signer, "?"), _organisation_or(signed.signer)
    report.add(f"{label} signature", True, f"{role_signed}, {organisation}", code="signed_by", role=role_signed,
               organisation=organisation)
    _check_signer(report, label, number, signed, manifest, anchors)
    return manifest


# A certificate is parsed lazily: a damaged one (a duplicated extension, a broken name) raises on first use, with
# several exception types. Describing the signer must never stop the checks that then refuse it.
def _role_or(cert: x509.Certificate, default: str) -> str:
    try:
        return signing.certificate_role(cert)
    except Exception:  # noqa: BLE001 — see above
        return default


def _organisation_or(cert: x509.Certificate) -> str:
    try:
        return signing.certificate_organisation(cert)
    except Exception:  # noqa: BLE001 — see above
        try:
            return cert.subject.rfc4514_string()
        except Exception:  # noqa: BLE001
            return "?"


def _check_stage_files(
    report: Report,
    label: str,
    earlier_slots: Sequence[tuple[int, int]],
    manifest: Mapping[str, Any],
    contents: Mapping[str, bytes],
    previous: Mapping[str, Any] | None,
) -> None:
    listed: dict[str, tuple[str, int]] = manifest["listed"]
    earlier = {path for slot in earlier_slots for path in bundle.stage_paths(*slot)}
    before = _label(earlier_slots[-1]) if earlier_slots else ""
    problems = []
    for path, (digest, size) in listed.items():
        data = contents.get(path)
        if bundle.is_reserved(path) and path not in earlier:
            problems.append(f"{path} may not be listed by a stage")
        elif data is None:
            problems.append(f"{path} is missing")
        elif len(data) != size or bundle.sha256_hex(data) != digest:
            problems.append(f"{path} has changed since {label} signed it")
    if missing := sorted(earlier - set(listed)):
        problems.append(f"does not list the earlier stages' {', '.join(missing)}")
    if previous is not None:
        earlier_files: dict[str, tuple[str, int]] = previous["listed"]
        if dropped := sorted(set(earlier_files) - set(listed)):
            problems.append(f"drops what {before} signed: {', '.join(dropped)}")
        if changed := sorted(path for path in set(earlier_files) & set(listed) if earlier_files[path] != listed[path]):
            problems.append(f"lists other bytes than {before} for {', '.join(changed)}")
    detail = "; ".join(problems) or f"{len(listed)} files, each present and unchanged"
    report.add(f"{label} files", not problems, detail, code="" if problems else "files_unchanged", count=len(listed))


def _check_stage_link(
    report: Report,
    label: str,
    earlier: Sequence[tuple[int, int]],
    manifest: Mapping[str, Any],
    contents: Mapping[str, bytes],
    previous: Mapping[str, Any] | None,
) -> None:
    link = manifest["previous"]
    if not earlier:
        report.add(f"{label} chain", link is None, "first stage" if link is None else f"{label} cannot have a previous",
                   code="first_stage" if link is None else "")
        return
    before = _label(earlier[-1])
    manifest_path, signature_path = bundle.stage_paths(*earlier[-1])
    if manifest_path not in contents or signature_path not in contents:
        report.add(f"{label} chain", False, f"{before}'s files are missing")
    elif link != bundle.previous_link(contents[manifest_path], contents[signature_path]):
        report.add(f"{label} chain", False, f"previous does not match {before}'s manifest and signature")
    elif previous is not None and manifest["signed_at_time"] < previous["signed_at_time"]:
        report.add(f"{label} chain", False, f"signed before {before}")
    else:
        report.add(f"{label} chain", True, f"follows {before}", code="follows", slot=earlier[-1])


def _check_signer(
    report: Report,
    label: str,
    number: int,
    signed: SignedContent,
    manifest: Mapping[str, Any] | None,
    anchors: _Anchors,
) -> None:
    cert, now = signed.signer, anchors.now
    try:
        signing.require_well_formed(cert)
    except signing.CertificateError as exc:
        report.add(f"{label} signer certificate", False, str(exc))
        anchors.chained[label] = False
        return
    chain = None
    try:
        chain = signing.verify_certificate_path(cert, anchors.given, intermediates=signed.certificates, at=now)
        anchors.chained[label] = True
        anchors.under[signing.certificate_sha256(chain[-1])] = chain[-1].subject.rfc4514_string()
        report.add(f"{label} certificate chain", True, f"issued under {chain[-1].subject.rfc4514_string()}",
                   code="issued_under", subject=chain[-1].subject.rfc4514_string())
    except signing.CertificateError as exc:
        anchors.chained[label] = False
        report.add(f"{label} certificate chain", False, str(exc))
        if anchors.outside and anchors.own:
            # Not under the anchors given: is it under the bundle's own (another) CA? The page says which.
            try:
                foreign = signing.verify_certificate_path(cert, anchors.own, intermediates=signed.certificates,
                                                          at=now)
                anchors.foreign[signing.certificate_sha256(foreign[-1])] = foreign[-1].subject.rfc4514_string()
            except signing.CertificateError:
                pass

    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    times = {"now": now}
    if manifest is not None:
        times["signed_at"] = manifest["signed_at_time"]
    if signed.signing_time is not None:
        times["the CMS signing time"] = signed.signing_time
    after_end = [f"{what} ({when:%Y-%m-%d %H:%M}Z)" for what, when in times.items() if when > end]
    before_start = [f"{what} ({when:%Y-%m-%d %H:%M}Z)" for what, when in times.items() if when < start]
    future = [f"{what} ({when:%Y-%m-%d %H:%M}Z)" for what, when in times.items() if when > now + _CLOCK_SKEW]
    problems = []
    if after_end:
        problems.append(f"expired on {end:%Y-%m-%d %H:%M}Z, before {' and '.join(after_end)}")
    if before_start:
        problems.append(f"not valid until {start:%Y-%m-%d %H:%M}Z, after {' and '.join(before_start)}")
    if future:
        problems.append(f"{' and '.join(future)} is in the future")
    report.add(f"{label} certificate validity", not problems,
               "; ".join(problems) or f"valid {start:%Y-%m-%d} to {end:%Y-%m-%d}, at signing and now",
               code="" if problems else "valid_period", start=f"{start:%Y-%m-%d}", end=f"{end:%Y-%m-%d}")

    expected = bundle.STAGE_ROLES[number]
    problems = []
    try:
        signing.check_signing_usage(cert)
        if (actual := signing.certificate_role(cert)) != expected:
            problems.append(f"the certificate is for the {actual} role; stage {number} needs {expected}")
        if manifest is not None:
            problems.extend(_signer_mismatches(manifest["signer"], cert))
    except signing.CertificateError as exc:
        problems.append(str(exc))
    detail = "; ".join(problems) or f"{expected}, {_organisation_or(cert)} · {signing.certificate_uscc(cert)}"
    report.add(f"{label} signer and role", not problems, detail, code="" if problems else "signer",
               role=expected, organisation=_organisation_or(cert), uscc=None if problems else
               signing.certificate_uscc(cert))
    if chain is not None:
        _check_revocation(report, label, chain, anchors.crls, signed_at=[t for w, t in times.items() if w != "now"])


def _signer_mismatches(signer: Mapping[str, str], cert: x509.Certificate) -> list[str]:
    actual = {
        "organisation": signing.certificate_organisation(cert),
        "uscc": signing.certificate_uscc(cert),
        "certificate_sha256": signing.certificate_sha256(cert),
    }
    return [f"the manifest's signer {key} is {signer.get(key)!r}, the certificate's {value!r}"
            for key, value in actual.items() if signer.get(key) != value]


def _check_revocation(
    report: Report, label: str, chain: Sequence[x509.Certificate], crls: Sequence[x509.CertificateRevocationList],
    *, signed_at: Sequence[dt.datetime] = (),
) -> None:
    """A certificate revoked before the stage was signed fails it; one revoked later (a signer deactivated since)
    leaves the signature good, and the report says when it was revoked. The time of signing is the signed
    manifest's (and the CMS signing time's), vouched for by the later stages that chain over it."""
    problems, unchecked, later = [], [], []
    for cert, issuer in zip(chain, chain[1:], strict=False):
        issued = [crl for crl in crls if crl.issuer == cert.issuer]
        trusted = []
        for crl in issued:
            try:
                if crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
                    trusted.append(crl)
                    continue
            except TypeError:
                pass
            problems.append(f"a CRL naming {cert.issuer.rfc4514_string()} is not signed by it")
        if not trusted:
            unchecked.append(cert.issuer.rfc4514_string())
            continue
        for crl in trusted:
            if (entry := crl.get_revoked_certificate_by_serial_number(cert.serial_number)) is None:
                continue
            revoked = entry.revocation_date_utc
            if signed_at and all(when < revoked for when in signed_at):
                later.append(f"{cert.subject.rfc4514_string()} was revoked on {revoked:%Y-%m-%d %H:%M}Z, after "
                             f"this stage was signed ({max(signed_at):%Y-%m-%d %H:%M}Z)")
            else:
                problems.append(f"{cert.subject.rfc4514_string()} was revoked on {revoked:%Y-%m-%d %H:%M}Z, before "
                                "this stage was signed")
    if problems:
        report.add(f"{label} revocation", False, "; ".join(problems))
    elif later:
        report.add(f"{label} revocation", True, "; ".join(later), warning=True)
    elif unchecked:
        report.add(f"{label} revocation", True, f"not checked: no CRL from {'; '.join(unchecked)}",
                   code="no_crl", issuers="; ".join(unchecked))
    else:
        report.add(f"{label} revocation", True, "not revoked according to the issuer's CRL", code="not_revoked")
