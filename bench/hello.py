"""Hello-world baseline for the HTTP benchmark: `POST /api/v1/assess` on bare Flask, without the engine.

Same framework and server settings as the real API, so the difference `bench/assess.py` reports is what xborder adds
(extensions, hooks, schema layer and the engine). Serve it with `gunicorn bench.hello:app` from the repository root.
"""

from __future__ import annotations

from flask import Flask, request

app = Flask(__name__)


@app.post("/api/v1/assess")
def assess() -> dict[str, object]:
    """Parse the JSON body as the real endpoint does and answer a small JSON document."""
    body = request.get_json(force=True)
    return {"pathway": "hello", "transfers": len(body.get("transfers", ())) if isinstance(body, dict) else 0}
