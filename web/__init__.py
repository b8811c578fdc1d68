"""govsearch's web UI and JSON API: a small Flask app over the search library."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from flask import Flask, g, request

from govsearch.search import Index

#: Sent with every response: only this server's own scripts, styles and images run or load.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


#: One line per request goes here when the app's ACCESS_LOG is on (`govsearch serve` without
#: --quiet gives it a handler on stderr).
access_log = logging.getLogger("govsearch.access")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: GOVSEARCH_* environment variables first, then `config`.

    Keys: INDEX (the index directory), PUBLIC (hide the server's file paths from pages and the
    API), ACCESS_LOG (log one line per request to the govsearch.access logger).
    """
    app = Flask(__name__)
    app.config.update(INDEX=None, PUBLIC=False, ACCESS_LOG=False)
    app.config.from_prefixed_env("GOVSEARCH")
    if config:
        app.config.update(config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.mimetype = "application/json; charset=utf-8"  # type: ignore[attr-defined]

    # One handle per app: Index.reader() notices a rebuilt index and reopens it. Index() itself
    # does not touch the disk, so the app starts (and answers 503) before an index exists.
    index_dir = app.config["INDEX"]
    app.extensions["govsearch.index"] = Index(str(index_dir)) if index_dir else None

    from . import collocates, display, errors, research, trends, views

    app.register_blueprint(views.pages)
    app.register_blueprint(views.api, url_prefix="/api")
    app.register_blueprint(trends.pages)
    app.register_blueprint(trends.api, url_prefix="/api")
    collocates.register(app)
    app.register_blueprint(research.pages)
    app.register_blueprint(research.api, url_prefix="/api")
    errors.register(app)
    display.register(app)

    @app.after_request
    def add_security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    if app.config["ACCESS_LOG"]:
        app.before_request(_start_clock)
        app.after_request(_log_request)

    return app


def _start_clock() -> None:
    g.started = time.perf_counter()


def _printable(text: str) -> str:
    """Control characters escaped, so a request cannot forge or split log lines."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _log_request(response):
    """Common Log Format plus the time taken: `HOST - - [DATE] "GET /?q=… HTTP/1.1" 200 512 3ms`"""
    started = g.get("started")
    took = f" {(time.perf_counter() - started) * 1000:.0f}ms" if started is not None else ""
    target = request.path
    if request.query_string:
        # Decoded, so an operator reads ?q=河长制, not its percent-encoding.
        target += "?" + unquote(request.query_string.decode("utf-8", "replace"), errors="replace")
    size = response.calculate_content_length()
    access_log.info(
        '%s - - [%s] "%s %s %s" %s %s%s',
        request.remote_addr or "-",
        time.strftime("%d/%b/%Y:%H:%M:%S %z"),
        request.method,
        _printable(target),
        request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
        response.status_code,
        size if size is not None else "-",
        took,
    )
    return response
