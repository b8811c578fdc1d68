"""PDF text layers through pdfminer.six: lines re-joined into paragraphs, page furniture dropped.

pdfminer.six is pure Python, gives per-character positions and ships the Adobe CMaps that CID
fonts such as STSong-Light need.
"""

from __future__ import annotations

import pathlib
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from .blocks import Block, Extracted, ExtractionError, clean, is_cjk, join_wrapped

_HEADING_START = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]+[章节条编部分款]"
    r"|[一二三四五六七八九十]+、"
    r"|[（(][一二三四五六七八九十]+[）)]"
    r"|\d{1,2}[.．、](?!\d)"
    r"|[（(]\d{1,2}[）)]"
    r"|附件\s*\d*\s*[：:]?$)"
)
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－\s]*\d{1,4}[-—–－\s]*"
    r"|第\s*\d{1,4}\s*页(?:\s*[/，,]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*[，,]?\s*第\s*\d{1,4}\s*页"
    r"|\d{1,4}\s*/\s*\d{1,4}"
    r"|(?:page\s*)?\d{1,4}(?:\s*of\s*\d{1,4})?)$",
    re.IGNORECASE,
)
_PLACEHOLDER_TITLES = frozenset({"untitled", "无标题", "unknown"})
_MARGIN_ZONE = 0.2


@dataclass
class _Line:
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


def extract_pdf(path: pathlib.Path) -> Extracted:
    """Extract paragraphs from a PDF's text layer, dropping running headers and page numbers."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.psexceptions import PSException

    try:
        title = _pdf_title(path)
        pages = [
            _page_lines(page, number)
            for number, page in enumerate(
                extract_pages(path, laparams=LAParams(all_texts=True)), start=1
            )
        ]
    except PDFPasswordIncorrect as exc:
        raise ExtractionError(
            f"{path.name} is password-protected; remove the password and try again"
        ) from exc
    # pdfminer reports damaged files through its own exceptions and, deeper in, plain ones.
    except (PSException, ValueError, KeyError, TypeError, IndexError, AssertionError) as exc:
        raise ExtractionError(f"{path.name} is not a readable PDF ({exc})") from exc
    if not any(line.text for page in pages for line in page):
        raise ExtractionError(
            f"{path.name} has no text layer (scanned PDF?); run OCR first, e.g. ocrmypdf"
        )
    lines = _drop_running_lines(pages)
    return Extracted(blocks=_paragraphs(lines), title=title)


def _pdf_title(path: pathlib.Path) -> str | None:
    """Read the Title entry of the PDF's document information dictionary."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1
    from pdfminer.utils import decode_text

    with path.open("rb") as handle:
        document = PDFDocument(PDFParser(handle))
        for info in document.info:
            raw = resolve1(info.get("Title"))
            if isinstance(raw, bytes):
                raw = decode_text(raw)
            if not isinstance(raw, str):
                continue
            # Word's PDF printer stores the window caption, not a title.
            value = clean(re.sub(r"^Microsoft Word - |\.docx?$", "", raw.strip()))
            if value and value.lower() not in _PLACEHOLDER_TITLES:
                return value
    return None


def _page_lines(page, number: int) -> list[_Line]:
    """Collect a page's horizontal text lines top to bottom, merging fragments on one baseline."""
    from pdfminer.layout import LTAnno, LTChar, LTTextLineHorizontal

    raw: list[tuple[float, float, list]] = []

    def collect(item) -> None:
        if isinstance(item, LTTextLineHorizontal):
            chars = [c for c in item if isinstance(c, (LTChar, LTAnno))]
            if any(isinstance(c, LTChar) and c.get_text().strip() for c in chars):
                raw.append((item.y0, item.y1, chars))
            return
        if hasattr(item, "__iter__"):
            for child in item:
                collect(child)

    collect(page)
    raw.sort(key=lambda r: (-r[1], _first_x(r[2])))
    merged: list[list] = []
    for y0, y1, chars in raw:
        size = _median_size(chars)
        for group in merged:
            if abs(group[0] - y0) < 0.3 * size and abs(group[1] - y1) < 0.5 * size:
                group[2].append(chars)
                break
        else:
            merged.append([y0, y1, [chars]])
    lines = []
    for y0, y1, fragments in merged:
        fragments.sort(key=_first_x)
        line = _make_line(fragments, number, page.height, y0, y1)
        if line.text:
            lines.append(line)
    lines.sort(key=lambda ln: (-ln.top, ln.x0))
    return lines


def _first_x(chars: list) -> float:
    """Left edge of the first visible character of a fragment."""
    from pdfminer.layout import LTChar

    for c in chars:
        if isinstance(c, LTChar) and c.get_text().strip():
            return c.x0
    return 0.0


def _median_size(chars: list) -> float:
    """Median glyph size of the characters in a fragment."""
    from pdfminer.layout import LTChar

    sizes = [c.size for c in chars if isinstance(c, LTChar)]
    return statistics.median(sizes) if sizes else 10.0


