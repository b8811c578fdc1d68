"""Page images rendered from corpus paragraphs: the ground truth for OCR accuracy and speed.

Laid out like a printed 公文 (GB/T 9704): A4, a 156 × 225 mm type area, 三号 (16 pt) body text,
28 characters a line, two-character first-line indents. The tests and the OCR benchmark share it.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

SERIF = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
SANS = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
# Face index of the simplified-Chinese design inside Noto's CJK collections.
SC_FACE = 2
MM_PER_INCH = 25.4


@dataclass(frozen=True)
class Page:
    """A rendered page and the paragraphs drawn on it (a paragraph may continue on the next)."""

    image: object  # PIL.Image.Image, kept untyped so importing this module needs no Pillow
    paragraphs: list[str]
    lines: list[str]


def corpus_paragraphs(corpus: Path, count: int, seed: int = 12, max_len: int = 160) -> list[str]:
    """A fixed random choice of body paragraphs (10–max_len characters) from the corpus."""
    rows = [json.loads(x) for x in (corpus / "manifest.jsonl").read_text("utf-8").splitlines()]
    rng = random.Random(seed)
    rng.shuffle(rows)
    out: list[str] = []
    for row in rows:
        lines = [
            ln.strip()
            for ln in (corpus / row["file"]).read_text("utf-8").splitlines()
            if 10 <= len(ln.strip()) <= max_len
        ]
        if lines:
            out.append(rng.choice(lines))
        if len(out) == count:
            break
    return out


def render_pages(
    paragraphs: list[str],
    *,
    dpi: int = 200,
    font: Path = SERIF,
    size_pt: float = 16.0,
    max_pages: int | None = None,
    page_number: bool = False,
    lines_per_page: int | None = None,
) -> list[Page]:
    """Lay paragraphs out on white A4 pages, black text, as a clean scan would show them."""
    from PIL import Image, ImageDraw, ImageFont

    px = dpi / MM_PER_INCH
    width, height = round(210 * px), round(297 * px)
    left, top = round(27 * px), round(37 * px)
    area_w, area_h = round(156 * px), round(225 * px)
    size = round(size_pt / 72 * dpi)
    face = ImageFont.truetype(str(font), size, index=SC_FACE)
    pitch = round(size * 1.6)
    per_page = min(area_h // pitch, lines_per_page or area_h)
    lines: list[tuple[str, int]] = []  # (text, paragraph index)
    for i, para in enumerate(paragraphs):
        text = "\u3000\u3000" + para
        row = ""
        for ch in text:
            if face.getlength(row + ch) > area_w:
                lines.append((row, i))
                row = ""
            row += ch
        lines.append((row, i))
    pages: list[Page] = []
    for start in range(0, len(lines), per_page):
        if max_pages is not None and len(pages) == max_pages:
            break
        chunk = lines[start : start + per_page]
        image = Image.new("L", (width, height), 255)
        draw = ImageDraw.Draw(image)
        for n, (text, _) in enumerate(chunk):
            draw.text((left, top + n * pitch), text, font=face, fill=0)
        if page_number:
            number = f"— {len(pages) + 1} —"
            w = face.getlength(number)
            draw.text(((width - w) / 2, top + area_h + pitch), number, font=face, fill=0)
        shown = sorted({i for _, i in chunk})
        drawn = [text.lstrip("\u3000") for text, _ in chunk]
        pages.append(Page(image, [paragraphs[i] for i in shown], drawn))
    return pages


def save_pdf(pages: list[Page], path: Path, dpi: int = 200) -> None:
    """Write the pages as an image-only PDF (no text layer), as a scanner does."""
    images = [p.image for p in pages]
    images[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=images[1:])


def save_tiff(pages: list[Page], path: Path, dpi: int = 200) -> None:
    """Write the pages as one multi-page TIFF (Group 4 fax compression, as office scanners do)."""
    images = [p.image.convert("1") for p in pages]
    images[0].save(
        path, "TIFF", compression="group4", dpi=(dpi, dpi), save_all=True, append_images=images[1:]
    )


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions), two rows at a time."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def char_accuracy(truth: str, got: str) -> float:
    """1 − edit distance / length of the truth, over the texts with all whitespace removed."""
    truth = "".join(truth.split())
    got = "".join(got.split())
    if not truth:
        return 1.0 if not got else 0.0
    return max(0.0, 1 - edit_distance(truth, got) / len(truth))
