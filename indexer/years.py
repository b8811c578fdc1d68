"""A document's own year, read from its text, with where it came from.

Silence is preferred to a guess: a year comes from the title, the file name, the date line
(成文日期) or the opening lines, a work report's headings, the NPC session a report was given at
— never from a plan period or a target (2023—2035年, 到2030年).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .docmeta import find_date, is_agency_line, is_date_line
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
_AT_SESSION = re.compile(
    r"(?:^|在|向|日)" + _SESSION.pattern + r"(?:上|提出|通过|听取|审议|关于|报告)"
)
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
    return _session_year(_cn_int(term), _cn_int(session))


def _session_year(term_n: int, session_n: int) -> int | None:
    """The year the session-th session of the term-th NPC met (None when not known)."""
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
# A speech to a people's congress: what it looks back on is still last year.
_TO_CONGRESS = re.compile(_REPORT.pattern + r"|^各位代表")
# The year a report looks back on, which is the one before its own: 一、1999年国内工作回顾,
# 首先报告2001年的工作, 刚刚过去的1984年.
_REVIEW = re.compile(
    r"^\S{1,4}[、.]\s*((?:1[89]|20)\d\d)年(?:的)?(?:国内|我国|全国)?(?:的)?(?:政府)?工作(?:的)?回顾"
)
_PAST_YEAR = re.compile(r"(?:^|首先)报告((?:1[89]|20)\d\d)年的工作|刚刚过去的((?:1[89]|20)\d\d)年")
# Five years since the first session of the term now ending: the report opens the next term.
_TERM_SINCE = re.compile(
    r"(?:从)?" + _SESSION.pattern + r"(?:以来的五年|[，,]?到这次大会的召开[，,]?已经整整过去了五年)"
)
# The session held last year: 从去年9月第五届全国人民代表大会第三次会议到现在.
_LAST_YEARS_SESSION = re.compile(r"去年\s*\d{0,2}\s*月?" + _SESSION.pattern)
_PLAN = re.compile(
    r"^\S{1,4}[、.]\s*(?:对)?((?:1[89]|20)\d\d)年(?:的)?(?:工作(?!回顾)|主要任务|重点工作|政府工作"
    r"|经济社会发展|国民经济)"
)


def _report_year(paragraphs: list[str]) -> int | None:
    """A work report's year from its section headings (一、2013年工作回顾 / 二、2014年工作总体
    部署) and from what its opening lines look back on (刚刚过去的1984年; the five years since the
    first session of the outgoing term; last year's session).

    Only for a text that calls itself a 政府工作报告 in its opening lines (one that only
    addresses 各位代表 may be on next year's plan: its look-back clues alone count), and only
    when every clue agrees.
    """
    opening = [p.strip() for p in paragraphs[:4]]
    if not any(_TO_CONGRESS.search(p) for p in opening):
        return None
    found = set()
    headings = paragraphs if any(_REPORT.search(p) for p in opening) else []
    for p in headings:
        text = unicodedata.normalize("NFKC", p)[:40]
        m = _REVIEW.match(text)
        if m:
            found.add(int(m.group(1)) + 1)
        m = _PLAN.match(text)
        if m:
            found.add(int(m.group(1)))
    for p in paragraphs[:6]:
        text = unicodedata.normalize("NFKC", p)
        m = _PAST_YEAR.search(text)
        if m:
            found.add(int(m.group(1) or m.group(2)) + 1)
        m = _TERM_SINCE.search(text)
        first = _session_year(_cn_int(m.group(1)), 1) if m and _cn_int(m.group(2)) == 1 else None
        if first:
            found.add(first + 5)
        m = _LAST_YEARS_SESSION.search(text)
        held = _session_year(_cn_int(m.group(1)), _cn_int(m.group(2))) if m else None
        if held:
            found.add(held + 1)
    return found.pop() if len(found) == 1 else None


_DOCNO_YEAR = re.compile(r"[〔\[]((?:19|20)\d\d)[〕\]]")
# A summary that opens with the year it is about: 2018年,坪山街道坚持… / 2020年是…之年.
_SUMMARY_YEAR = re.compile(r"^((?:19|20)\d\d)年(?:[,，]|是|以来)")
_NEWS_DATE = re.compile(r"^((?:19|20)\d\d)年\d{1,2}月\d{1,2}")
_ISSUED = re.compile(r"((?:19|20)\d\d)年\d{1,2}月\d{1,2}日\s*(?:印发|发布)$")


# An action plan's period starts the year it is issued: 行动计划（2021-2023年）. (A 规划's need
# not: a 十四五 plan for 2021-2025 may come out in 2022.)
_PLAN_PERIOD = re.compile(
    r"[(（]\s*((?:19|20)\d\d)\s*年?\s*[-—－–~～至]+\s*(?:(?:19|20)?\d\d)\s*年?\s*[)）]\s*$"
)
_ACTION_PLAN = re.compile(r"行动计划|行动方案|实施方案|工作方案|工作计划")
# A call for this year's applications or appraisals: 现将…2019年度项目申报指南予以公布, 决定联合
# 开展2022年度…申报工作. A year inside 《》 is a cited document's and is removed first.
_CALL = re.compile(
    r"(?:现|决定|启动|开展|组织|发布|公布|做好)[^。]{0,40}?((?:19|20)\d\d)\s*年度?[^。]{0,20}?"
    r"(?:申报|评价|评选|遴选|推荐|认定|项目|指南|工作)"
)
_CITED = re.compile(r"《[^》]*》")
# Or in a section heading of the call: 三、2023年度资助研究方向.
_CALL_HEADING = re.compile(r"^\S{1,4}[、.]\s*((?:19|20)\d\d)\s*年度(?:资助|申报|项目|重点)")
# A deadline for replies (于2022年7月31日前报送): the year the notice went out.
_DEADLINE = re.compile(r"于\s*((?:19|20)\d\d)\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?\s*之?前")


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
    year = _plan_start(title, paragraphs)
    if year:
        return Inferred(year, "title")
    for line in head[:5]:
        m = _CALL.search(_CITED.sub("", unicodedata.normalize("NFKC", line)))
        if m:
            return Inferred(int(m.group(1)), "opening lines")
    calls = {int(m.group(1)) for p in paragraphs if (m := _CALL_HEADING.match(p.strip()))}
    if len(calls) == 1:
        return Inferred(calls.pop(), "text")
    deadlines = [int(y) for p in paragraphs for y in _DEADLINE.findall(p)]
    if deadlines:
        return Inferred(min(deadlines), "text")
    return None


def _plan_start(title: str | None, paragraphs: list[str]) -> int | None:
    """The first year of an action plan's period, given after its title or on the next line."""
    if not title or not _ACTION_PLAN.search(title):
        return None
    m = _PLAN_PERIOD.search(unicodedata.normalize("NFKC", title))
    if not m:
        lines = [p.strip() for p in paragraphs[:_HEAD]]
        at = lines.index(title.strip()) if title.strip() in lines else None
        after = lines[at + 1] if at is not None and at + 1 < len(lines) else ""
        m = _PLAN_PERIOD.fullmatch(unicodedata.normalize("NFKC", after)) if after else None
        m = m if m and m.start() == 0 else None
    return int(m.group(1)) if m else None


def document_date(paragraphs: list[str]) -> str | None:
    """The 成文日期: the signature's date line, else a dated line among the opening ones, else
    the first signature (an agency above a date) anywhere: attachments may follow it."""
    tail = "\n".join(paragraphs[-8:])
    head = "\n".join(paragraphs[:20])
    found = find_date(tail) or find_date(head)
    if found:
        return found
    for i in range(1, len(paragraphs)):
        if is_date_line(paragraphs[i]) and is_agency_line(paragraphs[i - 1]):
            return find_date(paragraphs[i])
    return None
