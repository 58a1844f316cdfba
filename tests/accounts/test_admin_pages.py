"""The admin's pages (issue 19): organisations (search, approve, deactivate) and the trust anchors of dossier
signatures (add an external CA from PEM, checked; revoke a certificate) — admins only, CSRF, audited."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.helpers.accounts import STRONG, application
from tests.helpers.factories import auth
from tests.helpers.web import csrf_token, sign_in
from xborder.accounts.models import Organisation, User
from xborder.accounts.records import AccountAuditEntry, verify_accounts_chain
from xborder.dossiers import pki, signing
from xborder.dossiers.models import SigningCertificate, TrustAnchor


@pytest.fixture
def admin(app, db, factory):
    user = factory.user("admin", password=STRONG, name="管理员")
    return sign_in(app, user.email, STRONG)


def _actions(db) -> list[str]:
    return db.session.scalars(sa.select(AccountAuditEntry.action).order_by(AccountAuditEntry.seq)).all()


def test_only_admins_reach_the_admin_pages(app, db, factory):
    plain = sign_in(app, factory.user("provincial_official", password=STRONG).email, STRONG)
    for path in ("/admin/organisations", "/admin/trust-anchors", "/admin/users"):
        assert plain.get(path).status_code == 403
        assert app.test_client().get(path).status_code == 302  # to the sign-in page


def test_organisations_are_searched_approved_and_deactivated(app, client, db, factory, admin):
    body = application()
    client.post("/api/v1/registrations", json=body)
    org = factory.organisation("enterprise", name="检索目标公司")
    person = factory.user("enterprise", organisation=org, password=STRONG)
    token = factory.token(person)
    page = admin.get("/admin/organisations?q=检索目标").get_data(as_text=True)
    assert "检索目标公司" in page and "待批准的注册申请" in page and body["organisation"]["name"] in page
    assert admin.get(f"/admin/organisations?q={org.uscc}").get_data(as_text=True).count("检索目标公司") == 1

    # Approve from this page (the registrations' own form), then deactivate the organisation.
    reg_id = int(page.split('id="registration-')[1].split('"')[0])
    admin.post(f"/registrations/{reg_id}/approve", data={"csrf_token": csrf_token(page)})
    assert db.session.scalar(sa.select(Organisation).where(Organisation.uscc == body["organisation"]["uscc"]))
    assert admin.post(f"/admin/organisations/{org.id}/deactivate").status_code == 400  # no CSRF token
    admin.post(f"/admin/organisations/{org.id}/deactivate", data={"csrf_token": csrf_token(page)})
    db.session.refresh(person)
    assert not person.active
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401
    assert "organisation_deactivated" in _actions(db) and verify_accounts_chain()[0]


def _ca(*, ca: bool = True, days: int = 365, start: dt.datetime | None = None) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "外部商业 CA")])
    start = start or dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                                         crl_sign=ca, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return signing.cert_to_pem(cert)


def test_an_external_ca_is_added_from_pem_only_when_it_is_a_ca_valid_now(db, admin):
    page = admin.get("/admin/trust-anchors").get_data(as_text=True)
    assert "信任锚" in page
    refused = {
        "junk": "not a certificate",
        "leaf": _ca(ca=False).decode(),
        "expired": _ca(start=dt.datetime.now(dt.UTC) - dt.timedelta(days=400), days=30).decode(),
        "two": (_ca() + _ca()).decode(),
    }
    for what, pem in refused.items():
        response = admin.post("/admin/trust-anchors", data={"certificate": pem, "csrf_token": csrf_token(page)})
        assert response.status_code == 422, what
        assert 'id="certificate-error"' in response.get_data(as_text=True) or "证书" in response.get_data(
            as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TrustAnchor)
                             .where(TrustAnchor.kind == "external")) == 0
    good = _ca()
    assert admin.post("/admin/trust-anchors", data={"certificate": good.decode()}).status_code == 400  # CSRF
    added = admin.post("/admin/trust-anchors", data={"certificate": good.decode(), "csrf_token": csrf_token(page)},
                       follow_redirects=True)
    assert "外部商业 CA" in added.get_data(as_text=True)
    row = db.session.scalar(sa.select(TrustAnchor).where(TrustAnchor.kind == "external"))
    assert row.fingerprint == signing.certificate_sha256(signing.load_certificate(good))
    assert "trust_anchor_added" in _actions(db)


def test_a_certificate_revoked_on_the_page_is_in_the_crl(db, admin, factory):
    person = factory.user("enterprise", password=STRONG, name="签署人")
    signer = pki.signer_for(person.organisation, person)
    page = admin.get("/admin/trust-anchors").get_data(as_text=True)
    assert "签署人" in page and "使用中" in page
    admin.post(f"/admin/certificates/{signer.row.id}/revoke", data={"csrf_token": csrf_token(page)})
    row = db.session.get(SigningCertificate, signer.row.id)
    assert row.revoked_at is not None and not row.active
    crl = x509.load_pem_x509_crl(pki.revocation_lists()[0])
    assert crl.get_revoked_certificate_by_serial_number(signer.cert.serial_number) is not None
    assert "已于" in admin.get("/admin/trust-anchors").get_data(as_text=True)
    assert "certificate_revoked" in _actions(db)
    assert db.session.get(User, person.id).active  # the person stays; only the certificate ends
