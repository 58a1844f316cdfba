"""API: cases, their declarations, self-assessment, evidence and audit trail."""

from __future__ import annotations

import dataclasses
import functools

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app, request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from xborder.cases import (
    evidence,
    extension,
    facts,
    keypoints,
    material_uploads,
    materials,
    operations,
    pia,
    presenters,
    queries,
)
from xborder.cases.models import DeclarationVersion, Evidence
from xborder.cases.models.status import ALL as ALL_STATUSES
from xborder.cases.schemas import (
    AuditTrailSchema,
    CaseCreateSchema,
    CaseDetailSchema,
    CaseListQuerySchema,
    CasePageSchema,
    DeclarationEditSchema,
    DeclarationHistorySchema,
    EvidenceListSchema,
    EvidenceSummarySchema,
    EvidenceUploadSchema,
    FactsEditSchema,
    FactsSchema,
    PiaRecordSchema,
    QuestionnaireSchema,
    ReviewSchema,
    RoundChangesSchema,
    SelfAssessmentSchema,
    StatusCountsSchema,
    TransitionSchema,
)
from xborder.core import audit
from xborder.core.auth import api_user, token_required
from xborder.core.errors import NotFound, Unprocessable, field_error
from xborder.core.unit_of_work import commit
from xborder.extensions import db

blp = Blueprint("cases_api", __name__, url_prefix="/api/v1", description="Cases")


_LIST_QUERY_BOUNDS = {"page": 100_000, "per_page": 100}  # CaseListQuerySchema's Range maxima (minimum 1)


def plain_list_query(args) -> dict | None:
    """CaseListQuerySchema's load of the list's query string when it is plainly valid (known names, each once, digits
    in range, a known status, a short cursor) — a dict built here, no schema; None for anything else, which webargs
    then parses and answers as before (tests/api/test_list_query.py holds the two equal)."""
    query: dict[str, object] = {"page": 1, "per_page": 20}
    for name, values in args.lists():
        if len(values) != 1:
            return None
        value = values[0]
        if name in _LIST_QUERY_BOUNDS:
            if not (value.isascii() and value.isdigit() and len(value) <= 6
                    and 1 <= int(value) <= _LIST_QUERY_BOUNDS[name]):
                return None
            query[name] = int(value)
        elif name == "status" and value in ALL_STATUSES:
            query[name] = value
        elif name == "after" and len(value) <= 200:
            query[name] = value
        else:
            return None
    return query


def _plain_query_first(view):
    """`@blp.arguments(CaseListQuerySchema, location="query")` (its OpenAPI parameters, its parse and 422) for what
    `plain_list_query` declines; the rest skips webargs' schema instance and parse (0.15 ms of a list, issue 20)."""
    parsed = blp.arguments(CaseListQuerySchema, location="query")(view)

    @functools.wraps(parsed)
    def wrapper(*args, **kwargs):
        query = plain_list_query(request.args)
        if query is None:
            return parsed(*args, **kwargs)
        return view(*args, query, **kwargs)

    return wrapper


@blp.route("/cases")
class CasesResource(MethodView):
    """The cases visible to the caller."""

    @token_required(reads_only=True)
    @_plain_query_first
    @blp.response(200, CasePageSchema)
    @blp.alt_response(401, description="No valid token")
    def get(self, query):
        """List the caller's visible cases, newest first, paginated; filter by `status`."""
        # A plain dict of CasePageSchema's shape, sent as it is (a Response skips the schema's dump; a test holds
        # the two equal): the list is the API's most frequent request (issue 20).
        return current_app.json.response(queries.list_case_summaries(api_user(), **query))

    @token_required("enterprise")
    @blp.arguments(CaseCreateSchema)
    @blp.response(201, CaseDetailSchema, description="The new draft case")
    @blp.alt_response(422, description="The declaration is invalid; `errors` lists each field")
    def post(self, body):
        """Open a draft case from a declaration; earlier cases of the exporter count toward its thresholds."""
        user = api_user()
        case = operations.create_case(user, body["title"], body["declaration"])
        commit(expire=False)
        # A new case has no evidence yet. The presenter's dict is sent as it is: it is CaseDetailSchema's dump of
        # itself (tests/api/test_case_detail_plain.py), so the dump was work for nothing on a hot path (issue 20).
        return current_app.json.response(presenters.case_detail(case, user, evidence=[])), 201


@blp.route("/cases/counts")
class CaseCountsResource(MethodView):
    """Tallies for the dashboards."""

    @token_required(reads_only=True)
    @blp.response(200, StatusCountsSchema)
    @blp.alt_response(401, description="No valid token")
    def get(self):
        """How many of the caller's visible cases are in each status."""
        counts = queries.count_by_status(api_user())
        return {"counts": counts, "total": sum(counts.values())}


