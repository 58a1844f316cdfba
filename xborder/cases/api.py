"""API: cases."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from xborder.cases import queries
from xborder.cases.schemas import CaseListQuerySchema, CasePageSchema
from xborder.core.auth import api_user, token_required

blp = Blueprint("cases_api", __name__, url_prefix="/api/v1", description="Cases")


@blp.route("/cases")
class CasesResource(MethodView):
    """The cases visible to the caller."""

    @token_required()
    @blp.arguments(CaseListQuerySchema, location="query")
    @blp.response(200, CasePageSchema)
    @blp.alt_response(401, description="No valid token")
    def get(self, query):
        """List the caller's visible cases, newest first, paginated; filter by `status`."""
        return queries.list_cases(api_user(), **query)
