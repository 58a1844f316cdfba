"""Response shapes of the dossier API, so the OpenAPI document (and the fuzzer holding us to it) knows them."""

from __future__ import annotations

import marshmallow as ma


class DossierBuildSchema(ma.Schema):
    """A dossier build while the caller waits (202)."""

    build_id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, metadata={"description": "queued, building, ready or failed"})
    progress = ma.fields.Integer(required=True, metadata={"description": "0-100"})
    step = ma.fields.String(allow_none=True)
    error = ma.fields.String(allow_none=True)
    sha256 = ma.fields.String(allow_none=True)
    created_at = ma.fields.String(allow_none=True)
    finished_at = ma.fields.String(allow_none=True)


class CertificateSchema(ma.Schema):
    """An organisation's signing certificate."""

    id = ma.fields.Integer(required=True)
    role = ma.fields.String(required=True)
    source = ma.fields.String(required=True, metadata={"description": "issued by the deployment CA, or uploaded"})
    fingerprint = ma.fields.String(required=True)
    subject = ma.fields.String(required=True)
    issuer = ma.fields.String(required=True)
    not_after = ma.fields.String(required=True)
    certificate_pem = ma.fields.String(required=True)


class CertificateStateSchema(ma.Schema):
    """The active certificate (null before the organisation first signs) and the deployment's trust anchors."""

    certificate = ma.fields.Nested(CertificateSchema, allow_none=True, required=True)
    trust_anchors_pem = ma.fields.String(required=True)


PEM = {"type": "string", "description": "PEM text (or a file part)"}
CERTIFICATE_UPLOAD = {"required": True, "content": {media: {"schema": {
    "type": "object", "required": ["certificate", "private_key"],
    "properties": {"certificate": PEM, "private_key": PEM, "key_passphrase": {"type": "string"}, "chain": PEM},
}} for media in ("multipart/form-data", "application/x-www-form-urlencoded")}}
DOCX_MEDIA = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCX = {"200": {"description": "The document, unsigned (the enterprise's own record)",
                "content": {DOCX_MEDIA: {"schema": {"type": "string", "format": "binary"}}}}}
ZIP = {"200": {"description": "The bundle (the download is recorded in the audit trail)",
               "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}}}
