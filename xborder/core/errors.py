"""One error shape for the API (RFC 9457 problem+json, with bilingual field errors) and friendly HTML pages."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from xborder.core.text import MARSHMALLOW_CODES as TEXT_CODES

log = logging.getLogger("xborder")

PROBLEM_TYPE = "https://xborder.invalid/problems/"

# Titles in both languages so that a client can show either without a second lookup.
TITLES: dict[int, tuple[str, str]] = {
    400: ("Malformed request", "请求格式错误"),
    401: ("Authentication required", "需要登录或令牌无效"),
    403: ("Not allowed", "无权执行此操作"),
    404: ("Not found", "未找到"),
    405: ("Method not allowed", "不支持该请求方法"),
    409: ("Conflict: the case was changed by someone else", "冲突：案件已被他人修改"),
    413: ("Request too large", "请求内容过大"),
    415: ("Unsupported media type", "不支持的内容类型"),
    422: ("Invalid input", "输入不符合规则"),
    429: ("Too many requests", "请求过于频繁"),
    500: ("Internal error", "服务器内部错误"),
    503: ("Service unavailable", "服务暂不可用"),
}

# What an HTML error page tells a person, in the page's language (werkzeug's own descriptions are English only).
EXPLANATIONS = {
    400: _l("The request could not be handled. Go back, reload the page and try again."),
    401: _l("Please sign in to see this page."),
    403: _l("Your account may not see this page or take this action."),
    404: _l("There is no such page, or it is not one your account may see. Check the address, or go back to your "
            "cases."),
    405: _l("This page cannot be used that way."),
    409: _l("Someone else changed this case meanwhile. Reload the page to see the newest version, then try again."),
    413: _l("What was sent is too large."),
    415: _l("This kind of content cannot be accepted here."),
    422: _l("Some of what was entered breaks a rule. Go back and correct it."),
    429: _l("Too many requests in a short time. Wait a minute and try again."),
    500: _l("Something went wrong on our side. It has been recorded; please try again later."),
    503: _l("The service is briefly unavailable. Please try again in a moment."),
}
_CJK = re.compile(r"[\u4e00-\u9fff]")

# marshmallow's default messages, mapped to stable codes and Chinese text for field-level errors.
MARSHMALLOW_CODES: dict[str, tuple[str, str]] = {
    "Missing data for required field.": ("required", "必填字段缺失"),
    "Unknown field.": ("unknown_field", "未知字段"),
    "Field may not be null.": ("null", "不能为空值"),
    "Not a valid string.": ("type", "应为字符串"),
    "Not a valid integer.": ("type", "应为整数"),
    "Not a valid boolean.": ("type", "应为布尔值"),
    "Not a valid email address.": ("format", "邮箱地址格式不正确"),
    "Not a valid list.": ("type", "应为数组"),
    "Invalid input type.": ("type", "输入类型不正确"),
    "Not a valid mapping type.": ("type", "应为对象"),
    **TEXT_CODES,
}


class ApiError(Exception):
    """An expected failure with an HTTP status, a detail and optional field errors."""

    status = 400

    def __init__(self, detail: str = "", errors: Iterable[Mapping[str, Any]] = (), *, status: int | None = None,
                 headers: Mapping[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = [dict(e) for e in errors]
        if status is not None:
            self.status = status
        self.headers = dict(headers or {})


class NotFound(ApiError):
    """The object does not exist or is not the caller's to know about."""

    status = 404


class Forbidden(ApiError):
    """The caller may see the object but not take this action."""

    status = 403


class Conflict(ApiError):
    """The `version` the caller sent is stale."""

    status = 409


class Unprocessable(ApiError):
    """Valid JSON that breaks a rule; `errors` says where."""

    status = 422


def field_error(path: str, code: str, message_en: str, message_zh: str) -> dict[str, str]:
    """Build one field-level error entry."""
    return {"path": path, "code": code, "message_en": message_en, "message_zh": message_zh}


def flatten_marshmallow(messages: Any, prefix: str = "") -> list[dict[str, str]]:
    """Turn marshmallow/webargs nested messages into a flat list of bilingual errors with `/`-paths."""
    out: list[dict[str, str]] = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            if key in ("json", "form", "query", "files") and not prefix:
                out.extend(flatten_marshmallow(value, ""))
                continue
            path = f"{prefix}/{key}" if prefix else str(key)
            if key == "_schema":
                path = prefix
            out.extend(flatten_marshmallow(value, path))
    elif isinstance(messages, list | tuple):
        for item in messages:
            out.extend(flatten_marshmallow(item, prefix))
    else:
        text = str(messages)
        code, zh = MARSHMALLOW_CODES.get(text, ("invalid", text))
        out.append(field_error(prefix, code, text, zh))
    return out


