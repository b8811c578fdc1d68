"""A document's own year, read from its text, with where it came from.

Silence is preferred to a guess: a year comes from the title, the file name, the date line
(成文日期) or the opening lines, a work report's headings, the NPC session a report was given at
— never from a plan period or a target (2023—2035年, 到2030年).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .docmeta import find_date
from .metadata import heading_of

__all__ = ["Inferred", "document_date", "infer_year", "npc_session_year"]

_HEAD = 12

_YEAR = re.compile(r"(?<![0-9A-Za-z])(1[89]\d\d|20\d\d)(?![0-9A-Za-z])")
_RANGE = re.compile(
    r"(?:1[89]|20)\d\d\s*年?\s*[-—－–~～至到]+\s*(?:(?:1[89]|20)?\d\d)(?!\d)"
    r"|(?:到|至|截至|截止|展望|面向)\s*(?:1[89]|20)\d\d"
    r"|(?:1[89]|20)\d\d\s*年?\s*(?:远景|愿景)"
)
_CN_NUM = {c: i for i, c in enumerate("零一二三四五六七八九")}
_SESSION = re.compile(
    r"第([一二三四五六七八九十]{1,3})届全国人民代表大会第([一二三四五六七八九十]{1,3})次会议"
)
# Year of each session of the National People's Congress, by term (届).
_NPC_SESSIONS = {
    1: (1954, 1955, 1956, 1957, 1958),
    2: (1959, 1960, 1962, 1963),
    3: (1964,),
    4: (1975,),
    5: (1978, 1979, 1980, 1981, 1982),
}
_NPC_FIRST = {6: 1983, 7: 1988, 8: 1993, 9: 1998, 10: 2003, 11: 2008, 12: 2013, 13: 2018, 14: 2023}
# The document was delivered at, or adopted by, that session (not one it looks back on).
_AT_SESSION = re.compile(r"(?:^|在|向|日)" + _SESSION.pattern + r"(?:上|提出|通过|听取|审议|关于)")
_ADOPTED = re.compile(r"通过|批准|修正|修订|公布|发布|施行|印发|决定")
_DATE_YEAR = re.compile(r"((?:1[89]|20)\d\d)\s*年\s*\d{1,2}\s*月")


def _cn_int(text: str) -> int:
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_NUM.get(tens, 1) if tens else 1) * 10 + (_CN_NUM[units] if units else 0)
    return _CN_NUM[text]


def npc_session_year(text: str) -> int | None:
    """The year of the NPC session a line says the document was delivered at or adopted by."""
    m = _AT_SESSION.search(text)
    if not m:
        return None
    term, session = [g for g in m.groups() if g][:2]
    term_n, session_n = _cn_int(term), _cn_int(session)
    if term_n in _NPC_SESSIONS:
        years = _NPC_SESSIONS[term_n]
        return years[session_n - 1] if session_n <= len(years) else None
    if term_n in _NPC_FIRST and 1 <= session_n <= 5:
        return _NPC_FIRST[term_n] + session_n - 1
    return None


def _title_year(title: str) -> int | None:
    text = unicodedata.normalize("NFKC", title)
    session = npc_session_year(text)
    if session:
        return session
    text = _RANGE.sub(" ", text)
    years = {int(y) for y in _YEAR.findall(text)}
    return years.pop() if len(years) == 1 else None


def _adoption_year(head: list[str]) -> int | None:
    """The latest date of a regulation's adoption and amendment lines under its title.

    Either one note in brackets (（1997年…通过 根据2019年…修正）) or a run of lines that each
    open with a date (2018年3月30日 …通过 / 2024年3月29日 …通过).
    """
    years: list[int] = []
    for line in head[1:20]:
        text = unicodedata.normalize("NFKC", line).strip()
        if heading_of(text):
            break
        dated = _DATE_YEAR.match(text) or (text.startswith("(") and _DATE_YEAR.search(text))
        if dated and _ADOPTED.search(text):
            years.extend(int(y) for y in _DATE_YEAR.findall(text))
        elif years and len(text) > 80:
            break
    return max(years) if years else None


_REPORT = re.compile(r"作政府工作报告|报告政府工作|向大会报告|政府工作报告")
_REVIEW = re.compile(r"^\S{1,4}[、.]\s*((?:1[89]|20)\d\d)年(?:的)?工作回顾")
_PLAN = re.compile(
    r"^\S{1,4}[、.]\s*(?:对)?((?:1[89]|20)\d\d)年(?:的)?(?:工作(?!回顾)|主要任务|重点工作|政府工作"
    r"|经济社会发展|国民经济)"
)


def _report_year(paragraphs: list[str]) -> int | None:
    """A work report's year from its section headings: 一、2013年工作回顾 / 二、2014年工作总体部署.

    Only for a text that calls itself a 政府工作报告 in its opening lines, and only when every
    such heading agrees.
    """
    if not any(_REPORT.search(p) for p in paragraphs[:4]):
        return None
    found = set()
    for p in paragraphs:
        text = unicodedata.normalize("NFKC", p)[:40]
        m = _REVIEW.match(text)
        if m:
            found.add(int(m.group(1)) + 1)
        m = _PLAN.match(text)
        if m:
            found.add(int(m.group(1)))
    return found.pop() if len(found) == 1 else None


_DOCNO_YEAR = re.compile(r"[〔\[]((?:19|20)\d\d)[〕\]]")
# A summary that opens with the year it is about: 2018年,坪山街道坚持… / 2020年是…之年.
_SUMMARY_YEAR = re.compile(r"^((?:19|20)\d\d)年(?:[,，]|是|以来)")
_NEWS_DATE = re.compile(r"^((?:19|20)\d\d)年\d{1,2}月\d{1,2}")
_ISSUED = re.compile(r"((?:19|20)\d\d)年\d{1,2}月\d{1,2}日\s*(?:印发|发布)$")


@dataclass(frozen=True)
class Inferred:
    """A value and where it came from (one of SOURCES)."""

    value: object
    source: str


def infer_year(
    title: str | None,
    filename: str,
    paragraphs: list[str],
    date: str | None,
    docno: str | None = None,
) -> Inferred | None:
    """The document's own year: title, file name, date line, then the opening lines."""
    if title:
        year = _title_year(title)
        if year:
            return Inferred(year, "title")
    name = _RANGE.sub(" ", unicodedata.normalize("NFKC", filename))
    years = {int(y) for y in _YEAR.findall(name)}
    if len(years) == 1:
        return Inferred(years.pop(), "file name")
    head = paragraphs[:_HEAD]
    adopted = _adoption_year(head)
    if adopted:
        return Inferred(adopted, "date line")
    if date:
        return Inferred(int(date[:4]), "date line")
    for line in paragraphs[-3:]:
        m = _ISSUED.search(unicodedata.normalize("NFKC", line).strip())
        if m:
            return Inferred(int(m.group(1)), "date line")
    if docno:
        m = _DOCNO_YEAR.search(unicodedata.normalize("NFKC", docno).replace("(", "〔"))
        if m:
            return Inferred(int(m.group(1)), "document number")
    for line in head[:6]:
        year = npc_session_year(unicodedata.normalize("NFKC", line))
        if year:
            return Inferred(year, "opening lines")
    opening = unicodedata.normalize("NFKC", head[0]) if head else ""
    m = _NEWS_DATE.match(opening) or _SUMMARY_YEAR.match(opening)
    if m:
        return Inferred(int(m.group(1)), "opening lines")
    year = _report_year(paragraphs)
    if year:
        return Inferred(year, "text")
    return None


def document_date(paragraphs: list[str]) -> str | None:
    """The 成文日期: the signature's date line, else a dated line among the opening ones."""
    tail = "\n".join(paragraphs[-8:])
    head = "\n".join(paragraphs[:20])
    return find_date(tail) or find_date(head)
