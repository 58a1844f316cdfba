"""The attacks on the running service that broke dossier trust (issue 17), replayed against the real workflow:
a bundle re-signed under a home-made CA naming the demo organisations, a tampered case summary, a rolled-back
stage, bytes around the ZIP, and an assessor's sign-off left standing after the enterprise changed its answers.
Each one is refused, or (the stale sign-off) said plainly, by `/verify`, by `xborder verify` and by the library."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from tests.helpers.api import act, answered_case, assessor_id, review_all
from tests.helpers.dossiers import (
    entries,
    fetch_dossier,
    openssl_verifies,
    security_assessment_case,
    unpack,
    upload_to_verify,
    web_login,
)
from tests.helpers.factories import auth
from xborder.dossiers import bundle, signing
from xborder.dossiers import pki as deployment
from xborder.dossiers.verify import format_report, verify_bundle

DEMO = {"enterprise": ("上海演示智能制造有限公司", "9131011552601815X1"),
        "assessor": ("演示数据安全评估中心", "91320500131860916B"),
        "provincial_official": ("上海市演示数据出境管理办公室", "113100000024158670")}


def _cli(path, tmp_path, *extra) -> subprocess.CompletedProcess:
    """`xborder verify` where there is no local deployment (an empty instance folder, no DATABASE_URL)."""
    env = {**os.environ, "DATABASE_URL": "", "XBORDER_INSTANCE_PATH": str(tmp_path / "no-deployment")}
    return subprocess.run([sys.executable, "-m", "xborder", "verify", str(path), *extra], capture_output=True,
                          text=True, timeout=120, env=env)


def _anchors_file(tmp_path):
    path = tmp_path / "deployment-ca.pem"
    path.write_bytes(deployment.anchors_pem())
    return path


def _failed(report) -> dict[str, str]:
    return {check.name: check.detail for check in report.checks if not check.ok}


def _reindex(contents: dict[str, bytes], summary: dict | None = None, keep_stages: int | None = None) -> bytes:
    """Rewrite manifest.json as an attacker would: the files as they now are, the stages left, the summary given."""
    index = json.loads(contents[bundle.MANIFEST])
    stage_entries = index["stages"][:keep_stages]
    parsed = [json.loads(contents[entry["manifest"]]) for entry in stage_entries]
    body = {path: data for path, data in contents.items() if path != bundle.MANIFEST}
    body[bundle.MANIFEST] = bundle.manifest_index(body, parsed, index["case"] if summary is None else summary)
    return bundle.write_zip(body)


def _home_made_pki():
    """A CA with the deployment CA's name and a certificate per demo organisation: what the attacker had."""
    ca_key, ca = signing.create_ca("xborder deployment CA")
    signers = {}
    for role, (name, uscc) in DEMO.items():
        key, cert = signing.issue_signing_certificate(ca_key, ca, organisation_name=name, uscc=uscc, role=role)
        signers[role] = (key, cert, [ca])
    return signing.cert_to_pem(ca), signers


def _resign(contents: dict[str, bytes], ca_pem: bytes, signers, *, change=None, add=None) -> bytes:
    """Change and add content, then sign every stage again with the attacker's keys, keeping the summary."""
    index = json.loads(contents[bundle.MANIFEST])
    content = {path: data for path, data in contents.items() if not bundle.is_reserved(path)}
    content.update(change or {})
    files: dict[str, bytes] = {}
    stages: list[tuple[bytes, bytes]] = []
    for position, entry in enumerate(index["stages"], start=1):
        manifest = json.loads(contents[entry["manifest"]])
        files.update({e["path"]: content[e["path"]] for e in manifest["files"] if not bundle.is_reserved(e["path"])})
        if position == len(index["stages"]):
            files.update(add or {})
        key, cert, chain = signers[manifest["role"]]
        signed = bundle.next_stage_manifest(files, stages, signer=bundle.signer_from_certificate(cert, person="张伟"),
                                            signed_at=dt.datetime.now(dt.UTC))
        stages.append((signed, signing.sign_detached(signed, key, cert, chain)))
    return bundle.build_bundle(files, stages, ca_pem, index["case"])


