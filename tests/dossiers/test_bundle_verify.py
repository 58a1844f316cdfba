"""The dossier bundle: built reproducibly, checked by openssl stage by stage, and refused by verify when tampered."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import struct
import subprocess
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.services import needs_openssl
from xborder.dossiers import bundle, signing
from xborder.dossiers.verify import OTHER_CA, TRUSTED, UNANCHORED, Limits, format_report, verify_bundle

MiB = 1024 * 1024
DAY = dt.timedelta(days=1)


def failed(report) -> dict[str, str]:
    """The failing checks of a report, name -> detail."""
    return {check.name: check.detail for check in report.checks if not check.ok}


def summary(files, stages) -> dict:
    """The case summary a bundle of these stages must carry: what their signed records say."""
    return bundle.summary_from_files(files, bundle.stage_slots(stages))


def tamper(data: bytes) -> bytes:
    """Change exactly one byte: a digit of the last SHA-256 in JSON (so it stays JSON), else one bit mid-file."""
    hashes = list(re.finditer(rb"[0-9a-f]{64}", data))
    position = hashes[-1].end() - 1 if hashes else len(data) // 2
    replacement = (b"0" if data[position:position + 1] != b"0" else b"1") if hashes else bytes([data[position] ^ 1])
    return data[:position] + replacement + data[position + 1:]


# --- the good bundle --------------------------------------------------------------------------------------------


@needs_openssl
@pytest.mark.parametrize("stage", [1, 2, 3])
def test_each_stage_signature_verifies_with_openssl(tmp_path, good_bundle, entries, stage):
    contents = entries(good_bundle)
    for path, data in contents.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    manifest, signature = bundle.stage_paths(stage)
    command = ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", signature, "-content", manifest,
               "-CAfile", "certs/ca.pem", "-purpose", "any", "-out", "/dev/null"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    (tmp_path / manifest).write_bytes(tamper(contents[manifest]))
    assert subprocess.run(command, cwd=tmp_path, capture_output=True, check=False).returncode != 0


def test_good_bundle_verifies(good_bundle, pki):
    # Without an anchor from outside the bundle it is consistent but untrusted: exit 3, never 0 (dossier.md).
    report = verify_bundle(good_bundle)
    assert report.exit_code == 3 and report.ok and report.trust == UNANCHORED, format_report(report)
    anchor = next(check for check in report.checks if check.name == "trust anchor")
    assert "bundle's own certs/ca.pem" in anchor.detail and "--ca" in anchor.detail and "untrusted" in anchor.detail
    assert format_report(report).splitlines()[-1].startswith("UNTRUSTED: all")
    with_ca = verify_bundle(good_bundle, ca_pem=pki.ca_pem)
    assert with_ca.exit_code == 0 and with_ca.trust == TRUSTED
    assert next(check for check in with_ca.checks if check.name == "trust anchor").detail.endswith(
        "from outside the bundle")


def test_good_bundle_verifies_from_a_path(tmp_path, good_bundle, pki):
    path = tmp_path / "dossier-XB-2025-0001.zip"
    path.write_bytes(good_bundle)
    assert verify_bundle(path, ca_pem=pki.ca_pem).exit_code == 0
    assert verify_bundle(str(path), ca_pem=pki.ca_pem).exit_code == 0


def test_bundle_layout_follows_dossier_md(good_bundle, entries):
    contents = entries(good_bundle)
    assert sorted(contents) == sorted(
        ["case.json", "documents/申报书.docx", "documents/自评估报告.docx", "documents/评估意见.docx",
         "records/02-assessor.json", "records/03-provincial.json",
         "documents/出境管理办公室记录.docx", "stages/01-enterprise.json", "stages/01-enterprise.p7s",
         "stages/02-assessor.json", "stages/02-assessor.p7s", "stages/03-provincial.json", "stages/03-provincial.p7s",
         "certs/ca.pem", "manifest.json"]
    )
    index = json.loads(contents["manifest.json"])
    assert index["format"] == "xborder-dossier/1"
    assert [stage["role"] for stage in index["stages"]] == ["enterprise", "assessor", "provincial_official"]
    stage2 = json.loads(contents["stages/02-assessor.json"])
    assert set(stage2) == {"stage", "role", "signer", "signed_at", "files", "previous"}
    # Stage 2 lists what existed then: stage 1's content, its own addition, and stage 1's manifest and signature.
    assert [entry["path"] for entry in stage2["files"]] == sorted(
        ["case.json", "documents/申报书.docx", "documents/自评估报告.docx", "documents/评估意见.docx",
         "records/02-assessor.json", "stages/01-enterprise.json", "stages/01-enterprise.p7s"]
    )
    assert stage2["previous"] == bundle.previous_link(contents["stages/01-enterprise.json"],
                                                      contents["stages/01-enterprise.p7s"])
    assert json.loads(contents["stages/01-enterprise.json"])["previous"] is None


def test_bundle_is_byte_for_byte_reproducible(pki, sign_stages):
    files, stages = sign_stages([pki.signers[role] for role in ("enterprise", "assessor", "provincial_official")])
    first = bundle.build_bundle(files, stages, pki.ca_pem, {"reference": "XB-1", "exporter": "上海"})
    reordered = dict(reversed(list(files.items())))
    again = bundle.build_bundle(reordered, stages, pki.ca_pem, {"exporter": "上海", "reference": "XB-1"})
    assert first == again
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        infos = archive.infolist()
    assert [info.filename for info in infos] == sorted(info.filename for info in infos)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_report_has_one_line_per_check(good_bundle, pki):
    report = verify_bundle(good_bundle, ca_pem=pki.ca_pem)
    lines = format_report(report).splitlines()
    assert len(lines) == len(report.checks) + 1
    assert "ok   stage 1 signature (enterprise, 上海演示智能制造有限公司)" in lines
    assert "ok   stage 3 signature (provincial_official, 上海市演示数据出境管理办公室)" in lines
    assert lines[-1] == f"valid: all {len(report.checks)} checks passed"


def test_case_summary_is_checked_against_the_signed_stages(good_bundle, pki):
    # Changed on purpose (issue 17): the summary was reported as unsigned; now every fact in it must be in a signed
    # stage, so the verifier recomputes it (tampering with it is in test_attacks.py).
    check = next(check for check in verify_bundle(good_bundle, ca_pem=pki.ca_pem).checks
                 if check.name == "case summary")
    assert check.ok and "every fact is in a signed stage" in check.detail


def test_verifying_as_of_a_time(good_bundle, now, pki):
    assert verify_bundle(good_bundle, now=now + DAY, ca_pem=pki.ca_pem).exit_code == 0
    late = verify_bundle(good_bundle, now=now + 30 * 365 * DAY)
    assert late.exit_code == 1 and "stage 1 certificate validity" in failed(late)


# --- tampering: every case must be exit 1 ------------------------------------------------------------------------


def test_one_changed_byte_in_any_file_is_refused(good_bundle, rewrite, entries, entry_name):
    original = entries(good_bundle)[entry_name]
    changed = tamper(original)
    assert sum(a != b for a, b in zip(original, changed, strict=True)) == 1
    report = verify_bundle(rewrite(good_bundle, {entry_name: changed}))
    assert report.exit_code == 1, format_report(report)


def test_every_flipped_bit_of_a_signature_is_refused_never_a_crash(good_bundle, rewrite, entries):
    # A flipped bit in the signer's certificate may leave the signature valid and break the certificate's lazily
    # parsed name or extensions: verify must still answer 1 (this once crashed on a random byte of a fresh bundle).
    original = entries(good_bundle)["stages/01-enterprise.p7s"]
    outcomes = {}
    for position in range(len(original)):
        changed = original[:position] + bytes([original[position] ^ 1]) + original[position + 1:]
        report = verify_bundle(rewrite(good_bundle, {"stages/01-enterprise.p7s": changed}))
        outcomes.setdefault(report.exit_code, position)
    assert set(outcomes) == {1}, outcomes


def test_one_changed_byte_is_refused_even_with_the_index_fixed(good_bundle, rewrite, entries, signed_entry_name):
    # Every file but the index (which is what gets fixed) and the anchor (see the next test) is signed.
    changed = tamper(entries(good_bundle)[signed_entry_name])
    report = verify_bundle(rewrite(good_bundle, {signed_entry_name: changed}, reindex=True))
    assert report.exit_code == 1, format_report(report)


def test_replaced_anchor_is_caught_by_ca(good_bundle, rewrite, pki):
    forged = rewrite(good_bundle, {bundle.CA_PATH: signing.cert_to_pem(pki.other_ca)}, reindex=True)
    report = verify_bundle(forged, ca_pem=pki.ca_pem)
    assert report.exit_code == 0  # --ca replaces the bundle's anchor, so the signatures still check out
    assert verify_bundle(forged).exit_code == 1  # the bundle's own (forged) anchor does not issue the signers


def test_added_file_is_refused(good_bundle, rewrite):
    report = verify_bundle(rewrite(good_bundle, {"documents/extra.docx": b"PK extra"}))
    assert report.exit_code == 1
    assert "not listed" in failed(report)["file documents/extra.docx"]


def test_added_file_listed_in_the_index_is_still_unsigned(good_bundle, rewrite):
    report = verify_bundle(rewrite(good_bundle, {"documents/extra.docx": b"PK extra"}, reindex=True))
    assert report.exit_code == 1
    assert "documents/extra.docx" in failed(report)["signature coverage"]


@pytest.mark.parametrize("reindex", [False, True])
@pytest.mark.parametrize("path", ["case.json", "documents/评估意见.docx", "stages/01-enterprise.json",
                                  "certs/ca.pem"])
def test_removed_file_is_refused(good_bundle, rewrite, path, reindex):
    report = verify_bundle(rewrite(good_bundle, {path: None}, reindex=reindex))
    assert report.exit_code == 1, format_report(report)


@pytest.mark.parametrize("reindex", [False, True])
def test_removed_stage_signature_is_refused(good_bundle, rewrite, reindex):
    report = verify_bundle(rewrite(good_bundle, {"stages/02-assessor.p7s": None}, reindex=reindex))
    assert report.exit_code == 1
    assert "missing" in failed(report)["stage 2 signature"]


def test_signatures_swapped_between_stages_are_refused(good_bundle, rewrite, entries):
    contents = entries(good_bundle)
    swapped = rewrite(good_bundle, {"stages/01-enterprise.p7s": contents["stages/02-assessor.p7s"],
                                    "stages/02-assessor.p7s": contents["stages/01-enterprise.p7s"]}, reindex=True)
    report = verify_bundle(swapped)
    assert report.exit_code == 1
    assert "message digest" in failed(report)["stage 1 signature"]
    assert "message digest" in failed(report)["stage 2 signature"]


def test_missing_middle_stage_is_a_gap(good_bundle, rewrite):
    report = verify_bundle(rewrite(good_bundle, {"stages/02-assessor.json": None, "stages/02-assessor.p7s": None},
                                   reindex=True))
    assert report.exit_code == 1
    assert "without gaps" in failed(report)["stages"]


def test_certificate_from_another_ca_is_refused(make_dossier, pki):
    rogue = pki.issue("assessor", by_other_ca=True)
    forged = make_dossier([pki.signers["enterprise"], rogue, pki.signers["provincial_official"]])
    for report in (verify_bundle(forged), verify_bundle(forged, ca_pem=pki.ca_pem)):
        assert report.exit_code == 1
        assert set(failed(report)) == {"stage 2 certificate chain"}


def test_bundle_with_its_own_forged_anchor_is_never_valid(make_dossier, pki):
    # Changed on purpose (issue 17): without --ca this bundle used to pass (exit 0); now it is untrusted (exit 3).
    rogues = [pki.issue(role, by_other_ca=True) for role in ("enterprise", "assessor", "provincial_official")]
    forged = make_dossier(rogues, ca_pem=signing.cert_to_pem(pki.other_ca))
    own_anchor = verify_bundle(forged)
    assert own_anchor.exit_code == 3 and own_anchor.trust == UNANCHORED
    assert "untrusted" in format_report(own_anchor)
    against_ours = verify_bundle(forged, ca_pem=pki.ca_pem)
    assert against_ours.exit_code == 1 and against_ours.trust == OTHER_CA
    assert "signed under another CA" in format_report(against_ours)


def test_expired_certificate_is_refused(make_dossier, pki, now):
    expired = pki.issue("enterprise", not_before=now - 400 * DAY, valid_days=30)
    report = verify_bundle(make_dossier([expired], signed_at=now - 390 * DAY))
    assert report.exit_code == 1
    assert "expired" in failed(report)["stage 1 certificate validity"]
    assert "stage 1 certificate chain" in failed(report)


def test_certificate_not_yet_valid_is_refused(make_dossier, pki, now):
    early = pki.issue("enterprise", not_before=now + 10 * DAY)
    report = verify_bundle(make_dossier([early]))
    assert report.exit_code == 1
    assert "not valid until" in failed(report)["stage 1 certificate validity"]


def test_wrong_role_for_a_stage_is_refused(make_dossier, pki):
    enterprise = pki.signers["enterprise"]
    report = verify_bundle(make_dossier([enterprise, enterprise, pki.signers["provincial_official"]]))
    assert report.exit_code == 1
    assert failed(report) == {"stage 2 signer and role": failed(report)["stage 2 signer and role"]}
    assert "stage 2 needs assessor" in failed(report)["stage 2 signer and role"]


def test_signer_in_manifest_must_match_the_certificate(pki, sign_stages):
    files, stages = sign_stages([pki.signers["enterprise"]])
    other = pki.signers["assessor"]  # signs a stage 1 manifest naming the enterprise: a certificate substitution
    manifest = stages[0][0]
    forged = bundle.build_bundle(files, [(manifest, signing.sign_detached(manifest, other.key, other.cert, []))],
                                 pki.ca_pem, {})
    report = verify_bundle(forged)
    assert report.exit_code == 1
    assert "the manifest's signer uscc" in failed(report)["stage 1 signer and role"]


def _write_bundle(files, stages, ca_pem) -> bytes:
    """Assemble a bundle without build_bundle's checks, as a forger would."""
    entries = bundle.with_stage_files(files, stages)
    entries[bundle.CA_PATH] = ca_pem
    parsed = [json.loads(manifest) for manifest, _ in stages]
    entries[bundle.MANIFEST] = bundle.manifest_index(entries, parsed, {})
    return bundle.write_zip(entries)


