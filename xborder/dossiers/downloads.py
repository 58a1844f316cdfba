"""What the API and the web page do for a dossier download: find or start the build, or hand over the ZIP and
record the download in the case's audit trail. The ZIP is streamed from the blob store a piece at a time (issue 16:
bundles carry the evidence files and may be large; no request holds one whole)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

from flask import Response, current_app, request

from xborder.core import audit, database
from xborder.core.errors import NotFound
from xborder.core.unit_of_work import commit
from xborder.dossiers import blobs, builds


def _attachment(name: str) -> dict[str, str]:
    """Content-Disposition's parameters for a file name, with the RFC 5987 form for a name that is not ASCII."""
    if name.isascii():
        return {"filename": name}
    return {"filename": name.encode("ascii", "ignore").decode() or "dossier.zip",
            "filename*": "UTF-8''" + quote(name, safe="!#$&+-.^_`|~")}


def _streamed(app, digest: str, count: int) -> Iterator[bytes]:
    for seq in range(count):
        # Each piece in an application context (and so a database session and transaction) of its own: the server
        # may send the body after the request's context is gone, or from another thread, and a slow client holds no
        # transaction or pooled connection between pieces.
        with app.app_context():
            data = blobs.piece(digest, seq)
        yield data


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
    digest = build.blob_sha256
    size = blobs.size_of(digest)
    audit.record(case, "dossier.downloaded", {"build_id": build.id, "sha256": digest, "bytes": size}, user)
    commit()
    if digest in request.if_none_match:  # the client holds these bytes already: the ETag is their SHA-256
        response = Response(status=304)
    else:
        response = Response(_streamed(current_app._get_current_object(), digest, blobs.piece_count(digest)),
                            mimetype="application/zip", direct_passthrough=True)
        response.content_length = size
        response.headers.set("Content-Disposition", "attachment", **_attachment(f"dossier-{case.reference}.zip"))
    response.set_etag(digest)
    response.headers["Cache-Control"] = "private, no-store"
    return response
