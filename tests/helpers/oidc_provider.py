"""A real, minimal OpenID Connect provider for the single sign-on tests: discovery, JWKS, an authorization endpoint
that approves a configured person at once, and a token endpoint that checks the client's secret and the PKCE
verifier and issues an RS256 ID token. It listens on a free local port in a thread, so xborder reaches it over HTTP
exactly as it would a real identity provider."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import secrets
import threading
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "xborder-test"
CLIENT_SECRET = "test-client-secret-0123456789"


def new_key(kid: str = "provider-key") -> RSAKey:
    """A fresh RSA signing key with this key id."""
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


class Provider:
    """The provider; set `person` (the ID token's claims about who signs in) before each sign-in."""

    def __init__(self) -> None:
        self.published_key = new_key()
        self.signing_key = self.published_key  # a test may sign with another key than the published one
        self.person: dict = {}
        self._codes: dict[str, dict] = {}
        self._server = make_server("127.0.0.1", 0, self._app(), threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop listening."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _app(self) -> Flask:
        app = Flask("oidc_provider")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify({
                "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"]})

        @app.get("/jwks")
        def jwks():
            return jsonify({"keys": [self.published_key.as_dict(private=False)]})

        @app.get("/authorize")
        def authorize():
            args = request.args
            if (args.get("client_id") != CLIENT_ID or args.get("response_type") != "code"
                    or args.get("code_challenge_method") != "S256" or not args.get("code_challenge")
                    or "openid" not in args.get("scope", "").split()):
                abort(400)
            code = secrets.token_urlsafe(16)
            self._codes[code] = {"nonce": args.get("nonce"), "challenge": args["code_challenge"],
                                 "redirect_uri": args["redirect_uri"], "person": dict(self.person)}
            return redirect(f"{args['redirect_uri']}?{urlencode({'code': code, 'state': args.get('state', '')})}")

        @app.post("/token")
        def token():
            auth = request.authorization
            if auth is None or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET):
                return jsonify({"error": "invalid_client"}), 401
            grant = self._codes.pop(request.form.get("code", ""), None)  # each code once
            verifier = request.form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if (grant is None or request.form.get("grant_type") != "authorization_code"
                    or request.form.get("redirect_uri") != grant["redirect_uri"] or challenge != grant["challenge"]):
                return jsonify({"error": "invalid_grant"}), 400
            now = int(time.time())
            claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "auth_time": now,
                      "nonce": grant["nonce"], "sub": grant["person"].get("email", "someone"), **grant["person"]}
            id_token = jwt.encode({"alg": "RS256", "kid": self.signing_key.kid}, claims, self.signing_key)
            return jsonify({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300,
                            "id_token": id_token})

        return app


@contextlib.contextmanager
def configured(app, provider: Provider, name: str | None = "测试统一身份认证"):
    """Single sign-on turned on against `provider` while inside (the app's settings as XBORDER_OIDC_* would set)."""
    settings = app.config["XBORDER"]
    app.config["XBORDER"] = dataclasses.replace(settings, oidc_issuer=provider.issuer, oidc_client_id=CLIENT_ID,
                                                oidc_client_secret=CLIENT_SECRET, oidc_name=name)
    provider.signing_key = provider.published_key
    try:
        yield provider
    finally:
        app.config["XBORDER"] = settings


def to_provider(client, **query):
    """Start at xborder and go, as the browser would, to the provider, which approves and redirects back: the
    callback URL (split)."""
    import requests

    start = client.get("/auth/oidc/login", query_string=query)
    issuer = client.application.config["XBORDER"].oidc_issuer
    assert start.status_code == 302 and start.headers["Location"].startswith(f"{issuer}/authorize?")
    sent = dict(parse_qsl(urlsplit(start.headers["Location"]).query))
    assert sent["code_challenge_method"] == "S256" and sent["nonce"] and sent["state"]
    answer = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/auth/oidc/callback"
    return back


def sign_in(client, **query):
    """The whole single sign-on round trip: xborder's answer to the provider's redirect back."""
    back = to_provider(client, **query)
    return client.get(f"{back.path}?{back.query}")