def test_broken_stage_chain_is_refused(pki, sign_stages, now):
    files, stages = sign_stages([pki.signers["enterprise"]])
    files["documents/评估意见.docx"] = b"PK opinion"
    assessor = pki.signers["assessor"]
    wrong = {"manifest_sha256": "0" * 64, "signature_sha256": "0" * 64}
    manifest = bundle.stage_manifest(2, "assessor", bundle.signer_from_certificate(assessor.cert), now,
                                     bundle.with_stage_files(files, stages), wrong)
    stages.append((manifest, signing.sign_detached(manifest, assessor.key, assessor.cert, [pki.ca])))
    with pytest.raises(bundle.BundleError, match="previous"):
        bundle.build_bundle(files, stages, pki.ca_pem, {})
    report = verify_bundle(_write_bundle(files, stages, pki.ca_pem))
    assert report.exit_code == 1
    assert "previous does not match" in failed(report)["stage 2 chain"]


def test_stage_that_drops_earlier_files_is_refused(pki, sign_stages, now):
    files, stages = sign_stages([pki.signers["enterprise"]])
    assessor = pki.signers["assessor"]
    listed = {path: data for path, data in bundle.with_stage_files(files, stages).items() if path != "case.json"}
    manifest = bundle.stage_manifest(2, "assessor", bundle.signer_from_certificate(assessor.cert), now, listed,
                                     bundle.previous_link(*stages[0]))
    stages.append((manifest, signing.sign_detached(manifest, assessor.key, assessor.cert, [pki.ca])))
    report = verify_bundle(_write_bundle(files, stages, pki.ca_pem))
    assert report.exit_code == 1
    assert "drops what stage 1 signed: case.json" in failed(report)["stage 2 files"]


