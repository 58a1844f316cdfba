"""The results signed after dossier.md's four stages (issue 15): a certification case's certificate, recorded by the
enterprise, as stage 5 after the assessor's stage 2; an approved case's extension decisions, recorded by the
official, as stage 6 (revision 2 for the second). Each bundle verifies with openssl and `xborder verify`, states the
result in its summary from the signed record only, and refuses tampering; the documents are Chinese."""

from __future__ import annotations

import datetime as dt
import io
import json

import sqlalchemy as sa
from docx import Document
from docx.oxml.ns import qn

from tests.helpers.api import act, answered_case, assessor_id, case_as, review_all
from tests.helpers.dossiers import (
    cli_verify,
    entries,
    fetch_dossier,
    openssl_verifies,
    security_assessment_case,
    unpack,
    upload_to_verify,
)
from tests.helpers.factories import auth
from xborder.cases.models import Case
from xborder.core.timeutil import china_today
from xborder.dossiers import bundle
from xborder.dossiers.pki import verification_anchors
from xborder.dossiers.verify import verify_bundle

PASSING = {"purpose_scope_unchanged": True, "processor_recipient_unchanged": True,
           "persons_next_3_years": 120, "persons_approved_past_3_years": 100,
           "important_data_next_3_years": None, "important_data_approved_past_3_years": None,
           "legal_documents_six_clauses": True, "no_major_incident": True}
BODY_ZH = "中央网信办（国家网信办）数据与技术保障中心"


def _text(docx: bytes) -> str:
    document = Document(io.BytesIO(docx))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _fonts(docx: bytes) -> set[str]:
    body = Document(io.BytesIO(docx)).element.body
    return {f.get(qn("w:eastAsia")) for f in body.iter(qn("w:rFonts"))}


def _rewrite(data: bytes, changes: dict[str, bytes | None]) -> bytes:
    contents = entries(data)
    for path, content in changes.items():
        if content is None:
            contents.pop(path, None)
        else:
            contents[path] = content
    return bundle.write_zip(contents)


def _verifies_everywhere(tmp_path, data: bytes, stages: list[tuple[int, int]]) -> None:
    unpack(data, tmp_path)
    for slot in stages:
        result = openssl_verifies(tmp_path, *bundle.stage_paths(*slot))
        assert result.returncode == 0, (slot, result.stderr)
    (tmp_path / "dossier.zip").write_bytes(data)
    run = cli_verify(tmp_path / "dossier.zip", "--ca", tmp_path / "certs/ca.pem")
    assert run.returncode == 0, run.stdout
    assert run.stdout.splitlines()[-1].startswith("valid: all")


def _tampered_exit(tmp_path, data: bytes, changes: dict[str, bytes | None]) -> int:
    path = tmp_path / "tampered.zip"
    path.write_bytes(_rewrite(data, changes))
    return cli_verify(path, "--ca", tmp_path / "certs/ca.pem").returncode


def test_the_certificate_is_signed_as_stage_5_after_the_assessor(tmp_path, client, roles):
    case = answered_case(client, roles, pi=150_000)
    case = act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles),
               mechanism="certification").json
    case = act(client, roles["assessor"], review_all(client, roles, case_as(client, roles["assessor"], case["id"])),
               "sign_opinion").json
    assert case["status"] == "certification_pending"
    issued = (china_today() - dt.timedelta(days=10)).isoformat()
    case = act(client, roles["enterprise"], case_as(client, roles["enterprise"], case["id"]), "record_certificate",
               certificate_number="CCRC-PI-2026-0001", certification_body="cac-dtsc", issued_on=issued).json
    assert case["status"] == "certified", case
    data = fetch_dossier(client, roles["enterprise"], case["id"])
    contents = entries(data)
    _verifies_everywhere(tmp_path, data, [(1, 1), (2, 1), (5, 1)])

    stage5 = json.loads(contents["stages/05-certificate.json"])
    assert stage5["role"] == "enterprise" and stage5["signer"]["uscc"] == "9131011552601815X1"
    assert {"records/05-certificate.json", *bundle.stage_paths(2)} <= {e["path"] for e in stage5["files"]}
    record = json.loads(contents["records/05-certificate.json"])
    assert {k: record[k] for k in ("certificate_number", "certification_body", "certification_body_name",
                                   "issued_on", "valid_until", "status")} == {
        "certificate_number": "CCRC-PI-2026-0001", "certification_body": "cac-dtsc",
        "certification_body_name": BODY_ZH, "issued_on": issued, "valid_until": case["valid_until"],
        "status": "certified"}
    assert record["renewal_due"] == case["deadlines"][0]["due"]
    summary = json.loads(contents["manifest.json"])["case"]
    assert (summary["status"], summary["valid_until"], summary["decision"]) == ("certified", case["valid_until"], None)
    assert not any(path.startswith(("stages/03", "stages/04")) for path in contents)

    document = contents["documents/05-个人信息出境认证证书记录.docx"]
    text = _text(document)
    assert "个人信息出境认证证书记录" in text and "CCRC-PI-2026-0001" in text and BODY_ZH in text
    assert record["renewal_due"] in text and case["valid_until"] in text and "cac-dtsc" not in text
    assert {"仿宋", "黑体"} <= _fonts(document)

    assert _tampered_exit(tmp_path, data, {"records/05-certificate.json": contents[
        "records/05-certificate.json"].replace(b"CCRC-PI-2026-0001", b"CCRC-PI-2026-0002")}) == 1
    # The public verify page says, in Chinese, which stage signs everything.
    page = upload_to_verify(client, data).get_data(as_text=True)
    assert "除索引和信任锚外，每个文件均由第 5 阶段签名" in page
    # Rolled back to before the certificate, with the summary still saying "certified": refused.
    assert _tampered_exit(tmp_path, data, {path: None for path in (
        *bundle.stage_paths(5), "records/05-certificate.json", "documents/05-个人信息出境认证证书记录.docx")}) == 1


