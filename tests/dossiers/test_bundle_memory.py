"""Large bundles in bounded memory (issue 16: "stream, do not hold the ZIP in memory"): a case with ~50 MB of
evidence is signed, built and downloaded by a server process whose peak memory grows by a small fraction of that,
and the streamed bytes are a bundle `xborder verify` accepts, carrying each evidence file byte for byte. Run on the
embedded default (SQLite) and on PostgreSQL, whose drivers hand large values back differently."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import subprocess
import sys
import textwrap
import zipfile

import pytest
import sqlalchemy as sa

from tests.helpers.app import TEST_PASSPHRASE, TEST_SECRET
from tests.helpers.live import database_of_kind

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILES, FILE_BYTES = 5, 10 * 1024 * 1024 - 4096  # five evidence files just under the 10 MiB upload limit

# The case is made, and its large evidence uploaded, by a process of its own (with the migrations), so the measured
# process never held the files: it only signs, builds and downloads.
SETUP = textwrap.dedent("""
    import hashlib, io, json, os, sys
    sys.path.insert(0, sys.argv[1])
    from flask_migrate import upgrade
    from xborder import create_app
    from xborder.accounts.demo import DEMO_PASSWORD, seed_demo_accounts
    from xborder.extensions import db
    from tests.helpers.api import answered_case
    from tests.helpers.factories import auth
    from tests.helpers.materials import attach_materials
    files, size = int(sys.argv[2]), int(sys.argv[3])
    app = create_app()
    with app.app_context():
        upgrade(revision="heads")
        seed_demo_accounts()
        db.session.commit()
    client = app.test_client()
    roles = {role: client.post("/api/v1/auth/token", json={"email": f"{role}@demo.xborder",
                                                           "password": DEMO_PASSWORD}).json["token"]
             for role in ("enterprise", "assessor", "official")}
    *small, large = (answered_case(client, roles, pi=0, important=True) for _ in range(3))
    for case in (*small, large):
        attach_materials(client, roles["enterprise"], case["id"])
    digests = {}
    for number in range(files):
        data = b"%PDF-1.4\\n" + os.urandom(size - 9)
        response = client.post(f"/api/v1/cases/{large['id']}/evidence", headers=auth(roles["enterprise"]),
                               content_type="multipart/form-data",
                               data={"file": (io.BytesIO(data), f"scan-{number}.pdf")})
        assert response.status_code == 201, response.json
        digests[response.json["id"]] = hashlib.sha256(data).hexdigest()
    print(json.dumps({"roles": roles, "small": [c["id"] for c in small], "large": large["id"], "digests": digests}))
""")

# The measured server: two small cases are submitted and downloaded first, so the peak before the large case is
# what signing and building cost anyway (documents, templates, crypto, the heap's growth of a second run); then the
# large case, its ZIP streamed to a file.
SERVER = textwrap.dedent("""
    import hashlib, json, resource, sys
    sys.path.insert(0, sys.argv[1])
    from xborder import create_app
    from tests.helpers.api import act, assessor_id
    from tests.helpers.factories import auth
    from tests.helpers.memory import peak_mb
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # a runaway must not take the shared machine down
    setup = json.loads(sys.argv[2])
    roles = setup["roles"]
    app = create_app()
    client = app.test_client()

    def cycle(case_id, out):
        case = client.get(f"/api/v1/cases/{case_id}", headers=auth(roles["enterprise"])).json
        submitted = act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles))
        assert submitted.status_code == 200, submitted.json
        response = client.get(f"/api/v1/cases/{case_id}/dossier", headers=auth(roles["enterprise"]), buffered=False)
        assert response.status_code == 200, response.status_code
        digest, written = hashlib.sha256(), 0
        with open(out, "wb") as sink:
            for piece in response.response:
                digest.update(piece)
                sink.write(piece)
                written += len(piece)
        response.close()
        return {"sha256": digest.hexdigest(), "bytes": written, "content_length": response.content_length,
                "etag": response.get_etag()[0], "disposition": response.headers.get("Content-Disposition"),
                "cache_control": response.headers.get("Cache-Control")}

    for case_id in setup["small"]:
        cycle(case_id, sys.argv[3] + ".small")
    before = peak_mb()
    result = cycle(setup["large"], sys.argv[3])
    print(json.dumps({**result, "before_mb": before,
                      "peak_mb": peak_mb()}))
""")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """A database of the test's own: a SQLite file, or a PostgreSQL database dropped afterwards."""
    server = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    with database_of_kind(request.param, tmp_path, server, "xborder_large") as url:
        yield url


