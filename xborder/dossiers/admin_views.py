"""Admin page: the trust anchors of dossier signatures — the CAs trusted (the deployment's own and external ones,
added from a PEM certificate) and the signing certificates, each revocable. Admins only, audited."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from xborder.accounts.records import audit
from xborder.core.errors import ApiError
from xborder.dossiers import pki
from xborder.dossiers.forms import TrustAnchorForm
from xborder.dossiers.models import SigningCertificate
from xborder.dossiers.views import bp
from xborder.extensions import db


def _require_admin() -> None:
    if current_user.role != "admin":
        abort(403)


@bp.route("/admin/trust-anchors", methods=["GET", "POST"])
@login_required
def trust_anchors():
    """The trusted CAs and the signing certificates; add an external CA from its PEM certificate."""
    from xborder.web.helpers import field_errors

    _require_admin()
    form, errors, status = TrustAnchorForm(), {}, 200
    if form.validate_on_submit():
        try:
            with db.session.begin_nested():
                row = pki.add_external_ca((form.certificate.data or "").encode())
                audit("trust_anchor_added", {"trust_anchor_id": row.id, "subject": row.subject,
                                             "fingerprint": row.fingerprint}, current_user)
            db.session.commit()
            flash(_("The CA is trusted now: certificates it issued sign dossiers here."), "success")
            return redirect(url_for("dossiers.trust_anchors"))
        except ApiError as exc:
            errors, status = field_errors(exc), 422
    certificates = db.session.scalars(sa.select(SigningCertificate).order_by(SigningCertificate.id.desc())
                                      .limit(300)).all()
    return render_template("dossiers/trust_anchors.html", anchors=pki.stored_anchors(), certificates=certificates,
                           form=form, errors=errors, action_form=FlaskForm(),
                           people=_people({c.user_id for c in certificates if c.user_id})), status


def _people(ids: set[int]) -> dict[int, str]:
    from xborder.accounts.models import User

    if not ids:
        return {}
    return {u.id: u.name or u.email for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


@bp.route("/admin/certificates/<int:certificate_id>/revoke", methods=["POST"])
@login_required
def revoke_certificate(certificate_id: int):
    """Revoke a signing certificate: it signs nothing more, and bundles built from now on say when."""
    _require_admin()
    row = db.session.get(SigningCertificate, certificate_id)
    if row is None:
        abort(404)
    if FlaskForm().validate_on_submit() and row.revoked_at is None:
        pki.revoke_certificate(row)
        audit("certificate_revoked", {"certificate_id": row.id, "fingerprint": row.fingerprint,
                                      "organisation_id": row.organisation_id, "user_id": row.user_id}, current_user)
        db.session.commit()
        flash(_("The certificate is revoked."), "success")
    return redirect(url_for("dossiers.trust_anchors"))
