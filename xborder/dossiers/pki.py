"""The deployment's PKI in the database: its CA (created at first need), trusted external CAs, and a signing
certificate per organisation, issued on demand or uploaded. Private keys are stored only encrypted under
`XBORDER_KEY_PASSPHRASE` (cryptography's BestAvailableEncryption)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa
from cryptography import x509
from flask import current_app

from xborder.core.errors import Unprocessable, field_error
from xborder.core.timeutil import as_utc, utcnow
from xborder.dossiers import signing
from xborder.dossiers.models import SigningCertificate, TrustAnchor
from xborder.extensions import db

ROLE_OF_KIND = {"enterprise": "enterprise", "assessor": "assessor", "authority": "provincial_official"}
CA_NAME = "xborder deployment CA"


@dataclasses.dataclass(frozen=True)
class Signer:
    """A usable signing identity: the stored row, its key (decrypted in memory only), certificate and chain."""

    row: SigningCertificate
    key: signing.SigningKey
    cert: x509.Certificate
    chain: list[x509.Certificate]


def _passphrase() -> bytes:
    return current_app.config["XBORDER"].key_passphrase


def deployment_ca() -> TrustAnchor:
    """The deployment CA, created with its key encrypted at rest the first time it is needed."""
    row = db.session.scalar(sa.select(TrustAnchor).where(TrustAnchor.deployment.is_(True)))
    if row is not None:
        return row
    key, cert = signing.create_ca(CA_NAME)
    row = TrustAnchor(kind="deployment", deployment=True, subject=cert.subject.rfc4514_string(),
                      certificate_pem=signing.cert_to_pem(cert),
                      encrypted_key_pem=signing.encrypt_private_key(key, _passphrase()),
                      fingerprint=signing.certificate_sha256(cert))
    try:
        # Two first requests at once: the unique `deployment` column lets one win; the other reads its CA.
        with db.session.begin_nested():
            db.session.add(row)
    except sa.exc.IntegrityError:
        return db.session.scalars(sa.select(TrustAnchor).where(TrustAnchor.deployment.is_(True))).one()
    return row


def trust_external_ca(pem: bytes) -> TrustAnchor:
    """Trust another CA (e.g. a commercial CA organisations already hold certificates from)."""
    cert = signing.load_certificate(pem)
    fingerprint = signing.certificate_sha256(cert)
    existing = db.session.scalar(sa.select(TrustAnchor).where(TrustAnchor.fingerprint == fingerprint))
    if existing is not None:
        return existing
    row = TrustAnchor(kind="external", subject=cert.subject.rfc4514_string(), certificate_pem=signing.cert_to_pem(cert),
                      fingerprint=fingerprint)
    db.session.add(row)
    db.session.flush()
    return row


def add_external_ca(pem: bytes) -> TrustAnchor:
    """Trust another CA from its certificate (PEM or DER), refusing what cannot be a CA today: not a certificate,
    several, not a CA (basic constraints), no certificate-signing key usage, or outside its validity. 422 at
    `certificate` with the reason in both languages."""
    try:
        certs = signing.load_certificates(pem) if pem.lstrip().startswith(b"-----BEGIN") else \
            [signing.load_certificate(pem)]
        if len(certs) != 1:
            raise _bad("certificate", "Give exactly one CA certificate", "请只提供一张 CA 证书")
        cert = certs[0]
        signing.require_well_formed(cert)
    except signing.CertificateError:
        raise _bad("certificate", "Not a certificate (PEM or DER X.509 expected)",
                   "无法解析证书（须为 PEM 或 DER 格式的 X.509 证书）") from None
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        constraints, usage = None, None
    if constraints is None or not constraints.ca or usage is None or not usage.key_cert_sign:
        raise _bad("certificate", "Not a CA certificate (basic constraints CA and key usage keyCertSign needed)",
                   "不是 CA 证书（须有基本约束 CA 及证书签发密钥用途）")
    now = utcnow()
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        start, end = f"{cert.not_valid_before_utc:%Y-%m-%d}", f"{cert.not_valid_after_utc:%Y-%m-%d}"
        raise _bad("certificate", f"Not valid now (valid {start} to {end})",
                   f"证书当前不在有效期内（{start} 至 {end}）")
    return trust_external_ca(signing.cert_to_pem(cert))


def anchors() -> list[x509.Certificate]:
    """Every CA the deployment trusts, its own first (creating it if need be)."""
    deployment_ca()
    rows = db.session.scalars(sa.select(TrustAnchor).order_by(TrustAnchor.deployment.desc().nulls_last(),
                                                              TrustAnchor.id)).all()
    return [signing.load_certificate(row.certificate_pem) for row in rows]


def stored_anchors() -> list[TrustAnchor]:
    """The CAs the deployment trusts as stored, its own first; creates nothing (for verifying, not signing)."""
    return list(db.session.scalars(sa.select(TrustAnchor).order_by(TrustAnchor.deployment.desc().nulls_last(),
                                                                    TrustAnchor.id)))


def verification_anchors() -> tuple[bytes, str | None]:
    """The deployment's trust anchors as PEM, for checking bundles from outside them, and its own CA's SHA-256."""
    rows = stored_anchors()
    own = next((row.fingerprint for row in rows if row.deployment), None)
    return b"".join(row.certificate_pem for row in rows), own


def anchors_pem() -> bytes:
    """The trust anchors as the bundle's certs/ca.pem carries them."""
    return b"".join(signing.cert_to_pem(cert) for cert in anchors())


