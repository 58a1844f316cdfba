"""Web forms for dossiers (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class VerifyForm(FlaskForm):
    """A dossier bundle to check."""

    bundle = FileField(_l("Dossier bundle (.zip)"), validators=[FileRequired(_l("Choose a dossier file to check."))])