@pytest.mark.parametrize("in_bundle", [False, True])
def test_revoked_certificate_is_refused(pki, sign_stages, in_bundle):
    files, stages = sign_stages([pki.signers[role] for role in ("enterprise", "assessor")])
    crl = signing.issue_crl(pki.ca_key, pki.ca, [pki.signers["assessor"].cert])
    data = bundle.build_bundle(files, stages, pki.ca_pem, summary(files, stages), crl_pem=crl if in_bundle else None)
    report = verify_bundle(data, crls=() if in_bundle else [crl], ca_pem=pki.ca_pem)
    assert report.exit_code == 1
    assert set(failed(report)) == {"stage 2 revocation"}
    assert "revoked on" in failed(report)["stage 2 revocation"]


def test_crl_without_the_signer_and_forged_crls(pki, good_bundle):
    clean = signing.issue_crl(pki.ca_key, pki.ca, [])
    report = verify_bundle(good_bundle, crls=[clean], ca_pem=pki.ca_pem)
    assert report.exit_code == 0
    assert "not revoked" in next(check.detail for check in report.checks if check.name == "stage 1 revocation")
    # A CRL that names our CA but is signed by another key must not be believed, nor silently ignored.
    forged_ca = pki.other_ca  # same subject name as the deployment CA
    forged = signing.issue_crl(pki.other_ca_key, forged_ca, [pki.signers["enterprise"].cert])
    report = verify_bundle(good_bundle, crls=[forged])
    assert report.exit_code == 1 and "not signed by it" in failed(report)["stage 1 revocation"]
    assert verify_bundle(good_bundle, crls=[b"not a crl"]).exit_code == 1


