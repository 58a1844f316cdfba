"""API: the enterprise's data inventory — rows, imports with preview, exports, declarations from rows, flags."""

from __future__ import annotations

import io

from flask import request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from xborder.core.auth import api_user, token_required
from xborder.core.timeutil import china_today
from xborder.core.unit_of_work import after_commit, commit
from xborder.inventory import exports, links, operations, queries, tasks
from xborder.inventory.schemas import (
    CaseExportQuerySchema,
    CaseLinksSchema,
    DeclarationDraftSchema,
    DeclareSchema,
    DraftResultSchema,
    ExportQuerySchema,
    FlagListSchema,
    FlowPageSchema,
    ImportRunListSchema,
    ImportRunSchema,
    ImportUploadSchema,
    PageQuerySchema,
    RecipientListSchema,
    TemplateQuerySchema,
)

blp = Blueprint("inventory_api", __name__, url_prefix="/api/v1/inventory", description="Data inventory")


def _file_doc(*kinds: str) -> dict:
    def schema(kind: str) -> dict:
        return {"type": "object"} if kind == "json" else {"type": "string", "format": "binary"}

    return {"responses": {"200": {"description": "The file", "content": {
        exports.MIMETYPES[k].split(";")[0]: {"schema": schema(k)} for k in kinds}}}}


def _send(data: bytes, filename: str):
    kind = filename.rsplit(".", 1)[-1]
    return send_file(io.BytesIO(data), mimetype=exports.MIMETYPES[kind], as_attachment=True,
                     download_name=filename)


@blp.route("/flows")
class FlowsResource(MethodView):
    """The inventory's rows."""

    @token_required("enterprise")
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, FlowPageSchema)
    @blp.alt_response(403, description="Not an enterprise")
    def get(self, query):
        """A page of the organisation's outbound data flows, by entry key, with the inventory's revision."""
        return queries.flows_page(api_user().organisation_id, **query)


@blp.route("/recipients")
class RecipientsResource(MethodView):
    """The inventory's recipients."""

    @token_required("enterprise")
    @blp.response(200, RecipientListSchema)
    @blp.alt_response(403, description="Not an enterprise")
    def get(self):
        """Every recipient with its country, onward transfer and the legal documents in force with it."""
        return {"items": queries.recipients(api_user().organisation_id)}


@blp.route("/template")
class TemplateResource(MethodView):
    """The import template."""

    @token_required()
    @blp.arguments(TemplateQuerySchema, location="query")
    @blp.doc(**_file_doc("xlsx", "csv"))
    def get(self, query):
        """The empty template: XLSX with every sheet and a notes sheet, or one sheet as CSV."""
        return _send(*exports.export_template(query["format"], query.get("sheet")))


@blp.route("/export")
class ExportResource(MethodView):
    """The inventory as a file."""

    @token_required("enterprise")
    @blp.arguments(ExportQuerySchema, location="query")
    @blp.doc(**_file_doc("xlsx", "csv", "json"))
    @blp.alt_response(403, description="Not an enterprise")
    def get(self, query):
        """XLSX (every sheet), CSV (one sheet, flows by default) or JSON; the XLSX and CSV import back as they are."""
        user = api_user()
        return _send(*exports.export_inventory(user.organisation, query["format"], query.get("sheet")))


@blp.route("/exports/cases")
class CaseExportResource(MethodView):
    """Case lists as files."""

    @token_required()
    @blp.arguments(CaseExportQuerySchema, location="query")
    @blp.doc(**_file_doc("xlsx", "csv", "json"))
    @blp.alt_response(422, description="Unknown status")
    def get(self, query):
        """The cases the caller may see — the enterprise's own, the assessor's queue, the official's province."""
        return _send(*exports.export_cases(api_user(), query["format"], query.get("status")))


@blp.route("/imports")
class ImportsResource(MethodView):
    """Uploads of the inventory."""

    @token_required("enterprise")
    @blp.response(200, ImportRunListSchema)
    def get(self):
        """The organisation's latest uploads."""
        return {"items": queries.recent_runs(api_user().organisation_id)}

    @token_required("enterprise")
    @blp.arguments(ImportUploadSchema, location="form")
    @blp.response(202, ImportRunSchema, description="Queued: poll the run for progress and the preview")
    @blp.alt_response(403, description="Not an enterprise")
    @blp.alt_response(413, description="Too large")
    @blp.alt_response(422, description="No file, or not .xlsx/.csv")
    def post(self, form):
        """Upload .xlsx and/or .csv files (multipart field `file`, repeatable); a job validates every cell and
        previews what would change. Nothing changes until the run is applied."""
        user = api_user()
        files = []
        for upload in request.files.getlist("file"):
            try:
                files.append((upload.filename or "upload", upload.read()))
            finally:
                upload.close()
        run = operations.start_import(user, files, apply_when_valid=form["apply"])
        after_commit(tasks.start, tasks.preview_import, run.id)
        commit()
        return run


