"""The query language: parsing a query string into a small tree.

河长制 污染              both terms (AND)
河长制 OR 湖长制          either
-扫黑 / NOT 扫黑          without
"土地 整备"              phrase: the parts in this order, with nothing but spaces between
( … )                   grouping (ASCII parentheses; full-width （） are ordinary text)
year:2018  year:2015..2020  region:坪山  title:政府工作报告  section:工作计划
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from govsearch.indexer import QueryError
from govsearch.indexer.textnorm import normalize

MAX_QUERY_LENGTH = 1000
MAX_DEPTH = 32

#: Filter fields: name → what the value is matched against.
FIELDS = {
    "year": "document year, a year or a range: year:2018, year:2015..2020, year:2015..",
    "region": "region name contains the value: region:坪山",
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


Node = Term | Phrase | Field | Not | And | Or

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<field>(?P<fname>[A-Za-z_]+):(?:"(?P<fquoted>[^"]*)"|(?P<fvalue>[^\s()"]*)))
  | (?P<phrase>"[^"]*")
  | (?P<quote>")
  | (?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


def _tokens(query: str) -> list[tuple[str, str]]:
    out = []
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        if kind == "space":
            continue
        if m.group("field") is not None:
            value = m.group("fquoted") if m.group("fquoted") is not None else m.group("fvalue")
            out.append(("field", m.group("fname").lower() + "\0" + value))
        elif kind == "quote":
            raise QueryError('unbalanced quote: add the closing " or remove the opening one')
        elif m.group("phrase") is not None:
            out.append(("phrase", m.group("phrase")[1:-1]))
        else:
            out.append((kind or "word", m.group(0)))
    return out


_YEAR_RANGE = re.compile(r"^(\d{4})?(?:\.\.(\d{4})?)?$")
_DATE = r"\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?"
_DATE_RANGE = re.compile(rf"^({_DATE})?(?:\.\.({_DATE})?)?$")


def _date_key(value: str, end: bool) -> str:
    """A date prefix as a comparable YYYY-MM-DD bound (end=True: the last day it covers)."""
    parts = value.split("-")
    y = parts[0]
    m = f"{int(parts[1]):02d}" if len(parts) > 1 else ("12" if end else "01")
    d = f"{int(parts[2]):02d}" if len(parts) > 2 else ("31" if end else "01")
    return f"{y}-{m}-{d}"


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
        raise QueryError(f"{name}: needs a value, e.g. {FIELDS[name].split(': ', 1)[-1]}")
    if name == "year":
        m = _YEAR_RANGE.match(normalize(value))
        if not m or value in ("..",) or not (m.group(1) or m.group(2)):
            raise QueryError(f"year:{value} — a year is 4 digits, or a range like year:2015..2020")
        low = int(m.group(1)) if m.group(1) else None
        high = int(m.group(2)) if m.group(2) else None
        if ".." not in value:
            high = low
        if low is not None and high is not None and low > high:
            raise QueryError(f"year:{value} — the range is empty; write it as low..high")
        return Field(name, value, low, high)
    if name == "date":
        m = _DATE_RANGE.match(normalize(value))
        if not m or not (m.group(1) or m.group(2)):
            raise QueryError(
                f"date:{value} — use YYYY, YYYY-MM, YYYY-MM-DD or a range like 2024-01..2024-06"
            )
        try:
            low = _date_key(m.group(1), end=False) if m.group(1) else None
            top = m.group(2) if ".." in value else m.group(1)
            high = _date_key(top, end=True) if top else None
        except ValueError:
            raise QueryError(f"date:{value} — not a valid date") from None
        return Field(name, value, low, high)
    return Field(name, value)


def _term_nodes(raw: str) -> Node:
    """Split on whitespace left after normalisation (e.g. U+3000 becomes a space)."""
    pieces = normalize(raw).split()
    if not pieces:
        raise QueryError(f"{raw!r} has nothing to search for once spaces are removed")
    nodes = tuple(Term(p) for p in pieces)
    return nodes[0] if len(nodes) == 1 else And(nodes)


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]):
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        node = self.or_expr()
        if self.peek() is not None:
            kind, text = self.peek()  # type: ignore[misc]
            if kind == "rparen":
                raise QueryError("unbalanced parenthesis: a ')' has no matching '('")
            raise QueryError(f"unexpected {text!r}")
        return node

    def or_expr(self) -> Node:
        children = [self.and_expr()]
        while self.peek() == ("word", "OR"):
            self.take()
            if self.peek() is None or self.peek()[0] == "rparen":  # type: ignore[index]
                raise QueryError("OR needs a term on both sides, e.g. 河长制 OR 湖长制")
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> Node:
        children = []
        while True:
            tok = self.peek()
            if tok is None or tok[0] == "rparen" or tok == ("word", "OR"):
                break
            if tok == ("word", "AND"):
                self.take()
                if not children:
                    raise QueryError("AND needs a term on both sides, e.g. 河长制 AND 污染")
                nxt = self.peek()
                if nxt is None or nxt[0] == "rparen" or nxt == ("word", "OR"):
                    raise QueryError("AND needs a term on both sides, e.g. 河长制 AND 污染")
                continue
            children.append(self.unary())
        if not children:
            tok = self.peek()
            if tok == ("word", "OR"):
                raise QueryError("OR needs a term on both sides, e.g. 河长制 OR 湖长制")
            if tok is not None and tok[0] == "rparen":
                raise QueryError("unbalanced parenthesis: a ')' has no matching '('")
            raise QueryError("empty query: type a word to search for, e.g. 河长制")
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self) -> Node:
        kind, text = self.peek()  # type: ignore[misc]
        if text == "NOT" and kind == "word":
            self.take()
            if self.peek() is None or self.peek()[0] == "rparen":  # type: ignore[index]
                raise QueryError("NOT needs a term after it, e.g. NOT 扫黑")
            return Not(self.unary())
        if kind == "word" and text.startswith("-") and len(text) > 1:
            self.take()
            return Not(_term_nodes(text[1:]))
        return self.primary()

    def primary(self) -> Node:
        kind, text = self.take()
        if kind == "lparen":
            if self.peek() is None:
                raise QueryError("unbalanced parenthesis: add the closing ')'")
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError(f"too many nested parentheses (the limit is {MAX_DEPTH})")
            node = self.or_expr()
            self.depth -= 1
            if self.peek() is None or self.peek()[0] != "rparen":  # type: ignore[index]
                raise QueryError("unbalanced parenthesis: add the closing ')'")
            self.take()
            return node
        if kind == "phrase":
            parts = tuple(normalize(text).split())
            if not parts:
                raise QueryError('empty phrase "": put words between the quotes')
            return Term(parts[0]) if len(parts) == 1 else Phrase(parts)
        if kind == "field":
            name, value = text.split("\0", 1)
            return make_field(name, value)
        return _term_nodes(text)


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
    return _Parser(_tokens(query)).parse()


def positive_terms(node: Node, negated: bool = False) -> list[Term | Phrase]:
    """Terms and phrases that count towards a match (not under NOT), in query order."""
    if isinstance(node, Term | Phrase):
        return [] if negated else [node]
    if isinstance(node, Not):
        return positive_terms(node.child, not negated)
    if isinstance(node, And | Or):
        out: list[Term | Phrase] = []
        for child in node.children:
            out.extend(positive_terms(child, negated))
        return out
    return []