def wants_json() -> bool:
    """API paths and clients that prefer JSON get problem+json; browsers get an HTML page."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/problem+json"])
    return best in ("application/json", "application/problem+json")


def problem_response(status: int, detail: str = "", errors: Iterable[Mapping[str, Any]] = (),
                     headers: Mapping[str, str] | None = None, title: str | None = None) -> Response:
    """Build an application/problem+json response."""
    title_en, title_zh = TITLES.get(status, (title or "Error", title or "错误"))
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + str(status),
        "title": title or title_en,
        "title_zh": title_zh,
        "status": status,
        "detail": detail or title_en,
        "instance": request.path,
        "request_id": getattr(g, "request_id", None),
    }
    errors = list(errors)
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _html_error(status: int, detail: str = "") -> tuple[str, int]:
    """The project's own error page: the status's title and explanation in the page's language, and the particular
    detail in that language when it has it ("中文 / English" is split); English only, it is marked as such."""
    from xborder.core.i18n import current_locale

    english = current_locale() == "en"
    zh, sep, en = detail.partition(" / ")
    if sep and _CJK.search(zh) and not _CJK.search(en):
        detail = en if english else zh
    technical = bool(detail) and not english and not _CJK.search(detail)
    if technical and status in (404, 405):
        detail = ""  # "No case 7 visible to you": the explanation says all a person needs, in their language
    explanation = EXPLANATIONS.get(status, EXPLANATIONS[500 if status >= 500 else 400])
    return render_template("error.html", status=status, titles=TITLES.get(status, ("Error", "错误")),
                           explanation=explanation, detail=detail, technical=technical), status


def handle_http_exception(error: HTTPException):
    """Map a werkzeug HTTP exception, including webargs validation aborts, onto our error shape."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    errors = flatten_marshmallow(data["messages"]) if "messages" in data else []
    described = error.description != type(error).description  # abort(400, "what was wrong") keeps its words
    if status == 400 and not errors and not described and request.is_json is False \
            and request.method in ("POST", "PUT", "PATCH"):
        detail = "Body must be JSON (Content-Type: application/json)"
    else:
        detail = data.get("message") or ((error.description or "") if status != 500 else "")
    headers = dict(data.get("headers") or {})
    if status == 405 and error.get_response().headers.get("Allow"):
        headers["Allow"] = error.get_response().headers["Allow"]
    if status == 400 and "CSRF" in (error.description or ""):
        detail = "CSRF token missing or invalid"
    if not wants_json():
        # werkzeug's default description is English only: the page's own explanation says it instead.
        own = data.get("message") or (error.description if described and status != 500 else "")
        if "CSRF" in (error.description or ""):
            own = ("表单的安全令牌（CSRF）缺失或已过期，请刷新页面后重试 / "
                   "The form's security token (CSRF) is missing or has expired: reload the page and try again")
        return _html_error(status, own or "")
    return problem_response(status, detail, errors, headers)


def handle_api_error(error: ApiError):
    """Answer an expected failure raised by an operation or view."""
    if not wants_json():
        return _html_error(error.status, error.detail)
    return problem_response(error.status, error.detail, error.errors, error.headers)


RETRY_AFTER_SECONDS = 5


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database (or the pool in front of it) cannot be reached right now, as opposed to a
    bug: a lost or refused connection, a restart in progress, an exhausted pool, or SQLite's writer lock."""
    if isinstance(error, sa.exc.TimeoutError):
        return True
    if not isinstance(error, sa.exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if not isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError):
        return False
    if type(error.orig).__module__.startswith("psycopg"):
        return True  # psycopg raises OperationalError for connection-level failures only; SQL errors are others
    text = str(error.orig).lower()
    return any(word in text for word in ("locked", "unable to open", "disk i/o"))


def handle_unavailable(error: Exception):
    """A database outage: 503 problem+json with Retry-After; the pool drops dead connections (checkout check) and the
    next request reconnects, so the service recovers without a restart."""
    if not is_unavailable(error):
        return handle_unexpected(error)
    log.warning("database unavailable (request %s): %s", getattr(g, "request_id", "-"),
                str(getattr(error, "orig", error)).strip().splitlines()[0:1])
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if not wants_json():
        body, status = _html_error(503)
        return body, status, headers
    return problem_response(503, "The database is unavailable; try again shortly", headers=headers)


def handle_unstorable(error: Exception):
    """A value the database refuses (text with NUL characters, a number beyond its column's range): the caller's
    input, so 422 rather than 500; the request's transaction is rolled back with the session."""
    log.info("unstorable input (request %s): %s", getattr(g, "request_id", "-"),
             str(getattr(error, "orig", error)).strip().splitlines()[0:1])
    detail = "A value cannot be stored: text may not contain NUL characters and numbers must be in range"
    if not wants_json():
        return _html_error(422, detail)
    return problem_response(422, detail, [field_error("", "unstorable", detail,
                                                      "有值无法保存：文本不能包含 NUL 字符，数值须在允许范围内")])


def handle_stale(error: StaleDataError):
    """A flush whose "AND version = <seen>" matched no row: someone else changed the case between this request's
    read and its write. 409 like a stale `version`; the session is rolled back so nothing of the request is kept."""
    from xborder.extensions import db  # the extensions module imports this one

    db.session.rollback()
    g.pop("after_commit", None)
    log.info("concurrent change (request %s): %s", getattr(g, "request_id", "-"), error)
    if not wants_json():
        return _html_error(409)
    return handle_api_error(Conflict("The case was changed by someone else; reload it and try again"))


def handle_unexpected(error: Exception):
    """Log an unexpected exception with the request id and answer 500 without leaking internals."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.exception("unhandled error (request %s)", getattr(g, "request_id", "-"))
    if not wants_json():
        return _html_error(500)
    return problem_response(500, f"Unexpected error; quote request id {getattr(g, 'request_id', '-')}")


def init_app(app: Flask) -> None:
    """Register the request id and the error handlers (after flask-smorest, so ours win)."""

    @app.before_request
    def _request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if incoming.isalnum() and len(incoming) <= 64 else uuid.uuid4().hex

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        response.headers["X-Request-ID"] = getattr(g, "request_id", "")
        return response

    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(sa.exc.DBAPIError, handle_unavailable)
    app.register_error_handler(sa.exc.DataError, handle_unstorable)
    app.register_error_handler(StaleDataError, handle_stale)  # a concurrent write caught at flush, not a bug
    app.register_error_handler(OverflowError, handle_unstorable)  # SQLite's driver: an integer beyond 64 bits
    app.register_error_handler(sa.exc.TimeoutError, handle_unavailable)
    app.register_error_handler(Exception, handle_unexpected)

