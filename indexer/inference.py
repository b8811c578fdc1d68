"""A document's year, region and title read from its own text, each with where it came from.

Silence is preferred to a guess: a year is taken from the title, the file name, the date line
(成文日期) or the opening lines — never from a plan period or a target (2023—2035年, 到2030年);
a region from a government named in the title, the file name, the opening lines or the issuer,
checked against the gazetteer, so that 多快好省 or 根据省 are never places. What is not stated
stays None.
"""

from __future__ import annotations

import re
import unicodedata

from .gazetteer import gazetteer
from .metadata import heading_of
from .regions import NATIONAL, Resolution, leader, mentions, read_place, resolve
from .textnorm import fold, normalize
from .years import Inferred, document_date, infer_year, npc_session_year

__all__ = [
    "SOURCES",
    "Inferred",
    "find_title",
    "infer_region",
    "infer_year",
    "is_central",
    "npc_session_year",
]

#: Where a value can come from, most trusted first.
SOURCES = (
    "manifest", "title", "file name", "date line", "document number", "opening lines", "issuer",
    "text",
)  # fmt: skip

_HEAD = 12

# -- titles -----------------------------------------------------------------------------------

_DOC_WORDS = (
    "报告", "总结", "计划", "规划", "通知", "意见", "办法", "条例", "决定", "决议", "方案",
    "纪要", "公告", "通告", "细则", "规定", "要点", "纲要", "批复", "通报", "讲话", "白皮书",
    "指南", "规范", "措施", "目录", "清单", "公报",
)  # fmt: skip
_SENTENCE_END = re.compile(r"[。；！？;!?]")
# Web-page furniture that precedes the title of a report copied from a news site.
_CHROME = re.compile(r"^(?:.{0,6}|.*(?:来源|位置|首页|>|›|字号|日期|时间).*)$")


# A line that ends in a colon opens the body: an addressee (各省、自治区…商务主管部门：, 各位代表：)
# or a sentence that introduces what follows (…现就开展试点工作提出以下意见：).
_OPENS_BODY = re.compile(r"[:：]\s*$")
# Short enough to pass for page furniture (分享:), but the body has begun: 各位代表：, 同志们：
_ADDRESSEE = re.compile(r"(?:^各.*|(?:代表|同志|委员|朋友|单位|部门|政府|公司)们?)[:：]\s*$")
# Titles hold no clauses: two commas make a sentence (为深入贯彻…，全面落实…，制定如下措施).
_CLAUSES = re.compile(r"[，,].*[，,]")


def title_like(text: str) -> bool:
    """Short, no sentence end, not a numbered heading, and names a kind of document."""
    text = fold(text).strip()
    if not text or len(text) > 100 or _SENTENCE_END.search(text) or heading_of(text):
        return False
    if _OPENS_BODY.search(text) or _CLAUSES.search(text):
        return False
    # Normalised, so a title in traditional characters (工作報告) reads like one too.
    norm = normalize(text)
    return any(w in norm for w in _DOC_WORDS)


def find_title(paragraphs: list[str]) -> str | None:
    """The document's own title line, as written: the first paragraph, or the first after page
    furniture."""
    for text in paragraphs[:_HEAD]:
        if title_like(text):
            return text.strip()
        line = fold(text).strip()
        if not _CHROME.match(line) or _ADDRESSEE.search(line):
            return None
    return None


# -- regions ----------------------------------------------------------------------------------

_CENTRAL = re.compile(
    r"^(?:中共中央|国务院|中央|全国人民代表大会|全国人大|最高人民法院|最高人民检察院|国家(?!级)"
    r"|中国(?!共产党)|中华人民共和国)"
)
_MINISTRY = re.compile(r"(?:部|部办公厅|部党组|总署|总局)$")
_NATIONAL_OPENING = re.compile(
    r"代表国务院|国务院总理|中华人民共和国国务院|^各?省、自治区|全国人民代表大会第"
)
_PLACE_CHARS = r"[\u4e00-\u9fffA-Za-z]"
# What may precede the government a title opens with: its year, 关于.
_TITLE_LEAD = re.compile(r"^(?:(?:1[89]|20)\d\d\s*年\s*度?)?\s*(?:关于)?\s*")
_OPENING_PLACE = re.compile(
    rf"(?:^|在|——|—)(?P<place>{_PLACE_CHARS}{{2,30}}?)"
    r"(?:第[一二三四五六七八九十]+届人民代表大会|人民政府|街道办事处)"
)
_BOUNDARY = set(' \t,，。、；;:：(（“"《「0123456789年月日')
MIN_OWN_MENTIONS = 3
_UNIT = re.compile(rf"{_PLACE_CHARS}{{2,12}}?(?:街道|镇|乡|区|县|市|省|自治区|自治州|旗|盟)")


