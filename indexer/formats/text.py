"""Plain text and Markdown: one paragraph per non-empty line, encoding detected from the bytes."""

from __future__ import annotations

import pathlib

from .blocks import Extracted, ExtractionError


def read_text(path: pathlib.Path) -> Extracted:
    """Read a plain-text file: one block per non-empty line, with its line number."""
    return _read(path, markdown=False)


def read_markdown(path: pathlib.Path) -> Extracted:
    """Read a Markdown file: as text, with its syntax stripped and # headings kept as headings."""
    return _read(path, markdown=True)


def _read(path: pathlib.Path, markdown: bool) -> Extracted:
    # Encoding detection and line splitting live in ingest, beside the other text rules.
    from ..ingest import SkipFile, decode_bytes, text_paragraphs

    try:
        text, encoding, warnings = decode_bytes(path.read_bytes())
    except SkipFile as exc:
        raise ExtractionError(str(exc)) from None
    blocks = text_paragraphs(text, markdown=markdown)
    return Extracted(blocks=blocks, encoding=encoding, warnings=warnings)
