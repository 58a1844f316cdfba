"""Typed settings read from the environment, with defaults that run the embedded mode (SQLite, in-process jobs)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pathlib
import secrets
import tempfile
from collections.abc import Mapping

from xborder.core import jsoncodec

LOCALES = ("zh_CN", "en")


class ConfigError(Exception):
    """A configuration value is unusable; the message says which variable and why."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything xborder reads from its environment, validated once at start."""

    instance_path: pathlib.Path
    database_url: str
    redis_url: str | None
    secret_key: str
    key_passphrase: bytes
    token_ttl_hours: int
    max_content_length: int
    session_hours: int
    login_limit_account: str = "5 per minute; 20 per hour"
    login_limit_address: str = "30 per minute; 300 per hour"
    trusted_proxies: int = 0
    # Mail for notifications: sent only when SMTP_HOST is set, always from a job, never inside a request.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "xborder@localhost"
    # Reminders go out this many working days before a deadline falls due (XBORDER_REMINDER_DAYS="5,1").
    reminder_days: tuple[int, ...] = (5, 1)
    # How often the scheduled sweep (reminders, overdue, expiry, extension windows) runs.
    sweep_minutes: int = 60
    # How long a response kept for an Idempotency-Key is replayed; the sweep deletes older ones.
    idempotency_hours: int = 24
    # Inventory imports stop reading at these limits, saying so in the run's last error (reading.Limits).
    import_max_rows: int = 100_000
    import_max_cells: int = 2_000_000
    import_max_errors: int = 1_000
    # A run still queued, validating or applying this long after it started lost its worker; the sweep recovers it.
    import_stuck_minutes: int = 30
    # Roles that must sign in with a second factor (TOTP); empty turns the requirement off (the demo does).
    mfa_required_roles: tuple[str, ...] = ("provincial_official", "admin")
    # How long a password-reset link works (it works once).
    password_reset_minutes: int = 60
    # An operational estimate, not law (no verified figure exists for the third-party review): the working days a
    # review is assumed to take when xborder has no signed case to take a median from (xborder.cases.review_estimate).
    review_estimate_days: int = 15
    # Working days xborder assumes between the signed opinion and the filing being with the provincial authority.
    # In xborder the signature hands the materials over the same day (sign_opinion), hence 0.
    filing_handover_days: int = 0
    # Single sign-on with OpenID Connect (accounts/oidc.py): off unless the issuer, client id and secret are all set.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_name: str | None = None

    @property
    def oidc_enabled(self) -> bool:
        """True when single sign-on with OpenID Connect is configured."""
        return self.oidc_issuer is not None

    @property
    def embedded(self) -> bool:
        """True when running on the SQLite file with in-process jobs."""
        return self.database_url.startswith("sqlite")