def is_central(org: str) -> bool:
    """Whether an issuing body is a central organ (国务院, 教育部, 国家能源局 …)."""
    org = re.sub(r"\s+", "", org)
    if _CENTRAL.match(org):
        return True
    if _MINISTRY.search(org):
        return not resolve(org[:8]).path
    return False


def _accept(res: Resolution) -> bool:
    """A resolution good enough to name a document's region."""
    if res.warnings or res.level is None:
        return False
    if res.level == "national":
        return True
    # A name the data lacks is kept only for streets (lists of streets lag behind the map).
    return bool(res.adcode) or (bool(res.kinds) and res.kinds[-1] == "street")


def _try(name: str | None, text: str) -> tuple[str, Resolution] | None:
    if not name:
        return None
    res = resolve(name, text)
    return (name, res) if _accept(res) else None


def _leading_place(text: str, context: str) -> tuple[str, Resolution] | None:
    """The government a title or file name opens with (after its year)."""
    start = _TITLE_LEAD.match(text).end()
    place = read_place(text, start)
    if place:
        return _try(place, context)
    m = _UNIT.match(text, start)
    return _try(m.group(0), context) if m else None


def _first_unit(line: str, text: str) -> tuple[str, Resolution] | None:
    """A government named at a word boundary in the opening line, and again in the text.

    (2018年,坪山街道坚持… ; …领导下,XX街道深入…). A place named once, as where something
    happened (…博览会在浙江宁波举行), is not the document's own.
    """
    for i in range(len(line)):
        if i and line[i - 1] not in _BOUNDARY:
            continue
        m = _UNIT.match(line, i)
        if m and text.count(m.group(0)) >= MIN_OWN_MENTIONS:
            found = _try(m.group(0), text)
            if found:
                return found
    return None


def infer_region(
    title: str | None,
    filename: str,
    paragraphs: list[str],
    issuer: str | None,
    text: str,
) -> tuple[str, Resolution, str] | None:
    """(region as the document gives it, its resolution, source) or None when not stated."""
    if title:
        norm = unicodedata.normalize("NFKC", title).strip()
        if (
            _CENTRAL.match(norm)
            and not norm.startswith("中华人民共和国")
            or ("全国人民代表大会" in norm and "省" not in norm)
        ):
            return "全国", NATIONAL, "title"
        found = _leading_place(norm, text)
        if found:
            return (*found, "title")
        if norm.startswith("中华人民共和国"):
            return "全国", NATIONAL, "title"
    stem = unicodedata.normalize("NFKC", filename).rsplit(".", 1)[0]
    for part in re.split(r"[_\-\s.·]+", stem):
        found = _leading_place(part, text) if re.search(r"[\u4e00-\u9fff]", part) else None
        if found:
            return (*found, "file name")
    head = [unicodedata.normalize("NFKC", p) for p in paragraphs[:_HEAD]]
    for line in head[:6]:
        if _NATIONAL_OPENING.search(line):
            return "全国", NATIONAL, "opening lines"
        m = _OPENING_PLACE.search(line)
        found = _try(m.group("place"), text) if m else None
        if found:
            return (*found, "opening lines")
    if head:
        found = _first_unit(head[0], text)
        if found:
            return (*found, "opening lines")
    found = _issuer_region(issuer, text)
    if found:
        return found
    return _text_region(head, text)


# Who a document addresses, or how it names its own area, shows the issuer's level.
_PROVINCIAL_VOICE = re.compile(r"省政府各部门|省直各部门|省直有关部门|省直各有关部门|我省|全省")
_CITY_VOICE = re.compile(r"市政府各部门|市直各部门|市直有关部门|各区、市人民政府|各区县|我市|全市")


def _text_region(head: list[str], text: str) -> tuple[str, Resolution, str] | None:
    """The province (or city) a document speaks for, when its own voice and its mentions agree.

    A document that says 我省/全省 or addresses 省政府各部门 is provincial; the province is the
    one it names most, by a clear lead. Likewise 我市/全市 for a city. Otherwise: nothing.
    """
    provincial = len(_PROVINCIAL_VOICE.findall(text))
    city = len(_CITY_VOICE.findall(text))
    if max(provincial, city) < MIN_OWN_MENTIONS:
        return None
    g = gazetteer()
    place = leader(mentions(text, [c for c in g.rows if len(c) == 2], g), MIN_OWN_MENTIONS)
    if place is not None and city > provincial:
        cities = [c for c in g.rows if len(c) == 4 and c[:2] == place]
        place = leader(mentions(text, cities, g), MIN_OWN_MENTIONS)
    if place is None:
        return None
    name = g.rows[place][0]
    return name, resolve(name), "text"


