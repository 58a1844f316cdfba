"""The public pathway determination: `POST /api/v1/assess` and the quick-check page, over the pure engine in
`xborder.law`; nothing is stored and no account is needed."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask
    from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    """Register the public assessment's API (with its Declaration schema in the OpenAPI document) and page."""
    from xborder.assess import api as assess_api
    from xborder.assess import views

    assess_api.register_schemas(api.spec)
    api.register_blueprint(assess_api.blp)
    app.register_blueprint(views.bp)
