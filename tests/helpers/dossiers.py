"""Take cases through the workflow by the API and fetch their dossiers; unpack them and check them with openssl."""

from __future__ import annotations

import io
import subprocess
import zipfile

from tests.helpers.api import act, answered_case, assessor_id, review_all
from tests.helpers.factories import auth

OPENSSL_VERIFY = ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any", "-out", "/dev/null"]


def security_assessment_case(client, roles, *, decide: bool = True) -> dict:
    """A security-assessment case signed at all three stages (and, by default, approved)."""
    case = answered_case(client, roles, pi=0, important=True)
    case = act(client, roles["enterprise"], case, "submit", assessor_org_id=assessor_id(client, roles)).json
    case = review_all(client, roles, client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["assessor"])).json)
    case = act(client, roles["assessor"], case, "sign_opinion").json
    case = client.get(f"/api/v1/cases/{case['id']}", headers=auth(roles["official"])).json
    case = act(client, roles["official"], case, "forward_to_regulator", completeness_confirmed=True).json
    assert case["status"] == "submitted_to_regulator", case
    if decide:
        case = act(client, roles["official"], case, "record_decision", decision="approved",
                   decision_number="国网信评〔2025〕1号", decision_date="2025-07-15").json
        assert case["status"] == "approved", case
    return case


def fetch_dossier(client, token: str, case_id: int) -> bytes:
    """GET the dossier; a 202 (RQ queued the build) is finished by running the job function the worker runs."""
    from xborder.dossiers.builds import build_dossier

    response = client.get(f"/api/v1/cases/{case_id}/dossier", headers=auth(token))
    if response.status_code == 202:
        assert {"status", "progress", "step", "build_id"} <= set(response.json)
        assert 0 <= response.json["progress"] <= 100
        build_dossier(response.json["build_id"])
        response = client.get(f"/api/v1/cases/{case_id}/dossier", headers=auth(token))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/zip"
    return response.get_data()


def entries(data: bytes) -> dict[str, bytes]:
    """Every entry of a ZIP by name."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def unpack(data: bytes, directory) -> None:
    """Write the bundle's entries under a directory."""
    for path, content in entries(data).items():
        (directory / path).parent.mkdir(parents=True, exist_ok=True)
        (directory / path).write_bytes(content)


def openssl_verifies(directory, manifest: str, signature: str, ca: str = "certs/ca.pem") -> subprocess.CompletedProcess:
    """Run openssl cms -verify on one stage, as dossier.md tells anyone to."""
    return subprocess.run([*OPENSSL_VERIFY, "-in", signature, "-content", manifest, "-CAfile", ca], cwd=directory,
                          capture_output=True, text=True, check=False)


def csrf_token(html: str) -> str:
    """The CSRF token of a page's form."""
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token"
    return match.group(1)


def upload_to_verify(client, data: bytes, lang: str | None = None):
    """POST a bundle to the public /verify page, as a visitor would."""
    query = f"?lang={lang}" if lang else ""
    page = client.get("/verify" + query)
    assert page.status_code == 200
    # Encoded here in memory: werkzeug's test client spools a multipart body over 500 KB to a temporary file it
    # never closes (a ResourceWarning), and the bundles with the templates' documents are past that size.
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart({"csrf_token": csrf_token(page.get_data(as_text=True)),
                                       "bundle": FileStorage(io.BytesIO(data), "dossier.zip")})
    return client.post("/verify" + query, content_type=f"multipart/form-data; boundary={boundary}", data=body)


def web_login(client, email: str, password: str = "demo-password") -> None:
    """Sign in through the login form."""
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf_token(page.get_data(as_text=True)), "email": email,
                                           "password": password})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:300]


def cli_verify(path, *extra) -> subprocess.CompletedProcess:
    """Run `xborder verify` on a bundle file as someone without the deployment would (no DATABASE_URL, an empty
    instance folder)."""
    import os
    import sys

    instance = path.parent / "no-deployment"
    return subprocess.run([sys.executable, "-m", "xborder", "verify", str(path), *extra], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "DATABASE_URL": "",
                                                      "XBORDER_INSTANCE_PATH": str(instance)})
