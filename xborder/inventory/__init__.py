"""The enterprise's data inventory: flows, recipients and legal documents; import, export, declaring from rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask
    from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    """Register the inventory's API and pages."""
    # models: for migrations and queries; web_declare: a page whose route attaches to views.bp when imported.
    from xborder.inventory import api as inventory_api
    from xborder.inventory import models, views, web_declare  # noqa: F401

    api.register_blueprint(inventory_api.blp)
    app.register_blueprint(views.bp)
