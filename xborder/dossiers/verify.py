"""Check a dossier bundle from its bytes alone, trusting nothing in it but the anchor (which `--ca` can replace).

Exit codes (cli.md): 0 every check passed; 1 a check failed; 2 not a readable bundle, meaning not a ZIP, or no
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
from xborder.dossiers.archive import Check, Limits, Report, read_archive
from xborder.dossiers.archive import Stop as _Stop
from xborder.dossiers.cms import CmsError, SignedContent, verify_cms_detached

__all__ = ["Check", "CmsError", "Limits", "Report", "SignedContent", "format_report", "verify_bundle",
           "verify_cms_detached"]

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
    """Check a dossier bundle (bytes or a path) against `ca_pem`, else its own certs/ca.pem, and report each check."""
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
        if check.ok:
            lines.append(f"ok   {check.name}" + (f" ({check.detail})" if check.detail else ""))
        else:
            lines.append(f"FAIL {check.name}" + (f": {check.detail}" if check.detail else ""))
    failed = sum(not check.ok for check in report.checks)
    if not report.readable:
        lines.append("not a readable dossier bundle")
    elif failed:
        lines.append(f"INVALID: {failed} of {len(report.checks)} checks failed")
    else:
        lines.append(f"valid: all {len(report.checks)} checks passed")
    return "\n".join(lines)


def _printable(check: Check) -> Check:
    # Names and details quote the bundle; a hostile entry name must not send escape sequences to a terminal.
    def clean(text: str) -> str:
        return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)

    return Check(clean(check.name), check.ok, clean(check.detail))


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


def _check_bundle(
    report: Report,
    contents: Mapping[str, bytes],
    names: Sequence[str],
    ca_pem: bytes | None,
    crls: Sequence[bytes],
    now: dt.datetime,
) -> None:
    index, listed, problem = _read_index(contents)
    report.add(bundle.MANIFEST, listed is not None, problem or f"{bundle.FORMAT}, {len(listed or ())} files listed")
    _check_listed_files(report, contents, names, listed or {})
    anchors = _trust_anchors(report, contents, ca_pem)
    revocation_lists = _revocation_lists(report, contents, crls)
    stages = _check_stages(report, contents, names, anchors, revocation_lists, now)
    if listed is None or stages is None:
        report.add("manifest.json index", False, "cannot be rebuilt: it, or a stage it lists, is malformed")
    else:
        entries = {path: data for path, data in contents.items() if path != bundle.MANIFEST}
        same = bundle.manifest_index(entries, stages, index["case"]) == contents[bundle.MANIFEST]
        report.add(
            "manifest.json index",
            same,
            "lists exactly the archive's files and stages" if same else "does not match the archive's files and "
            "stages, or is not in canonical form",
        )
    report.add("case summary", True, "manifest.json's case summary is an unsigned index; the signed record is the "
               "files the stages list")


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
                report.add(name, True, f"sha256 {digest[:16]}…")
            else:
                report.add(name, False, f"changed: sha256 {actual[:16]}…, {len(contents[path])} bytes; listed "
                           f"{digest[:16]}…, {size} bytes")


def _trust_anchors(report: Report, contents: Mapping[str, bytes], ca_pem: bytes | None) -> list[x509.Certificate]:
    pem = ca_pem if ca_pem is not None else contents.get(bundle.CA_PATH)
    source = "--ca" if ca_pem is not None else f"the bundle's own {bundle.CA_PATH}"
    if pem is None:
        report.add("trust anchor", False, f"no {bundle.CA_PATH} in the bundle and no --ca given")
        return []
    try:
        anchors = signing.load_certificates(pem)
    except signing.CertificateError as exc:
        report.add("trust anchor", False, f"{source}: {exc}")
        return []
    subjects = "; ".join(anchor.subject.rfc4514_string() for anchor in anchors)
    if ca_pem is None:
        report.add("trust anchor", True, f"{subjects}, from {source}: whoever can change the bundle can change it; "
                   "pass --ca with the deployment's CA to check independently")
    else:
        report.add("trust anchor", True, f"{subjects}, from {source}")
    return anchors


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
        report.add("revocation lists", not problems, "; ".join(problems) or f"{len(loaded)} CRLs")
    return loaded


def _check_stages(
    report: Report,
    contents: Mapping[str, bytes],
    names: Sequence[str],
    anchors: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList],
    now: dt.datetime,
) -> list[dict[str, Any]] | None:
    """Check each stage present; return the parsed stages if they run 1..n and all parse, else None."""
    present = [number for number in bundle.STAGE_STEMS if set(bundle.stage_paths(number)) & set(names)]
    in_order = bool(present) and present == list(range(1, len(present) + 1))
    report.add("stages", in_order, f"{', '.join(map(str, present))}" if in_order else
               f"found {present or 'none'}; stages must run 1, 2, … without gaps, starting with the enterprise's")
    parsed: dict[int, dict[str, Any]] = {}
    for number in present:
        manifest = _check_stage(report, number, contents, parsed.get(number - 1), anchors, crls, now)
        if manifest is not None:
            parsed[number] = manifest
    last = present[-1] if present else 0
    if last not in parsed:
        report.add("signature coverage", False, "no readable last stage manifest to cover the files")
    else:
        covered = set(parsed[last]["listed"]) | set(bundle.stage_paths(last))
        covered |= {bundle.MANIFEST, bundle.CA_PATH, bundle.CRL_PATH}
        unsigned = sorted(set(names) - covered)
        report.add("signature coverage", not unsigned, f"not signed by stage {last}: {', '.join(map(repr, unsigned))}"
                   if unsigned else f"every file but the index and anchors is signed by stage {last}")
    return [parsed[number] for number in present] if in_order and len(parsed) == len(present) else None


def _check_stage(
    report: Report,
    number: int,
    contents: Mapping[str, bytes],
    previous: Mapping[str, Any] | None,
    anchors: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList],
    now: dt.datetime,
) -> dict[str, Any] | None:
    label, role = f"stage {number}", bundle.STAGE_ROLES[number]
    manifest_path, signature_path = bundle.stage_paths(number)
    manifest_bytes, signature_bytes = contents.get(manifest_path), contents.get(signature_path)
    manifest = None
    if manifest_bytes is None:
        report.add(f"{label} manifest", False, f"{manifest_path} is missing or unreadable")
    else:
        try:
            manifest = _parse_stage(number, manifest_bytes)
            report.add(f"{label} manifest", True, f"{manifest_path}, {role}, signed at {manifest['signed_at']}")
        except ValueError as exc:
            report.add(f"{label} manifest", False, f"{manifest_path}: {exc}")
    if manifest is not None:
        _check_stage_files(report, number, manifest, contents, previous)
        _check_stage_link(report, number, manifest, contents, previous)
    if signature_bytes is None or manifest_bytes is None:
        report.add(f"{label} signature", False, f"{signature_path if signature_bytes is None else manifest_path} "
                   "is missing or unreadable")
        return manifest
    try:
        signed = verify_cms_detached(signature_bytes, manifest_bytes)
    except CmsError as exc:
        report.add(f"{label} signature", False, str(exc))
        return manifest
    report.add(f"{label} signature", True, f"{_role_or(signed.signer, '?')}, {_organisation_or(signed.signer)}")
    _check_signer(report, number, signed, manifest, anchors, crls, now)
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
    number: int,
    manifest: Mapping[str, Any],
    contents: Mapping[str, bytes],
    previous: Mapping[str, Any] | None,
) -> None:
    listed: dict[str, tuple[str, int]] = manifest["listed"]
    earlier = {path for stage in range(1, number) for path in bundle.stage_paths(stage)}
    problems = []
    for path, (digest, size) in listed.items():
        data = contents.get(path)
        if bundle.is_reserved(path) and path not in earlier:
            problems.append(f"{path} may not be listed by a stage")
        elif data is None:
            problems.append(f"{path} is missing")
        elif len(data) != size or bundle.sha256_hex(data) != digest:
            problems.append(f"{path} has changed since stage {number} signed it")
    if missing := sorted(earlier - set(listed)):
        problems.append(f"does not list the earlier stages' {', '.join(missing)}")
    if previous is not None:
        earlier_files: dict[str, tuple[str, int]] = previous["listed"]
        if dropped := sorted(set(earlier_files) - set(listed)):
            problems.append(f"drops what stage {number - 1} signed: {', '.join(dropped)}")
        if changed := sorted(path for path in set(earlier_files) & set(listed) if earlier_files[path] != listed[path]):
            problems.append(f"lists other bytes than stage {number - 1} for {', '.join(changed)}")
    detail = "; ".join(problems) or f"{len(listed)} files, each present and unchanged"
    report.add(f"stage {number} files", not problems, detail)


def _check_stage_link(
    report: Report,
    number: int,
    manifest: Mapping[str, Any],
    contents: Mapping[str, bytes],
    previous: Mapping[str, Any] | None,
) -> None:
    link = manifest["previous"]
    if number == 1:
        report.add("stage 1 chain", link is None, "first stage" if link is None else "stage 1 cannot have a previous")
        return
    manifest_path, signature_path = bundle.stage_paths(number - 1)
    if manifest_path not in contents or signature_path not in contents:
        report.add(f"stage {number} chain", False, f"stage {number - 1}'s files are missing")
    elif link != bundle.previous_link(contents[manifest_path], contents[signature_path]):
        report.add(f"stage {number} chain", False, f"previous does not match stage {number - 1}'s manifest and "
                   "signature")
    elif previous is not None and manifest["signed_at_time"] < previous["signed_at_time"]:
        report.add(f"stage {number} chain", False, f"signed before stage {number - 1}")
    else:
        report.add(f"stage {number} chain", True, f"follows stage {number - 1}")


def _check_signer(
    report: Report,
    number: int,
    signed: SignedContent,
    manifest: Mapping[str, Any] | None,
    anchors: Sequence[x509.Certificate],
    crls: Sequence[x509.CertificateRevocationList],
    now: dt.datetime,
) -> None:
    label, cert = f"stage {number}", signed.signer
    try:
        signing.require_well_formed(cert)
    except signing.CertificateError as exc:
        report.add(f"{label} signer certificate", False, str(exc))
        return
    chain = None
    try:
        chain = signing.verify_certificate_path(cert, anchors, intermediates=signed.certificates, at=now)
        report.add(f"{label} certificate chain", True, f"issued under {chain[-1].subject.rfc4514_string()}")
    except signing.CertificateError as exc:
        report.add(f"{label} certificate chain", False, str(exc))

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
               "; ".join(problems) or f"valid {start:%Y-%m-%d} to {end:%Y-%m-%d}, at signing and now")

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
    report.add(f"{label} signer and role", not problems, detail)
    if chain is not None:
        _check_revocation(report, label, chain, crls)


def _signer_mismatches(signer: Mapping[str, str], cert: x509.Certificate) -> list[str]:
    actual = {
        "organisation": signing.certificate_organisation(cert),
        "uscc": signing.certificate_uscc(cert),
        "certificate_sha256": signing.certificate_sha256(cert),
    }
    return [f"the manifest's signer {key} is {signer.get(key)!r}, the certificate's {value!r}"
            for key, value in actual.items() if signer.get(key) != value]


def _check_revocation(
    report: Report, label: str, chain: Sequence[x509.Certificate], crls: Sequence[x509.CertificateRevocationList]
) -> None:
    problems, unchecked = [], []
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
            if (entry := crl.get_revoked_certificate_by_serial_number(cert.serial_number)) is not None:
                problems.append(f"{cert.subject.rfc4514_string()} was revoked on {entry.revocation_date_utc:%Y-%m-%d}")
    if problems:
        report.add(f"{label} revocation", False, "; ".join(problems))
    elif unchecked:
        report.add(f"{label} revocation", True, f"not checked: no CRL from {'; '.join(unchecked)}")
    else:
        report.add(f"{label} revocation", True, "not revoked according to the issuer's CRL")
