"""The public verification page, the web download, and organisations' own certificates."""

from __future__ import annotations

import io
import re

import pytest
from cryptography.hazmat.primitives import serialization

from tests.helpers.api import act, answered_case, assessor_id
from tests.helpers.dossiers import entries, fetch_dossier, security_assessment_case
from tests.helpers.factories import auth
from xborder.dossiers import bundle, signing
from xborder.dossiers.pki import verification_anchors
from xborder.dossiers.verify import verify_bundle


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token"
    return match.group(1)


@pytest.fixture
def dossier(client, roles):  # noqa: F811
    case = security_assessment_case(client, roles, decide=False)
    return case, fetch_dossier(client, roles["enterprise"], case["id"])


def _upload(client, data: bytes, lang: str | None = None):
    page = client.get("/verify" + (f"?lang={lang}" if lang else ""))
    assert page.status_code == 200
    return client.post("/verify" + (f"?lang={lang}" if lang else ""), content_type="multipart/form-data", data={
        "csrf_token": _csrf(page.get_data(as_text=True)), "bundle": (io.BytesIO(data), "dossier.zip")})


def test_verify_page_needs_no_login_and_reports_each_check_in_chinese(client, dossier):
    _, data = dossier
    response = _upload(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "有效：全部" in html and "第 3 阶段：签名" in html and "文件 case.json" in html
    tampered = entries(data)
    tampered["case.json"] = tampered["case.json"].replace(b"Example GmbH", b"Example GmbX")
    html = _upload(client, bundle.write_zip(tampered)).get_data(as_text=True)
    assert "无效：" in html and "未通过" in html


def test_verify_page_in_english_and_unreadable_and_csrf(client, dossier):
    _, data = dossier
    html = _upload(client, data, lang="en").get_data(as_text=True)
    assert "Valid: all" in html and "Stage 1: signature" in html
    assert "Not a readable dossier bundle." in _upload(client, b"not a zip", lang="en").get_data(as_text=True)
    refused = client.post("/verify", content_type="multipart/form-data",
                          data={"bundle": (io.BytesIO(data), "dossier.zip")})
    assert refused.status_code == 400


# The verification page's own sentences, in English as the code says them and in Chinese as the catalogue does.
VERIFY_WORDS = [
    ("archive bounds", "Nothing before or after the ZIP", "ZIP 前后无多余字节"),
    ("case summary", "Case summary matches the signed stages", "案件摘要与已签名阶段一致"),
    ("stage 2 revision 3 covers", "Stage 2, revision 3: revision of the enterprise's stage covered",
     "第 2 阶段第 3 版：所覆盖的企业申报版本"),
    ("stage 1 revision 2 signature", "Stage 1, revision 2: signature", "第 1 阶段第 2 版：签名"),
]


def test_the_verify_pages_sentences_come_from_the_catalogue(app):
    from babel.messages.pofile import read_po

    from xborder.core.i18n import SOURCE
    from xborder.dossiers.verify import NO_CA, OTHER_CA, Report
    from xborder.dossiers.views import check_label, stale_notes, trust_verdict

    with (SOURCE / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalogue = read_po(fh)
    for msgid in ("Nothing before or after the ZIP", "Case summary matches the signed stages",
                  "revision of the enterprise's stage covered", "Stage %(number)s, revision %(revision)s: %(part)s",
                  "Every stage was signed under this deployment's CA.", "the assessor"):
        assert catalogue.get(msgid) is not None and catalogue[msgid].string, msgid
    other = Report(readable=True, trust=OTHER_CA, signed_under={"ab": "CN=某 CA"})
    stale = [{"stage": 2, "role": "assessor", "revision": 1, "newest": 2}]
    for lang, column in (("en", 1), ("zh_CN", 2)):
        with app.test_request_context(f"/?lang={lang}"):
            assert [check_label(row[0]) for row in VERIFY_WORDS] == [row[column] for row in VERIFY_WORDS]
            texts = [trust_verdict(other, None)["text"], trust_verdict(Report(readable=True, trust=NO_CA), None)[
                "text"], stale_notes(stale)[0]]
        if lang == "en":
            assert texts == [
                "This bundle was signed under another CA (CN=某 CA), not this deployment's CA, and this deployment "
                "does not trust it: however consistent it is inside, it is not valid.",
                "No CA vouches for the signers' certificates: the signatures cannot be trusted.",
                "Stage 2 (the assessor) covered revision 1 of the enterprise's submission; the enterprise has since "
                "signed revision 2: a stale sign-off."]
        else:
            assert texts == [
                "此文件包由另一个 CA（CN=某 CA）签名，而非本系统的 CA，本系统不信任该 CA："
                "无论其内部是否一致，均不能视为有效。",
                "没有任何 CA 能证明此文件包签名者的证书：签名不可信。",
                "第 2 阶段（评估机构）签署时覆盖的是企业申报第 1 版，企业此后已签署第 2 版：该签署已过时。"]


def _report_rows(html: str) -> list[list[str]]:
    """The verification table's rows as the text of their cells."""
    import html as markup

    def text(cell: str) -> str:
        return " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", cell)).split())

    body = html.split('<table class="checks">', 1)[1].split("</table>", 1)[0].split("<tbody>", 1)[1]
    return [[text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


# Prose of the English report (verify.py's details) and of the Chinese one: a page in one language shows neither.
ENGLISH_PROSE = re.compile(r"\b(?:entries|bytes|listed|issued|under|checked|first|stage|every|files?|signed|valid|"
                           r"follows|revoked|revision|from|and|the|to|at|by)\b", re.I)
CHINESE_PROSE = re.compile(r"第 \d|阶段|个文件|签署|吊销|接续|均存在")


def test_every_line_of_the_verification_report_is_in_the_page_language(client, dossier):
    """Issue 18: a real bundle's report says each check, its result and its detail in Chinese on the Chinese page
    (codes and certificate names aside) and in English on the English one; the CLI's text stays as cli.md says."""
    _, data = dossier
    rows = _report_rows(_upload(client, data).get_data(as_text=True))
    assert len(rows) > 30 and all(len(row) == 3 for row in rows)
    for label, result, detail in rows:
        assert result in ("通过", "通过 ⚠"), (label, result)
        assert re.search(r"[\u4e00-\u9fff]", label), label
        # Certificate subjects (CN=…,O=…), file names and the bundle format are quoted as they are.
        prose = re.sub(r"(?:[A-Z]+=[^,;）]+,?)+|[\w./-]+\.(?:json|docx|pdf|pem|der|p7s|csv)\b|xborder-dossier/1", "",
                       detail)
        assert not detail or re.search(r"[\u4e00-\u9fff]", detail), (label, detail)
        assert not ENGLISH_PROSE.search(prose), (label, detail)
    rows = _report_rows(_upload(client, data, lang="en").get_data(as_text=True))
    for label, result, detail in rows:
        assert result in ("Passed", "Passed ⚠"), (label, result)
        quoted = re.compile(r"[\w./-]+\.(?:json|docx|pdf|pem|der|p7s|csv)\b")
        assert not CHINESE_PROSE.search(quoted.sub("", f"{label} {result} {detail}")), (label, detail)
    assert verify_bundle(data).checks[0].detail.endswith("bytes")  # the CLI's own words are untouched


def test_web_download_for_case_parties_only(client, dossier, factory):
    case, _ = dossier
    assert client.get(f"/cases/{case['id']}/dossier").status_code == 302
    page = client.get("/login")
    client.post("/login", data={"csrf_token": _csrf(page.get_data(as_text=True)), "email": "assessor@demo.xborder",
                                "password": "demo-password"})
    response = client.get(f"/cases/{case['id']}/dossier")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert verify_bundle(response.get_data(), ca_pem=verification_anchors()[0]).exit_code == 0


# --- organisations' own certificates --------------------------------------------------------------------------


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def test_uploaded_certificate_from_a_trusted_ca_signs_the_stage(client, roles, db):  # noqa: F811
    from xborder.dossiers import pki

    ca_key, ca = signing.create_ca("某商业电子认证服务机构 CA")
    pki.trust_external_ca(signing.cert_to_pem(ca))
    db.session.flush()
    key, cert = signing.issue_signing_certificate(ca_key, ca, organisation_name="上海演示智能制造有限公司",
                                                  uscc="9131011552601815X1", role="enterprise")
    response = client.post("/api/v1/organisations/me/signing-certificate", headers=auth(roles["enterprise"]),
                           data={"certificate": signing.cert_to_pem(cert).decode(), "private_key": _pem_key(key)})
    assert response.status_code == 201, response.json
    assert response.json["source"] == "uploaded" and response.json["fingerprint"] == signing.certificate_sha256(cert)
    case = answered_case(client, roles, pi=0, important=True)
    act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles))
    data = fetch_dossier(client, roles["enterprise"], case["id"])
    contents = entries(data)
    assert contents["certs/ca.pem"].count(b"BEGIN CERTIFICATE") == 2  # the deployment CA and the trusted one
    assert verify_bundle(data, ca_pem=verification_anchors()[0]).exit_code == 0
    signer = signing.certificate_sha256(cert)
    assert signer.encode() in contents["stages/01-enterprise.json"]


