"""Web: the public verification page (no login) and the dossier download for the people who may see the case."""

from __future__ import annotations

import re

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from xborder.cases import queries
from xborder.dossiers.downloads import dossier_response
from xborder.dossiers.forms import VerifyForm
from xborder.dossiers.verify import verify_bundle

bp = Blueprint("dossiers", __name__)

_STAGE_CHECK = re.compile(r"stage (\d) (.+)")


def check_label(name: str) -> str:
    """A verification check's name in the page's language (names are fixed English phrases, some numbered)."""
    if name.startswith("file "):
        return _("File %(path)s", path=name[5:])
    if match := _STAGE_CHECK.fullmatch(name):
        part = {
            "manifest": _("manifest"), "files": _("signed files"), "chain": _("link to the previous stage"),
            "signature": _("signature"), "certificate chain": _("certificate issued by a trusted CA"),
            "certificate validity": _("certificate validity"), "signer and role": _("signer and role"),
            "revocation": _("revocation"),
        }.get(match.group(2), match.group(2))
        return _("Stage %(number)s: %(part)s", number=match.group(1), part=part)
    return {
        "archive": _("Archive"), "entry names": _("Entry names (no absolute paths or ..)"),
        "size limits": _("Size limits (zip bombs)"), "entries readable": _("Entries readable"),
        "manifest.json": _("Index manifest.json"), "manifest.json index": _("Index matches the archive"),
        "trust anchor": _("Trust anchor (CA)"), "revocation lists": _("Revocation lists"),
        "stages": _("Stages present"), "signature coverage": _("Every file signed"),
        "case summary": _("Case summary (unsigned)"),
    }.get(name, name)


@bp.route("/verify", methods=["GET", "POST"])
def verify_page():
    """Anyone may upload a bundle and see every check; nothing is stored."""
    form = VerifyForm()
    report = None
    filename = None
    if form.validate_on_submit():
        upload = form.bundle.data
        filename = upload.filename
        report = verify_bundle(upload.read())
    status = 400 if form.errors else 200
    return render_template("dossiers/verify.html", form=form, report=report, filename=filename,
                           check_label=check_label), status


def _waiting(build):
    return render_template("dossiers/building.html", build=build), 202


@bp.route("/cases/<int:case_id>/dossier")
@login_required
def download(case_id: int):
    """The case's dossier ZIP, or a page that follows the build's progress until it is ready."""
    # Not visible, or nothing signed yet: NotFound, rendered as the HTML error page for browsers.
    return dossier_response(queries.get_case(current_user, case_id), current_user, waiting=_waiting)
