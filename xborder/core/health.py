"""`GET /api/v1/health`: whether the database, Redis and the job queue work, for load balancers and operators."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from xborder.core.errors import is_unavailable
from xborder.extensions import db

blp = Blueprint("health_api", __name__, url_prefix="/api/v1", description="Service health")


class ComponentSchema(ma.Schema):
    """One dependency: `ok`, `unavailable`, or `not_configured`, with a short reason when not ok."""

    status = ma.fields.String(required=True, validate=ma.validate.OneOf(["ok", "unavailable", "not_configured"]))
    detail = ma.fields.String(allow_none=True)


class QueueSchema(ma.Schema):
    """Where jobs go now: `rq` (queued on Redis; `queued` jobs waiting) or `in_process` (run after the commit in
    the web server: the embedded default, or the fallback while Redis is unreachable)."""

    mode = ma.fields.String(required=True, validate=ma.validate.OneOf(["rq", "in_process"]))
    queued = ma.fields.Integer(allow_none=True)
    degraded = ma.fields.Boolean(required=True)


class HealthSchema(ma.Schema):
    """The service's health: `ok` when every configured dependency answers, `degraded` when only Redis does not
    (the API still answers and jobs run in-process), `unavailable` when the database does not (requests get 503)."""

    status = ma.fields.String(required=True, validate=ma.validate.OneOf(["ok", "degraded", "unavailable"]))
    database = ma.fields.Nested(ComponentSchema, required=True)
    redis = ma.fields.Nested(ComponentSchema, required=True)
    queue = ma.fields.Nested(QueueSchema, required=True)


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return (text.splitlines() or [type(error).__name__])[0][:200]


def database_health() -> dict:
    """Run `SELECT 1` on a pooled connection (the pool's checkout check replaces a dead one)."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        return {"status": "ok", "detail": None}
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        db.session.rollback()
        return {"status": "unavailable", "detail": _first_line(exc)}


def redis_health() -> tuple[dict, dict]:
    """PING Redis and count the jobs waiting on xborder's queue."""
    from xborder.core.jobs import QUEUE, redis_available, redis_connection

    url = current_app.config["XBORDER"].redis_url
    if not url:
        return {"status": "not_configured", "detail": None}, {"mode": "in_process", "queued": None, "degraded": False}
    ok, reason = redis_available(url)
    if not ok:
        return ({"status": "unavailable", "detail": reason},
                {"mode": "in_process", "queued": None, "degraded": True})
    from rq import Queue

    queued = Queue(QUEUE, connection=redis_connection(url)).count
    return {"status": "ok", "detail": None}, {"mode": "rq", "queued": queued, "degraded": False}


@blp.route("/health")
class HealthResource(MethodView):
    """Liveness and dependencies."""

    @blp.doc(security=[])
    @blp.response(200, HealthSchema, description="The database answers (Redis may be down: `degraded`)")
    @blp.alt_response(503, schema=HealthSchema, content_type="application/json",
                      description="The database does not answer; the same body says which part failed")
    def get(self):
        """The state of the database, Redis and the job queue; 503 while the database is unreachable."""
        database = database_health()
        redis, queue = redis_health()
        if database["status"] != "ok":
            status = "unavailable"
        elif redis["status"] == "unavailable":
            status = "degraded"
        else:
            status = "ok"
        body = {"status": status, "database": database, "redis": redis, "queue": queue}
        return body, (503 if status == "unavailable" else 200), {"Cache-Control": "no-store"}