def test_uploads_that_cannot_sign_are_refused_field_by_field(client, roles):  # noqa: F811
    untrusted_key, untrusted = signing.create_ca("untrusted CA")
    key, cert = signing.issue_signing_certificate(
        untrusted_key, untrusted, organisation_name="上海演示智能制造有限公司", uscc="9131011552601815X1",
        role="enterprise")
    url, headers = "/api/v1/organisations/me/signing-certificate", auth(roles["enterprise"])
    cases = [
        ({"certificate": signing.cert_to_pem(cert).decode(), "private_key": _pem_key(key)}, "certificate"),
        ({"certificate": "garbage", "private_key": _pem_key(key)}, "certificate"),
        ({"certificate": signing.cert_to_pem(cert).decode(), "private_key": _pem_key(untrusted_key)}, "private_key"),
        ({"certificate": signing.cert_to_pem(cert).decode()}, "private_key"),
    ]
    for form, path in cases:
        response = client.post(url, headers=headers, data=form)
        assert response.status_code == 422, response.json
        assert response.mimetype == "application/problem+json"
        assert response.json["errors"][0]["path"] == path and response.json["errors"][0]["message_zh"]


def test_certificate_for_another_organisation_or_role_is_refused(client, roles, db):  # noqa: F811
    from xborder.dossiers import pki

    ca = pki.deployment_ca()
    ca_key = signing.load_private_key(ca.encrypted_key_pem, b"test-key-passphrase-0123456789")
    ca_cert = signing.load_certificate(ca.certificate_pem)
    for name, uscc, role in (("别的公司", "91320500131860916B", "enterprise"),
                             ("上海演示智能制造有限公司", "9131011552601815X1", "assessor")):
        key, cert = signing.issue_signing_certificate(ca_key, ca_cert, organisation_name=name, uscc=uscc, role=role)
        response = client.post("/api/v1/organisations/me/signing-certificate", headers=auth(roles["enterprise"]),
                               data={"certificate": signing.cert_to_pem(cert).decode(), "private_key": _pem_key(key)})
        assert response.status_code == 422 and response.json["errors"][0]["path"] == "certificate"
