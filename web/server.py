"""The production server: waitress, bound before anything is announced.

Binding first means a port that is taken is reported as such (and nothing claims to be
serving); the same module teaches waitress to accept the raw UTF-8 that curl sends for
`?q=河长制`.
"""

from __future__ import annotations

import errno
import os
import re
import socket

from flask import Flask

from govsearch.indexer import UsageError

_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _accept_raw_utf8() -> None:
    """Percent-encode non-ASCII bytes of a request target before waitress splits it.

    curl, wget and scripts send `/api/search?q=河长制` as raw UTF-8 bytes; waitress hands them to
    `urllib.parse.urlsplit`, which only takes ASCII, and answers 400 "Bad URI". Encoding the
    bytes is what a browser would have sent, so the app sees the same request either way.
    """
    from waitress import parser

    original = parser.split_uri
    if getattr(original, "accepts_raw_utf8", False):
        return

    def split_uri(uri: bytes):
        return original(_NON_ASCII.sub(lambda m: b"%%%02X" % m.group()[0], uri))

    split_uri.accepts_raw_utf8 = True  # type: ignore[attr-defined]
    parser.split_uri = split_uri


def create_server(app: Flask, host: str, port: int, threads: int):
    """A bound waitress server; call .run() to serve. UsageError if the address is unusable."""
    import waitress

    _accept_raw_utf8()
    # waitress leaves its half-made server's sockets open when binding fails: ask first.
    check_port_free(host, port)
    try:
        return waitress.create_server(app, host=host, port=port, threads=threads, ident="govsearch")
    except OSError as exc:
        raise _address_error(host, port, exc) from None
    except ValueError as exc:  # waitress's way of saying the host does not resolve
        raise UsageError(f"cannot listen on {host}:{port} ({exc}); check --host") from None


def check_port_free(host: str, port: int) -> None:
    """Fail now, with a UsageError that says what to do, if the address cannot be listened on."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"cannot listen on {host}:{port} ({exc.strerror}); check --host") from None
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        if os.name != "nt":  # on Windows SO_REUSEADDR would let this bind over a live server
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            raise _address_error(host, port, exc) from None


def _address_error(host: str, port: int, exc: OSError) -> UsageError:
    if exc.errno == errno.EADDRINUSE or getattr(exc, "winerror", None) == 10048:
        return UsageError(f"port {port} is in use; pick another with --port")
    if exc.errno == errno.EACCES:
        return UsageError(f"not allowed to listen on port {port}; pick one above 1023 with --port")
    reason = exc.strerror or str(exc)
    return UsageError(f"cannot listen on {host}:{port} ({reason}); check --host and --port")
