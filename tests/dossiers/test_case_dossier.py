"""A case taken through the workflow by the API yields a dossier that openssl and `xborder verify` accept, whose
documents are in Chinese and carry the case's facts, and whose every tampering is refused."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile

import pytest
import sqlalchemy as sa
from docx import Document
from docx.oxml.ns import qn

from tests.helpers.api import act, answered_case, assessor_id, review_all
from tests.helpers.dossiers import (
    entries,
    fetch_dossier,
    openssl_verifies,
    security_assessment_case,
    unpack,
)
from tests.helpers.factories import auth
from xborder.dossiers import bundle, signing
from xborder.dossiers.pki import verification_anchors
from xborder.dossiers.verify import verify_bundle

ENTERPRISE = ("上海演示智能制造有限公司", "9131011552601815X1")


@pytest.fixture
def approved(client, roles):  # noqa: F811
    case = security_assessment_case(client, roles)
    return case, fetch_dossier(client, roles["official"], case["id"])


_BUNDLE: dict[str, bytes] = {}


@pytest.fixture
def approved_bundle(request) -> bytes:
    """The bytes of one approved case's dossier, made once for the tests that only read them."""
    if "data" not in _BUNDLE:
        _BUNDLE["data"] = request.getfixturevalue("approved")[1]
    return _BUNDLE["data"]


def _cli_verify(path, *extra) -> subprocess.CompletedProcess:
    # No local deployment: an empty instance folder and no DATABASE_URL, whatever the machine has.
    instance = path.parent / "no-deployment"
    return subprocess.run([sys.executable, "-m", "xborder", "verify", str(path), *extra], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "DATABASE_URL": "", "XBORDER_INSTANCE_PATH":
                                                      str(instance)})


def test_three_stage_signatures_verify_with_openssl_and_xborder(tmp_path, approved):
    case, data = approved
    contents = entries(data)
    unpack(data, tmp_path)
    for stage in (1, 2, 3):
        result = openssl_verifies(tmp_path, *bundle.stage_paths(stage))
        assert result.returncode == 0, result.stderr
    (tmp_path / "dossier.zip").write_bytes(data)
    run = _cli_verify(tmp_path / "dossier.zip", "--ca", tmp_path / "certs/ca.pem")
    assert run.returncode == 0, run.stdout
    assert run.stdout.splitlines()[-1].startswith("valid: all")
    # The signers are the three demo organisations, by name, USCC and role.
    signers = [json.loads(contents[bundle.stage_paths(n)[0]])["signer"] for n in (1, 2, 3)]
    assert [s["uscc"] for s in signers] == ["9131011552601815X1", "91320500131860916B", "113100000024158670"]
    index = json.loads(contents["manifest.json"])
    assert index["case"]["status"] == "approved" and index["case"]["decision"]["decision"] == "approved"
    assert index["case"]["reference"] == case["reference"]


def test_approved_case_signs_the_decision_as_stage_4(tmp_path, approved):
    case, data = approved
    contents = entries(data)
    unpack(data, tmp_path)
    result = openssl_verifies(tmp_path, *bundle.stage_paths(4))
    assert result.returncode == 0, result.stderr
    stage4 = json.loads(contents["stages/04-decision.json"])
    assert stage4["role"] == "provincial_official" and stage4["signer"]["uscc"] == "113100000024158670"
    assert {"records/04-decision.json", *bundle.stage_paths(3)} <= {e["path"] for e in stage4["files"]}
    record = json.loads(contents["records/04-decision.json"])
    assert (record["decision"], record["decision_number"], record["decision_date"]) == (
        "approved", "国网信评〔2025〕1号", "2025-07-15")
    assert record["valid_until"] == case["valid_until"] and record["status"] == "approved"
    # Every fact of the summary comes from the signed stages.
    summary = json.loads(contents["manifest.json"])["case"]
    assert summary["decision"] == {"decision": "approved", "decision_number": "国网信评〔2025〕1号",
                                   "decision_date": "2025-07-15"}
    assert summary["valid_until"] == record["valid_until"] and summary["status"] == "approved"
    report = verify_bundle(data, ca_pem=verification_anchors()[0])
    assert report.exit_code == 0 and "stage 4 signature" in {check.name for check in report.checks}


def test_layout_and_stage_contents(approved_bundle):
    data = approved_bundle
    contents = entries(data)
    stage_files = [{e["path"] for e in json.loads(contents[bundle.stage_paths(n)[0]])["files"]} for n in (1, 2, 3)]
    # Stage 1 carries the filing materials themselves (issue 16), each at the path case.json gives it.
    materials = {m["path"] for m in json.loads(contents["case.json"])["materials"]}
    assert len(materials) == 5 and all(path.startswith("evidence/") for path in materials)
    assert stage_files[0] == {"case.json", "documents/01-数据出境安全评估申报书.docx",
                              "documents/01-数据出境风险自评估报告.docx", "documents/01-经办人授权委托书.docx",
                              *materials}
    assert stage_files[1] == stage_files[0] | {"records/02-assessor.json", "documents/02-第三方评估意见.docx",
                                               *bundle.stage_paths(1)}
    assert stage_files[2] == stage_files[1] | {"records/03-provincial.json", "documents/03-省级审查记录.docx",
                                               *bundle.stage_paths(2)}
    record = json.loads(contents["case.json"])
    assert record["exporter"]["uscc"] == ENTERPRISE[1] and record["pathway"] == "security_assessment"
    assert json.loads(contents["records/03-provincial.json"])["completeness_confirmed"] is True