def _secret_from_file(path: pathlib.Path) -> str:
    """Read a generated secret, creating it (mode 0600) on first start so nothing secret lives in the repo."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Several gunicorn workers may start at once: each writes a whole secret to its own file (mkstemp: 0600) and
        # links it into place, which never replaces — the first one wins and nobody can read a half-written file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
    return value


def _normalise_database_url(url: str) -> str:
    # SQLAlchemy wants an explicit driver for psycopg 3; accept the common postgres:// spellings.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_settings(env: Mapping[str, str] | None = None, default_instance: pathlib.Path | None = None) -> Settings:
    """Build the settings from `env` (default: the process environment), failing fast with a clear message."""
    env = os.environ if env is None else env
    instance = pathlib.Path(env.get("XBORDER_INSTANCE_PATH") or default_instance or "instance").resolve()

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'xborder.sqlite3'}"
    database_url = _normalise_database_url(database_url)
    if not database_url.startswith(("sqlite:", "postgresql+psycopg:")):
        raise ConfigError(f"DATABASE_URL={database_url!r}: use sqlite:///PATH or postgresql://USER@HOST/DB")

    redis_url = env.get("REDIS_URL") or None
    if redis_url is not None and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"REDIS_URL={redis_url!r}: use redis://HOST:PORT/DB")

    secret_key = env.get("XBORDER_SECRET_KEY") or _secret_from_file(instance / "secret_key")
    if len(secret_key) < 16:
        raise ConfigError("XBORDER_SECRET_KEY must be at least 16 characters")
    passphrase = env.get("XBORDER_KEY_PASSPHRASE") or _secret_from_file(instance / "key_passphrase")
    if len(passphrase) < 16:
        raise ConfigError("XBORDER_KEY_PASSPHRASE must be at least 16 characters")

    return Settings(
        instance_path=instance,
        database_url=database_url,
        redis_url=redis_url,
        secret_key=secret_key,
        key_passphrase=passphrase.encode(),
        token_ttl_hours=_int(env, "XBORDER_TOKEN_TTL_HOURS", 12),
        max_content_length=_int(env, "XBORDER_MAX_CONTENT_LENGTH", 16 * 1024 * 1024, minimum=1024),
        session_hours=_int(env, "XBORDER_SESSION_HOURS", 8),
        login_limit_account=_limits(env, "XBORDER_LOGIN_LIMIT_ACCOUNT", "5 per minute; 20 per hour"),
        login_limit_address=_limits(env, "XBORDER_LOGIN_LIMIT_ADDRESS", "30 per minute; 300 per hour"),
        trusted_proxies=_int(env, "XBORDER_TRUSTED_PROXIES", 0, minimum=0),
        smtp_host=env.get("SMTP_HOST") or None,
        smtp_port=_int(env, "SMTP_PORT", 25),
        smtp_user=env.get("SMTP_USER") or None,
        smtp_password=env.get("SMTP_PASSWORD") or None,
        smtp_from=env.get("SMTP_FROM") or "xborder@localhost",
        reminder_days=_days(env, "XBORDER_REMINDER_DAYS", (5, 1)),
        sweep_minutes=_int(env, "XBORDER_SWEEP_MINUTES", 60),
        idempotency_hours=_int(env, "XBORDER_IDEMPOTENCY_HOURS", 24),
        import_max_rows=_int(env, "XBORDER_IMPORT_MAX_ROWS", 100_000),
        import_max_cells=_int(env, "XBORDER_IMPORT_MAX_CELLS", 2_000_000),
        import_max_errors=_int(env, "XBORDER_IMPORT_MAX_ERRORS", 1_000),
        import_stuck_minutes=_int(env, "XBORDER_IMPORT_STUCK_MINUTES", 30),
        mfa_required_roles=_roles(env, "XBORDER_MFA_REQUIRED_ROLES", ("provincial_official", "admin")),
        password_reset_minutes=_int(env, "XBORDER_PASSWORD_RESET_MINUTES", 60),
        review_estimate_days=_int(env, "XBORDER_REVIEW_ESTIMATE_DAYS", 15),
        filing_handover_days=_int(env, "XBORDER_FILING_HANDOVER_DAYS", 0, minimum=0),
        **_oidc(env),
    )


def _oidc(env: Mapping[str, str]) -> dict[str, str | None]:
    """The single sign-on settings: all of issuer, client id and secret, or none of them (the feature is off)."""
    names = ("XBORDER_OIDC_ISSUER", "XBORDER_OIDC_CLIENT_ID", "XBORDER_OIDC_CLIENT_SECRET")
    values = [(env.get(name) or "").strip() or None for name in names]
    display = (env.get("XBORDER_OIDC_NAME") or "").strip() or None
    if not any(values):
        return {"oidc_name": display}
    missing = [name for name, value in zip(names, values, strict=True) if value is None]
    if missing:
        raise ConfigError(f"Single sign-on needs {', '.join(names)} together; missing {', '.join(missing)}")
    issuer = str(values[0]).rstrip("/")
    if not issuer.startswith(("https://", "http://")):
        raise ConfigError(f"XBORDER_OIDC_ISSUER={issuer!r}: use the identity provider's https:// issuer URL")
    return {"oidc_issuer": issuer, "oidc_client_id": values[1], "oidc_client_secret": values[2],
            "oidc_name": display}


def _roles(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated list of roles; unset means `default`, set but empty means none."""
    if name not in env:
        return default
    roles = tuple(part.strip() for part in env[name].split(",") if part.strip())
    unknown = [r for r in roles if r not in ("enterprise", "assessor", "provincial_official", "admin")]
    if unknown:
        raise ConfigError(f"{name}={env[name]!r}: unknown role(s) {', '.join(unknown)}; use enterprise, assessor, "
                          "provincial_official, admin")
    return roles


def _days(env: Mapping[str, str], name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """A comma-separated list of whole numbers of working days, largest first (e.g. "5,1")."""
    raw = env.get(name)
    if not raw:
        return default
    try:
        days = tuple(sorted({int(part) for part in raw.split(",") if part.strip()}, reverse=True))
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: use working days like '5,1'") from None
    if not days or days[-1] < 1:
        raise ConfigError(f"{name}={raw!r}: each number of working days must be at least 1")
    return days


def _limits(env: Mapping[str, str], name: str, default: str) -> str:
    """A rate limit such as "5 per minute; 20 per hour", checked at start rather than at the first login."""
    from limits import parse_many

    raw = env.get(name) or default
    try:
        parse_many(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: use limits like '5 per minute; 20 per hour'") from None
    return raw


def flask_config(settings: Settings) -> dict[str, object]:
    """Translate settings into the Flask and extension configuration keys."""
    # PostgreSQL: no pool_pre_ping (a round trip per request); core/database.py checks a pooled connection cheaply.
    engine_options: dict[str, object] = {}
    if settings.database_url.startswith("sqlite"):
        engine_options = {"connect_args": {"timeout": 30}}
    # Declarations, determinations and risk pictures (~40 KB) are written on every case write.
    engine_options["json_serializer"] = jsoncodec.dumps
    return {
        "SECRET_KEY": settings.secret_key,
        "SQLALCHEMY_DATABASE_URI": settings.database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "MAX_CONTENT_LENGTH": settings.max_content_length,
        "PERMANENT_SESSION_LIFETIME": settings.session_hours * 3600,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "API_TITLE": "xborder",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "WTF_CSRF_TIME_LIMIT": None,
        "JSON_SORT_KEYS": False,
        "XBORDER": settings,
    }
