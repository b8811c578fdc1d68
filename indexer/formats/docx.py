"""Word .docx files through python-docx: body order, heading styles, tables flattened by row.

Table rows become one block each: the non-empty cells joined by " | ". A manual line break ends a
block, since Chinese documents use it as a paragraph separator far more often than as a soft wrap.
"""

from __future__ import annotations

import pathlib
import re

from .archive import open_archive
from .blocks import OLE_MAGIC, Block, Extracted, ExtractionError, clean
from .problems import BROKEN_ZIP, damaged

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Deleted text, field codes and drawings (text boxes, whose content Word also duplicates in
# mc:Fallback) are not part of the running text.
_DOCX_SKIP = frozenset(
    {
        _W + "del",
        _W + "moveFrom",
        _W + "delText",
        _W + "instrText",
        _W + "pPr",
        _W + "rPr",
        _W + "drawing",
        _W + "pict",
        _MC_FALLBACK,
    }
)
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLES = frozenset({"title", "标题"})


def extract_docx(path: pathlib.Path) -> Extracted:
    """Extract paragraphs, headings and flattened tables of a .docx file in body order."""
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if zipfile.is_zipfile(path):
        open_archive(path, "DOCX").close()  # refuses a zip bomb before python-docx unpacks it
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError) as exc:
        if path.is_file() and _head(path) == OLE_MAGIC:
            raise ExtractionError(
                f"{path.name} is an old Word .doc file named .docx; save it as .docx"
            ) from exc
        missing = isinstance(exc, KeyError) and zipfile.is_zipfile(path)
        raise damaged(path, "docx", "parts of it are missing" if missing else BROKEN_ZIP) from exc
    blocks: list[Block] = []
    first_title: str | None = None
    for kind, el in _iter_body(document.element.body):
        if kind == "p":
            style_level, is_title = _paragraph_style(document, el)
            for line in _docx_text(el).split("\n"):
                text = clean(line.replace("\t", " "))
                if text:
                    blocks.append(Block(text, heading_level=style_level))
                    if is_title and first_title is None:
                        first_title = text
        else:
            for tr in el.iterchildren(_W + "tr"):
                cells = []
                for tc in tr.iterchildren(_W + "tc"):
                    parts = (
                        clean(_docx_text(p).replace("\n", " ").replace("\t", " "))
                        for p in tc.iter(_W + "p")
                    )
                    cell = " ".join(p for p in parts if p)
                    if cell:
                        cells.append(cell)
                if cells:
                    blocks.append(Block(" | ".join(cells)))
    core_title = clean(document.core_properties.title or "")
    return Extracted(blocks=blocks, title=core_title or first_title)


def _head(path: pathlib.Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(len(OLE_MAGIC))


def _iter_body(body):
    """Yield ("p"|"tbl", element) for body children in order, looking inside content controls."""
    for child in body.iterchildren():
        if child.tag == _W + "p":
            yield "p", child
        elif child.tag == _W + "tbl":
            yield "tbl", child
        elif child.tag in (_W + "sdt", _W + "customXml"):
            content = child.find(_W + "sdtContent")
            yield from _iter_body(content if content is not None else child)


def _docx_text(el) -> str:
    """Concatenate the visible text of a paragraph's runs, hyperlinks, insertions and fields."""
    out: list[str] = []

    def walk(node) -> None:
        for child in node.iterchildren():
            tag = child.tag
            if not isinstance(tag, str) or tag in _DOCX_SKIP:
                continue
            if tag == _W + "t":
                out.append(child.text or "")
            elif tag in (_W + "tab", _W + "ptab"):
                out.append("\t")
            elif tag in (_W + "br", _W + "cr"):
                out.append("\n")
            elif tag == _W + "noBreakHyphen":
                out.append("-")
            else:
                walk(child)

    walk(el)
    return "".join(out)


def _paragraph_style(document, p) -> tuple[int | None, bool]:
    """Return (heading level, is Title style) from the paragraph's style chain or outline level."""
    from docx.text.paragraph import Paragraph

    style = Paragraph(p, document.part).style
    level: int | None = None
    is_title = False
    seen = 0
    current = style
    while current is not None and seen < 10:
        name = (current.name or "").strip()
        match = _HEADING_STYLE.match(name)
        if match:
            level = int(match.group(1))
            break
        if name.lower() in _TITLE_STYLES:
            is_title = True
            break
        current = current.base_style
        seen += 1
    if level is None and not is_title:
        level = _outline_level(p) or _outline_level(style.element if style is not None else None)
    return level, is_title


def _outline_level(el) -> int | None:
    """Heading level from w:outlineLvl (0-8; 9 is body text), which WPS writes for headings."""
    if el is None:
        return None
    ppr = el.find(_W + "pPr")
    node = ppr.find(_W + "outlineLvl") if ppr is not None else None
    if node is None:
        return None
    value = node.get(_W + "val")
    if value is not None and value.isdigit() and int(value) < 9:
        return int(value) + 1
    return None
