"""Keys, certificates and CMS signatures: what they carry, how keys rest, and that openssl agrees with us."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.helpers.services import needs_openssl
from xborder.dossiers import signing, verify

PASSPHRASE = b"test-key-passphrase-0123456789"
DAY = dt.timedelta(days=1)


def openssl_verify(tmp_path, content: bytes, signature: bytes, ca_pem: bytes) -> subprocess.CompletedProcess:
    """Run the dossier.md command on the content, its detached signature and the anchors."""
    (tmp_path / "x.json").write_bytes(content)
    (tmp_path / "x.p7s").write_bytes(signature)
    (tmp_path / "ca.pem").write_bytes(ca_pem)
    return subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "x.p7s", "-content", "x.json",
         "-CAfile", "ca.pem", "-purpose", "any", "-out", "/dev/null"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )


def test_ca_is_a_ca_that_only_issues_end_entities(pki):
    constraints = pki.ca.extensions.get_extension_for_class(x509.BasicConstraints)
    usage = pki.ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature


@pytest.mark.parametrize("role", ["enterprise", "assessor", "provincial_official"])
def test_signing_certificate_names_organisation_uscc_and_role(pki, role):
    cert = pki.signers[role].cert
    name, uscc = {
        "enterprise": ("上海演示智能制造有限公司", "9131011552601815X1"),
        "assessor": ("演示数据安全评估中心", "91320500131860916B"),
        "provincial_official": ("上海市演示数据出境管理办公室", "113100000024158670"),
    }[role]
    assert signing.certificate_organisation(cert) == name
    assert signing.certificate_uscc(cert) == uscc
    assert cert.subject.get_attributes_for_oid(x509.ObjectIdentifier("2.5.4.97"))[0].value == uscc
    assert signing.certificate_role(cert) == role
    assert cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == x509.ExtendedKeyUsage(
        [signing.ROLE_OIDS[role]]
    )
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    signing.check_certificate_issued_by(cert, [pki.ca])


def test_issuing_refuses_unknown_role_and_invalid_uscc(pki):
    with pytest.raises(ValueError, match="role"):
        signing.issue_signing_certificate(pki.ca_key, pki.ca, organisation_name="X", uscc="9131011552601815X1",
                                          role="admin")
    with pytest.raises(ValueError, match="USCC"):
        signing.issue_signing_certificate(pki.ca_key, pki.ca, organisation_name="X", uscc="9131011552601815X2",
                                          role="enterprise")


def test_certificate_does_not_outlive_its_ca(pki):
    cert = pki.issue("assessor", valid_days=100 * 365).cert
    assert cert.not_valid_after_utc == pki.ca.not_valid_after_utc


def test_encrypted_key_round_trip(pki):
    key = pki.signers["enterprise"].key
    pem = signing.encrypt_private_key(key, PASSPHRASE)
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    loaded = signing.load_private_key(pem, PASSPHRASE)
    assert loaded.private_numbers() == key.private_numbers()
    assert signing.key_matches_certificate(loaded, pki.signers["enterprise"].cert)
    assert not signing.key_matches_certificate(loaded, pki.signers["assessor"].cert)


def test_wrong_passphrase_fails(pki):
    pem = signing.encrypt_private_key(pki.signers["enterprise"].key, PASSPHRASE)
    with pytest.raises(signing.PrivateKeyError, match="wrong passphrase"):
        signing.load_private_key(pem, b"not-the-passphrase-0123456789")


def test_unencrypted_keys_are_neither_written_nor_read(pki):
    key = pki.signers["enterprise"].key
    with pytest.raises(ValueError, match="passphrase is required"):
        signing.encrypt_private_key(key, b"")
    plain = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
    with pytest.raises(signing.PrivateKeyError, match="not encrypted"):
        signing.load_private_key(plain, PASSPHRASE)


def test_certificate_pem_round_trip(pki):
    pem = signing.cert_to_pem(pki.ca)
    assert signing.load_certificate(pem) == pki.ca
    assert signing.load_certificate(pki.ca.public_bytes(serialization.Encoding.DER)) == pki.ca
    assert signing.load_certificates(pem + signing.cert_to_pem(pki.other_ca)) == [pki.ca, pki.other_ca]
    with pytest.raises(signing.CertificateError):
        signing.load_certificate(b"not a certificate")


def test_certificate_from_another_ca_is_refused(pki):
    foreign = pki.issue("enterprise", by_other_ca=True).cert
    with pytest.raises(signing.CertificateError, match="trusted CA"):
        signing.check_certificate_issued_by(foreign, [pki.ca])
    signing.check_certificate_issued_by(foreign, [pki.ca, pki.other_ca])


def test_expired_certificate_is_refused(pki, now):
    expired = pki.issue("enterprise", not_before=now - 400 * DAY, valid_days=30).cert
    with pytest.raises(signing.CertificateError):
        signing.check_certificate_issued_by(expired, [pki.ca])
    signing.check_certificate_issued_by(expired, [pki.ca], at=now - 390 * DAY)


def test_a_ca_certificate_cannot_sign_stages(pki):
    with pytest.raises(signing.CertificateError, match="CA certificate"):
        signing.check_signing_usage(pki.ca)


def _external_rsa_pki(now: dt.datetime) -> tuple[x509.Certificate, rsa.RSAPrivateKey, x509.Certificate]:
    """A CA run by someone else, with RSA keys, issuing an organisation's own certificate in our profile."""
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "External Trusted CA")])
    start = now - dt.timedelta(days=1)
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(start + 3650 * DAY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "演示数据安全评估中心"),
        x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, "91320500131860916B"),
    ])
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(start + 365 * DAY)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([signing.ROLE_OIDS["assessor"]]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return ca, key, cert


@needs_openssl
def test_uploaded_rsa_certificate_from_a_trusted_ca_signs_and_verifies(tmp_path, pki, now):
    external_ca, key, cert = _external_rsa_pki(now)
    signing.check_certificate_issued_by(cert, [pki.ca, external_ca])
    assert signing.certificate_role(cert) == "assessor"
    content = "{\"意见\": \"同意\"}\n".encode()
    signature = signing.sign_detached(content, key, cert, [external_ca])
    assert verify.verify_cms_detached(signature, content).signer == cert
    result = openssl_verify(tmp_path, content, signature, signing.cert_to_pem(external_ca))
    assert result.returncode == 0, result.stderr


@needs_openssl
def test_detached_signature_verifies_here_and_with_openssl(tmp_path, pki):
    signer = pki.signers["enterprise"]
    content = b'{"stage": 1}\r\n'  # a CR LF must survive: the signature is over the exact bytes
    signature = signing.sign_detached(content, signer.key, signer.cert, list(signer.chain))
    signed = verify.verify_cms_detached(signature, content)
    assert signed.signer == signer.cert and signed.certificates == [pki.ca] and signed.signing_time is not None
    assert openssl_verify(tmp_path, content, signature, pki.ca_pem).returncode == 0
    with pytest.raises(verify.CmsError, match="message digest"):
        verify.verify_cms_detached(signature, content.replace(b"1", b"2"))
    assert openssl_verify(tmp_path, content.replace(b"1", b"2"), signature, pki.ca_pem).returncode != 0


def test_garbage_is_not_a_signature():
    for junk in (b"", b"\x30\x03\x02\x01\x00", bytes(100)):
        with pytest.raises(verify.CmsError):
            verify.verify_cms_detached(junk, b"content")


def test_crl_lists_revoked_certificates(pki):
    revoked = pki.signers["assessor"].cert
    crl = x509.load_pem_x509_crl(signing.issue_crl(pki.ca_key, pki.ca, [revoked]))
    assert crl.is_signature_valid(pki.ca.public_key())
    assert crl.get_revoked_certificate_by_serial_number(revoked.serial_number) is not None
    assert crl.get_revoked_certificate_by_serial_number(pki.signers["enterprise"].cert.serial_number) is None
