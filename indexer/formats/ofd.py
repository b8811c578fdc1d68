"""OFD (GB/T 33190, the national format for official electronic documents): a zip of XML.

Read with lxml over the standard's structure: OFD.xml names the document (DocBody/DocRoot) and
its title (DocInfo/Title); the document lists its pages (Pages/Page@BaseLoc); each page's
Content holds layers of TextObject elements (Boundary "x y w h" in millimetres, y downwards,
Size, and TextCode runs with X, Y and DeltaX). Text runs become lines, and lines paragraphs,
the way a PDF's text layer does (layout.py), so headers, footers and page numbers drop out.
"""

from __future__ import annotations

import pathlib
import posixpath
import re
import zipfile

from .archive import open_archive, read_member
from .blocks import Extracted, ExtractionError, clean, is_cjk
from .layout import Line, drop_furniture, paragraphs
from .problems import damaged, not_a

MM_TO_PT = 72 / 25.4
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?")


def read_ofd(path: pathlib.Path) -> Extracted:
    """Extract the paragraphs and title of an OFD file, with page numbers."""
    import lxml.etree

    with open_archive(path, "OFD") as archive:
        names = {n.lower(): n for n in archive.namelist()}
        if "ofd.xml" not in names:
            raise not_a(path, "ofd")
        try:
            root = _xml(archive, names["ofd.xml"], path)
            body = _child(root, "DocBody")
            doc_root = _text(_child(body, "DocRoot")) if body is not None else ""
            if not doc_root:
                raise damaged(path, "ofd", "it names no document inside it")
            title = clean(_text(_child(_child(body, "DocInfo"), "Title"))) or None
            doc_path = _resolve("", doc_root)
            document = _xml(archive, _member(names, doc_path, path), path)
            base = posixpath.dirname(doc_path)
            width, height = _page_size(_child(_child(document, "CommonData"), "PageArea"))
            pages: list[list[Line]] = []
            for number, page in enumerate(_children(_child(document, "Pages"), "Page"), 1):
                loc = _resolve(base, page.get("BaseLoc") or "")
                content = _xml(archive, _member(names, loc, path), path)
                area = _child(content, "Area")
                page_height = _page_size(area)[1] if area is not None else height
                pages.append(_page_lines(content, number, page_height))
        except lxml.etree.XMLSyntaxError as exc:
            raise damaged(path, "ofd", "its XML is broken") from exc
    if not any(pages):
        raise ExtractionError(f"{path.name} has no text (a scanned OFD?); export it as PDF")
    return Extracted(blocks=paragraphs(drop_furniture(pages)), title=title)


def _xml(archive: zipfile.ZipFile, name: str, path: pathlib.Path):
    import lxml.etree

    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return lxml.etree.fromstring(read_member(archive, name, path, "OFD"), parser)


def _local(el) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def _children(el, name: str) -> list:
    if el is None:
        return []
    return [c for c in el if _local(c) == name]


def _child(el, name: str):
    found = _children(el, name)
    return found[0] if found else None


def _text(el) -> str:
    return (el.text or "").strip() if el is not None else ""


def _resolve(base: str, loc: str) -> str:
    """A BaseLoc inside the package: absolute from the root when it starts with /."""
    loc = loc.strip().replace("\\", "/")
    joined = loc.lstrip("/") if loc.startswith("/") else posixpath.join(base, loc)
    return posixpath.normpath(joined)


def _member(names: dict[str, str], loc: str, path: pathlib.Path) -> str:
    name = names.get(loc.lower())
    if name is None:
        raise damaged(path, "ofd", f"{loc} is missing from it")
    return name


def _page_size(area) -> tuple[float, float]:
    box = _numbers(_text(_child(area, "PhysicalBox")))
    return (box[2], box[3]) if len(box) == 4 else (210.0, 297.0)


def _numbers(text: str) -> list[float]:
    return [float(x) for x in _NUMBER.findall(text or "")]


def _advances(delta: str | None, count: int, size: float) -> list[float]:
    """Character advances from DeltaX ("g N v" repeats v N times); em squares when absent."""
    out: list[float] = []
    tokens = (delta or "").split()
    i = 0
    while i < len(tokens):
        if tokens[i] == "g" and i + 2 < len(tokens):
            try:
                out += [float(tokens[i + 2])] * int(tokens[i + 1])
            except ValueError:
                pass
            i += 3
        else:
            try:
                out.append(float(tokens[i]))
            except ValueError:
                pass
            i += 1
    return (out + [size] * count)[: max(count - 1, 0)]


def _page_lines(content, number: int, height_mm: float) -> list[Line]:
    """Text runs of a page, merged into lines on one baseline, in layout coordinates."""
    runs: list[tuple[float, float, float, float, str]] = []  # baseline, x0, x1, size, text
    for obj in content.iter():
        if _local(obj) != "TextObject":
            continue
        box = _numbers(obj.get("Boundary") or "")
        bx, by = (box[0], box[1]) if len(box) >= 2 else (0.0, 0.0)
        size = float((_numbers(obj.get("Size") or "") or [3.5])[0])
        x = y = 0.0
        for code in _children(obj, "TextCode"):
            text = code.text or ""
            x = float(code.get("X", x))
            y = float(code.get("Y", y))
            if text.strip():
                width = sum(_advances(code.get("DeltaX"), len(text), size)) + size
                runs.append((by + y, bx + x, bx + x + width, size, text))
    runs.sort(key=lambda r: (r[0], r[1]))
    rows: list[list[tuple[float, float, float, float, str]]] = []
    for run in runs:
        if rows and abs(rows[-1][0][0] - run[0]) < 0.3 * run[3]:
            rows[-1].append(run)
        else:
            rows.append([run])
    lines = []
    for row in rows:
        row.sort(key=lambda r: r[1])
        text = ""
        previous_x1 = None
        for _baseline, x0, x1, size, piece in row:
            if (
                previous_x1 is not None
                and text
                and (x0 - previous_x1 > 1.5 * size or not (is_cjk(text[-1]) or is_cjk(piece[:1])))
            ):
                text += " "
            text += piece
            previous_x1 = x1
        text = clean(text)
        if not text:
            continue
        baseline, size = row[0][0], max(r[3] for r in row)
        lines.append(
            Line(
                text=text,
                x0=row[0][1] * MM_TO_PT,
                x1=row[-1][2] * MM_TO_PT,
                top=(height_mm - (baseline - 0.88 * size)) * MM_TO_PT,
                bottom=(height_mm - (baseline + 0.12 * size)) * MM_TO_PT,
                size=size * MM_TO_PT,
                page=number,
                page_height=height_mm * MM_TO_PT,
            )
        )
    lines.sort(key=lambda ln: (-ln.top, ln.x0))
    return lines
