"""Optical character recognition of scanned pages (image files, image-only PDF pages).

The engine is RapidOCR (``rapidocr`` 3.10, PP-OCRv6 small models on onnxruntime), chosen by
measurement on pages rendered from the corpus (bench/ocr.py): 99.9 % character accuracy where
Tesseract 5 with chi_sim reached 99.0 %, at about 2.5× Tesseract's CPU time. Its models ship
inside the wheel and are passed by path, so nothing is ever fetched at run time. PDF pages are
rendered with pypdfium2. All of it is the optional extra ``govsearch[ocr]``.

Pages are recognised one at a time (`ocr_page`), which is what worker processes run; results are
plain values (`OcrPage`) that serialise to JSON for the index's OCR cache.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import pathlib
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from .blocks import ExtractionError, is_cjk
from .layout import Line
from .problems import CUT_SHORT, damaged

#: Recorded with every cached page: a different engine or setting means recognising again.
ENGINE = "rapidocr-3.10.0/PP-OCRv6-small/200dpi/box0.3"
#: What to tell a user whose installation cannot OCR.
INSTALL_HINT = "install OCR support: pip install 'govsearch[ocr]'"
#: Largest page image decoded, in pixels (an A4 page at 600 dpi is 35 million).
MAX_PIXELS = 64_000_000
#: PDF pages are rendered at this resolution: 三号 body text becomes ~44 pixels high.
RENDER_DPI = 200
#: Pages larger than this on their longer side are scaled down before recognition (the
#: detector works at 2,000 pixels anyway; bigger crops only cost memory).
MAX_SIDE = 3000

_NEEDED = ("rapidocr", "onnxruntime", "pypdfium2", "PIL", "numpy")


class OcrUnavailable(ExtractionError):
    """The file needs OCR and the optional OCR packages are not installed."""


@dataclass(frozen=True)
class OcrLine:
    """One recognised line: text, box in image pixels (y grows downwards), engine confidence."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float