@pytest.fixture
def approved(client, roles):  # noqa: F811
    case = security_assessment_case(client, roles)
    return case, fetch_dossier(client, roles["official"], case["id"])


# --- a bundle re-signed under a home-made CA -------------------------------------------------------------------


def test_bundle_resigned_under_a_home_made_ca_is_never_valid(client, approved, tmp_path):
    _, data = approved
    contents = entries(data)
    ca_pem, signers = _home_made_pki()
    record = contents["case.json"].replace("SELF-1 的回答".encode(), "已删除全部境外副本".encode())
    assert record != contents["case.json"]
    forged = _resign(contents, ca_pem, signers, change={"case.json": record},
                     add={"documents/补充说明.docx": b"PK\x03\x04 added by the attacker"})
    # Internally the forgery is perfect: its own certs/ca.pem issues every signer, and openssl accepts each stage.
    unpack(forged, tmp_path / "forged")
    assert openssl_verifies(tmp_path / "forged", *bundle.stage_paths(1)).returncode == 0

    html = upload_to_verify(client, forged).get_data(as_text=True)
    assert "有效：全部" not in html and "另一个 CA" in html and "不能视为有效" in html
    english = upload_to_verify(client, forged, lang="en").get_data(as_text=True)
    assert "Valid: all" not in english and "signed under another CA" in english

    (tmp_path / "forged.zip").write_bytes(forged)
    with_ca = _cli(tmp_path / "forged.zip", tmp_path, "--ca", _anchors_file(tmp_path))
    assert with_ca.returncode == 1, with_ca.stdout
    assert "signed under another CA" in with_ca.stdout
    without = _cli(tmp_path / "forged.zip", tmp_path)
    assert without.returncode == 3, without.stdout
    assert without.stdout.splitlines()[-1].startswith("UNTRUSTED")
    assert verify_bundle(forged).exit_code == 3  # the library, given no anchor, never says 0 either


def test_the_genuine_bundle_is_signed_under_this_deployments_ca(client, approved, tmp_path):
    _, data = approved
    html = upload_to_verify(client, data).get_data(as_text=True)
    assert "有效：全部" in html and "各阶段的签名证书均由本系统的 CA 签发" in html
    assert "Every stage was signed under this deployment" in upload_to_verify(
        client, data, lang="en").get_data(as_text=True)
    (tmp_path / "dossier.zip").write_bytes(data)
    assert _cli(tmp_path / "dossier.zip", tmp_path, "--ca", _anchors_file(tmp_path)).returncode == 0
    assert _cli(tmp_path / "dossier.zip", tmp_path).returncode == 3  # no deployment here: untrusted, not valid


def test_cli_without_ca_uses_the_local_deployments_anchors(approved, tmp_path):
    from xborder.dossiers.models import TrustAnchor

    _, data = approved
    # A local deployment: the embedded SQLite file in the instance folder, holding this deployment's CA.
    instance = tmp_path / "instance"
    instance.mkdir()
    engine = sa.create_engine(f"sqlite:///{instance / 'xborder.sqlite3'}")
    TrustAnchor.__table__.create(engine)
    ca = deployment.deployment_ca()
    with engine.begin() as conn:
        conn.execute(TrustAnchor.__table__.insert().values(
            kind="deployment", deployment=True, subject=ca.subject, certificate_pem=ca.certificate_pem,
            fingerprint=ca.fingerprint, created_at=dt.datetime.now(dt.UTC)))
    engine.dispose()
    ca_pem, signers = _home_made_pki()
    forged = _resign(entries(data), ca_pem, signers)
    (tmp_path / "dossier.zip").write_bytes(data)
    (tmp_path / "forged.zip").write_bytes(forged)
    env = {**os.environ, "DATABASE_URL": "", "XBORDER_INSTANCE_PATH": str(instance)}
    runs = {name: subprocess.run([sys.executable, "-m", "xborder", "verify", str(tmp_path / name)], env=env,
                                 capture_output=True, text=True, timeout=120) for name in ("dossier.zip", "forged.zip")}
    assert runs["dossier.zip"].returncode == 0, runs["dossier.zip"].stdout + runs["dossier.zip"].stderr
    assert "anchors: the local deployment's" in runs["dossier.zip"].stdout
    assert runs["forged.zip"].returncode == 1, runs["forged.zip"].stdout


