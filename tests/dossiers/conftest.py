"""Fixtures for dossiers: a deployment CA, the three demo organisations' certificates, three-stage bundles, and a
submitted case committed for real (for a worker in another process)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Mapping, Sequence

import pytest
import sqlalchemy as sa
from cryptography import x509

from tests.helpers.factories import declaration, make_uscc
from tests.helpers.materials import attach_materials_db
from xborder.dossiers import bundle, signing

NOW = dt.datetime.now(dt.UTC)
DAY = dt.timedelta(days=1)

ORGANISATIONS = {
    "enterprise": ("上海演示智能制造有限公司", "9131011552601815X1"),
    "assessor": ("演示数据安全评估中心", "91320500131860916B"),
    "provincial_official": ("上海市演示数据出境管理办公室", "113100000024158670"),
}

# What each stage adds; files are append-only, so later stages never change these bytes.
# Each stage's record states the status its action reached: the summary is recomputed from them.
CONTENT_BY_STAGE: list[dict[str, bytes]] = [
    {
        "case.json": bundle.canonical_json({
            "reference": "XB-2025-0001", "title": "新加坡子公司共享设备维护数据", "pathway": "security_assessment",
            "status": "third_party_review",
            "exporter": {"name": "上海演示智能制造有限公司", "uscc": "9131011552601815X1"}}),
        "documents/申报书.docx": b"PK\x03\x04 declaration " + bytes(range(256)),
        "documents/自评估报告.docx": b"PK\x03\x04 self-assessment report",
    },
    {"documents/评估意见.docx": b"PK\x03\x04 assessor's opinion",
     "records/02-assessor.json": bundle.canonical_json({"status": "provincial_review", "enterprise_revision": 1})},
    {"documents/出境管理办公室记录.docx": b"PK\x03\x04 official's record",
     "records/03-provincial.json": bundle.canonical_json({"status": "submitted_to_regulator",
                                                          "enterprise_revision": 1})},
]
CASE_SUMMARY = bundle.summary_from_files({path: data for files in CONTENT_BY_STAGE for path, data in files.items()},
                                         [(1, 1), (2, 1), (3, 1)])
ENTRY_NAMES = sorted(
    [path for files in CONTENT_BY_STAGE for path in files]
    + [path for stage in (1, 2, 3) for path in bundle.stage_paths(stage)]
    + [bundle.MANIFEST, bundle.CA_PATH]
)


@dataclasses.dataclass(frozen=True)
class Signer:
    """A key with its certificate and the chain to send with its signatures."""

    key: signing.SigningKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]


@dataclasses.dataclass(frozen=True)
class Pki:
    """The deployment CA, a signer per role, and a second CA the deployment does not trust."""

    ca_key: signing.SigningKey
    ca: x509.Certificate
    signers: Mapping[str, Signer]
    other_ca_key: signing.SigningKey
    other_ca: x509.Certificate

    @property
    def ca_pem(self) -> bytes:
        """The deployment's trust anchor as certs/ca.pem holds it."""
        return signing.cert_to_pem(self.ca)

    def issue(self, role: str, *, by_other_ca: bool = False, **kwargs) -> Signer:
        """A fresh signer for the role's demo organisation, from the deployment CA or the untrusted one."""
        # Valid from just before NOW, when the session's stages are signed: from the default start (the moment of
        # issue, less 5 minutes) a certificate postdates those signatures once collection and the tests before the
        # dossiers' took longer than that, as on a busy machine.
        kwargs.setdefault("not_before", NOW - dt.timedelta(minutes=5))
        ca_key, ca = (self.other_ca_key, self.other_ca) if by_other_ca else (self.ca_key, self.ca)
        name, uscc = ORGANISATIONS[role]
        key, cert = signing.issue_signing_certificate(ca_key, ca, organisation_name=name, uscc=uscc, role=role,
                                                      **kwargs)
        return Signer(key, cert, (ca,))


@pytest.fixture(scope="session")
def pki() -> Pki:
    """One PKI for the session: key generation is cheap, but there is no reason to repeat it."""
    ca_key, ca = signing.create_ca("xborder test deployment CA", not_before=NOW - 3 * 365 * DAY)
    # Same name, different key: a forgery.
    other_key, other = signing.create_ca("xborder test deployment CA", not_before=NOW - 3 * 365 * DAY)
    partial = Pki(ca_key, ca, {}, other_key, other)
    return dataclasses.replace(partial, signers={role: partial.issue(role) for role in ORGANISATIONS})


def _sign_stages(
    signers: Sequence[Signer],
    content_by_stage: Sequence[Mapping[str, bytes]] = CONTENT_BY_STAGE,
    *,
    signed_at: dt.datetime | None = None,
) -> tuple[dict[str, bytes], list[tuple[bytes, bytes]]]:
    """Run the stages as the workflow does: add the stage's files, write its manifest, sign it."""
    files: dict[str, bytes] = {}
    stages: list[tuple[bytes, bytes]] = []
    for signer, added in zip(signers, content_by_stage, strict=False):
        files.update(added)
        manifest = bundle.next_stage_manifest(
            files, stages, signer=bundle.signer_from_certificate(signer.cert, person="张伟"),
            signed_at=signed_at or NOW,
        )
        stages.append((manifest, signing.sign_detached(manifest, signer.key, signer.cert, list(signer.chain))))
    return files, stages


@pytest.fixture(scope="session")
def make_dossier(pki: Pki) -> Callable[..., bytes]:
    """Build a bundle; by default the three demo stages, each signed by its role's certificate."""

    def make(signers: Sequence[Signer] | None = None, *, ca_pem: bytes | None = None, **kwargs) -> bytes:
        chosen = signers or [pki.signers[role] for role in ORGANISATIONS]
        files, stages = _sign_stages(chosen, **kwargs)
        summary = bundle.summary_from_files(files, bundle.stage_slots(stages))
        return bundle.build_bundle(files, stages, ca_pem or pki.ca_pem, summary)

    return make


