"""`govsearch serve --public`: what a server shows to people who are not on its machine.

The index stores absolute paths; on a public server they would tell anyone who can reach the
port how the machine is laid out. Under PUBLIC, pages and the API show file names only, the
index location is left out, and server-side errors say what is wrong without naming paths.
"""

from __future__ import annotations

from pathlib import PurePath, PureWindowsPath
from typing import Any

from flask import current_app

#: Keys whose values are server paths, wherever they occur in an API object.
PATH_KEYS = frozenset({"path", "index_dir"})
PATH_SUFFIXES = ("_path", "_dir", "_file")


def is_public() -> bool:
    return bool(current_app.config.get("PUBLIC"))


def file_name(path: str) -> str:
    """The last part of a path, whichever OS wrote it."""
    return PureWindowsPath(path).name if "\\" in path else PurePath(path).name


def shown_path(path: str | None) -> str | None:
    """A source path as this server may show it: whole, or its file name under PUBLIC."""
    if path is None or not is_public():
        return path
    return file_name(path)


def _scrub(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, key) for v in value]
    if isinstance(value, str) and (key in PATH_KEYS or key.endswith(PATH_SUFFIXES)):
        return None if key.endswith("_dir") else file_name(value)
    return value


def for_api(data: dict) -> dict:
    """An API object as this server may show it (paths reduced to file names under PUBLIC)."""
    return _scrub(data) if is_public() else data


#: What a public server says instead of a server-side error message (API, then pages).
SERVER_ERROR = "the search index is not available right now; the server's log has the details"
SERVER_ERROR_PAGE = "检索服务暂时不可用，详细原因记录在服务器日志中。"