@blp.route("/cases/<int:case_id>")
class CaseResource(MethodView):
    """One case."""

    @token_required()
    @blp.response(200, CaseDetailSchema, description="The case")
    @blp.alt_response(404, description="No such case visible to the caller")
    def get(self, case_id: int):
        """The case with its declaration, determination, key points, risk, deadlines and available actions."""
        user = api_user()
        return presenters.case_detail(queries.get_case(user, case_id), user)


@blp.route("/cases/<int:case_id>/declaration")
class DeclarationResource(MethodView):
    """The case's declaration and its versions."""

    @token_required("enterprise")
    @blp.arguments(DeclarationEditSchema)
    @blp.response(200, CaseDetailSchema, description="The case, re-determined")
    @blp.alt_response(409, description="Stale version")
    def put(self, body, case_id: int):
        """Replace the declaration of a draft (the earlier one is kept as a version) and re-determine."""
        user = api_user()
        case = queries.get_case(user, case_id)
        operations.update_declaration(user, case, body["version"], body["declaration"], body.get("title"))
        commit(expire=False)
        return presenters.case_detail(case, user)

    @token_required()
    @blp.response(200, DeclarationHistorySchema, description="Every declaration of the case, oldest first")
    def get(self, case_id: int):
        """Every version of the declaration with the determination made from it."""
        case = queries.get_case(api_user(), case_id)
        rows = db.session.scalars(sa.select(DeclarationVersion).where(DeclarationVersion.case_id == case.id)
                                  .order_by(DeclarationVersion.revision)).all()
        return {"versions": [{"revision": r.revision, "declaration": r.declaration,
                              "determination": r.determination, "created_by_id": r.created_by_id,
                              "created_at": r.created_at.isoformat()} for r in rows]}


@blp.route("/cases/<int:case_id>/facts")
class FactsResource(MethodView):
    """The case's transfer details (出境详情): what the templates need beside the declaration."""

    @token_required()
    @blp.response(200, FactsSchema, description="The transfer details, each transfer keyed by its index")
    @blp.alt_response(404, description="No such case visible to the caller")
    def get(self, case_id: int):
        """The data items, transfer method, storage abroad, export link, onward recipients, forecast, …"""
        case = queries.get_case(api_user(), case_id)
        return {"version": case.version, "facts": facts.view(case)}

    @token_required("enterprise")
    @blp.arguments(FactsEditSchema)
    @blp.response(200, FactsSchema, description="The transfer details as saved")
    @blp.alt_response(403, description="Not the exporter of this case")
    @blp.alt_response(409, description="Stale version")
    @blp.alt_response(422, description="A field breaks a bound, a transfer index is outside the declaration, or "
                                       "the case is not editable in its status")
    def put(self, body, case_id: int):
        """Replace the transfer details of a draft or a case sent back (the documents of the next submit carry
        them)."""
        user = api_user()
        case = queries.get_case(user, case_id)
        operations.save_facts(user, case, body["version"], body["facts"])
        commit(expire=False)
        return {"version": case.version, "facts": facts.view(case)}


@blp.route("/cases/<int:case_id>/pia-record")
class PiaRecordResource(MethodView):
    """The enterprise's record of its PI protection impact assessment (pipl art 55(4), art 56)."""

    @token_required("enterprise")
    @blp.arguments(PiaRecordSchema)
    @blp.response(200, CaseDetailSchema, description="The case, with `pia` and its retention date")
    @blp.alt_response(422, description="A field is invalid (`errors` lists each), or the case has no PIA duty")
    def post(self, body, case_id: int):
        """Record (or replace) the PIA: completion date, who carried it out, the conclusion; audited."""
        user = api_user()
        case = queries.get_case(user, case_id)
        pia.record(user, case, body)
        commit(expire=False)
        return presenters.case_detail(case, user)


@blp.route("/cases/<int:case_id>/self-assessment")
class SelfAssessmentResource(MethodView):
    """The enterprise's answers, key point by key point."""

    @token_required("enterprise")
    @blp.arguments(SelfAssessmentSchema)
    @blp.response(200, CaseDetailSchema, description="The case with the new answers and risk")
    @blp.alt_response(409, description="Stale version")
    @blp.alt_response(422, description="An answer breaks a rule")
    def put(self, body, case_id: int):
        """Save answers (merged by key point into a new revision) and recompute the risk."""
        user = api_user()
        case = queries.get_case(user, case_id)
        operations.save_answers(user, case, body["version"], body["answers"])
        commit(expire=False)
        return presenters.case_detail(case, user)

    @token_required()
    @blp.response(200, QuestionnaireSchema,
                  description="The applicable key points with their questions and help")
    def get(self, case_id: int):
        """The questionnaire: applicable key points, questions, evidence hints, and the current answers."""
        case = queries.get_case(api_user(), case_id)
        return {"version": case.version, "key_points": keypoints.applicable_key_points(case),
                "answers": case.answers or []}