def test_a_50_mb_bundle_is_signed_built_and_streamed_in_bounded_memory_and_verifies(database, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(XBORDER_INSTANCE_PATH=str(tmp_path / "instance"), XBORDER_SECRET_KEY=TEST_SECRET,
               XBORDER_KEY_PASSPHRASE=TEST_PASSPHRASE, DATABASE_URL=database, XBORDER_PDF_COPIES="off",
               XBORDER_LOGIN_LIMIT_ACCOUNT="10000 per minute", XBORDER_LOGIN_LIMIT_ADDRESS="10000 per minute",
               XBORDER_MFA_REQUIRED_ROLES="")
    made = subprocess.run([sys.executable, "-c", SETUP, str(ROOT), str(FILES), str(FILE_BYTES)], env=env,
                          capture_output=True, text=True, timeout=900)
    assert made.returncode == 0, made.stderr[-3000:]
    setup = json.loads(made.stdout.strip().splitlines()[-1])
    out = tmp_path / "dossier.zip"
    done = subprocess.run([sys.executable, "-c", SERVER, str(ROOT), json.dumps(setup), str(out)], env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])

    total_mb = FILES * FILE_BYTES / 2**20
    # Holding the bundle once would add ~50 MB, and the old path held it several times; pieces are 1 MiB.
    assert result["peak_mb"] - result["before_mb"] < total_mb / 4, result
    data = out.read_bytes()
    assert result["bytes"] == result["content_length"] == len(data) > FILES * FILE_BYTES
    assert result["etag"] == result["sha256"] == hashlib.sha256(data).hexdigest()
    assert result["disposition"].startswith("attachment; filename=dossier-")
    assert result["cache_control"] == "private, no-store"
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        for evidence_id, digest in setup["digests"].items():
            [path] = [n for n in names if n.startswith(f"evidence/{int(evidence_id):06d}-")]
            assert hashlib.sha256(archive.read(path)).hexdigest() == digest
        (tmp_path / "ca.pem").write_bytes(archive.read("certs/ca.pem"))
    run = subprocess.run([sys.executable, "-m", "xborder", "verify", str(out), "--ca", str(tmp_path / "ca.pem")],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "DATABASE_URL": "", "XBORDER_INSTANCE_PATH": str(tmp_path / "none")})
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_large_blob_is_stored_in_pieces_of_at_most_a_mebibyte_and_read_back_whole(db):
    from xborder.dossiers import blobs
    from xborder.dossiers.models import Blob, BlobChunk

    data = os.urandom(2 * blobs.CHUNK_BYTES + 123)
    digest = blobs.store_blob(data)
    assert blobs.store_blob(data) == digest == hashlib.sha256(data).hexdigest()  # stored once, by its content
    rows = db.session.execute(sa.select(BlobChunk.seq, sa.func.length(BlobChunk.data))
                              .where(BlobChunk.sha256 == digest).order_by(BlobChunk.seq)).all()
    assert [seq for seq, _ in rows] == [0, 1, 2] and max(size for _, size in rows) <= blobs.CHUNK_BYTES
    assert [len(piece) for piece in blobs.pieces(digest)] == [blobs.CHUNK_BYTES, blobs.CHUNK_BYTES, 123]
    assert blobs.blob(digest) == data and blobs.size_of(digest) == len(data)
    small = blobs.store_blob(b"manifest")
    assert db.session.get(Blob, small).chunks == 0 and blobs.blob(small) == b"manifest"
    assert not db.session.scalars(sa.select(BlobChunk).where(BlobChunk.sha256 == small)).all()


def test_entries_streamed_a_piece_at_a_time_make_the_same_zip_as_whole_ones():
    from xborder.dossiers import blobs, bundle

    big = os.urandom(3 * blobs.CHUNK_BYTES + 5)
    digest = hashlib.sha256(big).hexdigest()
    read: list[int] = []

    def stream(_: str):
        for start in range(0, len(big), blobs.CHUNK_BYTES):
            read.append(start)
            yield big[start:start + blobs.CHUNK_BYTES]

    lazy = bundle.LazyFiles({"evidence/000001-scan.pdf": (digest, len(big))}, lambda _: big, stream)
    lazy["case.json"] = b"{}\n"
    assert bundle.write_zip(lazy) == bundle.write_zip({"evidence/000001-scan.pdf": big, "case.json": b"{}\n"})
    assert len(read) == 4  # the big entry came through the stream, in pieces


def test_the_streamed_download_is_the_verified_bundle_with_its_headers(client, roles, db):
    from tests.helpers.api import act, answered_case, assessor_id
    from tests.helpers.dossiers import entries, fetch_dossier
    from tests.helpers.factories import auth
    from xborder.accounts.models import User
    from xborder.cases.evidence import add_evidence
    from xborder.cases.models import Case
    from xborder.dossiers.pki import verification_anchors
    from xborder.dossiers.verify import verify_bundle

    case = answered_case(client, roles, pi=0, important=True)
    scan = b"%PDF-1.4\n" + os.urandom(3 * 2**20)  # stored in pieces
    # Through the operation: the test client spools a multipart body over 500 KB to a file it never closes.
    owner = db.session.scalar(sa.select(User).where(User.email == "enterprise@demo.xborder"))
    add_evidence(owner, db.session.get(Case, case["id"]), "扫描件.pdf", scan, None)
    db.session.commit()
    case = client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["enterprise"])).json
    assert act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles)).status_code \
        == 200
    data = fetch_dossier(client, roles["enterprise"], case["id"])
    assert verify_bundle(data, ca_pem=verification_anchors()[0]).exit_code == 0
    assert scan in entries(data).values()
    response = client.get(f"/api/v1/cases/{case['id']}/dossier", headers=auth(roles["enterprise"]))
    assert response.get_data() == data and response.content_length == len(data)
    assert response.get_etag()[0] == hashlib.sha256(data).hexdigest()
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"] == f"attachment; filename=dossier-{case['reference']}.zip"
    again = client.get(f"/api/v1/cases/{case['id']}/dossier",
                       headers={**auth(roles["enterprise"]), "If-None-Match": f'"{hashlib.sha256(data).hexdigest()}"'})
    assert again.status_code == 304 and not again.get_data()
