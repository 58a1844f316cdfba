"""xborder: outbound data transfer pathways, assessments, reviews and signed dossiers."""

from __future__ import annotations

import logging
import pathlib
from collections.abc import Mapping

from flask import Flask

ROOT = pathlib.Path(__file__).resolve().parents[1]


def create_app(env: Mapping[str, str] | None = None, **overrides: object) -> Flask:
    """Build the app: configuration, extensions, blueprints — nothing else."""
    from xborder import config
    from xborder.core import database, errors, health, i18n, idempotency, jsoncodec, labels, security
    from xborder.extensions import api, babel, csrf, db, login_manager, migrate

    settings = config.load_settings(env, default_instance=ROOT / "instance")
    app = Flask(__name__, instance_path=str(settings.instance_path), template_folder=str(ROOT / "templates"),
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
    login_manager.login_view = "accounts.login"
    csrf.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    labels.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    api.init_app(app)

    from xborder.accounts import api as accounts_api
    from xborder.accounts import views as accounts_views
    from xborder.cases import api as cases_api
    from xborder.cases import views as cases_views
    from xborder.dossiers import api as dossiers_api
    from xborder.dossiers import stages as _dossier_stages  # noqa: F401  (registers stage signing on_transition)
    from xborder.dossiers import views as dossiers_views
    from xborder.inventory import api as inventory_api
    from xborder.inventory import views as inventory_views
    from xborder.law import api as law_api
    from xborder.law import views as law_views
    from xborder.notifications import api as notifications_api
    from xborder.notifications import listeners as _notification_listeners  # noqa: F401  (registers on_transition)
    from xborder.notifications import views as notifications_views

    law_api.register_schemas(api.spec)
    for blp in (accounts_api.blp, cases_api.blp, law_api.blp, notifications_api.blp,
                dossiers_api.blp, health.blp, inventory_api.blp):
        api.register_blueprint(blp)
        csrf.exempt(blp)  # the API authenticates with bearer tokens, never cookies, so CSRF cannot apply
    app.register_blueprint(accounts_views.bp)
    app.register_blueprint(cases_views.bp)
    app.register_blueprint(notifications_views.bp)
    app.register_blueprint(law_views.bp)
    app.register_blueprint(dossiers_views.bp)
    app.register_blueprint(inventory_views.bp)
    idempotency.init_app(app)  # wraps the API views registered above
    errors.init_app(app)

    import xborder.accounts.models  # noqa: F401  (models must be imported for migrations and queries)
    import xborder.cases.models  # noqa: F401
    import xborder.core.audit  # noqa: F401
    import xborder.dossiers.models  # noqa: F401
    import xborder.inventory.models  # noqa: F401
    import xborder.notifications.models  # noqa: F401
    return app
