"""Start-up for `xborder serve`: migrate, optionally seed the demo, then run gunicorn."""

from __future__ import annotations

from collections.abc import Callable

from gunicorn.app.base import BaseApplication

from xborder.config import Settings


def prepare(*, demo: bool, echo: Callable[[str], None] = print) -> Settings:
    """Create or migrate the database, seed the demo when asked, and return the settings in force."""
    from flask_migrate import upgrade

    from xborder import create_app
    from xborder.extensions import db

    app = create_app()
    with app.app_context():
        upgrade(revision="heads")
        if demo:
            from xborder.demo import seed_demo

            seed_demo()
            db.session.commit()
            from xborder.accounts.demo import DEMO_PASSWORD, DEMO_USERS

            echo(f"Demo logins (password: {DEMO_PASSWORD}):")
            for user in DEMO_USERS:
                echo(f"  {user['email']:<28} {user['role']}")
        db.engine.dispose()  # do not hand pooled connections to forked workers
    settings: Settings = app.config["XBORDER"]
    echo(f"Database: {settings.database_url}")
    echo("Jobs: " + (f"RQ on {settings.redis_url}" if settings.redis_url else "in-process (no REDIS_URL)"))
    # The optional system dependency, checked once at start-up (said here, not in create_app: the CLI's stderr
    # carries problem+json only).
    from xborder.dossiers.documents import pdf

    echo("Dossier PDF copies: " + (pdf.soffice() or "off (LibreOffice not installed or XBORDER_PDF_COPIES=off)"))
    return settings


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, object]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from xborder import create_app

        app = create_app()
        if not app.config["XBORDER"].redis_url:
            from xborder.sweep import start_sweeper

            # No Redis, so no RQ scheduler: the periodic sweep runs in this process (one process holds the lock).
            start_sweeper(app)
        return app


def run_gunicorn(*, host: str, port: int, workers: int, settings: Settings) -> None:
    """Serve the app with gunicorn's production server (threads let one worker wait on I/O for several users)."""
    _Gunicorn({
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": 4,
        "accesslog": "-",
        "timeout": 60,
    }).run()
