"""The `serve` command: the web UI and JSON API behind waitress (or Flask's debug server).

The only command module that imports govsearch.web, and only when `serve` runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from govsearch.cli.common import ensure_index, index_option


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="GOVSEARCH_HOST",
              help="Interface to listen on; 0.0.0.0 exposes the UI to your network.")  # fmt: skip
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535),
              envvar="GOVSEARCH_PORT")  # fmt: skip
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads of the WSGI server.")  # fmt: skip
@click.option("--debug", is_flag=True, help="Flask's development server with reload and debugger.")
@click.option("--quiet", "-q", is_flag=True, help="No access log (one line per request on stderr).")
@click.option(
    "--public",
    is_flag=True,
    envvar="GOVSEARCH_PUBLIC",
    show_envvar=True,
    help="Hide the server's file paths from pages and the API (file names only): for a port "
    "others can reach.",
)
@index_option
def serve(
    host: str,
    port: int,
    threads: int,
    debug: bool,
    quiet: bool,
    public: bool,
    index_dir: Path | None,
) -> None:
    """Serve the web UI and JSON API (waitress, a production WSGI server).

    \b
    Example:
      govsearch serve --port 8080
      govsearch serve --host 0.0.0.0 --public --quiet
    """
    from govsearch.search import open_index
    from govsearch.web import create_app, server

    target = ensure_index(index_dir)
    open_index(target)  # a missing or damaged index is exit 3 now, not a 503 page later
    app = create_app({"INDEX": str(target), "PUBLIC": public, "ACCESS_LOG": not quiet})
    loopback = host in ("127.0.0.1", "localhost", "::1")
    if debug and not loopback:
        click.echo(
            "warning: --debug with a non-loopback host lets anyone who reaches this port run "
            "code on this machine",
            err=True,
        )
    if not public and not loopback:
        click.echo(
            "note: pages and the API show this server's file paths; add --public to hide them",
            err=True,
        )
    if not quiet:
        _log_requests_to_stderr()
    if debug:
        server.check_port_free(host, port)  # Flask binds late: ask before announcing
        _say_serving(target, host, port)
        app.run(host=host, port=port, debug=True)
        return
    wsgi = server.create_server(app, host, port, threads)
    _say_serving(target, host, port)
    wsgi.run()


def _say_serving(target: Path, host: str, port: int) -> None:
    click.echo(f"govsearch: serving {target} on http://{host}:{port}/ (Ctrl-C to stop)", err=True)


def _log_requests_to_stderr() -> None:
    import logging

    from govsearch.web import access_log

    if any(getattr(h, "govsearch_stderr", False) for h in access_log.handlers):
        return  # serve invoked again in one process (tests): one line per request still
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.govsearch_stderr = True  # type: ignore[attr-defined]
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False
