"""Page geometry shared by paged formats (PDF text layers, OCR'd scans, OFD): visual lines are
re-joined into paragraphs, and running headers, footers and page numbers are dropped.

Coordinates are PDF-style points with y growing upwards: a line's `top` is above its `bottom`.
"""

from __future__ import annotations

import functools
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ..docmeta import is_agency_line, is_date_line, is_docno_line
from .blocks import Block, join_wrapped

HEADING_START = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+[章节条编部分款]"
    r"|[一二三四五六七八九十]+、"
    r"|[（(][一二三四五六七八九十]+[）)]"
    r"|\d{1,2}[.．、](?!\d)"
    r"|[（(]\d{1,2}[）)]"
    r"|附件\s*\d*\s*[：:]?$)"
)
PAGE_NUMBER = re.compile(
    r"^(?:[-—–－\s]*\d{1,4}[-—–－\s]*"
    r"|第\s*\d{1,4}\s*页(?:\s*[/，,]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*[，,]?\s*第\s*\d{1,4}\s*页"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|(?:page\s*)?\d{1,4}(?:\s*of\s*\d{1,4})?)$",
    re.IGNORECASE,
)


@dataclass
class Line:
    """One visual text line of a PDF page, with the geometry paragraph rules need."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    page: int
    page_height: float
    indented_by_spaces: bool = False
    #: The OCR engine's confidence in the line (0–1); None for a text layer.
    confidence: float | None = None


# Running headers and footers live in the top and bottom fifth of a page.
MARGIN_BAND = 0.2


def in_margin_band(line: Line) -> bool:
    """Tell whether a line sits in the top or bottom band of its page."""
    return (
        line.bottom > (1 - MARGIN_BAND) * line.page_height
        or line.top < MARGIN_BAND * line.page_height
    )


def drop_furniture(pages: list[list[Line]]) -> list[Line]:
    """Remove running headers and footers, then page numbers at page edges.

    A running line is one that, on most pages (more than half, at least two), is at the same
    place in the top or bottom band, is one of the page's two outermost lines, and stands apart
    from the body text: set in another size or separated by a wider gap than the body's line
    spacing. Body lines that happen to repeat (a phrase opening two pages) are therefore kept.
    """
    most = max(2, len(pages) // 2 + 1)
    body_size = _body_size(pages)
    leading = _leading(pair for page in pages for pair in zip(page, page[1:], strict=False))
    where: defaultdict[str, list[Line]] = defaultdict(list)
    for page in pages:
        for i, line in enumerate(page):
            edge = i < 2 or i >= len(page) - 2
            if edge and in_margin_band(line) and _detached(page, i, body_size, leading):
                where[re.sub(r"\d+", "#", line.text)].append(line)
    running: set[int] = set()
    for candidates in where.values():
        for line in candidates:
            same_place = {o.page for o in candidates if abs(o.bottom - line.bottom) <= 3}
            if len(same_place) >= most:
                running.add(id(line))
    kept: list[Line] = []
    for page in pages:
        body = [line for line in page if id(line) not in running]
        edges = {id(line) for line in body[:2] + body[-2:]}
        kept.extend(
            line
            for line in body
            if not (id(line) in edges and in_margin_band(line) and PAGE_NUMBER.match(line.text))
        )
    return kept


def _body_size(pages: list[list[Line]]) -> float:
    """The text size most characters are set in."""
    sizes: Counter[float] = Counter()
    for page in pages:
        for line in page:
            sizes[round(line.size, 1)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _leading(pairs: Iterable[tuple[Line, Line]]) -> float:
    """The usual blank space between two consecutive lines of body text (of one page)."""
    gaps = [
        prev.bottom - line.top
        for prev, line in pairs
        if 0 <= prev.bottom - line.top < 2 * line.size
    ]
    return statistics.median(gaps) if gaps else 0.0


def _detached(page: list[Line], i: int, body_size: float, leading: float) -> bool:
    """Tell whether a line stands apart from the body: another size, or a wider gap to it."""
    line = page[i]
    if abs(line.size - body_size) > 0.15 * max(line.size, body_size):
        return True
    towards_body = i + 1 if line.top > line.page_height / 2 else i - 1
    if not 0 <= towards_body < len(page):
        return True
    inner = page[towards_body]
    gap = line.bottom - inner.top if towards_body > i else inner.bottom - line.top
    return gap > 1.5 * leading + 0.5 * line.size


def standalone_lines(texts: list[str]) -> set[int]:
    """Which lines start a paragraph whatever the geometry says, by what they say.

    A 发文字号 line and the line after it; the line after one that ends in a colon (an addressee,
    or a sentence introducing what follows); a date line, the signatures above it and the line
    after it. Set tight, or with a lost indent, they would otherwise join their neighbours.
    """
    starts: set[int] = set()
    for i, text in enumerate(texts):
        if is_docno_line(text):
            starts.update((i, i + 1))
        if text.rstrip().endswith(("：", ":")):
            starts.add(i + 1)
        if is_date_line(text):
            starts.update((i, i + 1))
            # Joint documents are signed one agency a line above the date.
            j = i - 1
            while j >= max(0, i - 4) and is_agency_line(texts[j]):
                starts.add(j)
                j -= 1
    return starts


def paragraphs(lines: list[Line]) -> list[Block]:
    """Re-join visual lines into paragraphs using indentation, headings, gaps and line lengths."""
    if not lines:
        return []
    standalone = standalone_lines([line.text for line in lines])
    body_size = _body_size([lines])
    margin = Counter(round(line.x0) for line in lines).most_common(1)[0][0]
    right = sorted(line.x1 for line in lines)[int(0.9 * (len(lines) - 1))]
    centre = (margin + right) / 2
    leading = _leading(
        (prev, line) for prev, line in zip(lines, lines[1:], strict=False) if prev.page == line.page
    )

    def centred(line: Line) -> bool:
        # A full line that starts with a paragraph indent is not centred, whatever its middle.
        return (
            line.x0 > margin + 2 * line.size
            and line.x1 < right - line.size
            and abs((line.x0 + line.x1) / 2 - centre) < 1.5 * line.size
        )

    def starts_paragraph(prev: Line, line: Line) -> bool:
        if abs(line.size - prev.size) > 0.15 * max(line.size, prev.size):
            return True
        if line.page == prev.page and prev.bottom - line.top > leading + 0.7 * line.size:
            return True
        if centred(prev) and centred(line):
            return False
        if line.page == prev.page and min(line.size, prev.size) > 1.15 * body_size:
            # A title set larger than the body, wrapped: its first line may be too wide to
            # count as centred.
            return False
        if centred(prev) != centred(line):
            return True
        if HEADING_START.match(line.text):
            return True
        if line.indented_by_spaces or line.x0 > margin + 0.8 * line.size:
            return True
        return prev.x1 < right - 2 * prev.size

    blocks: list[Block] = []
    group = [lines[0]]
    for i, (prev, line) in enumerate(zip(lines, lines[1:], strict=False), 1):
        if i in standalone or starts_paragraph(prev, line):
            blocks.append(_block(group))
            group = [line]
        else:
            group.append(line)
    blocks.append(_block(group))
    return blocks


def _block(group: list[Line]) -> Block:
    """One paragraph from its lines; OCR'd lines give it their character-weighted confidence."""
    text = functools.reduce(join_wrapped, (line.text for line in group), "")
    scored = [line for line in group if line.confidence is not None]
    confidence = None
    if scored:
        chars = sum(len(line.text) for line in scored) or 1
        confidence = round(sum(line.confidence * len(line.text) for line in scored) / chars, 3)
    return Block(text, page=group[0].page, ocr_confidence=confidence)
