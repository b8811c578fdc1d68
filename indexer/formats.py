"""Text extraction from HTML, DOCX and PDF into paragraph blocks.

Libraries: lxml for HTML (already required by python-docx; gov.cn content areas are known by
class/id, and on our fixtures trafilatura (18 extra packages) kept the 责任编辑 line and, on a
small municipal page, the menu, breadcrumb and footer, while readability-lxml dropped the table);
python-docx for DOCX; pdfminer.six for PDF (pure Python, gives per-character positions, ships the
Adobe CMaps that CID fonts such as STSong-Light need).

Table rows, in DOCX and HTML alike, become one block each: the non-empty cells joined by " | ".
A ``<br>`` in HTML and a manual line break in DOCX both end a block, since Chinese pages use them
as paragraph separators far more often than as soft wraps.
"""

from __future__ import annotations

import codecs
import functools
import pathlib
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .errors import GovsearchError

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Block",
    "ExtractionError",
    "Extracted",
    "UnsupportedFormat",
    "extract",
    "extract_docx",
    "extract_html",
    "extract_pdf",
]

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".html", ".htm", ".docx", ".pdf"})


@dataclass(frozen=True)
class Block:
    """One paragraph of extracted text, with its PDF page and heading level when known."""

    text: str
    page: int | None = None
    heading_level: int | None = None


@dataclass(frozen=True)
class Extracted:
    """The paragraphs of one document and its title, if the file states one."""

    blocks: list[Block] = field(default_factory=list)
    title: str | None = None


class UnsupportedFormat(GovsearchError):
    """The file's format cannot be read; the message names it and says what to convert it to."""


class ExtractionError(GovsearchError):
    """The file has a supported format but its text cannot be extracted; the message says why."""


_UNSUPPORTED: dict[str, str] = {
    ".doc": "old Word .doc format is not supported; save it as .docx",
    ".wps": "WPS Writer .wps format is not supported; save it as .docx",
    ".rtf": "RTF format is not supported; save it as .docx",
    ".odt": "OpenDocument .odt format is not supported; save it as .docx",
    ".xls": "Excel .xls format is not supported; export the sheet as .html or .pdf",
    ".xlsx": "Excel .xlsx format is not supported; export the sheet as .html or .pdf",
    ".et": "WPS Spreadsheets .et format is not supported; export the sheet as .html or .pdf",
    ".ppt": "PowerPoint .ppt format is not supported; export it as .pdf",
    ".pptx": "PowerPoint .pptx format is not supported; export it as .pdf",
    ".dps": "WPS Presentation .dps format is not supported; export it as .pdf",
    ".ofd": "OFD format is not supported; export it as .pdf",
    ".caj": "CAJ format is not supported; export it as .pdf",
}


def extract(path: pathlib.Path) -> Extracted:
    """Extract blocks from an .html/.htm, .docx or .pdf file, chosen by its suffix."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        return extract_html(path.read_bytes())
    if suffix == ".docx":
        return extract_docx(path)
    if suffix == ".pdf":
        return extract_pdf(path)
    if suffix in _UNSUPPORTED:
        raise UnsupportedFormat(_UNSUPPORTED[suffix])
    from .ingest import TEXT_SUFFIXES  # not at the top: ingest imports this module

    supported = ", ".join(sorted(SUPPORTED_SUFFIXES | TEXT_SUFFIXES))
    if not suffix:
        raise UnsupportedFormat(f"files without a suffix are not supported; supported: {supported}")
    raise UnsupportedFormat(f"{suffix} format is not supported; supported: {supported}")


# --------------------------------------------------------------------------- shared text helpers

# Han, CJK punctuation, kana, full-width forms: the characters that are written without spaces.
_CJK = (
    "\u2e80-\u2fff\u3001-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
_CJK_CHAR = re.compile(f"[{_CJK}]")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# A source line break between two CJK characters is layout, not a space (CSS Text segment-break
# rule); keeping it as a space would make substrings such as 河长制 unfindable.
_CJK_LINE_BREAK = re.compile(f"(?<=[{_CJK}])[ \t\xa0]*[\r\n][ \t\r\n\xa0]*(?=[{_CJK}])")
_SPACE_RUN = re.compile("[ \t\r\n\f\v\xa0]+")


def _clean(text: str) -> str:
    """Collapse whitespace like a browser does, minus breaks inside CJK text; trim the edges."""
    text = _ZERO_WIDTH.sub("", text)
    text = _CJK_LINE_BREAK.sub("", text)
    return _SPACE_RUN.sub(" ", text).strip()


def _is_cjk(ch: str) -> bool:
    """Tell whether a character belongs to the no-space CJK scripts and punctuation."""
    return bool(_CJK_CHAR.match(ch))


# ------------------------------------------------------------------------------------------ HTML

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)|<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-]+)""",
    re.IGNORECASE,
)
# GB2312 and GBK labels are decoded as GB18030, the superset: GB2312-labelled pages routinely
# contain GBK-only characters such as 镕, and Python's gb2312 codec maps A1AA to U+2015, not —.
_GB_LABELS = frozenset(
    {
        "gb2312",
        "gb_2312",
        "gb_2312-80",
        "gbk",
        "x-gbk",
        "cp936",
        "ms936",
        "gb18030",
        "csgb2312",
        "euc-cn",
    }
)


