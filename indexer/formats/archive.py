"""Zip containers (DOCX, OFD) opened with a cap on what they unpack to (zip bombs)."""

from __future__ import annotations

import pathlib
import zipfile
import zlib

from .blocks import ExtractionError
from .problems import BROKEN_ZIP, damaged

#: Most a container may unpack to, all members together.
MAX_UNPACKED = 512 * 1024 * 1024
#: Most one member may unpack to (the XML and images of one page are far smaller).
MAX_MEMBER = 128 * 1024 * 1024


def open_archive(path: pathlib.Path, kind: str) -> zipfile.ZipFile:
    """Open a zip container after checking the sizes its directory declares.

    Python's zipfile never unpacks a member beyond its declared size, so checking the
    declarations bounds what reading can cost.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise damaged(path, kind.lower(), BROKEN_ZIP) from exc
    members = archive.infolist()
    total = sum(m.file_size for m in members)
    largest = max((m.file_size for m in members), default=0)
    if total > MAX_UNPACKED or largest > MAX_MEMBER:
        archive.close()
        raise ExtractionError(
            f"{path.name} would unpack to {total / 2**20:,.0f} MB (limit "
            f"{MAX_UNPACKED // 2**20} MB in all, {MAX_MEMBER // 2**20} MB per part); "
            "a zip bomb or a damaged file"
        )
    return archive


def read_member(archive: zipfile.ZipFile, name: str, path: pathlib.Path, kind: str) -> bytes:
    """One member's bytes, with damage reported as an ExtractionError."""
    try:
        return archive.read(name)
    except KeyError as exc:
        raise damaged(path, kind.lower(), f"{name} is missing from it") from exc
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError) as exc:
        raise damaged(path, kind.lower(), f"{name} inside it is corrupt") from exc