@dataclass(frozen=True)
class OcrPage:
    """The recognised lines of one page image and the geometry needed to lay them out."""

    number: int
    width: int
    height: int
    dpi: float
    lines: tuple[OcrLine, ...]

    def to_json(self) -> str:
        """Serialise for the OCR cache."""
        return json.dumps(
            {
                "number": self.number,
                "width": self.width,
                "height": self.height,
                "dpi": self.dpi,
                "lines": [
                    [ln.text, ln.x0, ln.top, ln.x1, ln.bottom, ln.confidence] for ln in self.lines
                ],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, data: str) -> OcrPage:
        """Inverse of to_json."""
        raw = json.loads(data)
        lines = tuple(OcrLine(*row) for row in raw["lines"])
        return cls(raw["number"], raw["width"], raw["height"], raw["dpi"], lines)


#: Recognises pages (1-based numbers) of a file of one kind ("pdf" or "image").
PageOcr = Callable[[pathlib.Path, str, list[int]], list[OcrPage]]


def available() -> bool:
    """Tell whether the optional OCR packages are installed."""
    return all(importlib.util.find_spec(name) is not None for name in _NEEDED)


def require() -> None:
    """Raise OcrUnavailable unless OCR can run."""
    if not available():
        raise OcrUnavailable(INSTALL_HINT)


def recognize_pages(path: pathlib.Path, kind: str, numbers: list[int]) -> list[OcrPage]:
    """Recognise pages in this process, without a cache (what library callers get by default)."""
    require()
    return [ocr_page(path, kind, n) for n in numbers]


def ocr_page(path: pathlib.Path, kind: str, number: int) -> OcrPage:
    """Render or decode one page and recognise it: the unit of work of an OCR worker."""
    image, dpi = load_page(path, kind, number)
    return OcrPage(number, image.width, image.height, dpi, tuple(_recognize(image)))


def count_image_pages(path: pathlib.Path) -> int:
    """Number of frames of an image file (multi-page TIFF), each checked against the pixel cap."""
    with _open_image(path) as image:
        frames = getattr(image, "n_frames", 1)
        for i in range(frames):
            image.seek(i)
            _check_pixels(path, image.width, image.height, i + 1)
    return frames


@contextlib.contextmanager
def _open_image(path: pathlib.Path):
    """Open an image lazily (header only), with damage and Pillow's bomb check as our errors."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Our own cap is lower than Pillow's; its bomb warning must not leak to callers.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                yield image
    except Image.DecompressionBombError as exc:
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(pixels.group(1)) // 1_000_000} megapixels" if pixels else "too large"
        raise ExtractionError(
            f"{path.name} is {size}, over the {MAX_PIXELS // 1_000_000} megapixel limit for "
            "OCR; scale it down"
        ) from None
    except (UnidentifiedImageError, OSError, EOFError, SyntaxError, ValueError) as exc:
        why = CUT_SHORT if "truncated" in str(exc) else None
        raise damaged(path, "image", why) from exc


def load_page(path: pathlib.Path, kind: str, number: int):
    """The page as a greyscale PIL image, no larger than the caps, and its resolution in dpi."""
    if kind == "pdf":
        return _render_pdf_page(path, number)
    with _open_image(path) as image:
        image.seek(number - 1)
        _check_pixels(path, image.width, image.height, number)
        dpi = float((image.info.get("dpi") or (RENDER_DPI,))[0] or RENDER_DPI)
        scale = max(image.width, image.height) / MAX_SIDE
        if scale > 1 and image.format == "JPEG":
            image.draft("L", (int(image.width / scale), int(image.height / scale)))
        page = image.convert("L")
    scale = max(page.width, page.height) / MAX_SIDE
    if scale > 1:
        page = page.resize((round(page.width / scale), round(page.height / scale)))
        dpi /= scale
    return page, dpi


def pdf_scan_pages(path: pathlib.Path) -> list[int]:
    """Pages of a PDF that have no text layer but show an image: the ones to recognise."""
    import pypdfium2.raw as pdfium_c

    document = _open_pdf(path)
    try:
        scans = []
        for number, page in enumerate(document, start=1):
            textpage = page.get_textpage()
            has_text = bool(textpage.get_text_range().strip())
            textpage.close()
            if not has_text and any(
                True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3)
            ):
                scans.append(number)
            page.close()
        return scans
    finally:
        document.close()


def page_lines(page: OcrPage) -> list[Line]:
    """Turn a recognised page into layout lines in points, merging boxes on one baseline."""
    to_pt = 72.0 / page.dpi
    height_pt = page.height * to_pt
    rows: list[list[OcrLine]] = []
    for box in sorted(page.lines, key=lambda b: ((b.top + b.bottom) / 2, b.x0)):
        centre = (box.top + box.bottom) / 2
        for row in rows:
            last = row[-1]
            if abs((last.top + last.bottom) / 2 - centre) < 0.4 * (last.bottom - last.top):
                row.append(box)
                break
        else:
            rows.append([box])
    heights = [max(b.bottom for b in row) - min(b.top for b in row) for row in rows]
    usual = statistics.median(heights) if heights else 0.0
    lines = []
    for row, height in zip(rows, heights, strict=True):
        row.sort(key=lambda b: b.x0)
        text = _join_boxes(row)
        if not text:
            continue
        top = min(b.top for b in row)
        bottom = max(b.bottom for b in row)
        chars = sum(len(b.text) for b in row) or 1
        lines.append(
            Line(
                text=text,
                x0=row[0].x0 * to_pt,
                x1=row[-1].x1 * to_pt,
                top=height_pt - top * to_pt,
                bottom=height_pt - bottom * to_pt,
                # Box heights vary with the glyphs a line happens to hold: within 30 % of the
                # page's usual height they are one size (a title is set 35 % larger or more).
                # Boxes are padded: the glyphs are about 0.8 of the box height.
                size=(usual if abs(height - usual) < 0.3 * usual else height) * to_pt * 0.8,
                page=page.number,
                page_height=height_pt,
                confidence=sum(b.confidence * len(b.text) for b in row) / chars,
            )
        )
    lines.sort(key=lambda ln: (-ln.top, ln.x0))
    return lines


_SPACE_IN_CJK = re.compile(r"(?<=[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]) +(?=[\u2e80-\u9fff])")


def _join_boxes(row: list[OcrLine]) -> str:
    """Join the boxes of one line; a wide gap becomes a space unless both sides are CJK."""
    out = ""
    previous: OcrLine | None = None
    for box in row:
        text = _SPACE_IN_CJK.sub("", box.text.strip())
        if not text:
            continue
        if previous is not None and out:
            height = previous.bottom - previous.top
            if box.x0 - previous.x1 > 1.5 * height or not (is_cjk(out[-1]) or is_cjk(text[0])):
                out += " "
        out += text
        previous = box
    return out


def _check_pixels(path: pathlib.Path, width: int, height: int, number: int) -> None:
    if width * height > MAX_PIXELS:
        raise ExtractionError(
            f"{path.name} page {number} is {width} × {height} pixels, over the "
            f"{MAX_PIXELS // 1_000_000} megapixel limit for OCR; scale it down"
        )


def _open_pdf(path: pathlib.Path):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise damaged(path, "pdf") from exc


def _render_pdf_page(path: pathlib.Path, number: int):
    document = _open_pdf(path)
    try:
        page = document[number - 1]
        width, height = page.get_size()
        scale = RENDER_DPI / 72
        # A giant page (a poster, a mis-set media box) is rendered smaller, not refused.
        scale = min(
            scale, (MAX_PIXELS / max(width * height, 1)) ** 0.5, MAX_SIDE / max(width, height)
        )
        bitmap = page.render(scale=scale, grayscale=True)
        image = bitmap.to_pil().convert("L")
        bitmap.close()
        page.close()
    finally:
        document.close()
    return image, 72 * scale


@functools.cache
def _engine():
    """The recogniser, loaded once per process from the models inside the rapidocr wheel."""
    import rapidocr
    from rapidocr import RapidOCR

    models = pathlib.Path(rapidocr.__file__).parent / "models"
    paths = {
        "Det.model_path": models / "PP-OCRv6_det_small.onnx",
        "Rec.model_path": models / "PP-OCRv6_rec_small.onnx",
        "Cls.model_path": models / "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    }
    missing = [p.name for p in paths.values() if not p.is_file()]
    if missing:
        # Never let the engine download them: say what is wrong instead.
        raise OcrUnavailable(f"the OCR models are missing ({', '.join(missing)}); {INSTALL_HINT}")
    params = {key: str(value) for key, value in paths.items()}
    params.update(
        {
            "Global.log_level": "error",
            "Global.use_cls": False,
            # The default 0.5 loses a lone short line (a paragraph's last few characters
            # carried over to an otherwise empty page); 0.3 keeps it, with the same accuracy
            # on full pages.
            "Det.box_thresh": 0.3,
            # One thread per process: parallelism comes from worker processes, one per core.
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )
    return RapidOCR(params=params)


def _recognize(image) -> list[OcrLine]:
    import numpy as np

    result = _engine()(np.asarray(image.convert("RGB")))
    if result.boxes is None or result.txts is None:
        return []
    lines = []
    for box, text, score in zip(result.boxes, result.txts, result.scores, strict=False):
        xs = [float(p[0]) for p in box]
        ys = [float(p[1]) for p in box]
        if text.strip():
            lines.append(OcrLine(text, min(xs), min(ys), max(xs), max(ys), round(float(score), 4)))
    return lines