def _issuer_region(issuer: str | None, text: str) -> tuple[str, Resolution, str] | None:
    if issuer:
        first = issuer.split()[0]
        if is_central(first):
            return "全国", NATIONAL, "issuer"
        m = re.match(rf"{_PLACE_CHARS}{{2,30}}?(?=人民政府|政府|[^\u4e00-\u9fff]|$)", first)
        for candidate in (m.group(0) if m else None, first):
            found = _try(candidate, text)
            if found and found[1].level != "national":
                return (*found, "issuer")
    return None


# -- a whole document ---------------------------------------------------------------------------


def _has_han(text: str | None) -> bool:
    return bool(text) and re.search(r"[\u4e00-\u9fff]", text) is not None


def describe(
    paragraphs: list[str], filename: str, format_title: str | None, row: dict | None
) -> dict:
    """Every document-level field with its source: the manifest's row first, then the text.

    Returns a dict with title, year, region, level, region_path ([name, kind] pairs), adcode,
    and meta (docno, issuer, date, type, sources, region notes, warnings).
    """
    from . import docmeta

    row = row or {}
    sources: dict[str, str] = {}
    # The title is shown as written; everything else is read from the folded text, so that a
    # document in traditional characters or full-width forms (廣州市天河區…, 穗天府〔2020〕3號)
    # gets the metadata its simplified copy gets, in simplified characters.
    written_title = format_title or find_title(paragraphs)
    own_title = fold(written_title) if written_title else None
    paragraphs = [fold(p) for p in paragraphs]
    filename = fold(filename)
    title = row.get("title")
    meta: dict = {}
    if title:
        sources["title"] = "manifest"
        if not _has_han(title) and _has_han(own_title):
            # The display title prefers Chinese; the manifest's (English) one is kept.
            meta["manifest_title"] = title
            title = written_title
            sources["title"] = "title line"
    elif written_title:
        title = written_title
        sources["title"] = "format" if format_title else "title line"
    head = "\n".join(paragraphs[:20])
    text = "\n".join(paragraphs)
    date = document_date(paragraphs)
    issuer = docmeta.find_issuer(head, fold(title) if title else None)
    docno = docmeta.find_docno(head)
    # Titles are matched simplified, so 工作報告 names a 报告 too.
    doc_type = docmeta.infer_doc_type(fold(row["title"]) if row.get("title") else None)
    if doc_type:
        sources["type"] = "manifest"
    else:
        doc_type = docmeta.infer_doc_type(own_title)
        if doc_type:
            sources["type"] = "title line" if written_title != row.get("title") else "manifest"

    if row.get("year"):
        year: int | None = row["year"]
        sources["year"] = "manifest"
    else:
        found = infer_year(own_title, filename, paragraphs, date, docno)
        year = found.value if found else None  # type: ignore[assignment]
        if found:
            sources["year"] = found.source

    warnings: list[str] = []
    region = row.get("region")
    if region:
        res = resolve(region, text)
        sources["region"] = "manifest"
        warnings.extend(res.warnings)
        if not res.path and res.level is None and not res.warnings:
            warnings.append(f"region {region!r} names no known place; kept as given")
    else:
        found_region = infer_region(own_title, filename, paragraphs, issuer, text)
        if found_region:
            region, res, sources["region"] = found_region
        else:
            res = Resolution()
    level = row.get("level")
    if level:
        sources["level"] = "manifest"
    elif res.level:
        level = res.level
        sources["level"] = sources["region"]
    meta.update(
        {
            "docno": docno,
            "docno_key": docmeta.normalize_docno(docno) if docno else None,
            "issuer": issuer,
            "date": date,
            "type": doc_type,
        }
    )
    if res.notes:
        meta["region_notes"] = [list(n) for n in res.notes]
    meta["sources"] = sources
    return {
        "title": title,
        "year": year,
        "region": region,
        "level": level,
        "region_path": [list(p) for p in zip(res.path, res.kinds, strict=True)],
        "adcode": res.adcode,
        "meta": {k: v for k, v in meta.items() if v is not None},
        "warnings": warnings,
    }
