"""API: a case's dossier (202 while it is built, then the ZIP) and an organisation's signing certificate."""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from xborder.cases import queries
from xborder.core.auth import api_user, token_required
from xborder.core.errors import Unprocessable, field_error
from xborder.core.unit_of_work import commit
from xborder.dossiers import builds, pia_record, pki, signing
from xborder.dossiers.downloads import dossier_response
from xborder.dossiers.models import SigningCertificate
from xborder.dossiers.schemas import (
    CERTIFICATE_UPLOAD,
    DOCX,
    ZIP,
    CertificateSchema,
    CertificateStateSchema,
    DossierBuildSchema,
)
from xborder.extensions import db

blp = Blueprint("dossiers_api", __name__, url_prefix="/api/v1", description="Signed dossiers")
MAX_PEM_BYTES = 64 * 1024


def _waiting(build):
    response = jsonify(DossierBuildSchema().dump(builds.status(build)))
    response.status_code = 202
    response.headers["Retry-After"] = "2"
    response.headers["Location"] = url_for("dossiers_api.DossierResource", case_id=build.case_id)
    return response


@blp.route("/cases/<int:case_id>/dossier")
class DossierResource(MethodView):
    """The case's signed dossier bundle."""

    @token_required()
    @blp.doc(responses=ZIP)
    @blp.alt_response(202, schema=DossierBuildSchema,
                      description="Being built: status, progress (0-100) and step; ask again after Retry-After")
    @blp.alt_response(404, description="No such case visible to the caller, or nothing signed yet")
    def get(self, case_id: int):
        """Download the dossier; the first request for the case's current state starts the build (then 202)."""
        user = api_user()
        return dossier_response(queries.get_case(user, case_id), user, waiting=_waiting)


@blp.route("/cases/<int:case_id>/pia-record.docx")
class PiaRecordDocumentResource(MethodView):
    """The enterprise's PIA record as the 个人信息保护影响评估报告（出境版） document."""

    @token_required()
    @blp.doc(responses=DOCX)
    @blp.alt_response(404, description="No such case visible to the caller, or no PIA recorded on it")
    def get(self, case_id: int):
        """Render the recorded PIA from the case as it stands (unsigned: the enterprise's record, not a stage)."""
        return pia_record.response(queries.get_case(api_user(), case_id))


def _certificate_json(row: SigningCertificate | None):
    if row is None:
        return None
    cert = signing.load_certificate(row.certificate_pem)
    return {"id": row.id, "role": row.role, "source": row.source, "fingerprint": row.fingerprint,
            "subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
            "not_after": row.not_after.isoformat(), "certificate_pem": row.certificate_pem.decode()}


def _pem_field(name: str, required: bool) -> bytes | None:
    upload = request.files.get(name)
    data = upload.read(MAX_PEM_BYTES + 1) if upload is not None else (request.form.get(name) or "").encode()
    if len(data) > MAX_PEM_BYTES:
        raise Unprocessable("Too large", [field_error(name, "too_large", "At most 64 KiB", "不得超过 64 KiB")])
    if required and not data.strip():
        raise Unprocessable("Missing field", [field_error(name, "required", f"{name} is required (PEM)",
                                                          f"必须提供 {name}（PEM 格式）")])
    return data or None


@blp.route("/organisations/me/signing-certificate")
class SigningCertificateResource(MethodView):
    """The caller's organisation's signing certificate."""

    @token_required("enterprise", "assessor", "provincial_official")
    @blp.response(200, CertificateStateSchema,
                  description="The active certificate, or null before the organisation first signs")
    def get(self):
        """The certificate the organisation signs stages with (issued by the deployment CA on first signature)."""
        from xborder.dossiers.pki import ROLE_OF_KIND

        org = api_user().organisation
        row = db.session.scalar(db.select(SigningCertificate).where(
            SigningCertificate.organisation_id == org.id, SigningCertificate.role == ROLE_OF_KIND[org.kind],
            SigningCertificate.active.is_(True)).order_by(SigningCertificate.id.desc()).limit(1))
        return {"certificate": _certificate_json(row), "trust_anchors_pem": pki.anchors_pem().decode()}

    @token_required("enterprise", "assessor", "provincial_official")
    @blp.doc(requestBody=CERTIFICATE_UPLOAD)
    @blp.response(201, CertificateSchema,
                  description="The uploaded certificate, now the organisation's signing certificate")
    @blp.alt_response(422, description="Unreadable, not issued by a trusted CA, another organisation's, wrong role, "
                                       "or the key does not match")
    def post(self):
        """Upload the organisation's own certificate (multipart or form fields `certificate`, `private_key`,
        optional `key_passphrase` and `chain`), issued by a CA this deployment trusts."""
        user = api_user()
        row = pki.upload_certificate(
            user.organisation, _pem_field("certificate", True), _pem_field("private_key", True),
            (request.form.get("key_passphrase") or "").encode() or None, _pem_field("chain", False))
        commit()
        return _certificate_json(row)
