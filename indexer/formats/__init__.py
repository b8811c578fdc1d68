"""Reading source files into paragraph blocks, one module per format.

`extract` is the one entry point. It picks a reader from `FORMATS` by what the file's first
bytes say it is (a .doc that is really an HTML page is read as HTML, a PDF named .txt as PDF),
and by its suffix when the content has no signature (text, HTML). Adding a format means a
module with a ``read_*(path) -> Extracted`` function, one row in `FORMATS` and, for a binary
format, its signature in `sniff`.
"""

from __future__ import annotations

import pathlib
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace

from .blocks import OLE_MAGIC, Block, Extracted, ExtractionError, UnsupportedFormat
from .docx import extract_docx
from .html import extract_html, read_html
from .image import read_image
from .ocr import PageOcr
from .ofd import read_ofd
from .pdf import extract_pdf
from .problems import KINDS, matches, not_a
from .text import read_markdown, read_text
from .word import read_word

__all__ = [
    "FORMATS",
    "SUPPORTED_SUFFIXES",
    "Block",
    "ExtractionError",
    "Extracted",
    "Format",
    "UnsupportedFormat",
    "detect",
    "extract",
    "extract_docx",
    "extract_html",
    "extract_pdf",
    "sniff",
]


@dataclass(frozen=True)
class Format:
    """A readable format: its name (stored per document), its file suffixes and its reader."""

    name: str
    suffixes: tuple[str, ...]
    read: Callable[..., Extracted]
    #: The reader takes a page recogniser (`ocr.PageOcr`) for scanned pages.
    ocr: bool = False


FORMATS: tuple[Format, ...] = (
    Format("txt", (".txt",), read_text),
    Format("md", (".md", ".markdown"), read_markdown),
    Format("html", (".html", ".htm"), read_html),
    Format("docx", (".docx",), extract_docx),
    Format("pdf", (".pdf",), extract_pdf, ocr=True),
    Format("image", (".png", ".jpg", ".jpeg", ".tif", ".tiff"), read_image, ocr=True),
    Format("doc", (".doc",), read_word),
    Format("wps", (".wps",), read_word),
    Format("ofd", (".ofd",), read_ofd),
)

_BY_NAME: dict[str, Format] = {f.name: f for f in FORMATS}
_BY_SUFFIX: dict[str, Format] = {s: f for f in FORMATS for s in f.suffixes}

#: Every suffix `extract` reads.
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_BY_SUFFIX)

_UNSUPPORTED: dict[str, str] = {
    ".rtf": "RTF format is not supported; save it as .docx",
    ".odt": "OpenDocument .odt format is not supported; save it as .docx",
    ".xls": "Excel .xls format is not supported; export the sheet as .html or .pdf",
    ".xlsx": "Excel .xlsx format is not supported; export the sheet as .html or .pdf",
    ".et": "WPS Spreadsheets .et format is not supported; export the sheet as .html or .pdf",
    ".ppt": "PowerPoint .ppt format is not supported; export it as .pdf",
    ".pptx": "PowerPoint .pptx format is not supported; export it as .pdf",
    ".dps": "WPS Presentation .dps format is not supported; export it as .pdf",
    ".caj": "CAJ format is not supported; export it as .pdf",
}

#: Formats whose content always starts with a signature (see problems.KINDS).
_SIGNED = frozenset({"pdf", "docx", "ofd", "image"})
_HTML_START = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<head|<meta|<title|<body|<!--)", re.I)
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


def sniff(path: pathlib.Path) -> str | None:
    """The format the file's first bytes show, by name; None when they show no signature.

    Also "zip" for a zip archive that is neither DOCX nor OFD, "ole" for an Office 97 file.
    """
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(_IMAGE_MAGIC):
        return "image"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = {n.lower() for n in archive.namelist()}
        except (zipfile.BadZipFile, OSError, ValueError):
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "ofd.xml" in names:
            return "ofd"
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if _HTML_START.match(head):
        return "html"
    return None


def detect(path: pathlib.Path) -> Format | None:
    """The reader for a file: by content signature first, by suffix when there is none."""
    by_suffix = _BY_SUFFIX.get(path.suffix.lower())
    try:
        sniffed = sniff(path)
    except OSError:
        return by_suffix
    if sniffed == "ole":
        # Word, WPS, Excel and PowerPoint 97 share one container: the suffix tells which (an
        # encrypted .docx is one too; the Word reader says it is password-protected).
        if by_suffix is not None and by_suffix.name in ("doc", "wps", "docx"):
            return by_suffix if by_suffix.name != "docx" else _BY_NAME["doc"]
        return None
    if sniffed == "html" and by_suffix is not None and by_suffix.name in ("txt", "md"):
        return by_suffix  # HTML source kept in a text file is text
    if sniffed in _BY_NAME:
        return _BY_NAME[sniffed]
    return by_suffix


def extract(path: pathlib.Path, *, recognize: PageOcr | None = None) -> Extracted:
    """Read a file's paragraphs with the reader `detect` picks; `format` says which one.

    Scanned pages are recognised by `recognize` (default: OCR in this process, no cache).
    """
    fmt = detect(path)
    if fmt is not None and fmt.name in _SIGNED:
        # No reader is handed bytes that do not start like its format: random bytes named
        # .pdf are reported as what they are, not in the PDF library's words.
        with path.open("rb") as handle:
            head = handle.read(4096)
        if not matches(head, KINDS[fmt.name]):
            raise not_a(path, fmt.name, head)
    if fmt is not None:
        extracted = fmt.read(path, recognize) if fmt.ocr else fmt.read(path)
        return replace(extracted, format=fmt.name)
    suffix = path.suffix.lower()
    if suffix in _UNSUPPORTED:
        raise UnsupportedFormat(_UNSUPPORTED[suffix])
    supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
    container = sniff(path) if path.is_file() else None
    if container in ("zip", "ole"):
        kind = "a zip archive" if container == "zip" else "an Office 97 file"
        raise UnsupportedFormat(
            f"{path.name} is {kind} of no supported kind; supported: {supported}"
        )
    if not suffix:
        raise UnsupportedFormat(f"files without a suffix are not supported; supported: {supported}")
    raise UnsupportedFormat(f"{suffix} format is not supported; supported: {supported}")
