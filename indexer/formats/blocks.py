"""What every format reader returns (paragraph blocks), its errors, and shared text helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import GovsearchError


@dataclass(frozen=True)
class Block:
    """One paragraph of extracted text, with where it sits in the source and its heading level.

    `line` and `column` (the UTF-8 byte offset of its first character in that line) are known
    for text files, `page` for paged formats (PDF, OFD, images).
    """

    text: str
    page: int | None = None
    heading_level: int | None = None
    line: int | None = None
    column: int = 0
    #: For text recognised by OCR, the engine's confidence (0–1); None for a text layer.
    ocr_confidence: float | None = None


@dataclass(frozen=True)
class Extracted:
    """The paragraphs of one document and its title, if the file states one.

    `format` is the name of the reader that produced it (filled in by `extract`), `encoding` the
    detected text encoding of a text file, `warnings` what went wrong without stopping the read.
    """

    blocks: list[Block] = field(default_factory=list)
    title: str | None = None
    format: str = ""
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)


#: The signature of an Office 97 (OLE) container: Word, WPS, Excel and PowerPoint 97 files.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class UnsupportedFormat(GovsearchError):
    """The file's format cannot be read; the message names it and says what to convert it to."""


class ExtractionError(GovsearchError):
    """The file has a supported format but its text cannot be extracted; the message says why."""


# Han, CJK punctuation, kana, full-width forms: the characters that are written without spaces.
_CJK = (
    "\u2e80-\u2fff\u3001-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
_CJK_CHAR = re.compile(f"[{_CJK}]")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# A source line break between two CJK characters is layout, not a space (CSS Text segment-break
# rule); keeping it as a space would make substrings such as 河长制 unfindable.
_CJK_LINE_BREAK = re.compile(f"(?<=[{_CJK}])[ \t\xa0]*[\r\n][ \t\r\n\xa0]*(?=[{_CJK}])")
_SPACE_RUN = re.compile("[ \t\r\n\f\v\xa0]+")


def clean(text: str) -> str:
    """Collapse whitespace like a browser does, minus breaks inside CJK text; trim the edges."""
    text = _ZERO_WIDTH.sub("", text)
    text = _CJK_LINE_BREAK.sub("", text)
    return _SPACE_RUN.sub(" ", text).strip()


def is_cjk(ch: str) -> bool:
    """Tell whether a character belongs to the no-space CJK scripts and punctuation."""
    return bool(_CJK_CHAR.match(ch))


def join_wrapped(left: str, right: str) -> str:
    """Join a wrapped line to its paragraph: no space in CJK text, one space between Latin words."""
    if not left or not right:
        return left + right
    a, b = left[-1], right[0]
    if a == "-" or is_cjk(a) or is_cjk(b):
        return left + right
    if (a.isalnum() or a in ",.;:!?)%") and (b.isalnum() or b in "(\"'"):
        return f"{left} {right}"
    return left + right
