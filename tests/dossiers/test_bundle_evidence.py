"""The evidence files and filing materials themselves in the dossier (dossier.md, issue 16): every one under
evidence/, listed by the stage that first included it, the bundle verifying with `xborder verify` and openssl, and
any evidence file added, changed or removed refused; the bundle written a file at a time."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile

import pytest
import sqlalchemy as sa

from tests.helpers.dossiers import entries, fetch_dossier, openssl_verifies, unpack
from tests.helpers.factories import auth, declaration
from tests.helpers.materials import attach_materials
from xborder.cases.models import Evidence
from xborder.dossiers import builds, bundle, stages
from xborder.dossiers.models import Stage, StageFile
from xborder.dossiers.pki import verification_anchors
from xborder.dossiers.verify import verify_bundle

USCC = "9131011552601815X1"
NOTE = "第三方审计报告摘要：境外接收方已通过 ISO/IEC 27001 认证。\n".encode()


@pytest.fixture
def roles(client, db):
    from xborder.accounts.demo import DEMO_PASSWORD, seed_demo_accounts

    seed_demo_accounts()
    return {role: client.post("/api/v1/auth/token", json={"email": f"{role}@demo.xborder",
                                                          "password": DEMO_PASSWORD}).json["token"]
            for role in ("enterprise", "assessor", "official")}


def _act(client, token, case, action, **fields):
    response = client.post(f"/api/v1/cases/{case['id']}/transitions", headers=auth(token),
                           json={"action": action, "version": case["version"], **fields})
    assert response.status_code == 200, response.json
    return response.json


def _fresh(client, token, case_id):
    return client.get(f"/api/v1/cases/{case_id}", headers=auth(token)).json


def _approved_with_evidence(client, roles) -> dict:
    """A security-assessment case with an evidence file and its materials, taken to an approved decision."""
    token = roles["enterprise"]
    case = client.post("/api/v1/cases", headers=auth(token), json={
        "title": "证据入卷", "declaration": declaration(USCC, pi=0, important=True)}).json
    answers = [{"key_point": kp["id"], "answer": "已评估"} for kp in case["key_points"]]
    case = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(token),
                      json={"version": case["version"], "answers": answers}).json
    uploaded = client.post(f"/api/v1/cases/{case['id']}/evidence", headers=auth(token),
                           content_type="multipart/form-data",
                           data={"key_point": case["key_points"][0]["id"], "file": (io.BytesIO(NOTE), "审计/摘要.txt")})
    assert uploaded.status_code == 201, uploaded.json
    attach_materials(client, token, case["id"])
    orgs = client.get("/api/v1/organisations?kind=assessor", headers=auth(token)).json
    case = _act(client, token, _fresh(client, token, case["id"]), "submit",
                assessor_org_id=next(o["id"] for o in orgs if o["uscc"] == "91320500131860916B"))
    reviews = [{"key_point": kp["id"], "finding": "satisfied", "comment": "符合"} for kp in case["key_points"]]
    case = client.put(f"/api/v1/cases/{case['id']}/review", headers=auth(roles["assessor"]),
                      json={"version": case["version"], "reviews": reviews}).json
    case = _act(client, roles["assessor"], case, "sign_opinion")
    case = _act(client, roles["official"], _fresh(client, roles["official"], case["id"]), "forward_to_regulator",
                completeness_confirmed=True)
    return _act(client, roles["official"], case, "record_decision", decision="approved",
                decision_number="国网信评〔2025〕9号", decision_date="2025-07-15")


@pytest.fixture
def approved(client, roles, db):
    case = _approved_with_evidence(client, roles)
    return case, fetch_dossier(client, roles["official"], case["id"])


def _verify(data: bytes):
    return verify_bundle(data, ca_pem=verification_anchors()[0])


def test_every_evidence_file_and_material_is_in_the_bundle_from_stage_1(approved, db):
    case, data = approved
    contents = entries(data)
    rows = db.session.scalars(sa.select(Evidence).where(Evidence.case_id == case["id"])).all()
    assert len(rows) == 6  # the audit summary and the five materials of a security assessment
    for row in rows:
        path = stages.evidence_path(row)
        assert path.startswith("evidence/") and "/" not in path[len("evidence/"):]  # the name's slash made safe
        assert contents[path] == row.data
    # Each is listed by the stage that first included it: stage 1 added them, no later stage adds them again.
    added = dict(db.session.execute(sa.select(StageFile.path, Stage.stage).join(Stage, StageFile.stage_id == Stage.id)
                                    .where(Stage.case_id == case["id"])).all())
    assert {added[stages.evidence_path(row)] for row in rows} == {1}
    for number in (1, 2, 3, 4):
        listed = {e["path"] for e in json.loads(contents[bundle.stage_paths(number)[0]])["files"]}
        assert {stages.evidence_path(row) for row in rows} <= listed
    record = json.loads(contents["case.json"])
    assert {m["kind"] for m in record["materials"]} == {r.kind for r in rows if r.kind}
    assert all(contents[m["path"]] and m["sha256"] == bundle.sha256_hex(contents[m["path"]])
               for m in record["materials"])
    assert _verify(data).exit_code == 0


def test_the_bundle_verifies_with_openssl_and_the_cli(approved, tmp_path):
    _, data = approved
    unpack(data, tmp_path)
    for number in (1, 2, 3, 4):
        result = openssl_verifies(tmp_path, *bundle.stage_paths(number))
        assert result.returncode == 0, result.stderr
    (tmp_path / "dossier.zip").write_bytes(data)
    run = subprocess.run([sys.executable, "-m", "xborder", "verify", str(tmp_path / "dossier.zip"), "--ca",
                          str(tmp_path / "certs/ca.pem")], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "DATABASE_URL": "", "XBORDER_INSTANCE_PATH": str(tmp_path / "none")})
    assert run.returncode == 0, run.stdout + run.stderr


def _rezip(contents: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path, content in contents.items():
            archive.writestr(path, content)
    return out.getvalue()


@pytest.mark.parametrize("tamper", ["change", "remove", "add"])
def test_an_evidence_file_added_changed_or_removed_fails_verification(approved, tamper):
    _, data = approved
    contents = entries(data)
    target = sorted(p for p in contents if p.startswith("evidence/"))[0]
    if tamper == "change":
        contents[target] = contents[target] + b"\n"
    elif tamper == "remove":
        del contents[target]
    else:
        contents["evidence/999999-extra.pdf"] = b"%PDF-1.4 slipped in\n"
    report = _verify(_rezip(contents))
    assert report.exit_code == 1, [(c.name, c.ok) for c in report.checks]


def test_a_material_added_at_a_supplement_is_listed_by_the_revision_of_stage_1(client, roles, db):
    token = roles["enterprise"]
    case = client.post("/api/v1/cases", headers=auth(token), json={
        "title": "补充合同", "declaration": declaration(USCC, pi=150_000,
                                                       contract_effective_date="2025-07-01")}).json
    answers = [{"key_point": kp["id"], "answer": "已评估"} for kp in case["key_points"]]
    client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(token),
               json={"version": case["version"], "answers": answers})
    required = client.get(f"/api/v1/cases/{case['id']}/materials", headers=auth(token)).json["required"]
    for entry in required:
        if entry["kind"] != "signed_contract":
            client.post(f"/api/v1/cases/{case['id']}/materials", headers=auth(token),
                        content_type="multipart/form-data",
                        data={"kind": entry["kind"], "file": (io.BytesIO(b"%PDF-1.4 " + entry["kind"].encode()),
                                                              f"{entry['kind']}.pdf")})
    orgs = client.get("/api/v1/organisations?kind=assessor", headers=auth(token)).json
    case = _act(client, token, _fresh(client, token, case["id"]), "submit",
                assessor_org_id=next(o["id"] for o in orgs if o["uscc"] == "91320500131860916B"))
    reviews = [{"key_point": kp["id"], "finding": "satisfied", "comment": "符合"} for kp in case["key_points"]]
    case = client.put(f"/api/v1/cases/{case['id']}/review", headers=auth(roles["assessor"]),
                      json={"version": case["version"], "reviews": reviews}).json
    case = _act(client, roles["assessor"], case, "sign_opinion")
    case = _act(client, roles["official"], _fresh(client, roles["official"], case["id"]), "request_supplement",
                comment="请上传已签署的标准合同")
    contract = b"%PDF-1.4 signed standard contract\n"
    added = client.post(f"/api/v1/cases/{case['id']}/materials", headers=auth(token),
                        content_type="multipart/form-data",
                        data={"kind": "signed_contract", "file": (io.BytesIO(contract), "标准合同.pdf")})
    assert added.status_code == 201
    case = _act(client, token, _fresh(client, token, case["id"]), "resubmit")
    case = _act(client, roles["official"], _fresh(client, roles["official"], case["id"]), "record_filing",
                filing_number="沪数出备〔2026〕7号")
    data = fetch_dossier(client, roles["official"], case["id"])
    contents = entries(data)
    path = stages.evidence_path(db.session.get(Evidence, added.json["id"]))
    assert contents[path] == contract
    first = {e["path"] for e in json.loads(contents[bundle.stage_paths(1)[0]])["files"]}
    revision = {e["path"] for e in json.loads(contents[bundle.stage_paths(1, 2)[0]])["files"]}
    assert path not in first and path in revision
    assert _verify(data).exit_code == 0


def test_the_bundle_is_written_a_stored_file_at_a_time(approved, db, tmp_path):
    case, data = approved
    chain = stages.chain_of(case["id"])
    files, signed = stages.signed_material(chain)
    loads: list[str] = []

    def counted(digest: str) -> bytes:
        loads.append(digest)
        return stages.blob(digest)

    lazy = bundle.LazyFiles({path: files.digest(path) for path in files}, counted)
    with (tmp_path / "out.zip").open("wb") as out:
        bundle.write_bundle(out, lazy, signed, builds.pki.anchors_pem(),
                            bundle.summary_from_files(lazy, stages.chain_slots(chain)))
    written = (tmp_path / "out.zip").read_bytes()
    assert written == data == builds.assemble(db.session.get(builds.Case, case["id"]))
    # Hashes come from the content addresses: each stored file is read for the ZIP, and only the signed records
    # once more for the summary.
    evidence_digests = {files.digest(p)[0] for p in files if p.startswith("evidence/")}
    assert all(loads.count(d) == 1 for d in evidence_digests)
