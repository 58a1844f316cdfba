"""A signer is a named person (issue 19): their certificate names them, is revoked when they are deactivated, and
bundles built afterwards carry the CA's CRL; `xborder verify` then reports the revocation date for stages signed
before it and fails a stage signed after it. Real keys, certificates, CMS signatures and CRLs throughout."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.x509.oid import NameOID

from tests.helpers.accounts import uscc_in
from tests.helpers.web import People
from xborder.dossiers import bundle, pki, signing
from xborder.dossiers.builds import assemble, build_key
from xborder.dossiers.models import SigningCertificate, Stage
from xborder.dossiers.verify import verify_bundle

DAY = dt.timedelta(days=1)


@pytest.fixture
def people(app, db):
    return People(app, db)


def _check(report, name):
    return next(check for check in report.checks if check.name == name)


def test_deactivating_the_signer_revokes_their_certificate_and_later_bundles_say_when(people, db):
    case = people.submitted(title="撤销测试")
    stage = db.session.scalar(sa.select(Stage).where(Stage.case_id == case.id, Stage.stage == 1))
    row = db.session.get(SigningCertificate, stage.certificate_id)
    enterprise = people.enterprise_user
    cert = signing.load_certificate(row.certificate_pem)
    assert row.user_id == enterprise.id and row.source == "issued"
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == enterprise.name
    anchors, _ = pki.verification_anchors()
    before_key, before = build_key(case), assemble(case)
    assert "certs/crl.pem" not in zipfile.ZipFile(io.BytesIO(before)).namelist()

    enterprise.deactivate()
    db.session.flush()
    db.session.refresh(row)
    assert row.revoked_at is not None and not row.active
    crl = x509.load_pem_x509_crl(pki.revocation_lists()[0])
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    assert entry is not None and abs(entry.revocation_date_utc - row.revoked_at.replace(
        tzinfo=row.revoked_at.tzinfo or dt.UTC)) < dt.timedelta(seconds=1)

    # A bundle built now carries the CRL (the build key changed, so the earlier bundle is not served again).
    assert build_key(case) != before_key
    after = assemble(case)
    assert "certs/crl.pem" in zipfile.ZipFile(io.BytesIO(after)).namelist()
    report = verify_bundle(after, ca_pem=anchors)
    assert report.exit_code == 0, [c for c in report.checks if not c.ok]
    revocation = _check(report, "stage 1 revocation")
    assert revocation.warning and f"revoked on {entry.revocation_date_utc:%Y-%m-%d}" in revocation.detail
    assert "after this stage was signed" in revocation.detail
    # The earlier bundle has no CRL; checked against the deployment's current one it says the same.
    earlier = verify_bundle(before, ca_pem=anchors, crls=pki.revocation_lists())
    assert earlier.exit_code == 0 and "after this stage was signed" in _check(earlier, "stage 1 revocation").detail


def test_a_revoked_person_signs_nothing_more_and_colleagues_get_their_own(people, db, factory):
    enterprise = people.enterprise_user
    first = pki.signer_for(enterprise.organisation, enterprise)
    colleague = factory.user("enterprise", organisation=enterprise.organisation, name="同事甲")
    theirs = pki.signer_for(enterprise.organisation, colleague)
    assert theirs.row.id != first.row.id and pki.signer_for(enterprise.organisation, enterprise).row.id == \
        first.row.id
    assert pki.revoke_person(enterprise) == 1
    again = pki.signer_for(enterprise.organisation, enterprise)
    assert again.row.id != first.row.id  # the revoked one is never used again
    assert pki.signer_for(enterprise.organisation, colleague).row.id == theirs.row.id  # untouched


def test_a_stage_signed_after_its_signers_revocation_fails(pki_fixture_signers):
    ca_key, ca, signer_key, signer_cert, now = pki_fixture_signers
    files = {"case.json": b'{"case": 1}'}
    manifest = bundle.next_stage_manifest(files, [], signer=bundle.signer_from_certificate(signer_cert, person="王敏"),
                                          signed_at=now, stage=1)
    signed = [(manifest, signing.sign_detached(manifest, signer_key, signer_cert, [ca]))]
    ca_pem = signing.cert_to_pem(ca)
    data = bundle.build_bundle(files, signed, ca_pem, bundle.summary_from_files(files, bundle.stage_slots(signed)))

    earlier = signing.issue_crl(ca_key, ca, [signer_cert], revoked_on={signer_cert.serial_number: now - DAY})
    report = verify_bundle(data, ca_pem=ca_pem, crls=[earlier], now=now + dt.timedelta(minutes=1))
    assert report.exit_code == 1
    failed = _check(report, "stage 1 revocation")
    assert not failed.ok and "before this stage was signed" in failed.detail

    later = signing.issue_crl(ca_key, ca, [signer_cert], revoked_on={signer_cert.serial_number: now + DAY})
    report = verify_bundle(data, ca_pem=ca_pem, crls=[later], now=now + 2 * DAY)
    assert report.exit_code == 0
    assert f"revoked on {(now + DAY):%Y-%m-%d}" in _check(report, "stage 1 revocation").detail


@pytest.fixture
def pki_fixture_signers():
    """A CA and one enterprise signer's key and certificate, made here."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)  # the CMS signing time is the clock's
    ca_key, ca = signing.create_ca("xborder revocation test CA", not_before=now - 30 * DAY)
    key, cert = signing.issue_signing_certificate(ca_key, ca, organisation_name="测试企业", uscc=uscc_in("310100"),
                                                  role="enterprise", not_before=now - DAY, common_name="王敏")
    return ca_key, ca, key, cert, now