# --- unsafe archives: refused with exit 1, unreadable ones exit 2 -------------------------------------------------


@pytest.mark.parametrize("name", ["../x", "/etc/x", "documents/../../x", "documents\\x.docx", "C:/x", "a//b",
                                  "documents/\x1b[2Jx"])
def test_unsafe_entry_names_are_refused(good_bundle, add_raw_entry, name):
    data = add_raw_entry(good_bundle, name)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert name in archive.namelist()  # the name really is in the archive as written
    report = verify_bundle(data)
    assert report.exit_code == 1
    assert repr(name) in failed(report)["entry names"]
    assert "\x1b" not in format_report(report)  # hostile names are escaped, not sent to the terminal


def test_duplicate_entry_names_are_refused(good_bundle, add_raw_entry):
    with pytest.warns(UserWarning, match="Duplicate name"):
        data = add_raw_entry(good_bundle, "case.json", b"{}")
    report = verify_bundle(data)
    assert report.exit_code == 1
    assert "duplicate" in failed(report)["entry names"]


def _zip_bomb(size: int, base: bytes) -> bytes:
    """The bundle plus one entry of `size` zero bytes, deflated while streaming so it never sits in memory."""
    out = io.BytesIO(base)
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("documents/附件.docx", "w") as stream:
            chunk = bytes(MiB)
            for _ in range(size // MiB):
                stream.write(chunk)
    return out.getvalue()


def test_zip_bomb_is_refused_from_its_headers(good_bundle):
    bomb = _zip_bomb(200 * MiB, good_bundle)
    assert len(bomb) < 2 * MiB
    report = verify_bundle(bomb)
    assert report.exit_code == 1
    # Refused from the headers: nothing was decompressed, so no later check ran.
    assert [check.name for check in report.checks] == ["archive", "archive bounds", "entry names", "size limits"]
    assert "at most" in failed(report)["size limits"] and "fold" in failed(report)["size limits"]


def test_high_ratio_entry_under_the_total_is_refused(good_bundle):
    report = verify_bundle(_zip_bomb(8 * MiB, good_bundle))
    assert report.exit_code == 1
    assert "expands" in failed(report)["size limits"]


def test_too_many_entries_and_limits_are_configurable(good_bundle):
    report = verify_bundle(good_bundle, limits=Limits(max_entries=5))
    assert report.exit_code == 1 and "15 entries; at most 5" in failed(report)["size limits"]
    report = verify_bundle(good_bundle, limits=Limits(max_archive_bytes=1000))
    assert report.exit_code == 1 and "at most 1000" in failed(report)["size limits"]


def test_header_that_understates_the_size_is_caught_while_reading(good_bundle):
    bomb = bytearray(_zip_bomb(4 * MiB, good_bundle))
    # Lie in both headers: claim 1000 bytes where 4 MiB will come out; the read stops at the claim.
    local = bomb.rindex(b"PK\x03\x04")
    central = bomb.rindex(b"PK\x01\x02")
    struct.pack_into("<I", bomb, local + 22, 1000)
    struct.pack_into("<I", bomb, central + 24, 1000)
    report = verify_bundle(bytes(bomb))
    assert report.exit_code == 1
    assert "documents/附件.docx" in failed(report)["entries readable"]


@pytest.mark.parametrize("data", [b"", b"not a zip at all", b"PK\x03\x04" + bytes(100), bytes(range(256)) * 10])
def test_not_a_zip_is_unreadable(data):
    report = verify_bundle(data)
    assert report.exit_code == 2
    assert format_report(report).endswith("not a readable dossier bundle")


def test_missing_path_is_unreadable(tmp_path):
    assert verify_bundle(tmp_path / "nothing.zip").exit_code == 2


@pytest.mark.parametrize("manifest", [None, b"{not json", b"[]", b'{"format": "xborder-dossier/2"}',
                                      b'{"format": "xborder-dossier/1", "format": "x"}', "\udcff".encode("utf-8",
                                      "surrogatepass")])
def test_bundle_without_a_readable_manifest_is_unreadable(good_bundle, rewrite, manifest):
    assert verify_bundle(rewrite(good_bundle, {bundle.MANIFEST: manifest})).exit_code == 2


@settings(max_examples=60, deadline=None)
@given(position=st.integers(min_value=0), value=st.integers(min_value=1, max_value=255))
def test_any_corrupted_byte_gives_an_exit_code_not_an_exception(good_bundle, position, value):
    data = bytearray(good_bundle)
    data[position % len(data)] ^= value
    assert verify_bundle(bytes(data)).exit_code in (0, 1, 2, 3)


# --- building refuses what could not verify ---------------------------------------------------------------------


def test_build_bundle_refuses_unsafe_and_reserved_paths(pki, sign_stages):
    files, stages = sign_stages([pki.signers["enterprise"]])
    for path in ("../x", "/abs", "certs/evil.pem", "manifest.json", "stages/04-x.json"):
        with pytest.raises(bundle.BundleError):
            bundle.build_bundle({**files, path: b"x"}, stages, pki.ca_pem, {})


def test_build_bundle_refuses_files_changed_or_added_after_signing(pki, sign_stages):
    files, stages = sign_stages([pki.signers["enterprise"]])
    with pytest.raises(bundle.BundleError, match="signed at stage 1"):
        bundle.build_bundle({**files, "case.json": b"{}"}, stages, pki.ca_pem, {})
    with pytest.raises(bundle.BundleError, match="every file must be signed"):
        bundle.build_bundle({**files, "documents/late.docx": b"PK"}, stages, pki.ca_pem, {})
    with pytest.raises(bundle.BundleError, match="signed at stage 1"):
        bundle.next_stage_manifest({**files, "case.json": b"{}"}, stages,
                                   signer=bundle.signer_from_certificate(pki.signers["assessor"].cert),
                                   signed_at=dt.datetime.now(dt.UTC))
    with pytest.raises(bundle.BundleError, match="at least"):
        bundle.build_bundle(files, [], pki.ca_pem, {})
    with pytest.raises(signing.CertificateError):
        bundle.build_bundle(files, stages, b"not pem", {})


def test_stage_manifest_rules(pki, now):
    signer = bundle.signer_from_certificate(pki.signers["enterprise"].cert)
    with pytest.raises(bundle.BundleError, match="signed by enterprise"):
        bundle.stage_manifest(1, "assessor", signer, now, {}, None)
    with pytest.raises(bundle.BundleError, match="needs previous"):
        bundle.stage_manifest(2, "assessor", signer, now, {}, None)
    with pytest.raises(bundle.BundleError, match="earlier stages"):
        bundle.stage_manifest(2, "assessor", signer, now, {}, {"manifest_sha256": "0", "signature_sha256": "0"})
    # Stages 5 (a certificate) and 6 (an extension) extend dossier.md's four (issue 15); there is no stage 7.
    with pytest.raises(bundle.BundleError, match="no stage 7"):
        bundle.stage_manifest(7, "enterprise", signer, now, {}, None)
    with pytest.raises(bundle.BundleError, match="signer"):
        bundle.stage_manifest(1, "enterprise", {"organisation": "x"}, now, {}, None)
    with pytest.raises(ValueError, match="timezone"):
        bundle.stage_manifest(1, "enterprise", signer, dt.datetime(2025, 1, 1), {}, None)
    manifest = bundle.stage_manifest(1, "enterprise", signer, now, {"b.json": b"1", "a.json": b"2"}, None)
    assert manifest == bundle.canonical_json(json.loads(manifest))
    assert b'"path": "a.json"' in manifest.split(b'"path": "b.json"')[0]


@given(st.text(max_size=40))
def test_a_path_accepted_is_relative_and_contained(path):
    if bundle.path_problem(path) is None:
        assert not path.startswith("/") and "\\" not in path and ".." not in path.split("/")
        assert "" not in path.split("/")