def _docx_text(data: bytes) -> tuple[Document, str]:
    document = Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return document, "\n".join(texts)


def test_documents_are_chinese_and_carry_the_case_facts(approved):
    case, data = approved
    contents = entries(data)
    _, report = _docx_text(contents["documents/01-数据出境风险自评估报告.docx"])
    # The template's headings (issue 16: 一、自评估工作情况 … 三、出境活动的风险自评估情况及结论).
    for fact in (*ENTERPRISE, case["reference"], "一、自评估工作情况", "二、出境活动整体情况",
                 "（五）法律文件约定数据安全保护责任义务的情况", "三、出境活动的风险自评估情况及结论",
                 "Example GmbH", "SELF-1", "SELF-1 的回答", "LD-1 的回答", "严重", "包含重要数据：是"):
        assert fact in report, fact
    _, opinion = _docx_text(contents["documents/02-第三方评估意见.docx"])
    assert "演示数据安全评估中心" in opinion and "符合" in opinion and ENTERPRISE[1] in opinion
    _, record = _docx_text(contents["documents/03-省级审查记录.docx"])
    assert "上海市演示数据出境管理办公室" in record and "材料齐全，报送国家网信部门" in record
    _, declaration = _docx_text(contents["documents/01-数据出境安全评估申报书.docx"])
    assert "数据出境安全评估申报书" in declaration and "数据出境风险自评估报告" in declaration
    assert "申报数据出境安全评估" in declaration and "《数据安全法》第三十一条" in declaration


def test_documents_have_chinese_typography(approved_bundle):
    data = approved_bundle
    document = Document(io.BytesIO(entries(data)["documents/01-数据出境风险自评估报告.docx"]))
    body = document.element.body
    east_asian = {f.get(qn("w:eastAsia")) for f in body.iter(qn("w:rFonts"))}
    assert {"仿宋", "黑体", "楷体"} <= east_asian  # the template's faces: body 仿宋, headings 黑体 / 楷体 / 仿宋
    assert all(table._tbl.tr_lst[0].find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
               for table in document.tables)
    footer = document.sections[0].footer._element
    assert any("PAGE" in (t.text or "") for t in footer.iter(qn("w:instrText")))
    assert document.sections[0].different_first_page_header_footer  # the cover page has no number


def test_download_is_audited_and_scoped(client, roles, approved, factory):  # noqa: F811
    case, _ = approved
    trail = client.get(f"/api/v1/cases/{case['id']}/audit", headers=auth(roles["official"])).json
    actions = [e["action"] for e in trail["entries"]]
    assert actions.count("dossier.stage_signed") == 4 and "dossier.downloaded" in actions  # stage 4: the decision
    assert trail["chain"]["ok"] is True
    outsider = factory.token(factory.user("enterprise"))
    assert client.get(f"/api/v1/cases/{case['id']}/dossier", headers=auth(outsider)).status_code == 404
    other_province = factory.user("provincial_official", factory.organisation(kind="authority", province="320000"))
    response = client.get(f"/api/v1/cases/{case['id']}/dossier", headers=auth(factory.token(other_province)))
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_no_dossier_before_submission(client, roles):  # noqa: F811
    case = answered_case(client, roles, pi=0, important=True)
    response = client.get(f"/api/v1/cases/{case['id']}/dossier", headers=auth(roles["enterprise"]))
    assert response.status_code == 404


def test_standard_contract_route_with_rectification_signs_a_new_round(client, roles, db):  # noqa: F811
    from xborder.dossiers.models import Stage

    case = answered_case(client, roles, pi=150_000, contract_effective_date="2025-07-01")  # filed: issue 15
    case = act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles)).json
    seen = client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["assessor"])).json
    case = act(client, roles["assessor"], seen, "request_rectification", comment="请补充保存期限",
               key_points=["PIA-1"]).json
    case = client.put(f"/api/v1/cases/{case['id']}/self-assessment", headers=auth(roles["enterprise"]), json={
        "version": case["version"], "answers": [{"key_point": "PIA-1", "answer": "境外保存12个月后删除"}]}).json
    case = act(client, roles["enterprise"], case, "resubmit").json
    case = review_all(client, roles, client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["assessor"])).json)
    case = act(client, roles["assessor"], case, "sign_opinion").json
    case = client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["official"])).json
    case = act(client, roles["official"], case, "record_filing", filing_number="沪备2025-0001").json
    assert case["status"] == "filed"
    rows = db.session.execute(sa.select(Stage.round, Stage.stage).where(Stage.case_id == case["id"])
                              .order_by(Stage.round, Stage.stage)).all()
    assert [tuple(r) for r in rows] == [(1, 1), (2, 1), (2, 2), (2, 3)]
    data = fetch_dossier(client, roles["enterprise"], case["id"])
    assert verify_bundle(data, ca_pem=verification_anchors()[0]).exit_code == 0
    contents = entries(data)
    assert "documents/01-个人信息保护影响评估报告.docx" in contents
    assert "documents/01-个人信息出境标准合同备案材料.docx" in contents
    assert any(a["answer"] == "境外保存12个月后删除" for a in json.loads(contents["case.json"])["answers"])
    _, filing = _docx_text(contents["documents/03-省级审查记录.docx"])
    assert "沪备2025-0001" in filing


