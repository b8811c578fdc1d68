"""Reading source files: discovery of the files to index, and one file into paragraphs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import formats
from .formats.blocks import Block


@dataclass
class SourceDoc:
    """A decoded source file: its paragraphs as the format reader found them."""

    path: Path
    format: str
    encoding: str | None
    paragraphs: list[Block]
    title: str | None = None
    warnings: list[str] = field(default_factory=list)


class SkipFile(Exception):
    """This file cannot be indexed; the message says why (shown as a warning)."""


def read_document(path: Path, recognize=None) -> SourceDoc:
    """Read and split one file. Raises SkipFile with a reason for anything it cannot index.

    `recognize` recognises scanned pages (build passes the index's OCR cache).
    """
    try:
        extracted = formats.extract(path, recognize=recognize)
    except (formats.UnsupportedFormat, formats.ExtractionError) as exc:
        raise SkipFile(str(exc)) from None
    except OSError as exc:
        raise SkipFile(f"cannot read: {exc.strerror or exc}") from None
    return SourceDoc(
        path,
        extracted.format,
        extracted.encoding,
        extracted.blocks,
        title=extracted.title,
        warnings=list(extracted.warnings),
    )


def is_candidate(path: Path) -> bool:
    """Whether a file found while walking a directory is worth trying (hidden files are not)."""
    return not path.name.startswith((".", "~$"))


_BAD_NAME = "the file name is not UTF-8 (perhaps GBK from a zip made on Windows); rename it"


def _utf8_name(path: Path) -> bool:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in the name became lone surrogates
        return False
    return True


def _readable(path: Path) -> Path:
    """The path with a non-UTF-8 name shown as GB18030, for messages."""
    return Path(os.fsencode(path).decode("gb18030", errors="replace"))


def is_inside(path: str, root: str) -> bool:
    """Whether path is root or lies below it."""
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives on Windows
        return False


def discover(
    paths: list[Path], exclude: Path | None = None
) -> Iterator[tuple[Path, Path | None, str | None]]:
    """Files under the given paths as (absolute path, directory argument or None, problem).

    A problem (a broken link, an unreadable directory) is reported instead of raised so that one
    bad entry does not stop the run. Symlinked directories are not followed, so loops end.
    Nothing under `exclude` (the index itself, when it sits inside an indexed folder) is listed.
    """
    seen: set[Path] = set()
    skip = os.path.abspath(exclude) if exclude is not None else None
    for given in paths:
        top = Path(os.path.abspath(given))
        if top.is_dir():
            errors: list[OSError] = []
            for dirpath, dirnames, filenames in os.walk(top, onerror=errors.append):
                if skip is not None and is_inside(dirpath, skip):
                    dirnames[:] = []
                    continue
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    p = Path(dirpath) / name
                    if not is_candidate(p) or p in seen:
                        continue
                    seen.add(p)
                    if not _utf8_name(p):
                        yield _readable(p), top, _BAD_NAME
                    elif p.is_symlink() and not p.exists():
                        yield p, top, "broken symbolic link"
                    else:
                        yield p, top, None
            for err in errors:
                yield Path(err.filename or top), top, f"cannot read directory: {err.strerror}"
        elif top.is_file():
            if top not in seen:
                seen.add(top)
                yield top, None, None
        else:
            yield top, None, "no such file or directory"
