"""HTML pages: the article body of a (government) web page, without menus and footers.

lxml (already required by python-docx): gov.cn content areas are known by class/id, and on our
fixtures trafilatura (18 extra packages) kept the 责任编辑 line and, on a small municipal page, the
menu, breadcrumb and footer, while readability-lxml dropped the table.

Table rows become one block each: the non-empty cells joined by " | ". A ``<br>`` ends a block,
since Chinese pages use it as a paragraph separator far more often than as a soft wrap.
"""

from __future__ import annotations

import codecs
import functools
import pathlib
import re
from collections import Counter

from .blocks import Block, Extracted, ExtractionError, clean, join_wrapped
from .problems import not_a

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
        metas.setdefault(key, clean(meta.get("content") or ""))
    for key in ("articletitle", "og:title"):
        if metas.get(key):
            return metas[key]
    page_title = ""
    for el in doc.iter("title"):
        page_title = clean(el.text_content())
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
        value = clean(h1.text_content())
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
        head = clean(el.text_content())[:12]
        if not _RELATED_LABEL.match(head):
            continue
        if el.tag in _CONTAINER_TAGS:
            doomed.append(el)
        elif _RELATED_LABEL.sub("", head) == "" or clean(el.text_content()) == head:
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
    return functools.reduce(join_wrapped, (b.text for b in blocks), "")


def _html_blocks(root) -> list[Block]:
    """Walk the content root and cut its text into blocks at block elements and <br>."""
    blocks: list[Block] = []
    buffer: list[str] = []

    def flush() -> None:
        text = clean("".join(buffer))
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


def read_html(path: pathlib.Path) -> Extracted:
    """Extract the article of an HTML file."""
    data = path.read_bytes()
    # A page is text: NUL bytes (outside UTF-16/32) mean something else was named .html.
    if b"\x00" in data[:65536] and not data.startswith(tuple(bom for bom, _ in _BOMS)):
        raise not_a(path, "html", data[:65536])
    return extract_html(data)
