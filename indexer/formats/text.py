"""Plain text and Markdown: one paragraph per non-empty line, encoding detected from the bytes."""

from __future__ import annotations

import pathlib
import re

from ..decoding import NotText, decode_bytes
from .blocks import Block, Extracted, ExtractionError


def read_text(path: pathlib.Path) -> Extracted:
    """Read a plain-text file: one block per non-empty line, with its line number."""
    return _read(path, markdown=False)


def read_markdown(path: pathlib.Path) -> Extracted:
    """Read a Markdown file: as text, with its syntax stripped and # headings kept as headings."""
    return _read(path, markdown=True)


def _read(path: pathlib.Path, markdown: bool) -> Extracted:
    try:
        text, encoding, warnings = decode_bytes(path.read_bytes())
    except NotText as exc:
        raise ExtractionError(str(exc)) from None
    blocks = text_paragraphs(text, markdown=markdown)
    return Extracted(blocks=blocks, encoding=encoding, warnings=warnings)


_LINE_BREAK = re.compile(r"\r\n|\n|\r")
_MD_HEADING = re.compile(r"^(#{1,6})\s+")
_MD_PREFIX = re.compile(r"^(?:>\s*)+|^(?:[-*+]|\d+\.)\s+(?=\S)")
_MD_RULE = re.compile(r"^(?:[-*_]\s*){3,}$|^\|?\s*:?-{3,}.*$|^```")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|~~|`)")


def _markdown_line(line: str) -> tuple[str, int | None]:
    """Strip Markdown syntax from one line; returns (text, heading level or None)."""
    if _MD_RULE.match(line):
        return "", None
    level = None
    m = _MD_HEADING.match(line)
    if m:
        level = len(m.group(1))
        line = line[m.end() :].rstrip("#").strip()
    else:
        line = _MD_PREFIX.sub("", line)
    line = _MD_LINK.sub(r"\1", line)
    line = _MD_EMPHASIS.sub("", line)
    if line.startswith("|") and line.endswith("|"):
        line = " | ".join(cell.strip() for cell in line.strip("|").split("|"))
    return line.strip(), level


def text_paragraphs(text: str, markdown: bool = False) -> list[Block]:
    """One paragraph per non-empty line, trimmed (U+3000 and BOMs too); 1-based line numbers."""
    out = []
    for lineno, raw in enumerate(_LINE_BREAK.split(text), 1):
        line = raw.strip().strip("\ufeff").strip()
        level = None
        if markdown and line:
            line, level = _markdown_line(line)
        if line:
            col = max(raw.find(line[:8]), 0)
            column = len(raw[:col].encode("utf-8"))
            out.append(Block(line, heading_level=level, line=lineno, column=column))
    return out