def _uploaded_file() -> tuple[str, bytes]:
    """The multipart field `file` of an evidence or material upload: its name and at most one byte over the limit
    (the operation refuses what is too large)."""
    upload = request.files.get("file")
    if upload is None:
        raise Unprocessable("No file", [field_error("file", "required", "Send the file as multipart field 'file'",
                                                    "请以 multipart 字段 file 上传文件")])
    try:
        return upload.filename or "file", upload.read(evidence.MAX_EVIDENCE_BYTES + 1)
    finally:
        upload.close()  # close the spooled temporary file whatever the outcome


@blp.route("/cases/<int:case_id>/evidence")
class EvidenceListResource(MethodView):
    """Evidence attached to the case."""

    @token_required()
    @blp.response(200, EvidenceListSchema, description="The case's evidence, without the bytes")
    def get(self, case_id: int):
        """List the evidence (name, detected type, size, SHA-256, key point)."""
        return {"items": evidence.evidence_list(queries.get_case(api_user(), case_id))}

    @token_required("enterprise")
    @blp.arguments(EvidenceUploadSchema, location="form")
    @blp.response(201, EvidenceSummarySchema, description="The stored evidence")
    @blp.alt_response(413, description="Too large")
    @blp.alt_response(422, description="Empty, unknown key point, or a type that is not accepted")
    def post(self, form, case_id: int):
        """Upload a file (multipart field `file`), optionally for a key point."""
        user = api_user()
        case = queries.get_case(user, case_id)
        filename, data = _uploaded_file()
        row = evidence.add_evidence(user, case, filename, data, form.get("key_point"))
        commit()
        return evidence.evidence_summary(row)


@blp.route("/cases/<int:case_id>/evidence/<int:evidence_id>")
class EvidenceResource(MethodView):
    """One evidence file."""

    @token_required()
    @blp.doc(responses={"200": {"description": "The file's bytes, with the type detected at upload", "content": {
        kind: {"schema": {"type": "string", "format": "binary"}} for kind in sorted(evidence.ALLOWED_TYPES)}}})
    def get(self, case_id: int, evidence_id: int):
        """Download the file as uploaded."""
        case = queries.get_case(api_user(), case_id)
        row = db.session.scalar(sa.select(Evidence).where(Evidence.id == evidence_id, Evidence.case_id == case.id))
        if row is None:
            raise NotFound("No such evidence in this case")
        import io

        return send_file(io.BytesIO(row.data), mimetype=row.content_type, as_attachment=True,
                         download_name=row.filename, etag=row.sha256)


class MaterialUploadSchema(ma.Schema):
    """A filing material: its kind (forms/materials) beside the multipart `file`."""

    kind = ma.fields.String(required=True, validate=ma.validate.Length(max=40))


class MaterialItemSchema(ma.Schema):
    """An attached filing material, without its bytes."""

    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    filename = ma.fields.String(required=True)
    sha256 = ma.fields.String(required=True)
    bytes = ma.fields.Integer(required=True)


class MaterialRequiredSchema(ma.Schema):
    """A material the case's pathway and mechanism require, and whether it is attached."""

    kind = ma.fields.String(required=True)
    title_zh = ma.fields.String(required=True)
    title_en = ma.fields.String(required=True)
    present = ma.fields.Boolean(required=True)
    routes = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "The routes that file it: before the standard-contract band's route is chosen at submit, both "
                       "routes' materials are listed, each with its routes; afterwards, the chosen route's"})


class MaterialsSchema(ma.Schema):
    """The filing materials of a case: required and attached."""

    required = ma.fields.List(ma.fields.Nested(MaterialRequiredSchema), required=True)
    items = ma.fields.List(ma.fields.Nested(MaterialItemSchema), required=True)


@blp.route("/cases/<int:case_id>/materials")
class MaterialsResource(MethodView):
    """The filing materials (申报材料 / 备案材料) of the case."""

    @token_required()
    @blp.response(200, MaterialsSchema)
    def get(self, case_id: int):
        """The materials the case's mechanism requires (with `present`) and those attached."""
        return materials.report(queries.get_case(api_user(), case_id))

    @token_required("enterprise")
    @blp.arguments(MaterialUploadSchema, location="form")
    @blp.response(201, MaterialItemSchema, description="The stored material")
    @blp.alt_response(413, description="Too large")
    @blp.alt_response(422, description="Unknown kind, empty, or a type that is not accepted")
    def post(self, form, case_id: int):
        """Attach a material: multipart `kind` and `file`, while the exporter may edit the case."""
        user = api_user()
        case = queries.get_case(user, case_id)
        filename, data = _uploaded_file()
        row = material_uploads.add_material(user, case, form["kind"], filename, data)
        commit()
        return materials.item(row)


