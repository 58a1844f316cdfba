"""Signed dossiers: keys and certificates (signing), the bundle ZIP (bundle) and its independent check (verify)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask
    from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    """Register the dossiers' API and pages, and sign each stage in the transition that completes it."""
    # models: for migrations and queries; admin_views: its pages are routes on views.bp
    from xborder.accounts import profile
    from xborder.cases import workflow
    from xborder.dossiers import admin_views, models, stages, views  # noqa: F401
    from xborder.dossiers import api as dossiers_api

    workflow.on_transition(app, profile.snapshot_on_submit)  # before signing: stage 1 carries the profile copy
    workflow.on_transition(app, stages.on_transition)
    from xborder.accounts.models import user_deactivated
    from xborder.dossiers import pki

    user_deactivated.connect(pki.on_user_deactivated)  # a deactivated person's certificates are revoked
    api.register_blueprint(dossiers_api.blp)
    app.register_blueprint(views.bp)
    from xborder.dossiers.documents import pdf
    from xborder.dossiers.documents.preview import document_gaps

    app.add_template_global(document_gaps)  # templates/dossiers/_document_gaps.html, on the case page
    app.add_template_global(pdf.available, "pdf_copies_available")