def _expiring_in(db, case_id: int, days: int) -> dt.date:
    """Move the case's end of validity to `days` from today, as if it had been approved three years ago."""
    until = china_today() + dt.timedelta(days=days)
    db.session.execute(sa.update(Case).where(Case.id == case_id).values(valid_until=until, version=Case.version + 1))
    db.session.flush()
    db.session.expire_all()
    return until


def _extend(client, roles, db, case_id: int, number: str) -> dict:
    until = _expiring_in(db, case_id, 20)
    case = case_as(client, roles["enterprise"], case_id)
    check = client.put(f"/api/v1/cases/{case_id}/extension-check", headers=auth(roles["enterprise"]),
                       json={"version": case["version"], "answers": PASSING})
    assert check.status_code == 200 and check.json["check"]["outcome"] == "may_apply", check.json
    extended = act(client, roles["official"], case_as(client, roles["official"], case_id), "record_extension",
                   decision_number=number, decision_date=china_today().isoformat(),
                   valid_until=until.replace(year=until.year + 3).isoformat())
    assert extended.status_code == 200, extended.json
    return extended.json


def test_each_extension_is_signed_as_stage_6_after_the_decision(tmp_path, client, roles, db):
    case = security_assessment_case(client, roles)
    first = _extend(client, roles, db, case["id"], "国网信延〔2027〕1号")
    data = fetch_dossier(client, roles["official"], case["id"])
    contents = entries(data)
    _verifies_everywhere(tmp_path, data, [(1, 1), (2, 1), (3, 1), (4, 1), (6, 1)])
    record = json.loads(contents["records/06-extension.json"])
    assert (record["decision_number"], record["decision_date"], record["valid_until"], record["status"]) == (
        "国网信延〔2027〕1号", china_today().isoformat(), first["valid_until"], "approved")
    assert record["authority"]["uscc"] == "113100000024158670"
    summary = json.loads(contents["manifest.json"])["case"]
    assert summary["valid_until"] == first["valid_until"]
    assert summary["decision"]["decision_number"] == "国网信评〔2025〕1号"
    document = contents["documents/06-延长有效期决定记录.docx"]
    text = _text(document)
    assert "国网信延〔2027〕1号" in text and first["valid_until"] in text and record["previous_valid_until"] in text
    assert {"仿宋", "黑体"} <= _fonts(document)
    assert _tampered_exit(tmp_path, data, {"records/06-extension.json": contents["records/06-extension.json"]
                                           .replace(first["valid_until"].encode(), b"2099-01-01")}) == 1
    # The summary claiming a later validity than the signed extension: refused.
    index = json.loads(contents["manifest.json"])
    index["case"]["valid_until"] = "2099-01-01"
    assert _tampered_exit(tmp_path, data, {"manifest.json": bundle.canonical_json(index)}) == 1

    second = _extend(client, roles, db, case["id"], "国网信延〔2030〕2号")
    data = fetch_dossier(client, roles["official"], case["id"])
    contents = entries(data)
    report = verify_bundle(data, ca_pem=verification_anchors()[0])
    assert report.exit_code == 0, [c for c in report.checks if not c.ok]
    assert json.loads(contents["records/06-extension-r2.json"])["decision_number"] == "国网信延〔2030〕2号"
    assert "documents/06-延长有效期决定记录-2.docx" in contents and "stages/06-extension-r2.p7s" in contents
    assert json.loads(contents["manifest.json"])["case"]["valid_until"] == second["valid_until"]
    # The first extension's files are kept, byte for byte.
    assert json.loads(contents["records/06-extension.json"]) == record


def test_the_chains_a_dossier_may_have():
    ok = [[(1, 1)], [(1, 1), (2, 1), (5, 1)], [(1, 1), (2, 1), (1, 2), (3, 1), (4, 1), (6, 1), (6, 2), (6, 3)]]
    refused = [
        [(1, 1), (2, 1), (3, 1), (5, 1)],  # a certificate after the province: certification never goes there
        [(1, 1), (2, 1), (5, 1), (6, 1)],  # an extension is of an approved assessment, not of a certificate
        [(1, 1), (2, 1), (3, 1), (6, 1)],  # an extension before the decision
        [(1, 1), (2, 1), (3, 1), (4, 1), (6, 2)],  # a second extension without the first
        [(1, 1), (2, 1), (3, 1), (4, 1), (6, 1), (1, 2)],  # the enterprise's revision after the result
        [(2, 1)],
    ]
    assert [bundle.chain_problem(chain) for chain in ok] == [None] * len(ok)
    assert all(bundle.chain_problem(chain) for chain in refused)
    assert bundle.chain_slots([1, 2, 3, 4, 6, 6]) == [(1, 1), (2, 1), (3, 1), (4, 1), (6, 1), (6, 2)]
    assert bundle.record_path(6, 2) == "records/06-extension-r2.json" and bundle.stage_paths(6, 2) == (
        "stages/06-extension-r2.json", "stages/06-extension-r2.p7s")
