"""xborder: outbound data transfer pathways, assessments, reviews and signed dossiers."""

from __future__ import annotations

import logging
import pathlib
from collections.abc import Mapping

from flask import Flask

ROOT = pathlib.Path(__file__).resolve().parents[1]


def create_app(env: Mapping[str, str] | None = None, **overrides: object) -> Flask:
    """Build the app: configuration, extensions, then each feature package's `init_app` — nothing else."""
    from xborder import accounts, assess, cases, config, dossiers, inventory, notifications
    from xborder.core import database, errors, health, i18n, idempotency, jobs, jsoncodec, labels, openapi, security
    from xborder.core.application import Application
    from xborder.extensions import babel, csrf, db, login_manager, migrate

    settings = config.load_settings(env, default_instance=ROOT / "instance")
    app = Application(__name__, instance_path=str(settings.instance_path), template_folder=str(ROOT / "templates"),
                static_folder="static")
    app.json = jsoncodec.JSONProvider(app)
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    app.config.update(config.flask_config(settings))
    app.config["API_SPEC_OPTIONS"] = {
        "info": {"description": "xborder: outbound data transfer (数据出境) cases, determinations and dossiers."},
        "security": [{"bearerAuth": []}],
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }
    app.config.update(overrides)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    labels.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    jobs.init_app(app, create_app)
    api = openapi.ProblemApi(app)

    # Each feature package registers its own API, pages, listeners and models: nothing is wired by an import.
    # dossiers before notifications: a transition signs its stage before anyone is told of it.
    for package in (accounts, cases, assess, dossiers, notifications, inventory):
        package.init_app(app, api)
    api.register_blueprint(health.blp)
    import xborder.core.audit  # noqa: F401  (the audit chain's table, for migrations and queries)
    idempotency.init_app(app)  # wraps the API views registered above
    errors.init_app(app)
    return app