def test_signed_stages_are_immutable(approved, db):
    from xborder.dossiers.models import Stage

    stage = db.session.scalars(sa.select(Stage).limit(1)).first()
    stage.signed_at = stage.signed_at.replace(year=2000)
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()


def test_deployment_ca_key_is_encrypted_at_rest(approved, db, app):
    from xborder.dossiers.models import SigningCertificate, TrustAnchor

    ca = db.session.scalars(sa.select(TrustAnchor).where(TrustAnchor.deployment.is_(True))).one()
    assert ca.encrypted_key_pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(signing.PrivateKeyError):
        signing.load_private_key(ca.encrypted_key_pem, b"not-the-passphrase-at-all")
    signing.load_private_key(ca.encrypted_key_pem, app.config["XBORDER"].key_passphrase)
    keys = db.session.scalars(sa.select(SigningCertificate.encrypted_key_pem)).all()
    assert len(keys) >= 3 and all(k.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----") for k in keys)


# --- tampering with the real bundle ----------------------------------------------------------------------------


def _rewrite(data: bytes, changes: dict[str, bytes | None]) -> bytes:
    contents = entries(data)
    for path, content in changes.items():
        if content is None:
            contents.pop(path, None)
        else:
            contents[path] = content
    return bundle.write_zip(contents)


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1:]


TAMPERINGS = {
    "changed byte in a document": lambda c: {"documents/01-数据出境风险自评估报告.docx":
                                             _flip(c["documents/01-数据出境风险自评估报告.docx"])},
    "changed byte in case.json": lambda c: {"case.json": c["case.json"].replace(b"Example GmbH", b"Example GmbI")},
    "changed byte in a stage manifest": lambda c: {"stages/02-assessor.json": _flip(c["stages/02-assessor.json"])},
    "file added": lambda c: {"documents/extra.docx": b"PK\x03\x04 added later"},
    "file removed": lambda c: {"documents/02-第三方评估意见.docx": None},
    "stage signature removed": lambda c: {"stages/03-provincial.p7s": None},
    "signatures swapped": lambda c: {"stages/01-enterprise.p7s": c["stages/02-assessor.p7s"],
                                     "stages/02-assessor.p7s": c["stages/01-enterprise.p7s"]},
    "broken chain": lambda c: {"stages/02-assessor.json": c["stages/02-assessor.json"],
                               "stages/01-enterprise.p7s": c["stages/01-enterprise.p7s"] + b"\x00"},
}


@pytest.mark.parametrize("name", sorted(TAMPERINGS))
def test_tampering_with_the_case_dossier_is_refused(approved_bundle, name):
    data = approved_bundle
    tampered = _rewrite(data, TAMPERINGS[name](entries(data)))
    report = verify_bundle(tampered)
    assert report.exit_code == 1, name


def test_certificate_from_another_ca_and_expiry_are_refused(approved_bundle, now):
    import datetime as dt

    data = approved_bundle
    _, other = signing.create_ca("xborder deployment CA")
    assert verify_bundle(data, ca_pem=signing.cert_to_pem(other)).exit_code == 1
    ten_years = now + dt.timedelta(days=3660)
    report = verify_bundle(data, now=ten_years)
    assert report.exit_code == 1
    assert any("expired" in c.detail for c in report.checks if not c.ok)


def test_unsafe_entries_and_zip_bombs_are_refused_and_garbage_is_unreadable(tmp_path, approved_bundle):
    data = approved_bundle
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr(zipfile.ZipInfo("../../etc/evil", date_time=bundle.ZIP_EPOCH), b"x")
    assert verify_bundle(out.getvalue()).exit_code == 1
    bomb = io.BytesIO(data)
    with zipfile.ZipFile(bomb, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("documents/bomb.docx", b"\0" * (200 * 1024 * 1024))
    assert verify_bundle(bomb.getvalue()).exit_code == 1
    (tmp_path / "tampered.zip").write_bytes(_rewrite(data, {"case.json": b"{}"}))
    assert _cli_verify(tmp_path / "tampered.zip").returncode == 1
    (tmp_path / "garbage.zip").write_bytes(b"this is not a zip file")
    assert _cli_verify(tmp_path / "garbage.zip").returncode == 2
