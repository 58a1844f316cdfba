"""The `xborder` console script: serve, assess, verify, worker, and the orgs/users bootstrap."""

from __future__ import annotations

import json
import sys
from typing import Any

import click


def _problem(status: int, title: str, detail: str, errors: list[dict[str, Any]] | None = None) -> str:
    body: dict[str, Any] = {"type": f"https://xborder.invalid/problems/{status}", "title": title, "status": status,
                            "detail": detail}
    if errors:
        body["errors"] = errors
    return json.dumps(body, ensure_ascii=False, indent=2)


@click.group()
def main() -> None:
    """xborder: outbound data transfer (数据出境) pathways, cases and signed dossiers."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=None, type=click.IntRange(1, 256),
              help="gunicorn workers (default: two per CPU core, at least 2)")
@click.option("--threads", default=None, type=click.IntRange(1, 64),
              help="threads per worker (default: 1; more serve more slow downloads at once, at some CPU cost)")
@click.option("--worker-class", default="gthread", show_default=True, type=click.Choice(["gthread", "sync"]),
              help="sync: the shortest tails under load, but a download longer than the 60 s timeout is cut; only "
                   "behind a proxy that buffers responses")
@click.option("--demo", is_flag=True, help="Load the demo organisations, accounts and cases if not there yet.")
def serve(host: str, port: int, workers: int | None, threads: int | None, worker_class: str, demo: bool) -> None:
    """Migrate the database and serve xborder under gunicorn."""
    from xborder.serve import prepare, run_gunicorn

    if worker_class == "sync" and threads not in (None, 1):
        raise click.UsageError("--threads applies to gthread workers only; a sync worker serves one request at a time")

    if demo:  # the demo's sign-ins are passwords only, unless the operator asked for MFA explicitly
        import os

        os.environ.setdefault("XBORDER_MFA_REQUIRED_ROLES", "")

    settings = prepare(demo=demo, echo=click.echo)
    run_gunicorn(host=host, port=port, workers=workers, threads=threads, worker_class=worker_class,
                 settings=settings)


@main.command()
@click.argument("file", default="-")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def assess(file: str, fmt: str, lang: str) -> None:
    """Print the determination for a declaration in FILE (or - for stdin); needs no database."""
    from xborder.law.declaration import DeclarationInvalid, validate_declaration
    from xborder.law.pathway import determine_pathway

    try:
        text = sys.stdin.read() if file == "-" else open(file, encoding="utf-8").read()  # noqa: SIM115
    except (OSError, UnicodeDecodeError) as exc:
        click.echo(_problem(400, "Unreadable input", str(exc)), err=True)
        sys.exit(2)
    from xborder.core.request_limits import loads

    try:
        raw = loads(text)  # nesting bounded as for the API: 3,000 levels of `[` would otherwise recurse to a crash
    except ValueError as exc:
        click.echo(_problem(400, "Malformed request", f"Not valid JSON: {exc}"), err=True)
        sys.exit(2)
    try:
        declaration = validate_declaration(raw)
    except DeclarationInvalid as exc:
        click.echo(_problem(422, "Invalid input", "The declaration is invalid", exc.errors), err=True)
        sys.exit(2)
    determination = determine_pathway(declaration)
    if fmt == "text":
        from xborder.law.summary import render_text

        click.echo(render_text(determination, lang=lang))
    else:
        click.echo(json.dumps(determination, ensure_ascii=False, indent=2))


@main.command()
@click.argument("bundle", type=click.Path(dir_okay=False))
@click.option("--ca", "ca", type=click.Path(exists=True, dir_okay=False), help="Trust anchor(s), PEM.")
def verify(bundle: str, ca: str | None) -> None:
    """Check a dossier bundle: file hashes, stage signatures, the chain of stages, against --ca or the local
    deployment's anchors (exit 3 when there are none: consistent, but untrusted)."""
    from xborder.dossiers.verify import format_report, verify_bundle

    try:
        data = open(bundle, "rb").read()  # noqa: SIM115
    except OSError as exc:
        click.echo(f"FAIL not a readable bundle: {exc}")
        sys.exit(2)
    crls: list[bytes] = []
    if ca:
        ca_pem, source = open(ca, "rb").read(), f"--ca {ca}"  # noqa: SIM115
    else:
        # With the deployment's current CRLs: a signer revoked after the bundle was built shows too.
        ca_pem, source, crls = _local_anchors()
    report = verify_bundle(data, ca_pem=ca_pem, crls=crls)
    click.echo(f"anchors: {source}")
    click.echo(format_report(report))
    sys.exit(report.exit_code)


def _local_anchors() -> tuple[bytes | None, str, list[bytes]]:
    """The local deployment's trust anchors (PEM) and where they came from, or None and why there are none; and its
    current CRLs.

    A deployment is local when DATABASE_URL is set or the embedded SQLite file exists; nothing is created here,
    neither a database nor a CA, so verifying on a machine without xborder's service changes nothing."""
    import os

    from xborder import ROOT, config

    # Placeholder secrets: only the database location is read here, and no secret file may be written for it.
    env = {**os.environ, "XBORDER_SECRET_KEY": "x" * 16, "XBORDER_KEY_PASSPHRASE": "x" * 16}
    try:
        settings = config.load_settings(env, default_instance=ROOT / "instance")
    except config.ConfigError as exc:
        return None, f"none: the local configuration is unusable ({exc})", []
    if not os.environ.get("DATABASE_URL"):
        path = settings.database_url.removeprefix("sqlite:///")
        if not os.path.exists(path):
            return None, "none: no local deployment (no DATABASE_URL, no database in the instance folder)", []
    try:
        from xborder import create_app
        from xborder.dossiers import pki
        from xborder.extensions import db

        app = create_app()
        with app.app_context():
            try:
                pem, _ = pki.verification_anchors()
                crls = pki.revocation_lists()
            finally:
                db.session.remove()
                db.engine.dispose()
    except Exception as exc:  # noqa: BLE001 — any failure to read the deployment means: no anchors from it
        return None, f"none: the local deployment's database cannot be read ({type(exc).__name__})", []
    if not pem:
        return None, "none: the local deployment has no CA yet", []
    return pem, f"the local deployment's ({settings.database_url.split('@')[-1]})", crls


