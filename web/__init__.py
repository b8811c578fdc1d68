"""govsearch's web UI and JSON API: a small Flask app over the search library."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

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


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: GOVSEARCH_* environment variables first, then `config` (key INDEX)."""
    app = Flask(__name__)
    app.config.update(INDEX=None)
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

    from . import display, errors, trends, views

    app.register_blueprint(views.pages)
    app.register_blueprint(views.api, url_prefix="/api")
    app.register_blueprint(trends.pages)
    app.register_blueprint(trends.api, url_prefix="/api")
    errors.register(app)
    display.register(app)

    @app.after_request
    def add_security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app