def _decode_html(data: bytes) -> str:
    """Decode HTML bytes: BOM, then valid UTF-8, then the declared charset, then GB18030."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    match = _DECLARED_CHARSET.search(data[:4096])
    declared = (match.group(1) or match.group(2)).decode("ascii").lower() if match else None
    if declared in _GB_LABELS:
        declared = "gb18030"
    candidates = ["utf-8"]
    if declared:
        try:
            candidates.append(codecs.lookup(declared).name)
        except LookupError:
            pass
    candidates.append("gb18030")
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


_CONTENT_SELECTORS = (
    "#UCAP-CONTENT",
    ".TRS_Editor",
    ".pages_content",
    "#zoom",
    ".article-content",
    ".article_content",
    ".article_con",
    ".content_text",
    "#content",
    ".article",
    "article",
)
_BLOCK_TAGS = frozenset(
    "address article aside blockquote caption center dd details dialog div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section "
    "table tbody td tfoot th thead tr ul".split()
)
_DROP_TAGS = frozenset(
    "script style noscript iframe object embed input button select textarea nav svg canvas "
    "template head".split()
)
_BOILERPLATE_TOKEN = re.compile(
    r"^(?:nav|navbar|menu|breadcrumb|breadcrumbnav|crumbs?|position|location|share|bdshare|print"
    r"|footer|foot|bottom|copyright|related|relate|xglj|xgwj|xgxw|toolbar|tools?|pages-date"
    r"|pagination|jiedu)(?:[-_].*)?$"
    r"|(?:^|[-_])(?:nav|menu|breadcrumb|share|footer|related|copyright)(?:[-_]|$)",
    re.IGNORECASE,
)
_HEADER_TOKEN = re.compile(r"^(?:header|head|top|logo|banner)(?:[-_].*)?$", re.IGNORECASE)
_RELATED_LABEL = re.compile(
    r"^(?:相关链接|相关文件|相关阅读|相关新闻|相关稿件|相关解读|延伸阅读|相关信息)[：:]?"
)
_CONTAINER_TAGS = frozenset({"div", "section", "aside", "dl", "ul", "ol", "table"})
_BOILERPLATE_TEXT = re.compile(
    r"^(?:当前位置|您现在的位置|您的位置|当前的位置|所在位置|现在位置|首页\s*[>›»])"
    r"|分享到|打印本页|关闭窗口|【打印】|【关闭】|\[打印\]|\[关闭\]|收藏本页|返回顶部|字号[：:]|【字体"
    r"|版权所有|网站标识码|ICP备|公网安备|主办单位[：:]|承办单位[：:]|技术支持[：:]|运行维护单位"
    r"|我要纠错|责任编辑[：:]"
    r"|^(?:发布时间|发布日期|信息来源|来源|浏览次数|访问量|点击数|阅读次数)[：:]"
)
_TITLE_SEPARATOR = re.compile(r"\s*(?:_|\||｜|\s[-–—]\s|－|--)\s*")


def extract_html(data: bytes) -> Extracted:
    """Extract the article paragraphs and the title of a (government) web page."""
    import lxml.etree
    import lxml.html

    text = _decode_html(data)
    # lxml refuses str input that still carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        raise ExtractionError("HTML document is empty")
    try:
        doc = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"HTML could not be parsed: {exc}") from exc
    for node in list(doc.iter(lxml.etree.Comment, lxml.etree.ProcessingInstruction)):
        _drop_keep_tail(node)
    title = _html_title(doc)
    for node in [el for el in doc.iter() if isinstance(el.tag, str) and el.tag in _DROP_TAGS]:
        _drop_keep_tail(node)
    root = _content_root(doc)
    _drop_boilerplate(root)
    try:
        blocks = [b for b in _html_blocks(root) if not _is_boilerplate_text(b.text)]
    except RecursionError as exc:
        raise ExtractionError("HTML is nested too deeply to extract") from exc
    return Extracted(blocks=blocks, title=title)


def _drop_keep_tail(node) -> None:
    """Remove an element from the tree while keeping the text that follows it."""
    if node.getparent() is not None:
        node.drop_tree()


def _tokens(el) -> list[str]:
    """Return the class and id tokens of an element."""
    return (el.get("class") or "").split() + (el.get("id") or "").split()


def _html_title(doc) -> str | None:
    """Pick the title: ArticleTitle meta, then an article <h1>, then <title> minus site name."""
    metas = {}
    for meta in doc.iter("meta"):
        key = (meta.get("name") or meta.get("property") or "").lower()
        metas.setdefault(key, _clean(meta.get("content") or ""))
    for key in ("articletitle", "og:title"):
        if metas.get(key):
            return metas[key]
    page_title = ""
    for el in doc.iter("title"):
        page_title = _clean(el.text_content())
        break
    segments = [s for s in _TITLE_SEPARATOR.split(page_title) if s]
    site_names = set(segments[1:])
    for h1 in doc.iter("h1"):
        if any(
            _HEADER_TOKEN.match(t) or _BOILERPLATE_TOKEN.match(t)
            for a in h1.iterancestors()
            for t in _tokens(a)
        ):
            continue
        value = _clean(h1.text_content())
        if value and value not in site_names:
            return value
    if segments:
        return segments[0]
    return None


def _text_len(el) -> int:
    """Length of an element's visible text without whitespace."""
    return len(re.sub(r"\s+", "", el.text_content()))