# --- the summary states only signed facts ------------------------------------------------------------------------


def test_rejected_case_whose_summary_says_approved_until_2029_fails(client, roles, tmp_path):  # noqa: F811
    case = security_assessment_case(client, roles, decide=False)
    case = act(client, roles["official"], case, "record_decision", decision="rejected",
               decision_number="国网信评〔2025〕2号", decision_date="2025-07-15").json
    assert case["status"] == "rejected", case
    data = fetch_dossier(client, roles["official"], case["id"])
    contents = entries(data)
    summary = json.loads(contents[bundle.MANIFEST])["case"]
    assert summary["status"] == "rejected"
    lie = {**summary, "status": "approved", "valid_until": "2029-07-15",
           "decision": {**(summary.get("decision") or {}), "decision": "approved"}}
    tampered = _reindex(contents, lie)
    report = verify_bundle(tampered, ca_pem=deployment.anchors_pem())
    assert report.exit_code == 1
    assert set(_failed(report)) == {"case summary"}
    assert "status is 'approved'; the signed stages say 'rejected'" in _failed(report)["case summary"]
    (tmp_path / "tampered.zip").write_bytes(tampered)
    assert _cli(tmp_path / "tampered.zip", tmp_path, "--ca", _anchors_file(tmp_path)).returncode == 1


def test_bundle_rolled_back_to_an_earlier_stage_fails(approved, tmp_path):
    _, data = approved
    contents = entries(data)
    index = json.loads(contents[bundle.MANIFEST])
    kept = json.loads(contents[index["stages"][1]["manifest"]])  # the assessor's stage 2 and what it listed
    keep = {e["path"] for e in kept["files"]} | {index["stages"][1]["manifest"], index["stages"][1]["signature"],
                                                 bundle.CA_PATH, bundle.MANIFEST}
    dropped = sorted(set(contents) - keep)
    assert "stages/03-provincial.p7s" in dropped and "records/03-provincial.json" in dropped
    rolled_back = _reindex({path: contents[path] for path in keep}, keep_stages=2)
    report = verify_bundle(rolled_back, ca_pem=deployment.anchors_pem())
    assert report.exit_code == 1
    assert set(_failed(report)) == {"case summary"}
    assert "which the bundle does not have" in _failed(report)["case summary"]
    (tmp_path / "rolled-back.zip").write_bytes(rolled_back)
    assert _cli(tmp_path / "rolled-back.zip", tmp_path, "--ca", _anchors_file(tmp_path)).returncode == 1


# --- bytes before or after the ZIP -------------------------------------------------------------------------------


@pytest.mark.parametrize("before, after", [(b"MZ\x90\x00" + bytes(60), b""), (b"", b"trailing bytes"),
                                           (b"#!/bin/sh\n", b"\n")])
def test_bytes_around_the_zip_fail(approved, tmp_path, before, after):
    _, data = approved
    wrapped = before + data + after
    report = verify_bundle(wrapped, ca_pem=deployment.anchors_pem())
    assert report.exit_code == 1 and set(_failed(report)) == {"archive bounds"}
    (tmp_path / "wrapped.zip").write_bytes(wrapped)
    assert _cli(tmp_path / "wrapped.zip", tmp_path, "--ca", _anchors_file(tmp_path)).returncode == 1


# --- a stale sign-off after a supplement ---------------------------------------------------------------------------


