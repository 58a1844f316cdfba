"""Organisations, users and API tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask
    from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    """Register the accounts' API and pages, and tell authentication how to find a user and a token."""
    # models, records: for migrations and queries; *_views: their pages are routes on views.bp
    from xborder.accounts import (  # noqa: F401
        admin_org_views,
        admin_views,
        models,
        oidc_views,
        onboarding_api,
        onboarding_views,
        operations,
        records,
        token_views,
        tokens,
        views,
    )
    from xborder.accounts import api as accounts_api
    from xborder.core import auth, labels
    from xborder.extensions import login_manager

    auth.init_app(app, load_user=operations.load_session_user, find_token=tokens.resolve_token)
    login_manager.login_view = "accounts.login"
    # Lazy: the flash is written in the language of the page that asked for a sign-in, not Flask-Login's English.
    login_manager.login_message = labels.LOGIN_MESSAGE
    api.register_blueprint(accounts_api.blp)
    api.register_blueprint(onboarding_api.blp)
    app.register_blueprint(views.bp)
