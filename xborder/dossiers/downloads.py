"""What the API and the web page do for a dossier download: find or start the build, or hand over the ZIP and
record the download in the case's audit trail."""

from __future__ import annotations

import io

from flask import Response, send_file

from xborder.core import audit, database
from xborder.core.errors import NotFound
from xborder.core.unit_of_work import commit
from xborder.dossiers import builds, stages


def dossier_response(case, user, *, waiting) -> Response:
    """200 with the ZIP when the build is ready (audited), else what `waiting(build)` renders for a build under way."""
    database.will_write()  # a GET that writes (the build row, the audit entry): SQLite's write lock up front
    build = builds.request_build(case, user)
    if build is None:
        raise NotFound("No dossier yet: the enterprise signs stage 1 when it submits the case")
    if build.status != "ready":
        commit()  # the new build row is durable before its job starts (after_commit)
        build = builds.latest_build(case, build.build_key) or build
        if build.status != "ready":  # the embedded mode builds in-process, so it may be ready already
            return waiting(build)
    data = stages.blob(build.blob_sha256)
    audit.record(case, "dossier.downloaded", {"build_id": build.id, "sha256": build.blob_sha256, "bytes": len(data)},
                 user)
    commit()
    response = send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True,
                         download_name=f"dossier-{case.reference}.zip", etag=build.blob_sha256)
    response.headers["Cache-Control"] = "private, no-store"
    return response
