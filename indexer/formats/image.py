"""Scanned pages as image files (PNG, JPEG, TIFF including multi-page TIFF), read by OCR."""

from __future__ import annotations

import pathlib

from . import ocr
from .blocks import Extracted
from .layout import drop_furniture, paragraphs


def read_image(path: pathlib.Path, recognize: ocr.PageOcr | None = None) -> Extracted:
    """Recognise every page of an image file and lay its lines out into paragraphs."""
    if recognize is None:
        recognize = ocr.recognize_pages
    if not ocr.available():
        raise ocr.OcrUnavailable(f"{path.name} is a scanned image; {ocr.INSTALL_HINT}")
    pages = recognize(path, "image", list(range(1, ocr.count_image_pages(path) + 1)))
    return Extracted(blocks=paragraphs(drop_furniture([ocr.page_lines(p) for p in pages])))