def _content_root(doc):
    """Find the article container: a known gov.cn content area, else the densest text container."""
    root = _known_content_root(doc)
    return root if root is not None else _densest_container(doc)


def _known_content_root(doc):
    """Return the first known content area that has text, preferring the most specific selector."""
    for selector in _CONTENT_SELECTORS:
        if selector.startswith("#"):
            found = doc.xpath("//*[@id=$v]", v=selector[1:])
        elif selector.startswith("."):
            found = doc.xpath(
                "//*[contains(concat(' ', normalize-space(@class), ' '), $v)]",
                v=f" {selector[1:]} ",
            )
        else:
            found = list(doc.iter(selector))
        found = [el for el in found if _text_len(el) > 0]
        if found:
            return max(found, key=_text_len)
    return None


def _densest_container(doc):
    """Score containers by the non-link text of their paragraph children, readability-style."""
    scores: Counter = Counter()
    for el in doc.iter("p", "div", "td", "section"):
        own = (el.text or "") + "".join(
            (child.text_content() if child.tag not in ("a", "div", "table", "ul", "ol") else "")
            + (child.tail or "")
            for child in el
            if isinstance(child.tag, str)
        )
        length = len(re.sub(r"\s+", "", own))
        if length < 10:
            continue
        parent = el.getparent() if el.tag == "p" else el
        if parent is None:
            continue
        scores[parent] += length
        grandparent = parent.getparent()
        if grandparent is not None:
            scores[grandparent] += length // 2
    if scores:
        return scores.most_common(1)[0][0]
    body = doc.find("body")
    return body if body is not None else doc


def _drop_boilerplate(root) -> None:
    """Remove menus, share bars, footers and related-link lists inside the content root."""
    doomed = []
    for el in root.iterdescendants():
        if not isinstance(el.tag, str):
            continue
        if el.tag in ("header", "footer", "aside") or any(
            _BOILERPLATE_TOKEN.match(t) for t in _tokens(el)
        ):
            doomed.append(el)
            continue
        head = _clean(el.text_content())[:12]
        if not _RELATED_LABEL.match(head):
            continue
        if el.tag in _CONTAINER_TAGS:
            doomed.append(el)
        elif _RELATED_LABEL.sub("", head) == "" or _clean(el.text_content()) == head:
            doomed.append(el)
            for sibling in el.itersiblings():
                if not isinstance(sibling.tag, str):
                    continue
                if sibling.tag in _CONTAINER_TAGS and _is_link_list(sibling):
                    doomed.append(sibling)
                    continue
                break
    for el in doomed:
        _drop_keep_tail(el)


def _is_link_list(el) -> bool:
    """Tell whether most of an element's text is link text."""
    total = _text_len(el)
    linked = sum(_text_len(a) for a in el.iter("a"))
    return total > 0 and linked >= 0.6 * total