def test_supplement_that_changes_an_answer_is_signed_again_and_the_stale_opinion_shown(client, roles, tmp_path):  # noqa: F811
    case = answered_case(client, roles, pi=0, important=True)
    case = act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles)).json
    case = review_all(client, roles, client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["assessor"])).json)
    case = act(client, roles["assessor"], case, "sign_opinion").json
    case = client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["official"])).json
    case = act(client, roles["official"], case, "request_supplement", comment="请补充境外接收方的安全措施").json
    assert case["status"] == "supplement_requested", case
    case = client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["enterprise"])).json
    answers = [{"key_point": kp["id"], "answer": f"{kp['id']} 的回答"} for kp in case["key_points"]]
    answers[0]["answer"] = "境外接收方已通过 ISO/IEC 27001 认证，数据加密存储"
    case = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(roles["enterprise"]),
                      json={"version": case["version"], "answers": answers}).json
    case = act(client, roles["enterprise"], case, "resubmit").json
    assert case["status"] == "provincial_review", case

    # The new answer is in a stage the enterprise signed: stage 1, revision 2.
    data = fetch_dossier(client, roles["official"], case["id"])
    contents = entries(data)
    revised = json.loads(contents["revisions/2/case.json"])
    assert any(a["answer"] == answers[0]["answer"] for a in revised["answers"])
    assert json.loads(contents["stages/01-enterprise-r2.json"])["signer"]["uscc"] == DEMO["enterprise"][1]
    unpack(data, tmp_path / "b")
    for manifest, signature in (bundle.stage_paths(1), bundle.stage_paths(2), bundle.stage_paths(1, 2)):
        result = openssl_verifies(tmp_path / "b", manifest, signature)
        assert result.returncode == 0, result.stderr
    report = verify_bundle(data, ca_pem=deployment.anchors_pem())
    assert report.exit_code == 0, format_report(report)
    assert report.stale == [{"stage": 2, "role": "assessor", "revision": 1, "newest": 2}]
    assert "stale sign-off: stage 2 (assessor) covered revision 1" in format_report(report)
    (tmp_path / "b.zip").write_bytes(data)
    run = _cli(tmp_path / "b.zip", tmp_path, "--ca", _anchors_file(tmp_path))
    assert run.returncode == 0 and "WARN stage 2 covers" in run.stdout, run.stdout

    note = "第 2 阶段（评估机构）签署时覆盖的是企业申报第 1 版，企业此后已签署第 2 版：该签署已过时。"
    assert note in upload_to_verify(client, data).get_data(as_text=True)
    assert "a stale sign-off" in upload_to_verify(client, data, lang="en").get_data(as_text=True)
    # The official sees it on the case page before forwarding.
    web_login(client, "official@demo.xborder")
    page = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert note in page and "forward_to_regulator" in page

    case = client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["official"])).json
    case = act(client, roles["official"], case, "forward_to_regulator", completeness_confirmed=True).json
    assert case["status"] == "submitted_to_regulator", case
    contents = entries(fetch_dossier(client, roles["official"], case["id"]))
    assert json.loads(contents["records/03-provincial.json"])["enterprise_revision"] == 2
    assert json.loads(contents["records/02-assessor.json"])["enterprise_revision"] == 1
    report = verify_bundle(bundle.write_zip(contents), ca_pem=deployment.anchors_pem())
    assert report.exit_code == 0 and [s["stage"] for s in report.stale] == [2]


def test_cli_with_an_unreachable_deployment_database_is_untrusted(good_bundle, tmp_path):
    (tmp_path / "dossier.zip").write_bytes(good_bundle)
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
           "XBORDER_INSTANCE_PATH": str(tmp_path / "instance")}
    run = subprocess.run([sys.executable, "-m", "xborder", "verify", str(tmp_path / "dossier.zip")], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 3, run.stdout + run.stderr
    assert "cannot be read" in run.stdout and run.stdout.splitlines()[-1].startswith("UNTRUSTED")
