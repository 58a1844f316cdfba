"""Web: the public verification page (no login) and the dossier download for the people who may see the case."""

from __future__ import annotations

import re

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from xborder.cases import queries
from xborder.dossiers import pki
from xborder.dossiers.downloads import dossier_response
from xborder.dossiers.forms import VerifyForm
from xborder.dossiers.verify import NO_CA, OTHER_CA, TRUSTED, Report, verify_bundle

bp = Blueprint("dossiers", __name__)

_STAGE_CHECK = re.compile(r"stage (\d)(?: revision (\d+))? (.+)")
# Who signed a stage, as a stale sign-off's sentence names them.
_ROLE = {"enterprise": _l("the enterprise"), "assessor": _l("the assessor"),
         "provincial_official": _l("the provincial authority")}


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
            "covers": _("revision of the enterprise's stage covered"),
        }.get(match.group(3), match.group(3))
        if match.group(2):
            return _("Stage %(number)s, revision %(revision)s: %(part)s", number=match.group(1),
                     revision=match.group(2), part=part)
        return _("Stage %(number)s: %(part)s", number=match.group(1), part=part)
    return {
        "archive": _("Archive"), "entry names": _("Entry names (no absolute paths or ..)"),
        "size limits": _("Size limits (zip bombs)"), "entries readable": _("Entries readable"),
        "manifest.json": _("Index manifest.json"), "manifest.json index": _("Index matches the archive"),
        "trust anchor": _("Trust anchor (CA)"), "revocation lists": _("Revocation lists"),
        "stages": _("Stages present"), "signature coverage": _("Every file signed"),
        "archive bounds": _("Nothing before or after the ZIP"),
        "case summary": _("Case summary matches the signed stages"),
    }.get(name, name)


def trust_verdict(report: Report, deployment_sha256: str | None) -> dict[str, str] | None:
    """Say in the page's language under which CA the bundle was signed: this deployment's, another CA this
    deployment trusts, another CA it does not trust, or none (dossier.md: trust comes from outside the bundle)."""
    if not report.readable:
        return None
    names = _("; ").join(report.signed_under.values()) if report.signed_under else ""
    if report.trust == TRUSTED and set(report.signed_under) <= {deployment_sha256}:
        return {"kind": "deployment", "text": _("Every stage was signed under this deployment's CA.")}
    if report.trust == TRUSTED:
        return {"kind": "trusted", "text": _("Every stage was signed under a CA this deployment trusts: %(names)s.",
                                             names=names)}
    if report.trust == OTHER_CA:
        return {"kind": "other", "text": _(
            "This bundle was signed under another CA (%(names)s), not this deployment's CA, and this deployment "
            "does not trust it: however consistent it is inside, it is not valid.", names=names)}
    if report.trust == NO_CA:
        return {"kind": "none", "text": _("No CA vouches for the signers' certificates: the signatures cannot be "
                                          "trusted.")}
    return None


def stale_notes(stale: list[dict]) -> list[str]:
    """One sentence per stale sign-off (a later stage that covered an older revision of the enterprise's stage)."""
    notes = []
    for item in stale:
        notes.append(_("Stage %(stage)s (%(role)s) covered revision %(revision)s of the enterprise's submission; "
                       "the enterprise has since signed revision %(newest)s: a stale sign-off.",
                       stage=item["stage"], role=_ROLE.get(item["role"], item["role"]), revision=item["revision"],
                       newest=item["newest"]))
    return notes


@bp.app_template_global()
def dossier_signoffs(case) -> list[str]:
    """For the case page: the stale sign-offs of the case's dossier, as sentences (none when all are current)."""
    from xborder.dossiers.stages import revision_report

    revisions = revision_report(case.id)
    return stale_notes([{**item, "newest": revisions["newest"]} for item in revisions["stale"]])


@bp.route("/verify", methods=["GET", "POST"])
def verify_page():
    """Anyone may upload a bundle and see every check against this deployment's anchors; nothing is stored."""
    form = VerifyForm()
    report = verdict = None
    filename = None
    notes: list[str] = []
    if form.validate_on_submit():
        upload = form.bundle.data
        filename = upload.filename
        # Never the bundle's own certs/ca.pem: a forger ships his own CA with his bundle.
        anchors_pem, deployment_sha256 = pki.verification_anchors()
        try:
            data = upload.read()
        finally:
            upload.close()  # a bundle over 500 KB is spooled to a temporary file: close it now, not at GC
        report = verify_bundle(data, ca_pem=anchors_pem, crls=pki.revocation_lists())
        verdict = trust_verdict(report, deployment_sha256)
        notes = stale_notes(report.stale)
    status = 400 if form.errors else 200
    return render_template("dossiers/verify.html", form=form, report=report, filename=filename, verdict=verdict,
                           stale=notes, check_label=check_label), status


def _waiting(build):
    return render_template("dossiers/building.html", build=build), 202


@bp.route("/cases/<int:case_id>/dossier")
@login_required
def download(case_id: int):
    """The case's dossier ZIP, or a page that follows the build's progress until it is ready."""
    # Not visible, or nothing signed yet: NotFound, rendered as the HTML error page for browsers.
    return dossier_response(queries.get_case(current_user, case_id), current_user, waiting=_waiting)
