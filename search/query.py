"""Stage 1, parse: the query language, a query string into a small tree.

河长制 污染              both terms (AND)
河长制 OR 湖长制          either
-扫黑 / NOT 扫黑          without; the minus may be full width (－扫黑) and precede a phrase,
                        a group or a filter (-"湖长制", -(a OR b), -year:2018)
"土地 整备"              phrase: the parts in this order, with nothing but spaces between;
                        “土地 整备” and ‘土地 整备’ (an input method's quotes) too
( … )                   grouping (ASCII parentheses; full-width （） are ordinary text)
year:2018  year:2015..2020  region:坪山  title:政府工作报告  section:工作计划
?长制  营?环境  *长制     wildcards: ? one letter, digit or Han character; * see patternplan.py
/河.{0,3}制/            a regular expression over the normalised text (Python re syntax)

Mistakes are errors, not searches: AND AND, a lone -, --河长制, date:2024-13.
"""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from govsearch.indexer import QueryError
from govsearch.indexer.textnorm import normalize

from . import patternplan

MAX_QUERY_LENGTH = 1000
MAX_DEPTH = 32

#: Filter fields: name → what the value is matched against.
FIELDS = {
    "year": "document year, a year or a range: year:2018, year:2015..2020, year:2015..",
    "region": "the place or any place in it, by name or division code: region:坪山",
    "title": "document title contains the value: title:政府工作报告",
    "section": "heading path contains the value: section:工作计划",
    "level": "administrative level: level:national|provincial|city|district|street",
    "type": "document type: type:通知, type:政府工作报告",
    "docno": "document number, any bracket style: docno:国发〔2025〕11号",
    "date": "document date or range: date:2024-03, date:2024-01..2024-06",
}


@dataclass(frozen=True)
class Term:
    """A contiguous string that must occur in the paragraph (normalised)."""

    text: str


@dataclass(frozen=True)
class Phrase:
    """Parts that must occur in order with only whitespace between them."""

    parts: tuple[str, ...]


@dataclass(frozen=True)
class Field:
    """A metadata filter."""

    name: str
    value: str
    low: int | str | None = None
    high: int | str | None = None


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


# -- patterns (issue 21) -----------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    """A wildcard term (?长制, 营?环境, *长制) or a regular expression (/河.{0,3}制/)."""

    #: A wildcard normalised; an expression as typed between its slashes.
    text: str
    regex: bool = False


@dataclass(frozen=True)
class Alternatives:
    """Any of several literal strings: a pattern as ranking sees it, by what it matched."""

    texts: tuple[str, ...]


def plan_of(node: Pattern) -> patternplan.Plan:
    """How a pattern runs over normalised text (cached; raises QueryError when it cannot)."""
    if node.regex:
        return patternplan.regex_plan(node.text)
    return patternplan.wildcard_plan(node.text)


def _word_node(piece: str) -> Term | Pattern:
    """A whitespace-free piece of a typed word: a wildcard pattern or a literal term."""
    if patternplan.is_wildcard(piece):
        node = Pattern(piece)
        plan_of(node)  # a pattern that cannot run is a mistake in the query
        return node
    return Term(piece)


def _regex_node(source: str) -> Pattern:
    node = Pattern(source, regex=True)
    plan_of(node)
    return node


Node = Term | Phrase | Pattern | Field | Not | And | Or

