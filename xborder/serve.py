"""Start-up for `xborder serve`: migrate, optionally seed the demo, then run gunicorn."""

from __future__ import annotations

import os
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


# The worker model, chosen by measurement (README, "Worker model"; bench/load.py on the three roles' mix): one
# thread per worker, two workers per core. A request's Python then never waits for the GIL behind another request's
# Python in the same process (with 4 threads per worker a 12 ms creation queued behind its neighbours' work: p95 112-136
# ms under the mix against ~50 ms), and a gthread worker (not sync) keeps telling the arbiter it is alive while a long
# download or build runs, so the timeout does not kill it.
WORKER_CLASS = "gthread"
THREADS_PER_WORKER = 1
#: What `--worker-class` offers: sync had the best tails under the mix (README, issue 20's second pass) but is killed
#: by the timeout during a long download, so it is for servers behind a proxy that buffers responses.
WORKER_CLASSES = ("gthread", "sync")


def default_workers() -> int:
    """Two single-threaded workers per core, at least two."""
    return max(2, 2 * (os.cpu_count() or 1))


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


def run_gunicorn(*, host: str, port: int, workers: int | None = None, threads: int | None = None,
                 worker_class: str | None = None, settings: Settings) -> None:
    """Serve the app with gunicorn's production server, by default with the measured worker model above."""
    _Gunicorn({
        "bind": f"{host}:{port}",
        "workers": workers or default_workers(),
        "worker_class": worker_class or WORKER_CLASS,
        "threads": threads or THREADS_PER_WORKER,
        "accesslog": "-",
        "timeout": 60,
    }).run()
