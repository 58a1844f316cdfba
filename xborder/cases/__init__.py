"""Cases: one declaration by one exporter, carried through the procedure."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask
    from flask_smorest import Api


def init_app(app: Flask, api: Api) -> None:
    """Register the cases' API and pages, and keep `Case.next_due` on every flush (the periodic work, deadline_tasks
    and tasks, is run by `xborder.sweep`)."""
    # models: for migrations and queries; web_*: the pages whose routes attach to views.bp when imported.
    from xborder.cases import api as cases_api
    from xborder.cases import (  # noqa: F401
        models,
        next_due,
        views,
        web_actions,
        web_declare,
        web_extension,
        web_facts,
        web_materials,
        web_pia,
        web_selfassess,
        web_stats,
    )

    next_due.listen()
    api.register_blueprint(cases_api.blp)
    app.register_blueprint(views.bp)
