"""Document-level metadata of Chinese government documents, read from their text and title.

Pure functions over strings: 发文字号 (document number) and its canonical key, 发文机关 (issuer),
成文日期 (date) and document type from the title. Each returns what the text states and None
when it states nothing; none of them guesses.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

__all__ = [
    "find_date",
    "find_docno",
    "find_issuer",
    "infer_doc_type",
    "is_agency_line",
    "is_date_line",
    "is_docno_line",
    "normalize_docno",
]

_HEAD_LINES = 20
_TAIL_LINES = 15

# ------------------------------------------------------------------------------------ 发文字号

_OPEN = re.escape("〔[【(（［﹝〖")
_CLOSE = re.escape("〕]】)）］﹞〗")
_DIGIT = "0-9０-９"
_DOCNO = (
    rf"[\u4e00-\u9fff]{{1,15}}\s*[{_OPEN}]\s*[12１２][{_DIGIT}]{{3}}\s*[{_CLOSE}]"
    rf"\s*第?\s*[{_DIGIT}]{{1,5}}\s*号"
)
_DOCNO_LABELLED = re.compile(rf"(?:发文字号|文号|发文号)\s*[:：]\s*({_DOCNO})")
_DOCNO_ALONE = re.compile(rf"^[（(【\[]?\s*({_DOCNO})\s*[）)】\]]?(?:\s+签发人\s*[:：].*)?$")
# A title line that ends with its own number in brackets; a line starting with 《 is a citation.
_DOCNO_AFTER_TITLE = re.compile(rf"^(?!《)[^，。；,;]{{4,}}?[（(]\s*({_DOCNO})\s*[）)]$")


def _lines(text: str) -> list[str]:
    """Split text into stripped, non-empty lines."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def find_docno(text_head: str) -> str | None:
    """Return the document's own 发文字号 as written, from a line of its own near the top."""
    for line in _lines(text_head)[:_HEAD_LINES]:
        for pattern in (_DOCNO_LABELLED, _DOCNO_ALONE, _DOCNO_AFTER_TITLE):
            match = pattern.search(line)
            if match:
                return match.group(1).strip()
    return None


_TO_TORTOISE = str.maketrans(
    {"[": "〔", "(": "〔", "【": "〔", "〖": "〔", "]": "〕", ")": "〕", "】": "〕", "〗": "〕"}
)


def normalize_docno(s: str) -> str:
    """Canonical key of a 发文字号: 〔〕, ASCII digits, no spaces, no 第 or leading zeros."""
    # NFKC turns full-width digits and （）［］ into ASCII and the small ﹝﹞ into 〔〕.
    key = unicodedata.normalize("NFKC", s).translate(_TO_TORTOISE)
    key = re.sub(r"\s+", "", key)
    outer = re.fullmatch(r"〔(.*〔\d{4}〕.*)〕", key)
    if outer:
        key = outer.group(1)
    return re.sub(r"〕第?0*(\d)", r"〕\1", key)


# ------------------------------------------------------------------------------------ 发文机关

_AGENCY = re.compile(
    r"^[\u4e00-\u9fff][\u4e00-\u9fff\s、]{0,40}?"
    r"(?:中共中央|国务院|人民政府|政府|办公厅|办公室|委员会|常委会|人大常委会|党委|党组|市委|省委|县委|区委"
    r"|部|委|厅|局|署|院|办|行|会|中心|小组|指挥部)$"
)
_TITLE_ISSUER = re.compile(r"^(?P<org>.+?)(?:关于|转发|印发|批转)")
_LABELLED_ISSUER = re.compile(
    r"发文机关\s*[:：]\s*([\u4e00-\u9fff][\u4e00-\u9fff、]*(?:\s[\u4e00-\u9fff]+)*)"
)
_RED_HEADER = re.compile(r"^(?P<org>.+?)\s*文件$")


def _as_agency(candidate: str) -> str | None:
    """Return the candidate if it reads as an agency name (or several), else None."""
    candidate = candidate.strip()
    if candidate.startswith("关于") or not _AGENCY.match(candidate):
        return None
    return candidate


def find_issuer(text_head: str, title: str | None) -> str | None:
    """Return the 发文机关 as stated by a label, the title, the red header or the signature."""
    lines = _lines(text_head)
    for line in lines[:_HEAD_LINES]:
        match = _LABELLED_ISSUER.search(line)
        if match and _as_agency(match.group(1)):
            return match.group(1).strip()
    if title:
        match = _TITLE_ISSUER.match(title.strip())
        if match and _as_agency(match.group("org")):
            return match.group("org").strip()
    for line in lines[:5]:
        match = _RED_HEADER.match(line)
        if match and _as_agency(match.group("org")):
            return match.group("org").strip()
    for i in range(len(lines) - 1, 0, -1):
        if not _DATE_ALONE.match(lines[i]):
            continue
        # Joint documents are signed one agency per line above the date.
        signers: list[str] = []
        for line in reversed(lines[max(0, i - 4) : i]):
            if len(line) > 40 or not _as_agency(line):
                break
            signers.insert(0, line)
        if signers:
            return " ".join(signers)
    return None


# ------------------------------------------------------------------------------------ 成文日期