def _is_boilerplate_text(text: str) -> bool:
    """Tell whether a short block is page chrome (breadcrumb, share bar, footer, byline)."""
    return len(text) < 100 and bool(_BOILERPLATE_TEXT.search(text))


def _is_layout_table(table) -> bool:
    """Tell a layout table (holds the article) from a data table (rows of short cells)."""
    if table.find(".//table") is not None:
        return True
    rows = table.findall(".//tr")
    cells = [c for r in rows for c in r if isinstance(c.tag, str) and c.tag in ("td", "th")]
    if not rows or len(cells) <= len(rows):
        return True
    return any(_text_len(c) > 300 for c in cells)


def _join_blocks(blocks: list[Block]) -> str:
    """Join the blocks of a heading or table cell into one line of text."""
    return functools.reduce(_join_wrapped, (b.text for b in blocks), "")


def _html_blocks(root) -> list[Block]:
    """Walk the content root and cut its text into blocks at block elements and <br>."""
    blocks: list[Block] = []
    buffer: list[str] = []

    def flush() -> None:
        text = _clean("".join(buffer))
        buffer.clear()
        if text:
            blocks.append(Block(text))

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        is_block = tag in _BLOCK_TAGS
        if is_block:
            flush()
        if tag == "br":
            flush()
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            text = _join_blocks(_html_blocks(el))
            if text:
                blocks.append(Block(text, heading_level=int(tag[1])))
        elif tag == "table" and not _is_layout_table(el):
            for row in el.iter("tr"):
                cells = [_join_blocks(_html_blocks(c)) for c in row if c.tag in ("td", "th")]
                text = " | ".join(c for c in cells if c)
                if text:
                    blocks.append(Block(text))
        elif tag:
            if el.text:
                buffer.append(el.text)
            for child in el:
                walk(child)
        if is_block:
            flush()
        if el.tail:
            buffer.append(el.tail)

    if root.text:
        buffer.append(root.text)
    for child in root:
        walk(child)
    flush()
    return blocks


# ------------------------------------------------------------------------------------------ DOCX

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

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError) as exc:
        if path.is_file() and path.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise ExtractionError(
                f"{path.name} is an old Word .doc file named .docx; save it as .docx"
            ) from exc
        raise ExtractionError(f"{path.name} is not a readable .docx file ({exc})") from exc
    blocks: list[Block] = []
    first_title: str | None = None
    for kind, el in _iter_body(document.element.body):
        if kind == "p":
            style_level, is_title = _paragraph_style(document, el)
            for line in _docx_text(el).split("\n"):
                text = _clean(line.replace("\t", " "))
                if text:
                    blocks.append(Block(text, heading_level=style_level))
                    if is_title and first_title is None:
                        first_title = text
        else:
            for tr in el.iterchildren(_W + "tr"):
                cells = []
                for tc in tr.iterchildren(_W + "tc"):
                    parts = (
                        _clean(_docx_text(p).replace("\n", " ").replace("\t", " "))
                        for p in tc.iter(_W + "p")
                    )
                    cell = " ".join(p for p in parts if p)
                    if cell:
                        cells.append(cell)
                if cells:
                    blocks.append(Block(" | ".join(cells)))
    core_title = _clean(document.core_properties.title or "")
    return Extracted(blocks=blocks, title=core_title or first_title)


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


# ------------------------------------------------------------------------------------------- PDF

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
            value = _clean(re.sub(r"^Microsoft Word - |\.docx?$", "", raw.strip()))
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
                    if before and after and not _is_cjk(before) and not _is_cjk(after[:1]):
                        pieces.append(" ")
                continue
            pieces.append(text)
            if isinstance(c, LTChar) and text.strip():
                visible.append(c)
        if visible:
            previous_x1 = visible[-1].x1
    text = "".join(pieces)
    stripped = _clean(text)
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
            text = _join_wrapped(text, line.text)
    blocks.append(Block(text, page=page))
    return blocks


def _join_wrapped(left: str, right: str) -> str:
    """Join a wrapped line to its paragraph: no space in CJK text, one space between Latin words."""
    if not left or not right:
        return left + right
    a, b = left[-1], right[0]
    if a == "-" or _is_cjk(a) or _is_cjk(b):
        return left + right
    if (a.isalnum() or a in ",.;:!?)%") and (b.isalnum() or b in "(\"'"):
        return f"{left} {right}"
    return left + right
