"""Web forms for dossiers (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import Length


class VerifyForm(FlaskForm):
    """A dossier bundle to check."""

    bundle = FileField(_l("Dossier bundle (.zip)"), validators=[FileRequired(_l("Choose a dossier file to check."))])


class TrustAnchorForm(FlaskForm):
    """Another CA's certificate to trust: pasted PEM (checked by dossiers.pki.add_external_ca)."""

    certificate = TextAreaField(_l("CA certificate (PEM)"), validators=[Length(max=20_000)])
