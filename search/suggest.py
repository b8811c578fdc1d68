"""Suggestions for a query that misses because of how it was typed, not what was asked.

The literal contract stays: the query is answered as typed. Beside the answer, each with the
number of paragraphs it finds under the same filters:

- a term that starts or ends with punctuation (河长制：, 《条例》, typed with a Chinese input
  method) and matches nothing: the query without that punctuation;
- a term with a list separator inside (河长制，湖长制, 河长制、湖长制) that matches nothing: its
  parts as separate terms, both together (AND) and either (OR);
- lower-case and/or/not between terms: the query with them read as operators;
- a Chinese term that matches nothing: the indexed strings that sound the same (homophones.py).
"""

from __future__ import annotations

from collections.abc import Callable

from govsearch.indexer import IndexReader, QueryError
from govsearch.indexer.textnorm import normalize

from .evaluate import Evaluator
from .folding import fold
from .homophones import sound_alikes
from .query import (
    OPERATORS,
    Node,
    Term,
    Token,
    parse_query,
    punctuation_trims,
    strip_punctuation,
    tokenize,
)
from .results import Suggestion

#: List separators a term may hold when several terms were meant (after normalisation: the
#: full-width comma and semicolon are , and ;).
SEPARATORS = "、,;"


def punctuation_suggestions(
    query: str, hits: Callable[[Node], int], total: Callable[[str], int]
) -> list[Suggestion]:
    """The query without edge punctuation on the terms that match nothing, if that finds more.

    `hits(node)` counts what one term matches alone; `total(query)` counts a whole query with
    the caller's filters.
    """
    trims = [t for t in punctuation_trims(query) if hits(t.node) == 0]
    if not trims:
        return []
    text = query
    for t in sorted(trims, key=lambda t: t.start, reverse=True):
        text = text[: t.start] + t.replacement + text[t.end :]
    text = " ".join(text.split())
    if not text:
        return []
    try:
        parse_query(text)
    except QueryError:
        return []
    found = total(text)
    if not found:
        return []
    return [Suggestion(query=text, total=found, terms=[t.typed for t in trims])]


def _tokens(query: str) -> list[Token]:
    try:
        parse_query(query)
        return tokenize(query)
    except QueryError:
        return []


def _replace(query: str, edits: list[tuple[Token, str]]) -> str:
    """The query with each token's span replaced, spaces tidied."""
    for tok, text in sorted(edits, key=lambda e: e[0].start, reverse=True):
        query = query[: tok.start] + text + query[tok.end :]
    return " ".join(query.split())


def _offer(text: str, kind: str, terms: list[str], total: Callable[[str], int]) -> list[Suggestion]:
    try:
        parse_query(text)
    except QueryError:
        return []
    found = total(text)
    return [Suggestion(query=text, total=found, terms=terms, kind=kind)] if found else []


def _is_operator_word(tok: Token) -> bool:
    return tok.kind == "word" and tok.text in OPERATORS


def separator_suggestions(
    query: str, hits: Callable[[Node], int], total: Callable[[str], int]
) -> list[Suggestion]:
    """河长制，湖长制 (one term that matches nothing): 河长制 湖长制 and 河长制 OR 湖长制."""
    tokens = _tokens(query)
    split = []
    for i, tok in enumerate(tokens):
        if tok.kind != "word" or _is_operator_word(tok):
            continue
        text = normalize(tok.text)
        for sep in SEPARATORS[1:]:
            text = text.replace(sep, SEPARATORS[0])
        parts = [p for p in (strip_punctuation(x) for x in text.split(SEPARATORS[0])) if p]
        if len(parts) < 2 or any(p.split() != [p] for p in parts):
            continue
        if hits(Term(normalize(tok.text))) == 0:
            negated = i > 0 and tokens[i - 1].kind == "minus" and tokens[i - 1].end == tok.start
            split.append((tok, parts, negated))
    if not split:
        return []
    alone = len(tokens) == 1
    both = [(t, " ".join(p) if alone or not neg else f"({' '.join(p)})") for t, p, neg in split]
    either = [(t, " OR ".join(p) if alone else f"({' OR '.join(p)})") for t, p, _ in split]
    terms = [t.text for t, _, _ in split]
    return [
        s
        for edits in (both, either)
        for s in _offer(_replace(query, edits), "separator", terms, total)
    ]


def operator_suggestions(query: str, total: Callable[[str], int]) -> list[Suggestion]:
    """河长制 or 湖长制: the query with lower-case and/or/not read as the operators."""
    words = [t for t in _tokens(query) if t.kind == "word" and t.text.upper() in OPERATORS]
    lower = [t for t in words if t.text not in OPERATORS]
    if not lower:
        return []
    text = _replace(query, [(t, t.text.upper()) for t in lower])
    offer = _offer(text, "operator", [t.text for t in lower], total)
    if offer and offer[0].total == total(query):
        return []  # the same answer: nothing to suggest
    return offer


def homophone_suggestions(
    query: str,
    hits: Callable[[Node], int],
    total: Callable[[str], int],
    alikes: Callable[[str], list[tuple[str, int]]],
) -> list[Suggestion]:
    """河常制 (matching nothing): the query with each indexed string that sounds the same."""
    out = []
    for tok in _tokens(query):
        if tok.kind != "word" or _is_operator_word(tok):
            continue
        text = normalize(tok.text)
        if text.split() != [text] or hits(Term(text)):
            continue
        for alike, _n in alikes(text):
            out.extend(_offer(_replace(query, [(tok, alike)]), "homophone", [tok.text], total))
    return out


def query_suggestions(
    reader: IndexReader,
    evaluator: Evaluator,
    query: str,
    with_filters: Callable[[str], Node],
    collapse: bool,
) -> list[Suggestion]:
    """Queries to offer beside the answer, each counted with the caller's filters
    (`with_filters(text)` is the query tree of another query text under the same filters)."""

    def total(text: str) -> int:
        matched = evaluator.eval(with_filters(text))
        return int((fold(reader, matched).kept if collapse else matched).size)

    def hits(node: Node) -> int:
        return int(evaluator.eval(node).size)

    offered = [
        *punctuation_suggestions(query, hits, total),
        *separator_suggestions(query, hits, total),
        *operator_suggestions(query, total),
        *homophone_suggestions(
            query, hits, total, lambda term: sound_alikes(reader, evaluator, term)
        ),
    ]
    seen = {query}
    unique = []
    for s in offered:
        if s.query not in seen:
            seen.add(s.query)
            unique.append(s)
    return unique
