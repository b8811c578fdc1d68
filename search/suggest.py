"""Suggestions for a query that misses because of how it was typed, not what was asked.

The literal contract stays: the query is answered as typed. Beside the answer, a term that
starts or ends with punctuation (河长制：, 《条例》, typed with a Chinese input method) and matches
nothing yields the query without that punctuation, with the number of paragraphs it finds.
"""

from __future__ import annotations

from collections.abc import Callable

from govsearch.indexer import IndexReader, QueryError

from .evaluate import Evaluator
from .folding import fold
from .query import Node, parse_query, punctuation_trims
from .results import Suggestion


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

    return punctuation_suggestions(query, lambda node: int(evaluator.eval(node).size), total)