def _load(row: SigningCertificate) -> Signer:
    cert = signing.load_certificate(row.certificate_pem)
    chain = signing.load_certificates(row.chain_pem) if row.chain_pem else []
    return Signer(row, signing.load_private_key(row.encrypted_key_pem, _passphrase()), cert, chain)


def _usable(organisation, user) -> SigningCertificate | None:
    # The organisation's own uploaded certificate first, else the person's own (organisation-wide without `user`).
    usable = sa.select(SigningCertificate).where(
        SigningCertificate.organisation_id == organisation.id,
        SigningCertificate.role == ROLE_OF_KIND[organisation.kind],
        SigningCertificate.active.is_(True), SigningCertificate.revoked_at.is_(None),
        SigningCertificate.not_after > utcnow())
    whose = SigningCertificate.user_id == user.id if user is not None else SigningCertificate.user_id.is_(None)
    return db.session.scalar(usable.where(sa.or_(SigningCertificate.source == "uploaded", whose))
                             .order_by((SigningCertificate.source == "uploaded").desc(),
                                       SigningCertificate.id.desc()).limit(1))


def _person(user) -> str:
    return (user.name or user.email)[:64]  # the CN of the person's certificate (64 characters at most, RFC 5280)


@dataclasses.dataclass(frozen=True)
class SigningIdentity:
    """Who a stage signed now would name and with which certificate, for telling the person before they sign:
    `source` "issued" (their own, from the deployment CA) or "uploaded" (the organisation's own), the subject's CN
    and O, and the issuer's CN."""

    source: str
    common_name: str
    organisation: str
    issuer: str


def signing_identity(organisation, user) -> SigningIdentity:
    """The certificate `signer_for(organisation, user)` would sign with, read without issuing or storing anything:
    the one it would use, or the person's own certificate it would issue from the deployment CA."""
    row = _usable(organisation, user)
    if row is None:
        return SigningIdentity("issued", _person(user), organisation.name, CA_NAME)
    cert = signing.load_certificate(row.certificate_pem)

    def common_name(name: x509.Name) -> str:
        values = name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        value = values[0].value if values else name.rfc4514_string()
        return value if isinstance(value, str) else value.decode()

    return SigningIdentity(row.source, common_name(cert.subject), signing.certificate_organisation(cert),
                           common_name(cert.issuer))


def signer_for(organisation, user=None) -> Signer:
    """The signing identity for `user` of the organisation: the organisation's own uploaded certificate when it has
    one active, else the person's certificate from the deployment CA (issued now if they have none usable), which
    names them (CN) and is revoked when they are deactivated. Without `user`, an organisation-wide one."""
    role = ROLE_OF_KIND[organisation.kind]
    row = _usable(organisation, user)
    if row is not None:
        return _load(row)
    ca = deployment_ca()
    ca_cert = signing.load_certificate(ca.certificate_pem)
    ca_key = signing.load_private_key(ca.encrypted_key_pem, _passphrase())
    person = _person(user) if user is not None else None
    key, cert = signing.issue_signing_certificate(ca_key, ca_cert, organisation_name=organisation.name,
                                                  uscc=organisation.uscc, role=role, common_name=person)
    row = _store(organisation, role, "issued", cert, key, [ca_cert], user=user)
    return Signer(row, key, cert, [ca_cert])


def _store(organisation, role: str, source: str, cert: x509.Certificate, key: signing.SigningKey,
           chain: list[x509.Certificate], user=None) -> SigningCertificate:
    # An upload replaces every certificate of the organisation; a person's new certificate only their own.
    older = sa.select(SigningCertificate).where(SigningCertificate.organisation_id == organisation.id,
                                                SigningCertificate.active.is_(True))
    if user is not None:
        older = older.where(SigningCertificate.user_id == user.id)
    for old in db.session.scalars(older):
        old.active = False
    row = SigningCertificate(
        organisation_id=organisation.id, role=role, source=source, certificate_pem=signing.cert_to_pem(cert),
        chain_pem=b"".join(signing.cert_to_pem(c) for c in chain),
        encrypted_key_pem=signing.encrypt_private_key(key, _passphrase()),
        fingerprint=signing.certificate_sha256(cert), not_after=cert.not_valid_after_utc, active=True,
        user_id=getattr(user, "id", None))
    db.session.add(row)
    db.session.flush()
    return row


def revoke_certificate(row: SigningCertificate, when: dt.datetime | None = None) -> None:
    """Revoke a signing certificate from `when` (now): it signs nothing more, and when the deployment CA issued it,
    the CA's CRL (in every bundle built from now on) lists it with that date."""
    if row.revoked_at is not None:
        return
    row.revoked_at, row.active = when or utcnow(), False
    db.session.flush()
    if row.source == "issued":
        _reissue_crl()


