"""PDF text layers through pdfminer.six: lines re-joined into paragraphs, page furniture dropped.

pdfminer.six is pure Python, gives per-character positions and ships the Adobe CMaps that CID
fonts such as STSong-Light need.
"""

from __future__ import annotations

import pathlib
import re
import statistics

from . import ocr
from .blocks import Extracted, ExtractionError, clean, is_cjk
from .layout import Line, drop_furniture, paragraphs
from .problems import CUT_SHORT, damaged

_PLACEHOLDER_TITLES = frozenset({"untitled", "无标题", "unknown"})


def extract_pdf(path: pathlib.Path, recognize: ocr.PageOcr | None = None) -> Extracted:
    """Extract paragraphs from a PDF: its text layer, and OCR for pages that are only a scan."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.psexceptions import PSException

    try:
        title = _pdf_title(path)
        pages: list[list[Line]] = []
        scans: list[int] = []
        for number, page in enumerate(
            extract_pages(path, laparams=LAParams(all_texts=True)), start=1
        ):
            lines = _page_lines(page, number)
            pages.append(lines)
            if not lines and _has_image(page):
                scans.append(number)
    except PDFPasswordIncorrect as exc:
        raise ExtractionError(
            f"{path.name} is password-protected; remove the password and try again"
        ) from exc
    # pdfminer reports damaged files through its own exceptions and, deeper in, plain ones.
    except (PSException, ValueError, KeyError, TypeError, IndexError, AssertionError) as exc:
        raise damaged(path, "pdf", _why(exc)) from exc
    has_text = any(line.text for page in pages for line in page)
    warnings: list[str] = []
    if scans and ocr.available():
        for result in (recognize or ocr.recognize_pages)(path, "pdf", scans):
            pages[result.number - 1] = ocr.page_lines(result)
    elif scans and has_text:
        shown = ", ".join(map(str, scans))
        warnings.append(
            f"page{'s' if len(scans) > 1 else ''} {shown} {'are' if len(scans) > 1 else 'is a'} "
            f"scan{'s' if len(scans) > 1 else ''} without a text layer and "
            f"{'were' if len(scans) > 1 else 'was'} not indexed; {ocr.INSTALL_HINT}"
        )
    elif scans:
        raise ocr.OcrUnavailable(
            f"{path.name} is a scanned PDF (no text layer); {ocr.INSTALL_HINT}"
        )
    if not has_text and not scans:
        raise ExtractionError(f"{path.name} has no text layer and no scanned pages")
    return Extracted(blocks=paragraphs(drop_furniture(pages)), title=title, warnings=warnings)


def _why(exc: Exception) -> str | None:
    """What pdfminer's complaint means, in plain words (None: nothing more to say)."""
    text = str(exc)
    if "EOF" in text:
        return CUT_SHORT
    if "/Root" in text or "xref" in text.lower() or "trailer" in text.lower():
        return "its internal structure is missing or broken"
    return None


def _has_image(item) -> bool:
    """Tell whether a pdfminer layout item holds an image anywhere inside it."""
    from pdfminer.layout import LTImage

    if isinstance(item, LTImage):
        return True
    return hasattr(item, "__iter__") and any(_has_image(child) for child in item)


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


def _page_lines(page, number: int) -> list[Line]:
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


def _make_line(fragments: list[list], page: int, page_height: float, y0: float, y1: float) -> Line:
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
    return Line(
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