#: Double quotes: ASCII, full width, and the curly ones a Chinese input method types.
_DQ = '"＂'
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<minus>[-－])
  | (?P<field>(?P<fname>[A-Za-z_]+)[:：]
        (?:["＂](?P<fquoted>[^"＂]*)["＂]|“(?P<fcurly>[^“”"]*)”|(?P<fvalue>[^\s()"＂]*)))
  | (?P<phrase>["＂][^"＂]*["＂])
  | (?P<curly>“[^“”"＂]*”|‘[^‘’"＂]*’)
  | (?P<quote>["＂])
  | (?P<regex>[/／](?P<rbody>(?:\\.|[^\\])+?)[/／](?=[\s)]|$))
  | (?P<word>[^\s()"＂]+)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    """A piece of the query string: its kind, its text and where it stands in the query."""

    kind: str
    text: str
    start: int
    end: int


def tokenize(query: str) -> list[Token]:
    """The query's tokens, spaces dropped; a word, phrase or field keeps its span in `query`.

    A phrase's text is its content without the quotes. Curly quotes (“…”, ‘…’) open a phrase
    only at the start of a token, so text pasted from a document (落实“河长制”工作) stays literal.
    """
    out = []
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        if kind == "space":
            continue
        if m.group("field") is not None:
            value = next(
                (v for v in (m.group("fquoted"), m.group("fcurly")) if v is not None),
                m.group("fvalue"),
            )
            kind, text = "field", m.group("fname").lower() + "\0" + value
        elif kind == "quote":
            raise QueryError('unbalanced quote: add the closing " or remove the opening one')
        elif kind in ("phrase", "curly"):
            kind, text = "phrase", m.group(0)[1:-1]
        elif kind == "regex":
            text = m.group("rbody")
        else:
            kind, text = kind or "word", m.group(0)
        out.append(Token(kind, text, m.start(), m.end()))
    return out


_YEAR_RANGE = re.compile(r"^(\d{4})?(?:\.\.(\d{4})?)?$")
#: A range as people write it: 2015-2020, 2015—2020, 2015~2020, 2015至2020 (both ends given).
_YEAR_DASHED = re.compile(r"(\d{4})\s*[-‐‑‒–—―~〜至到]\s*(\d{4})")
_DATE = r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?"
_DATE_RANGE = re.compile(rf"^({_DATE})?(?:\.\.({_DATE})?)?$")

#: Chinese names of the levels (as the web UI labels them) that level: accepts too.
LEVEL_ALIASES = {
    "国家": "national", "国家级": "national", "全国": "national", "中央": "national",
    "省": "provincial", "省级": "provincial",
    "市": "city", "市级": "city", "地级": "city",
    "区": "district", "县": "district", "区县": "district", "县级": "district", "区级": "district",
    "区县级": "district",
    "街道": "street", "乡镇": "street", "街道乡镇": "street", "镇": "street", "乡": "street",
}  # fmt: skip


class FilterValueError(QueryError):
    """A filter value that cannot match anything; says why, for the query or for an option."""

    def __init__(self, name: str, value: str, reason: str):
        # `reason` may hold "{f}" where the filter's name belongs in an example (year:2015..).
        super().__init__(f"{name}:{value} — {reason.format(f=name + ':')}")
        self.name = name
        self.value = value
        self.option_reason = reason.format(f="")


def _date_key(name: str, raw: str, value: str, end: bool) -> str:
    """A date prefix as a comparable YYYY-MM-DD bound (end=True: the last day it covers)."""
    parts = [int(x) for x in value.split("-")]
    year, month, day = parts[0], parts[1] if len(parts) > 1 else None, None
    if len(parts) > 2:
        day = parts[2]
    try:
        if month is None:
            month = 12 if end else 1
        if day is None:
            day = calendar.monthrange(year, month)[1] if end else 1
        return datetime.date(year, month, day).isoformat()
    except (ValueError, calendar.IllegalMonthError):
        raise FilterValueError(
            name, raw, f"{value} is not a date (months run 1–12, days as in the calendar)"
        ) from None


def _year_syntax(norm: str) -> str:
    """A year value in the ..-syntax: 2015年 → 2015, 2015-2020 and 2015年—2020年 → 2015..2020."""
    text = re.sub(r"(\d{4})\s*年", r"\1", norm)
    m = _YEAR_DASHED.fullmatch(text)
    return f"{m.group(1)}..{m.group(2)}" if m else text


def make_field(name: str, value: str) -> Field:
    """Validate a field filter (from the query or from a command-line option)."""
    name = name.lower()
    if name not in FIELDS:
        raise QueryError(
            f"unknown field '{name}:'; known fields: {', '.join(FIELDS)} "
            f'(to search for the text itself, put it in quotes: "{name}:{value}")'
        )
    value = value.strip()
    if not value:
        example = FIELDS[name].split(": ", 1)[-1].replace(f"{name}:", "{f}")
        raise FilterValueError(name, value, f"needs a value, e.g. {example}")
    norm = normalize(value)
    if name == "year":
        norm = _year_syntax(norm)
        m = _YEAR_RANGE.match(norm)
        if not m or not (m.group(1) or m.group(2)):
            raise FilterValueError(name, value, "a year is 4 digits, or a range like {f}2015..2020")
        low = int(m.group(1)) if m.group(1) else None
        high = int(m.group(2)) if m.group(2) else None
        if ".." not in norm:
            high = low
        if low is not None and high is not None and low > high:
            raise FilterValueError(name, value, "the range is empty; write it as low..high")
        return Field(name, value, low, high)
    if name == "date":
        m = _DATE_RANGE.match(norm)
        if not m or not (m.group(1) or m.group(2)):
            raise FilterValueError(
                name, value, "use YYYY, YYYY-MM, YYYY-MM-DD or a range like 2024-01..2024-06"
            )
        low = _date_key(name, value, m.group(1), end=False) if m.group(1) else None
        top = m.group(2) if ".." in norm else m.group(1)
        high = _date_key(name, value, top, end=True) if top else None
        if low is not None and high is not None and low > high:
            raise FilterValueError(name, value, "the range is empty; write it as low..high")
        return Field(name, value, low, high)
    if name == "level":
        value = LEVEL_ALIASES.get(norm, value)
    return Field(name, value)


def _term_nodes(raw: str) -> Node:
    """Split on whitespace left after normalisation (e.g. U+3000 becomes a space)."""
    pieces = normalize(raw).split()
    if not pieces:
        raise QueryError(f"{raw!r} has nothing to search for once spaces are removed")
    nodes = tuple(_word_node(p) for p in pieces)
    return nodes[0] if len(nodes) == 1 else And(nodes)


OPERATORS = ("AND", "OR", "NOT")


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def peek_is(self, *words: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "word" and tok.text in words

    def at_end_of_group(self) -> bool:
        tok = self.peek()
        return tok is None or tok.kind == "rparen"

    def no_operator_next(self, op: str) -> None:
        """Two operators in a row (AND AND, OR AND, NOT OR) are a mistake, not a search."""
        if self.peek_is("AND", "OR"):
            second = self.peek().text  # type: ignore[union-attr]
            why = " (terms side by side already mean AND)" if "AND" in (op, second) else ""
            raise QueryError(f"{op} {second}: two operators in a row; remove one{why}")

    def parse(self) -> Node:
        node = self.or_expr()
        tok = self.peek()
        if tok is not None:
            if tok.kind == "rparen":
                raise QueryError("unbalanced parenthesis: a ')' has no matching '('")
            raise QueryError(f"unexpected {tok.text!r}")
        return node

    def or_expr(self) -> Node:
        children = [self.and_expr()]
        while self.peek_is("OR"):
            self.take()
            self.no_operator_next("OR")
            if self.at_end_of_group():
                raise QueryError("OR needs a term on both sides, e.g. 河长制 OR 湖长制")
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> Node:
        children = []
        while True:
            if self.at_end_of_group() or self.peek_is("OR"):
                break
            if self.peek_is("AND"):
                self.take()
                if not children:
                    raise QueryError("AND needs a term on both sides, e.g. 河长制 AND 污染")
                self.no_operator_next("AND")
                if self.at_end_of_group():
                    raise QueryError("AND needs a term on both sides, e.g. 河长制 AND 污染")
                continue
            children.append(self.unary())
        if not children:
            if self.peek_is("OR"):
                raise QueryError("OR needs a term on both sides, e.g. 河长制 OR 湖长制")
            if self.peek() is not None:
                raise QueryError("unbalanced parenthesis: a ')' has no matching '('")
            raise QueryError("empty query: type a word to search for, e.g. 河长制")
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self) -> Node:
        tok = self.peek()
        assert tok is not None
        if tok.kind == "word" and tok.text == "NOT":
            self.take()
            self.no_operator_next("NOT")
            if self.at_end_of_group():
                raise QueryError("NOT needs a term after it, e.g. NOT 扫黑")
            return Not(self.unary())
        if tok.kind == "minus":
            self.take()
            nxt = self.peek()
            if nxt is not None and nxt.kind == "minus" and nxt.start == tok.end:
                dashes, end = tok.text, tok.end
                for later in self.tokens[self.i :]:
                    if later.start != end or later.kind not in ("minus", "word"):
                        break
                    dashes, end = dashes + later.text, later.end
                word = dashes.lstrip("-－")
                raise QueryError(
                    f"'{dashes}': one '-' excludes a term (-{word or '扫黑'}); to search for "
                    f'the dashes themselves, put them in quotes: "{dashes}"'
                )
            if nxt is None or nxt.start != tok.end or nxt.kind == "rparen":
                raise QueryError(
                    "a '-' on its own excludes nothing: write it right before a term (-扫黑), "
                    'or put it in quotes to search for the dash: "-"'
                )
            return Not(self.unary())
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "lparen":
            if self.peek() is None:
                raise QueryError("unbalanced parenthesis: add the closing ')'")
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError(f"too many nested parentheses (the limit is {MAX_DEPTH})")
            node = self.or_expr()
            self.depth -= 1
            if self.peek() is None or self.peek().kind != "rparen":  # type: ignore[union-attr]
                raise QueryError("unbalanced parenthesis: add the closing ')'")
            self.take()
            return node
        if tok.kind == "phrase":
            parts = tuple(normalize(tok.text).split())
            if not parts:
                raise QueryError('empty phrase "": put words between the quotes')
            return Term(parts[0]) if len(parts) == 1 else Phrase(parts)
        if tok.kind == "field":
            name, value = tok.text.split("\0", 1)
            return make_field(name, value)
        if tok.kind == "regex":
            return _regex_node(tok.text)
        return _term_nodes(tok.text)


def parse_query(query: str) -> Node:
    """Parse a query string; raises QueryError with a one-line explanation."""
    if len(query) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"query is too long ({len(query)} characters; the limit is {MAX_QUERY_LENGTH})"
        )
    if "\0" in query:
        raise QueryError("the query contains a NUL character; remove it")
    if any("\ud800" <= ch <= "\udfff" for ch in query):
        raise QueryError(
            "the query contains bytes that are not UTF-8 (is the terminal set to GBK?); "
            "switch it to UTF-8 or pass the query in a UTF-8 file via $(cat query.txt)"
        )
    if not query.strip():
        raise QueryError("empty query: type a word to search for, e.g. 河长制")
    return _Parser(tokenize(query)).parse()


def build_query(
    query: str,
    *,
    year: str | None = None,
    region: str | None = None,
    filters: Iterable[tuple[str, str]] = (),
) -> Node:
    """Parse a query and AND in filters given as options (--year, --region, facet links)."""
    extra = list(filters)
    if year:
        extra.append(("year", year))
    if region:
        extra.append(("region", region))
    fields = [make_field(name, value) for name, value in extra]
    if not query.strip() and fields:
        node: Node = fields[0] if len(fields) == 1 else And(tuple(fields))
        return node
    node = parse_query(query)
    if fields:
        node = And((node, *fields))
    return node


def leaves(
    node: Node, negated: bool = False
) -> Iterator[tuple[Term | Phrase | Pattern | Field, bool]]:
    """The query's terms, phrases, patterns and filters in query order, each with whether it is
    negated."""
    if isinstance(node, Not):
        yield from leaves(node.child, not negated)
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from leaves(child, negated)
    else:
        yield node, negated


def term_pattern(unit: Term | Phrase | Alternatives) -> re.Pattern[str]:
    """Regex over normalised text: a term as written, a phrase's parts in order with only
    whitespace between them, alternatives longest first (never matching when there are none)."""
    if isinstance(unit, Term):
        return re.compile(re.escape(unit.text))
    if isinstance(unit, Alternatives):
        texts = sorted(unit.texts, key=lambda t: (-len(t), t))
        return re.compile("|".join(map(re.escape, texts)) if texts else "(?!)")
    return re.compile(r"\s*".join(re.escape(p) for p in unit.parts))


def positive_terms(node: Node, negated: bool = False) -> list[Term | Phrase | Pattern]:
    """Terms, phrases and patterns that count towards a match (not under NOT), in query
    order."""
    return [
        leaf
        for leaf, under_not in leaves(node, negated)
        if not under_not and isinstance(leaf, Term | Phrase | Pattern)
    ]


@dataclass(frozen=True)
class Trim:
    """A term typed with punctuation at its edge, and how the query reads without it."""

    #: The term as typed (a phrase without its quotes).
    typed: str
    #: What the term alone asks for.
    node: Node
    #: The span in the query to replace, and what to put there ("" drops the term).
    start: int
    end: int
    replacement: str


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P")


def strip_punctuation(text: str) -> str:
    start, end = 0, len(text)
    while start < end and _is_punctuation(text[start]):
        start += 1
    while end > start and _is_punctuation(text[end - 1]):
        end -= 1
    return text[start:end]


def punctuation_trims(query: str) -> list[Trim]:
    """Terms and phrases of a query that start or end with punctuation (河长制：, 《条例》).

    An input method adds these easily; the literal contract searches for them as typed, and a
    caller may offer the query without them when they match nothing.
    """
    try:
        tokens = tokenize(query)
        parse_query(query)
    except QueryError:
        return []
    out = []
    for i, tok in enumerate(tokens):
        if tok.kind not in ("word", "phrase") or (tok.kind == "word" and tok.text in OPERATORS):
            continue
        trimmed = strip_punctuation(tok.text)
        if trimmed == tok.text:
            continue
        try:
            node = _term_nodes(tok.text) if tok.kind == "word" else _Parser([tok]).primary()
        except QueryError:
            continue
        if any(isinstance(leaf, Pattern) for leaf, _n in leaves(node)):
            continue  # a wildcard's ? is no punctuation
        start = tok.start
        if tok.kind == "phrase" and trimmed:
            trimmed = query[tok.start] + trimmed + query[tok.end - 1]
        before = tokens[i - 1] if i else None
        if not trimmed and before is not None and before.kind == "minus":
            start = before.start  # dropping the term drops its minus too
        out.append(Trim(tok.text, node, start, tok.end, trimmed))
    return out