_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "O": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
# Year digits: 〇, its look-alike ○, and the Latin O some typists use (二O二四年).
_CN = "〇○零O一二三四五六七八九"
_DATE = (
    rf"(?P<year>\d{{4}}|[{_CN}]{{4}})\s*年\s*"
    r"(?P<month>\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月"
    r"(?:\s*(?P<day>\d{1,2}|[二三]?十[一二三四五六七八九]?|[一二三四五六七八九])\s*日)?"
)
_DATE_ALONE = re.compile(rf"^[（(]?\s*{_DATE}\s*[）)]?$")
# Head lines such as "——2024年1月23日在…会议上" or "（2023年11月30日…会议通过）".
_DATE_LEADING = re.compile(rf"^[—－\-–\s（(]*{_DATE}")


def _cn_number(text: str) -> int:
    """Convert an ASCII or Chinese numeral of at most two digits (一 … 三十一) to int."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, units = text.partition("十")
        return _CN_DIGITS.get(tens, 1) * 10 + (_CN_DIGITS[units] if units else 0)
    return _CN_DIGITS[text]


def _iso_date(match: re.Match) -> str | None:
    """Format a date match as YYYY-MM-DD (or YYYY-MM), None when it is no calendar date."""
    year_text = match.group("year")
    year = (
        int(year_text)
        if year_text.isdigit()
        else int("".join(str(_CN_DIGITS[c]) for c in year_text))
    )
    month = _cn_number(match.group("month"))
    day_text = match.group("day")
    try:
        if day_text is None:
            datetime.date(year, month, 1)
            return f"{year:04d}-{month:02d}"
        day = _cn_number(day_text)
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def find_date(text: str) -> str | None:
    """Return the 成文日期 as ISO date: the signature block's date line, else a dated head line."""
    lines = [unicodedata.normalize("NFKC", line) for line in _lines(text)]
    tail = lines[-_TAIL_LINES:]
    alone = [(i, _DATE_ALONE.match(line)) for i, line in enumerate(tail)]
    alone = [(i, m) for i, m in alone if m and _iso_date(m)]
    signed = [(i, m) for i, m in alone if i > 0 and _as_agency(tail[i - 1])]
    for _, match in reversed(signed or alone):
        return _iso_date(match)
    for line in lines[:_HEAD_LINES]:
        if len(line) > 120 or re.search("[，。；]", line):
            continue
        match = _DATE_LEADING.match(line)
        if match and _iso_date(match):
            return _iso_date(match)
    return None


# ------------------------------------------------------------------ lines that stand alone


def is_docno_line(line: str) -> bool:
    """Whether a line is a 发文字号 on its own (鼓政办发〔2021〕8号, with or without 签发人)."""
    return _DOCNO_ALONE.match(unicodedata.normalize("NFKC", line).strip()) is not None


def is_date_line(line: str) -> bool:
    """Whether a line is a date on its own, as under a signature (2021年3月5日)."""
    match = _DATE_ALONE.match(unicodedata.normalize("NFKC", line).strip())
    return match is not None and _iso_date(match) is not None


def is_agency_line(line: str) -> bool:
    """Whether a line is an agency's name on its own, as in a signature (鼓楼区人民政府办公室)."""
    line = line.strip()
    return len(line) <= 40 and _as_agency(line) is not None


# ------------------------------------------------------------------------------------- 文种

# Longest first, so the most specific type at the end of the title wins.
_DOC_TYPES = sorted(
    [
        "政府工作报告",
        "工作总结",
        "工作计划",
        "工作要点",
        "通知",
        "意见",
        "规划",
        "方案",
        "条例",
        "办法",
        "决定",
        "决议",
        "规定",
        "细则",
        "公告",
        "通告",
        "通报",
        "批复",
        "纲要",
        "报告",
        "计划",
        "措施",
        "指南",
        "公报",
        "规则",
        "章程",
        "准则",
        "解读",
        "指引",
        "命令",
        "函",
        "令",
    ],
    key=len,
    reverse=True,
)
_TYPE_LABEL = {"工作要点": "要点", "命令": "令"}
#: Every document type infer_doc_type can return.
DOC_TYPES: tuple[str, ...] = tuple(dict.fromkeys(_TYPE_LABEL.get(t, t) for t in _DOC_TYPES))
_TRAILING_NOTE = re.compile(r"\s*[（(【\[][^（）()【】\[\]]*[）)】\]]\s*$")


def infer_doc_type(title: str | None) -> str | None:
    """Return the 文种 named at the end of a title, e.g. 通知 for 关于印发…方案的通知."""
    if not title:
        return None
    parts = [title] + re.split(r"[—－]{1,2}", title)
    for part in parts:
        text = part.strip()
        while _TRAILING_NOTE.search(text):
            text = _TRAILING_NOTE.sub("", text)
        text = text.strip(" 　《》“”\"'")
        for doc_type in _DOC_TYPES:
            if text.endswith(doc_type):
                return _TYPE_LABEL.get(doc_type, doc_type)
    return None


# ------------------------------------------------------------------------------------- level

#: Every level a document can have, from the top (regions.resolve gives it from the gazetteer).
LEVELS = ("national", "provincial", "city", "district", "street")