@blp.route("/imports/<int:run_id>")
class ImportResource(MethodView):
    """One upload."""

    @token_required("enterprise")
    @blp.response(200, ImportRunSchema)
    @blp.alt_response(404, description="No such upload of your organisation")
    def get(self, run_id: int):
        """Status, progress, every error (sheet, row, column, in zh and en) and the preview of changes."""
        return operations.get_run(api_user(), run_id)

    @token_required("enterprise")
    @blp.response(200, ImportRunSchema)
    @blp.alt_response(404, description="No such upload of your organisation")
    @blp.alt_response(422, description="Applied or applying")
    def delete(self, run_id: int):
        """Discard an upload that was not applied."""
        user = api_user()
        run = operations.discard(user, operations.get_run(user, run_id))
        commit()
        return run


@blp.route("/imports/<int:run_id>/apply")
class ApplyResource(MethodView):
    """Applying a previewed upload."""

    @token_required("enterprise")
    @blp.response(202, ImportRunSchema, description="Applying: poll the run")
    @blp.alt_response(404, description="No such upload of your organisation")
    @blp.alt_response(422, description="Not a previewed upload")
    def post(self, run_id: int):
        """Apply the previewed changes, all or nothing; `stale` if the inventory changed since the preview."""
        user = api_user()
        run = operations.request_apply(user, operations.get_run(user, run_id))
        after_commit(tasks.start, tasks.apply_import, run.id)
        commit()
        return run


@blp.route("/declarations/draft")
class DraftResource(MethodView):
    """A declaration drafted from rows."""

    @token_required("enterprise")
    @blp.arguments(DeclarationDraftSchema)
    @blp.response(200, DraftResultSchema)
    @blp.alt_response(422, description="Unknown rows")
    def post(self, body):
        """The declaration the rows add up to (spec/declaration.md), with its determination, to edit and declare."""
        return operations.draft_declaration(api_user(), body["entry_keys"], body["as_of"] or china_today(),
                                            body["exporter"])


@blp.route("/declarations")
class DeclareResource(MethodView):
    """A case from rows."""

    @token_required("enterprise")
    @blp.arguments(DeclareSchema)
    @blp.response(201, CaseLinksSchema, description="The new draft case's id and its links to the rows")
    @blp.alt_response(422, description="Unknown rows or an invalid declaration")
    def post(self, body):
        """Open a draft case from the rows (or from the edited draft) and keep which rows fed it."""
        user = api_user()
        case = operations.declare_from_inventory(user, body["entry_keys"], body["title"],
                                                 body["as_of"] or china_today(), body["exporter"],
                                                 body["declaration"])
        commit()
        return {"case_id": case.id, "flagged": False, "links": links.links_of(case.id)}


@blp.route("/cases/<int:case_id>")
class CaseLinksResource(MethodView):
    """The rows behind a case."""

    @token_required()
    @blp.response(200, CaseLinksSchema)
    @blp.alt_response(404, description="No such case visible to the caller")
    def get(self, case_id: int):
        """Which rows fed the case, as they were, and the re-declaration triggers the inventory set off since."""
        from xborder.cases import queries as case_queries

        case = case_queries.get_case(api_user(), case_id)
        rows = links.links_of(case.id)
        return {"case_id": case.id, "flagged": any(r.flags for r in rows), "links": rows}


@blp.route("/cases/<int:case_id>/acknowledge")
class AcknowledgeResource(MethodView):
    """Taking the inventory as it is now as the case's basis."""

    @token_required("enterprise")
    @blp.response(200, CaseLinksSchema)
    @blp.alt_response(404, description="No such case visible to the caller")
    def post(self, case_id: int):
        """Clear the case's flags and renew its snapshots (audited), e.g. once the declaration was updated."""
        from xborder.cases import queries as case_queries

        user = api_user()
        case = case_queries.get_case(user, case_id)
        rows = links.acknowledge(case, user)
        commit()
        return {"case_id": case.id, "flagged": False, "links": rows}


@blp.route("/flags")
class FlagsResource(MethodView):
    """Cases the inventory's changes may affect."""

    @token_required("enterprise")
    @blp.response(200, FlagListSchema)
    def get(self):
        """Every flagged row of the organisation's open cases, newest first."""
        return {"items": links.flagged(api_user().organisation_id)}
