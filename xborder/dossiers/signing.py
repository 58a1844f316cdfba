"""Keys, certificates and detached CMS signatures for the stages of a dossier.

Keys are EC P-256 (ECDSA with SHA-256): a key per organisation is generated while a request or job waits, and
P-256 keys are made in microseconds where RSA-3072 takes a noticeable, variable time, for the same 128-bit
security; the signatures are small and `openssl cms` verifies them everywhere. Certificates uploaded by an
organisation may carry RSA (2048 bits or more) or EC keys; both sign and verify here.

A signing certificate says who signs (O = organisation, organizationIdentifier 2.5.4.97 = USCC) and in which
role: the role is an extendedKeyUsage key purpose under our own arc (`ROLE_OIDS`). A key purpose is what the
issuing CA authorises the key for, which is exactly what a role is; an OU would be a free-text name that CAs
often copy unvalidated from the request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509 import verification
from cryptography.x509.oid import NameOID
from stdnum.cn import uscc as uscc_number

from xborder.core.timeutil import utcnow

SigningKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey

ROLES = ("enterprise", "assessor", "provincial_official")
# A UUID arc (ITU-T X.667, 2.25.<uuid>) belongs to whoever drew the UUID, so it needs no registration.
ROLE_ARC = "2.25.235889034846267762318575812156778795392"
ROLE_OIDS: dict[str, x509.ObjectIdentifier] = {
    role: x509.ObjectIdentifier(f"{ROLE_ARC}.{number}") for number, role in enumerate(ROLES, start=1)
}

CA_VALID_DAYS = 20 * 365
# Long enough for a dossier to keep verifying while the approval it supports is live (three years from decision).
SIGNING_VALID_DAYS = 5 * 365
# Issue slightly in the past so a verifier whose clock lags ours still sees the certificate as valid.
_BACKDATE = dt.timedelta(minutes=5)


class CertificateError(ValueError):
    """A certificate is unusable for signing a dossier stage; the message says why."""


class PrivateKeyError(ValueError):
    """An encrypted private key cannot be loaded: wrong passphrase, not encrypted, or not a signing key."""


def _start(not_before: dt.datetime | None) -> dt.datetime:
    start = utcnow() - _BACKDATE if not_before is None else not_before
    if start.tzinfo is None:
        raise ValueError("not_before must be timezone-aware")
    return start.astimezone(dt.UTC).replace(microsecond=0)


def create_ca(
    common_name: str, *, valid_days: int = CA_VALID_DAYS, not_before: dt.datetime | None = None
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """Create the deployment's self-signed CA, which issues only end-entity signing certificates."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = _start(not_before)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issue_signing_certificate(
    ca_key: SigningKey,
    ca_cert: x509.Certificate,
    *,
    organisation_name: str,
    uscc: str,
    role: str,
    valid_days: int = SIGNING_VALID_DAYS,
    not_before: dt.datetime | None = None,
    common_name: str | None = None,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """Generate a key and issue its certificate naming the organisation, its USCC and its role."""
    if role not in ROLE_OIDS:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    try:
        uscc = uscc_number.validate(uscc)
    except ValueError as exc:  # stdnum's ValidationError is a ValueError
        raise ValueError(f"USCC {uscc!r} is not valid: {exc}") from None
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation_name),
        x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, uscc),
        x509.NameAttribute(NameOID.COMMON_NAME, (common_name or organisation_name)[:64]),
    ])
    start = _start(not_before)
    # A certificate cannot usefully outlive the CA that vouches for it.
    end = min(start + dt.timedelta(days=valid_days), ca_cert.not_valid_after_utc)
    try:
        issuer_key_id = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
            ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        )
    except x509.ExtensionNotFound:
        issuer_key_id = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        # Not critical: generic tools that do not know our key purposes should still show and chain the certificate.
        .add_extension(x509.ExtendedKeyUsage([ROLE_OIDS[role]]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(issuer_key_id, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def issue_crl(
    ca_key: SigningKey,
    ca_cert: x509.Certificate,
    revoked: Iterable[x509.Certificate],
    *,
    this_update: dt.datetime | None = None,
    next_update_days: int = 30,
    revoked_on: Mapping[int, dt.datetime] | None = None,
) -> bytes:
    """Issue a PEM CRL from the CA listing the given certificates as revoked (now, or on `revoked_on[serial]`)."""
    start = _start(this_update)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(start)
        .next_update(start + dt.timedelta(days=next_update_days))
    )
    for cert in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(cert.serial_number)
            .revocation_date((revoked_on or {}).get(cert.serial_number, start)).build()
        )
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def encrypt_private_key(key: SigningKey, passphrase: bytes) -> bytes:
    """Serialise a private key as encrypted PEM PKCS#8, the only form in which keys are stored."""
    if not passphrase:
        raise ValueError("a passphrase is required: private keys are never stored unencrypted")
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def load_private_key(pem: bytes, passphrase: bytes) -> SigningKey:
    """Load an encrypted PEM private key, refusing a wrong passphrase, an unencrypted key or a non-signing key."""
    try:
        key = serialization.load_pem_private_key(pem, password=passphrase)
    except TypeError:
        # cryptography raises TypeError when a passphrase is given for an unencrypted key.
        raise PrivateKeyError("the private key is not encrypted") from None
    except ValueError:
        raise PrivateKeyError("the private key cannot be decrypted: wrong passphrase or damaged PEM") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise PrivateKeyError(f"{type(key).__name__} keys cannot sign CMS here; use EC or RSA")
    return key


def cert_to_pem(cert: x509.Certificate) -> bytes:
    """The certificate as PEM bytes."""
    return cert.public_bytes(serialization.Encoding.PEM)


def load_certificate(data: bytes) -> x509.Certificate:
    """Load one certificate from PEM or DER bytes, raising CertificateError if it is neither."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise CertificateError(f"not a certificate: {exc}") from None


def load_certificates(pem: bytes) -> list[x509.Certificate]:
    """Load every certificate of a PEM bundle (such as certs/ca.pem), raising CertificateError if there is none."""
    try:
        return x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise CertificateError(f"no PEM certificate: {exc}") from None


def certificate_sha256(cert: x509.Certificate) -> str:
    """The SHA-256 fingerprint of the certificate's DER encoding, in lower-case hex."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def require_well_formed(cert: x509.Certificate) -> None:
    """Raise CertificateError unless every part the checks read parses: cryptography parses a certificate lazily, so a
    damaged one (a broken name, a duplicated extension) would otherwise raise on first use, as various types."""
    try:
        for name in (cert.subject, cert.issuer):
            for attribute in name:
                _ = attribute.value
        _ = list(cert.extensions), cert.not_valid_before_utc, cert.not_valid_after_utc, cert.public_key()
    except Exception as exc:  # noqa: BLE001 — see above
        raise CertificateError(f"the certificate is malformed: {type(exc).__name__}: {exc}") from None


def _subject_value(cert: x509.Certificate, oid: x509.ObjectIdentifier, what: str) -> str:
    values = cert.subject.get_attributes_for_oid(oid)
    if len(values) != 1:
        raise CertificateError(f"the certificate's subject must carry exactly one {what}, found {len(values)}")
    value = values[0].value
    return value if isinstance(value, str) else value.decode()


def certificate_organisation(cert: x509.Certificate) -> str:
    """The organisation name (O) the certificate was issued to."""
    return _subject_value(cert, NameOID.ORGANIZATION_NAME, "organisation name (O)")


def certificate_uscc(cert: x509.Certificate) -> str:
    """The USCC carried in the subject's organizationIdentifier (OID 2.5.4.97)."""
    return _subject_value(cert, NameOID.ORGANIZATION_IDENTIFIER, "organizationIdentifier (USCC)")


def certificate_role(cert: x509.Certificate) -> str:
    """The xborder role the certificate's extendedKeyUsage authorises, raising CertificateError unless exactly one."""
    try:
        purposes = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        raise CertificateError("the certificate has no extendedKeyUsage naming an xborder role") from None
    roles = [role for role, oid in ROLE_OIDS.items() if oid in purposes]
    if len(roles) != 1:
        raise CertificateError(f"the certificate must name exactly one xborder role, found {roles or 'none'}")
    return roles[0]


def key_matches_certificate(key: SigningKey, cert: x509.Certificate) -> bool:
    """True when the private key belongs to the certificate, which an uploaded key and certificate must."""
    return key.public_key() == cert.public_key()


def verify_certificate_path(
    cert: x509.Certificate,
    trusted_cas: Sequence[x509.Certificate],
    *,
    intermediates: Sequence[x509.Certificate] = (),
    at: dt.datetime | None = None,
) -> list[x509.Certificate]:
    """Build and check the path from the certificate to a trusted CA at a time, returning it leaf first."""
    if not trusted_cas:
        raise CertificateError("no trusted CA to check the certificate against")
    # The web-PKI CA rules apply to the CAs; end-entity rules are ours (checked by the callers), not the web's.
    when = at or utcnow()
    builder = (
        verification.PolicyBuilder()
        .store(verification.Store(list(trusted_cas)))
        .time(when)
        .extension_policies(
            ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(),
            ee_policy=verification.ExtensionPolicy.permit_all(),
        )
    )
    try:
        return list(builder.build_client_verifier().verify(cert, list(intermediates)).chain)
    except verification.VerificationError as exc:
        reason = re.sub(r" \(encountered processing .*\)$", "", str(exc), flags=re.DOTALL)
        raise CertificateError(f"no valid path to a trusted CA on {when:%Y-%m-%d %H:%M}Z: {reason}") from None


def check_signing_usage(cert: x509.Certificate) -> None:
    """Raise CertificateError unless the certificate is an end-entity signing certificate naming org, USCC and role."""
    try:
        if cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            raise CertificateError("a CA certificate cannot sign a dossier stage")
    except x509.ExtensionNotFound:
        pass
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        raise CertificateError("the certificate's keyUsage allows neither digitalSignature nor nonRepudiation")
    certificate_organisation(cert)
    certificate_uscc(cert)
    certificate_role(cert)


def check_certificate_issued_by(
    cert: x509.Certificate,
    trusted_cas: Sequence[x509.Certificate],
    *,
    intermediates: Sequence[x509.Certificate] = (),
    at: dt.datetime | None = None,
) -> None:
    """Raise CertificateError unless the certificate is a valid signing certificate issued under a trusted CA."""
    verify_certificate_path(cert, trusted_cas, intermediates=intermediates, at=at)
    check_signing_usage(cert)


def sign_detached(data: bytes, key: SigningKey, cert: x509.Certificate, chain: Sequence[x509.Certificate]) -> bytes:
    """Sign the exact bytes as detached CMS SignedData in DER, carrying the signer's certificate and its chain."""
    builder = pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(cert, key, hashes.SHA256())
    for extra in chain:
        if extra != cert:
            builder = builder.add_certificate(extra)
    # Binary: sign the bytes as they are (no MIME line-ending canonicalisation); NoCapabilities: S/MIME noise.
    # The signed attributes stay: contentType, signingTime and the messageDigest the verifier checks.
    return builder.sign(
        serialization.Encoding.DER,
        [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.NoCapabilities],
    )