@blp.route("/cases/<int:case_id>/audit")
class AuditResource(MethodView):
    """The case's audit trail."""

    @token_required()
    @blp.response(200, AuditTrailSchema)
    def get(self, case_id: int):
        """Every recorded change, oldest first, with `hash` and `prev_hash`, and the chain's check."""
        case = queries.get_case(api_user(), case_id)
        entries = db.session.scalars(sa.select(audit.AuditEntry).where(audit.AuditEntry.case_id == case.id)
                                     .order_by(audit.AuditEntry.seq)).all()
        return {"entries": entries, "chain": dataclasses.asdict(audit.verify_chain(case.id))}


#: An instance, not the class: given a class, webargs builds a schema per request, copying every action's fields
#: (~0.4 ms a transition, issue 20). `load` keeps no state on it; the OpenAPI document is the same.
_TRANSITION_BODY = TransitionSchema()


@blp.route("/cases/<int:case_id>/transitions")
class TransitionResource(MethodView):
    """Workflow actions."""

    @token_required()
    @blp.arguments(_TRANSITION_BODY)
    @blp.response(200, CaseDetailSchema, description="The case after the action")
    @blp.alt_response(403, description="Your role does not take this action")
    @blp.alt_response(409, description="Stale version")
    @blp.alt_response(422, description="Not possible in this status, or a precondition is unmet")
    def post(self, body, case_id: int):
        """Take a workflow action (see workflow.md): submit, request_rectification, sign_opinion, record_filing …"""
        from xborder.cases import workflow

        user = api_user()
        # The case and its evidence in one round trip; no transition adds evidence, so the answer shows what was read.
        case, shown = queries.get_case_with_evidence(user, case_id)
        workflow.transition(case, user, body["action"], body)
        commit(expire=False)
        return current_app.json.response(presenters.case_detail(case, user, evidence=shown))  # no dump needed


@blp.route("/cases/<int:case_id>/review")
class ReviewResource(MethodView):
    """The assessor's findings."""

    @token_required("assessor")
    @blp.arguments(ReviewSchema)
    @blp.response(200, CaseDetailSchema, description="The case with the findings and re-scored risk")
    @blp.alt_response(409, description="Stale version")
    def put(self, body, case_id: int):
        """Record findings per key point; impact/likelihood overrides need a written justification."""
        user = api_user()
        case = queries.get_case(user, case_id)
        operations.save_review(user, case, body["version"], body["reviews"])
        commit(expire=False)
        return presenters.case_detail(case, user)


@blp.route("/cases/<int:case_id>/changes")
class ChangesResource(MethodView):
    """What changed in the last round of rectification or supplement."""

    @token_required()
    @blp.response(200, RoundChangesSchema,
                  description="`round` (what was asked, revisions compared), `answers` and `declaration` "
                  "differences; `round` is null before any request")
    @blp.alt_response(404, description="No such case visible to the caller")
    def get(self, case_id: int):
        """The answers and declaration at the request against those resubmitted (or current, while it is open)."""
        from xborder.cases.changes import round_changes

        return round_changes(queries.get_case(api_user(), case_id))


@blp.route("/cases/<int:case_id>/extension-check")
class ExtensionCheckResource(MethodView):
    """The extension check of an approved case (cbdf-2024 art 9; six conditions, forms/extension.yaml)."""

    @token_required()
    @blp.response(200, extension.ExtensionStateSchema)
    @blp.alt_response(404, description="No such case visible to the caller")
    def get(self, case_id: int):
        """The questions, the extension window, whether it is open today, and the last check for this period."""
        return extension.state(queries.get_case(api_user(), case_id))

    @token_required("enterprise")
    @blp.arguments(extension.ExtensionCheckSchema)
    @blp.response(200, extension.ExtensionStateSchema, description="The state with the new check")
    @blp.alt_response(409, description="Stale version")
    @blp.alt_response(422, description="Not approved, outside the window, or an answer breaks a rule")
    def put(self, body, case_id: int):
        """Answer the six conditions: `may_apply` (the official may then `record_extension`) or `declare_anew`
        with the failed conditions."""
        user = api_user()
        case = queries.get_case(user, case_id)
        extension.answer_extension_check(user, case, body["version"], body["answers"])
        commit(expire=False)
        return extension.state(case)