def revoke_person(user) -> int:
    """Revoke every signing certificate issued to `user` (deactivated); returns how many."""
    rows = list(db.session.scalars(sa.select(SigningCertificate).where(
        SigningCertificate.user_id == user.id, SigningCertificate.revoked_at.is_(None))))
    now = utcnow()
    for row in rows:
        row.revoked_at, row.active = now, False
    db.session.flush()
    if any(row.source == "issued" for row in rows):
        _reissue_crl()
    return len(rows)


def on_user_deactivated(user) -> None:
    """`accounts.models.user_deactivated`'s listener: the person's certificates are revoked with them."""
    revoke_person(user)


def _reissue_crl() -> None:
    ca = deployment_ca()
    ca_cert = signing.load_certificate(ca.certificate_pem)
    revoked = db.session.scalars(sa.select(SigningCertificate).where(
        SigningCertificate.revoked_at.is_not(None), SigningCertificate.source == "issued")).all()
    certs = [signing.load_certificate(row.certificate_pem) for row in revoked]
    ours = [(cert, row) for cert, row in zip(certs, revoked, strict=True) if cert.issuer == ca_cert.subject]
    # Good for a year: it is issued again at every revocation, and a verifier reads the stored one.
    ca.crl_pem = signing.issue_crl(signing.load_private_key(ca.encrypted_key_pem, _passphrase()), ca_cert,
                                   [cert for cert, _ in ours], next_update_days=365,
                                   revoked_on={cert.serial_number: _whole_second_after(row.revoked_at)
                                               for cert, row in ours})
    db.session.flush()


def _whole_second_after(moment: dt.datetime) -> dt.datetime:
    # A CRL states seconds: rounded up, a stage signed in the second before the revocation stays before it.
    moment = as_utc(moment)
    return moment if not moment.microsecond else (moment + dt.timedelta(seconds=1)).replace(microsecond=0)


def revocation_lists() -> list[bytes]:
    """The deployment's current CRLs (PEM), for bundles and for verifying here; reads, creates nothing."""
    return [row.crl_pem for row in stored_anchors() if row.crl_pem]


def revocation_digest(certificate_ids) -> str:
    """What changes when one of these certificates is revoked (a bundle built before must then be built again)."""
    rows = db.session.execute(sa.select(SigningCertificate.id, SigningCertificate.revoked_at).where(
        SigningCertificate.id.in_(set(certificate_ids)), SigningCertificate.revoked_at.is_not(None))
        .order_by(SigningCertificate.id)).all()
    return ",".join(f"{i}@{as_utc(at).isoformat()}" for i, at in rows)


def _bad(path: str, en: str, zh: str) -> Unprocessable:
    return Unprocessable("The signing certificate cannot be used", [field_error(path, "invalid", en, zh)])


def upload_certificate(organisation, certificate_pem: bytes, key_pem: bytes, key_passphrase: bytes | None,
                       chain_pem: bytes | None) -> SigningCertificate:
    """Make an organisation's own certificate its signing identity, if a trusted CA issued it for the org and role."""
    try:
        cert = signing.load_certificate(certificate_pem)
    except signing.CertificateError as exc:
        raise _bad("certificate", str(exc), "证书无法解析（须为 PEM 或 DER 格式的 X.509 证书）") from None
    try:
        intermediates = signing.load_certificates(chain_pem) if chain_pem else []
    except signing.CertificateError as exc:
        raise _bad("chain", str(exc), "证书链无法解析（须为 PEM 证书）") from None
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(key_pem, password=key_passphrase or None)
    except (ValueError, TypeError):
        raise _bad("private_key", "The private key cannot be read: wrong passphrase or not a PEM private key",
                   "私钥无法读取：口令错误或不是 PEM 私钥") from None
    if not isinstance(key, signing.SigningKey) or not signing.key_matches_certificate(key, cert):
        raise _bad("private_key", "The private key does not belong to the certificate", "私钥与证书不匹配")
    try:
        path = signing.verify_certificate_path(cert, anchors(), intermediates=intermediates)
        signing.check_signing_usage(cert)
    except signing.CertificateError as exc:
        raise _bad("certificate", str(exc), "证书不是由本系统信任的 CA 签发的有效签名证书，或缺少组织名称、"
                   "统一社会信用代码、角色") from None
    role = ROLE_OF_KIND[organisation.kind]
    named = (signing.certificate_uscc(cert), signing.certificate_organisation(cert))
    if named != (organisation.uscc, organisation.name):
        raise _bad("certificate", "The certificate names another organisation (O and organizationIdentifier must be "
                   "your name and USCC)", "证书的组织名称或统一社会信用代码与本组织不符")
    if signing.certificate_role(cert) != role:
        raise _bad("certificate", f"The certificate is for the {signing.certificate_role(cert)} role; yours is {role}",
                   "证书所载角色与本组织角色不符")
    return _store(organisation, role, "uploaded", cert, key, path[1:])
