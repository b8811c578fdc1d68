"""Reading source files into paragraph blocks, one module per format.

`extract` is the one entry point: it picks a reader from `FORMATS` by the file's suffix. Adding a
format means a module with a ``read_*(path) -> Extracted`` function and one row in `FORMATS`.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from dataclasses import dataclass, replace

from .blocks import Block, Extracted, ExtractionError, UnsupportedFormat
from .docx import extract_docx
from .html import extract_html, read_html
from .pdf import extract_pdf
from .text import read_markdown, read_text

__all__ = [
    "FORMATS",
    "SUPPORTED_SUFFIXES",
    "Block",
    "ExtractionError",
    "Extracted",
    "Format",
    "UnsupportedFormat",
    "extract",
    "extract_docx",
    "extract_html",
    "extract_pdf",
]


@dataclass(frozen=True)
class Format:
    """A readable format: its name (stored per document), its file suffixes and its reader."""

    name: str
    suffixes: tuple[str, ...]
    read: Callable[[pathlib.Path], Extracted]


FORMATS: tuple[Format, ...] = (
    Format("txt", (".txt",), read_text),
    Format("md", (".md", ".markdown"), read_markdown),
    Format("html", (".html", ".htm"), read_html),
    Format("docx", (".docx",), extract_docx),
    Format("pdf", (".pdf",), extract_pdf),
)

_BY_SUFFIX: dict[str, Format] = {s: f for f in FORMATS for s in f.suffixes}

#: Every suffix `extract` reads.
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_BY_SUFFIX)

_UNSUPPORTED: dict[str, str] = {
    ".doc": "old Word .doc format is not supported; save it as .docx",
    ".wps": "WPS Writer .wps format is not supported; save it as .docx",
    ".rtf": "RTF format is not supported; save it as .docx",
    ".odt": "OpenDocument .odt format is not supported; save it as .docx",
    ".xls": "Excel .xls format is not supported; export the sheet as .html or .pdf",
    ".xlsx": "Excel .xlsx format is not supported; export the sheet as .html or .pdf",
    ".et": "WPS Spreadsheets .et format is not supported; export the sheet as .html or .pdf",
    ".ppt": "PowerPoint .ppt format is not supported; export it as .pdf",
    ".pptx": "PowerPoint .pptx format is not supported; export it as .pdf",
    ".dps": "WPS Presentation .dps format is not supported; export it as .pdf",
    ".ofd": "OFD format is not supported; export it as .pdf",
    ".caj": "CAJ format is not supported; export it as .pdf",
}


def extract(path: pathlib.Path) -> Extracted:
    """Read a file's paragraphs with the reader its suffix names; `format` says which one."""
    suffix = path.suffix.lower()
    fmt = _BY_SUFFIX.get(suffix)
    if fmt is not None:
        return replace(fmt.read(path), format=fmt.name)
    if suffix in _UNSUPPORTED:
        raise UnsupportedFormat(_UNSUPPORTED[suffix])
    supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
    if not suffix:
        raise UnsupportedFormat(f"files without a suffix are not supported; supported: {supported}")
    raise UnsupportedFormat(f"{suffix} format is not supported; supported: {supported}")