def _make_line(fragments: list[list], page: int, page_height: float, y0: float, y1: float) -> _Line:
    """Build a line's text from fragments, keeping pdfminer's gap spaces only in non-CJK text."""
    from pdfminer.layout import LTAnno, LTChar

    pieces: list[str] = []
    visible: list = []
    previous_x1: float | None = None
    for chars in fragments:
        if (
            previous_x1 is not None
            and chars
            and _first_x(chars) - previous_x1 > 1.5 * _median_size(chars)
        ):
            pieces.append(" ")
        for i, c in enumerate(chars):
            text = c.get_text()
            if isinstance(c, LTAnno):
                # pdfminer guesses a space from a gap; justified Chinese text has gaps everywhere.
                if text == " ":
                    before = pieces[-1][-1:] if pieces else ""
                    after = next(
                        (n.get_text() for n in chars[i + 1 :] if isinstance(n, LTChar)), ""
                    )
                    if before and after and not is_cjk(before) and not is_cjk(after[:1]):
                        pieces.append(" ")
                continue
            pieces.append(text)
            if isinstance(c, LTChar) and text.strip():
                visible.append(c)
        if visible:
            previous_x1 = visible[-1].x1
    text = "".join(pieces)
    stripped = clean(text)
    return _Line(
        text=stripped,
        x0=visible[0].x0 if visible else 0.0,
        x1=visible[-1].x1 if visible else 0.0,
        top=y1,
        bottom=y0,
        size=statistics.median(c.size for c in visible) if visible else 0.0,
        page=page,
        page_height=page_height,
        indented_by_spaces=bool(re.match("^(?:\u3000|[ \xa0]{2,})", text)),
    )


def _in_margin_zone(line: _Line) -> bool:
    """Tell whether a line sits in the top or bottom fifth of its page."""
    return (
        line.bottom > (1 - _MARGIN_ZONE) * line.page_height
        or line.top < _MARGIN_ZONE * line.page_height
    )


def _drop_running_lines(pages: list[list[_Line]]) -> list[_Line]:
    """Remove lines repeated at one position on most pages, then page numbers at page edges."""
    threshold = max(2, (len(pages) + 1) // 2)
    where: defaultdict[str, list[_Line]] = defaultdict(list)
    for page in pages:
        for line in page:
            if _in_margin_zone(line):
                where[re.sub(r"\d+", "#", line.text)].append(line)
    running: set[int] = set()
    for candidates in where.values():
        for line in candidates:
            same_place = {o.page for o in candidates if abs(o.bottom - line.bottom) <= 3}
            if len(same_place) >= threshold:
                running.add(id(line))
    kept: list[_Line] = []
    for page in pages:
        body = [line for line in page if id(line) not in running]
        edges = {id(line) for line in body[:2] + body[-2:]}
        kept.extend(
            line
            for line in body
            if not (id(line) in edges and _in_margin_zone(line) and _PAGE_NUMBER.match(line.text))
        )
    return kept


def _paragraphs(lines: list[_Line]) -> list[Block]:
    """Re-join visual lines into paragraphs using indentation, headings, gaps and line lengths."""
    if not lines:
        return []
    margin = Counter(round(line.x0) for line in lines).most_common(1)[0][0]
    right = sorted(line.x1 for line in lines)[int(0.9 * (len(lines) - 1))]
    centre = (margin + right) / 2
    gaps = [
        prev.bottom - line.top
        for prev, line in zip(lines, lines[1:], strict=False)
        if prev.page == line.page and 0 <= prev.bottom - line.top < 2 * line.size
    ]
    leading = statistics.median(gaps) if gaps else 0.0

    def centred(line: _Line) -> bool:
        return (
            line.x0 > margin + 2 * line.size
            and abs((line.x0 + line.x1) / 2 - centre) < 1.5 * line.size
        )

    def starts_paragraph(prev: _Line, line: _Line) -> bool:
        if abs(line.size - prev.size) > 0.15 * max(line.size, prev.size):
            return True
        if line.page == prev.page and prev.bottom - line.top > leading + 0.7 * line.size:
            return True
        if centred(prev) and centred(line):
            return False
        if centred(prev) != centred(line):
            return True
        if _HEADING_START.match(line.text):
            return True
        if line.indented_by_spaces or line.x0 > margin + 0.8 * line.size:
            return True
        return prev.x1 < right - 2 * prev.size

    blocks: list[Block] = []
    text, page = lines[0].text, lines[0].page
    for prev, line in zip(lines, lines[1:], strict=False):
        if starts_paragraph(prev, line):
            blocks.append(Block(text, page=page))
            text, page = line.text, line.page
        else:
            text = join_wrapped(text, line.text)
    blocks.append(Block(text, page=page))
    return blocks
