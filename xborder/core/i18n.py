"""Chinese first, English second: locale choice and the compiled message catalogues."""

from __future__ import annotations

import os
import pathlib
import tempfile
from types import SimpleNamespace

import flask_babel
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, g, request, session
from flask_login import current_user

from xborder.config import LOCALES

SOURCE = pathlib.Path(__file__).resolve().parents[1] / "translations"


def select_locale() -> str:
    """An explicit choice in this session wins, then the user's preference, then Chinese."""
    chosen = session.get("lang")
    if chosen in LOCALES:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in LOCALES:
        return current_user.locale
    # A ?lang= on a public page works without a session (links shared in English stay English).
    asked = request.args.get("lang")
    return asked if asked in LOCALES else "zh_CN"


def compile_catalogues(target: pathlib.Path) -> pathlib.Path:
    """Compile the .po files into `target` when missing or older, so no binary catalogue is committed."""
    for po_path in SOURCE.glob("*/LC_MESSAGES/messages.po"):
        mo_path = target / po_path.relative_to(SOURCE).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        # Several gunicorn workers may compile at once: each writes its own temporary file, then renames it over the
        # catalogue atomically (a shared temporary name let one worker rename away another's, which then failed).
        fd, tmp = tempfile.mkstemp(dir=mo_path.parent, prefix=mo_path.name + ".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                write_mo(fh, catalog)
            os.replace(tmp, mo_path)
        except BaseException:
            pathlib.Path(tmp).unlink(missing_ok=True)
            raise
    return target


def init_app(app: Flask) -> None:
    """Point Flask-Babel at the compiled catalogues and expose the locale to templates."""
    target = compile_catalogues(pathlib.Path(app.instance_path) / "translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(target)

    @app.before_request
    def _fresh_locale() -> None:
        # Flask-Babel caches the locale on the app context (`g._flask_babel`), which may span requests (tests, jobs);
        # a fresh context, as each request under the server has, has nothing to forget.
        if vars(g.get("_flask_babel") or SimpleNamespace()):
            flask_babel.refresh()

    @app.context_processor
    def _locale_context() -> dict[str, object]:
        locale = current_locale()
        return {"current_locale": locale, "html_lang": "zh-CN" if locale == "zh_CN" else "en"}


def current_locale() -> str:
    """The locale of this request as one of LOCALES."""
    locale = flask_babel.get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh_CN"
