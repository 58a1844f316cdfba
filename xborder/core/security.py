"""Security defaults for every response and the abuse limits on signing in.

- Headers: a Content-Security-Policy without inline script or style, no sniffing, no framing, a strict referrer
  policy, and HSTS whenever the request arrived over TLS (directly or through a trusted proxy).
- The session cookie is HttpOnly, SameSite=Lax, and Secure whenever the request is served over TLS.
- Signing in (`POST /api/v1/auth/token` and `POST /login`) is limited per account (failed attempts) and per
  address (all attempts), in buckets shared by the API and the web form; 429 answers carry `Retry-After`.
  The counters live in Redis when `REDIS_URL` is set, else in the database, so several workers and app servers
  share them.
"""

from __future__ import annotations

import functools

from flask import Flask, Response, current_app, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix

from xborder.core import ratelimit_storage, request_limits

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"

limiter = Limiter(
    key_func=get_remote_address,
    headers_enabled=True,
    # A Redis outage must not lock everyone out: fall back to per-process counters and keep answering.
    swallow_errors=True,
    in_memory_fallback_enabled=True,
)


def _settings():
    return current_app.config["XBORDER"]


def _account_key() -> str:
    """The account a sign-in names (email, case-folded), from the JSON body or the form; else the address."""
    body = request.get_json(silent=True) if request.is_json else None
    email = body.get("email") if isinstance(body, dict) else request.form.get("email")
    if isinstance(email, str) and email.strip():
        return "account:" + email.strip().casefold()
    return "address:" + (get_remote_address() or "-")


def _failed(response: Response) -> bool:
    return response.status_code in (401, 422)


login_per_account = limiter.shared_limit(
    lambda: _settings().login_limit_account, scope="login-account", key_func=_account_key,
    methods=["POST"], deduct_when=_failed)
login_per_address = limiter.shared_limit(
    lambda: _settings().login_limit_address, scope="login-address", methods=["POST"])


def sign_in_limited(view):
    """Both sign-in limits on `view`, marked so that the limiter looks at this view's requests only."""
    view.sign_in_limited = True
    return login_per_address(login_per_account(view))


@limiter.request_filter
def _not_signing_in() -> bool:
    """Only signing in carries limits: every other request skips the limiter's per-request bookkeeping."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, request.method.lower(), None)
    return not getattr(view, "sign_in_limited", False)


class _TlsAwareSessions(SecureCookieSessionInterface):
    """Mark the session cookie Secure whenever the request came over TLS, even if not configured to."""

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        """Flask's, but a request without the cookie (every API call) gets its empty session without building the
        signing serializer it does not use."""
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def get_cookie_secure(self, app: Flask) -> bool:
        try:
            return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)
        except RuntimeError:  # outside a request
            return bool(app.config["SESSION_COOKIE_SECURE"])


def _add_headers(response: Response) -> Response:
    # What `headers.setdefault` did for each, in one pass over the response's headers: setdefault looked the name up
    # three times and raised and caught a KeyError for every header missing (all seven, on most responses).
    present = {name.lower() for name, _ in response.headers}
    for name, value in HEADERS.items():
        if name.lower() not in present:
            response.headers.add(name, value)
    if request.is_secure and "strict-transport-security" not in present:
        response.headers.add("Strict-Transport-Security", HSTS)
    return response


def init_app(app: Flask) -> None:
    """Install the headers, the cookie policy, the proxy trust and the limiter."""
    settings = app.config["XBORDER"]
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    app.session_interface = _TlsAwareSessions()
    app.after_request(_add_headers)
    request_limits.init_app(app)  # before the limiter, whose key function reads the body
    # One limiter per process (its storage is bound by the first app it meets); the limits themselves are read from
    # the current app's settings at each request.
    # Without Redis the counters are rows in the database (ratelimit_storage.py): per-process memory would let every
    # worker allow its own five wrong passwords.
    app.config.setdefault("RATELIMIT_STORAGE_URI",
                          settings.redis_url or f"{ratelimit_storage.SCHEME}://{settings.database_url}")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "xborder")
    limiter.init_app(app)
    _limit_signing_in_only(app)


_VIEW_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
SIGNING_IN = "xborder.signing_in"  # in app.extensions: (endpoint, method) -> whether it is a sign-in view


def _limit_signing_in_only(app: Flask) -> None:
    """Run the limiter's before- and after-request hooks for the sign-in views only.

    Their limits are the only ones: the limiter has no default or application limits, and a decorated view checks
    its own limits when it runs. For every other request the hooks only found that out: ~0.08 ms of Python per API
    request, 3% of the mixed load's (issue 20). Its teardown, which only clears its per-request context, stays.
    """
    before = app.before_request_funcs.setdefault(None, [])
    after = app.after_request_funcs.setdefault(None, [])
    checks = [i for i, hook in enumerate(before) if hook == limiter._check_request_limit]
    injects = [i for i, hook in enumerate(after)
               if isinstance(hook, functools.partial) and hook.args[:1] == (limiter,)]
    # Flask-Limiter's own registration (flask_limiter/_extension.py, `init_app`): one of each, once per app.
    assert len(checks) == 1 and len(injects) == 1, "Flask-Limiter registers its hooks differently"
    check, inject = before[checks[0]], after[injects[0]]

    # Whether a view is a sign-in view, per endpoint and method: the views do not change once the app serves. Only
    # the methods the views take are kept (a client may send any method name: the cache must not grow with them).
    signing_in: dict[tuple[str | None, str], bool] = app.extensions.setdefault(SIGNING_IN, {})

    def is_signing_in() -> bool:
        key = (request.endpoint, request.method)
        found = signing_in.get(key)
        if found is None:
            found = not _not_signing_in()
            if key[1] in _VIEW_METHODS:
                signing_in[key] = found
        return found

    @functools.wraps(check)
    def check_when_signing_in() -> None:
        if is_signing_in():
            check()

    @functools.wraps(inject)
    def inject_when_signing_in(response: Response) -> Response:
        return inject(response) if is_signing_in() else response  # type: ignore[return-value]

    before[checks[0]], after[injects[0]] = check_when_signing_in, inject_when_signing_in