@main.command()
@click.option("--today", default=None, help="Run as of this date (YYYY-MM-DD, China time); default today.")
def sweep(today: str | None) -> None:
    """Run the scheduled jobs once: expiry, overdue deadlines, reminders, extension windows, mail (for cron)."""
    import datetime as dt

    from xborder import create_app
    from xborder.sweep import sweep as run_sweep

    if today is not None:
        try:
            dt.date.fromisoformat(today)
        except ValueError:
            click.echo(_problem(422, "Invalid input", f"--today {today!r} is not a date YYYY-MM-DD", [
                {"path": "today", "code": "format", "message_en": "A date YYYY-MM-DD",
                 "message_zh": "须为 YYYY-MM-DD 日期"}]), err=True)
            sys.exit(2)
    with create_app().app_context():
        result = run_sweep(today)
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


@main.command()
@click.option("--burst", is_flag=True, help="Process what is queued, then stop.")
def worker(burst: bool) -> None:
    """Run an RQ worker (with the scheduler) on the configured Redis for xborder's queues."""
    from xborder import create_app
    from xborder.core.jobs import run_worker
    from xborder.sweep import schedule_next_sweep

    # A long-running worker keeps the periodic sweep going (each run schedules the next on rq's scheduler).
    sys.exit(run_worker(create_app(), burst=burst, on_start=schedule_next_sweep))


def _accounts_write(write) -> Any:
    """Run `write` (which creates rows) in the local deployment's database and commit it; a refusal is printed as
    a problem and exits 2, with nothing written."""
    from xborder import create_app
    from xborder.core.errors import ApiError
    from xborder.extensions import db

    app = create_app()
    with app.app_context():
        try:
            _migrate_quietly()  # the bootstrap is the first thing run on a fresh database
            result = write()
            db.session.commit()
            return result
        except ApiError as exc:
            db.session.rollback()
            click.echo(_problem(exc.status, "Invalid input" if exc.status == 422 else "Conflict", exc.detail,
                                exc.errors), err=True)
            sys.exit(2)
        finally:
            db.session.remove()
            db.engine.dispose()


def _migrate_quietly() -> None:
    """Bring the schema to its heads; Alembic's progress log is shown only if that fails (stderr carries the
    command's problem+json, which callers parse)."""
    import contextlib
    import io

    from flask_migrate import upgrade

    log = io.StringIO()
    try:
        # Alembic's env.py configures logging during the upgrade, so its handler writes to this stream.
        with contextlib.redirect_stderr(log):
            upgrade(revision="heads")
    except Exception:
        click.echo(log.getvalue(), err=True)
        raise


@main.group()
def orgs() -> None:
    """Organisations: create the provincial authority (and others) on a fresh deployment."""


@orgs.command("create")
@click.option("--kind", required=True, type=click.Choice(["enterprise", "assessor", "authority"]))
@click.option("--name", required=True)
@click.option("--uscc", required=True, help="Unified social credit code (18 characters, check character checked).")
@click.option("--province", required=True, help="GB/T 2260 province code, e.g. 310000.")
def orgs_create(kind: str, name: str, uscc: str, province: str) -> None:
    """Create an organisation (exit 2 when invalid or when it exists already)."""
    from xborder.accounts.onboarding import create_organisation

    org_id, shown = _accounts_write(lambda: _shown(create_organisation(kind=kind, name=name, uscc=uscc,
                                                                       province=province)))
    click.echo(f"organisation {org_id} created: {shown}")


def _shown(org) -> tuple[int, str]:
    return org.id, f"{org.name} ({org.uscc})"


@main.group()
def users() -> None:
    """Users: create the first admin and the provincial officials on a fresh deployment."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["enterprise", "assessor", "provincial_official", "admin"]))
@click.option("--org-uscc", required=True, help="The USCC of the user's organisation (made with `orgs create`).")
@click.option("--name", default="", help="The person's name as shown on pages (default: from the e-mail).")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin (one line).")
def users_create(email: str, role: str, org_uscc: str, name: str, password_stdin: bool) -> None:
    """Create a user in an organisation, the password read from stdin (exit 2 when invalid or when it exists)."""
    from xborder.accounts.onboarding import create_user

    if not password_stdin:
        click.echo(_problem(422, "Invalid input", "Give the password on stdin with --password-stdin"), err=True)
        sys.exit(2)
    password = sys.stdin.readline().rstrip("\r\n")
    user_id = _accounts_write(lambda: create_user(email=email, role=role, org_uscc=org_uscc, password=password,
                                                  name=name).id)
    click.echo(f"user {user_id} created: {email} ({role})")
