"""The one place that decides how errors render: JSON under /api/, an HTML page elsewhere."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from govsearch.indexer import GovsearchError, IndexNotFound, NotFound, UsageError

from . import public
from .messages import to_chinese

HEADINGS = {
    400: "查询有误",
    404: "找不到该页面或文件",
    405: "不支持的请求",
    503: "索引暂不可用",
    500: "服务器出错",
}


def status_of(exc: GovsearchError) -> int:
    """HTTP status for a library error."""
    if isinstance(exc, UsageError):
        return 400
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, IndexNotFound):
        return 503
    return 500


def render_error(status: int, message: str):
    """The error response for the current request."""
    hidden = status >= 500 and public.is_public()
    if hidden:
        # The real message names server paths: it goes to the log, not to the visitor.
        current_app.logger.error("%s %s: %s", status, request.path, message)
        message = public.SERVER_ERROR
    if request.path == "/api" or request.path.startswith("/api/"):
        return {"error": message}, status
    if status == 400 and request.endpoint == "trends.trend_page":
        from .trends import lenient_params

        page = render_template(
            "trend.html",
            params=lenient_params(request.args),
            result=None,
            example=(),
            error=to_chinese(message, status),
            error_detail=message,
        )
        return page, status
    if status == 400 and request.endpoint == "collocates.collocates_page":
        from .collocates import error_page

        return error_page(message, status)
    page = render_template(
        "error.html",
        status=status,
        heading=HEADINGS.get(status, "出错了"),
        # Pages speak Chinese; the English original stays available under the message.
        message=public.SERVER_ERROR_PAGE if hidden else to_chinese(message, status),
        detail=None if hidden else message,
        q=request.args.get("q", ""),
    )
    return page, status


def _library_error(exc: GovsearchError):
    return render_error(status_of(exc), str(exc))


def _http_error(exc: HTTPException):
    status = exc.code or 500
    if status == 404:
        return render_error(404, f"no such page: {request.path[:200]}")
    if status == 405:
        return render_error(405, f"method {request.method} is not allowed here")
    return render_error(status, exc.description or exc.name)


def _unexpected(exc: Exception):
    current_app.logger.exception("unhandled error on %s", request.path)
    return render_error(500, "internal error: the server log has the details")


def register(app: Flask) -> None:
    # Templates word any library message they show in Chinese: {{ message|zh }}.
    app.jinja_env.filters["zh"] = to_chinese
    app.register_error_handler(GovsearchError, _library_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