@pytest.fixture(scope="session")
def good_bundle(make_dossier) -> bytes:
    """A valid three-stage dossier."""
    return make_dossier()


def _entries(data: bytes) -> dict[str, bytes]:
    """Every entry of a ZIP by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _rewrite(data: bytes, changes: Mapping[str, bytes | None], *, reindex: bool = False) -> bytes:
    """The bundle with entries replaced, added or (None) removed; `reindex` fixes manifest.json as an attacker would."""
    contents = _entries(data)
    for path, content in changes.items():
        if content is None:
            contents.pop(path, None)
        else:
            contents[path] = content
    if reindex:
        index = json.loads(contents[bundle.MANIFEST])
        index["files"] = bundle.file_entries({p: d for p, d in contents.items() if p != bundle.MANIFEST})
        contents[bundle.MANIFEST] = bundle.canonical_json(index)
    return bundle.write_zip(contents)


def _add_raw_entry(data: bytes, name: str, content: bytes = b"x") -> bytes:
    """The bundle with one more entry under a name written as is, however unsafe."""
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr(zipfile.ZipInfo(name, date_time=bundle.ZIP_EPOCH), content)
    return out.getvalue()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Give a test one run per entry of the three-stage bundle (`entry_name`) or per signed entry."""
    if "entry_name" in metafunc.fixturenames:
        metafunc.parametrize("entry_name", ENTRY_NAMES)
    if "signed_entry_name" in metafunc.fixturenames:
        unsigned = (bundle.MANIFEST, bundle.CA_PATH)
        metafunc.parametrize("signed_entry_name", [name for name in ENTRY_NAMES if name not in unsigned])


@pytest.fixture(scope="session")
def sign_stages() -> Callable[..., tuple[dict[str, bytes], list[tuple[bytes, bytes]]]]:
    """The stage-signing helper, as a fixture so that test modules need not import conftest."""
    return _sign_stages


@pytest.fixture(scope="session")
def entries() -> Callable[[bytes], dict[str, bytes]]:
    """Read every entry of a ZIP by name."""
    return _entries


@pytest.fixture(scope="session")
def rewrite() -> Callable[..., bytes]:
    """Rewrite a bundle's entries (see `_rewrite`)."""
    return _rewrite


@pytest.fixture(scope="session")
def add_raw_entry() -> Callable[..., bytes]:
    """Append an entry under an arbitrary name."""
    return _add_raw_entry


@pytest.fixture(scope="session")
def now() -> dt.datetime:
    """The moment the session's dossiers were signed."""
    return NOW


@pytest.fixture
def submitted_case(app):
    """A case submitted (stage 1 signed) and committed for real, so a worker process sees it; removed afterwards."""
    from flask import g

    from xborder.accounts.models import Organisation, User
    from xborder.cases import operations, workflow
    from xborder.cases.keypoints import key_point_status
    from xborder.cases.models import AnswerVersion, Case, DeclarationVersion
    from xborder.core.audit import AuditEntry
    from xborder.dossiers import models
    from xborder.extensions import db

    with app.app_context():
        uscc = make_uscc(990_101)
        exporter = Organisation(kind="enterprise", name="卷宗任务测试企业", uscc=uscc, province="330000")
        assessor = Organisation(kind="assessor", name="卷宗任务测试评估机构", uscc=make_uscc(990_102),
                                province="330000")
        db.session.add_all([exporter, assessor])
        db.session.flush()
        user = User(email="dossier-job@example.test", role="enterprise", organisation=exporter)
        user.set_password("x")
        db.session.add(user)
        db.session.flush()
        case = operations.create_case(user, "任务测试", declaration(uscc, pi=0, important=True, province="330000"))
        answers = [{"key_point": kp["id"], "answer": "已评估"} for kp in key_point_status(case)]
        operations.save_answers(user, case, case.version, answers)
        attach_materials_db(case, user)  # a submission carries its filing materials (issue 16)
        workflow.transition(case, user, "submit", {"version": case.version, "assessor_org_id": assessor.id})
        db.session.commit()
        ids = {"case": case.id, "user": user.id, "orgs": (exporter.id, assessor.id)}
        yield ids
        g.pop("after_commit", None)
        db.session.rollback()
        stage_ids = sa.select(models.Stage.id).where(models.Stage.case_id == ids["case"])
        tables = db.metadata.tables
        # Other features' rows about the case (notifications of the submission, counted transfers), if present.
        others = [sa.delete(tables[name]).where(tables[name].c.case_id == ids["case"])
                  for name in ("notifications", "case_transfers", "evidence") if name in tables]
        for statement in (
            *others,
            sa.delete(models.DossierBuild).where(models.DossierBuild.case_id == ids["case"]),
            sa.delete(models.StageFile).where(models.StageFile.stage_id.in_(stage_ids)),
            sa.delete(models.Stage).where(models.Stage.case_id == ids["case"]),
            sa.delete(models.SigningCertificate).where(models.SigningCertificate.organisation_id.in_(ids["orgs"])),
            sa.delete(AuditEntry).where(AuditEntry.case_id == ids["case"]),
            sa.delete(AnswerVersion).where(AnswerVersion.case_id == ids["case"]),
            sa.delete(DeclarationVersion).where(DeclarationVersion.case_id == ids["case"]),
            sa.delete(Case).where(Case.id == ids["case"]),
            sa.delete(User).where(User.id == ids["user"]),
            sa.delete(Organisation).where(Organisation.id.in_(ids["orgs"])),
        ):
            db.session.execute(statement)
        db.session.commit()
        db.session.remove()
