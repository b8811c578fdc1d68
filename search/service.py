"""The search API used by the CLI and the web UI alike: the stages of a query, wired.

    parse (query.py) → evaluate (evaluate.py) → fold (folding.py) → rank (rank.py)
        → facets and totals (facets.py) → hits (hits.py); explain (explain.py)

Matching is literal: a paragraph matches a term exactly when its normalised text contains the
normalised term. Ranking is BM25F over the index's jieba words, restricted to the literal
matches, so a fragment (长制) is always found and a whole-word match ranks above it.
docs/architecture.md describes each stage.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from govsearch.indexer import DocInfo, IndexReader, NotFound, QueryError

from .evaluate import Evaluator
from .explain import explanation
from .facets import facet_counts, index_stats, paragraphs_per_doc
from .folding import Folded, fold
from .grouping import PER_DOC, group_page
from .hits import document_of, page_hits, paragraphs, parse_paragraph_id
from .index import Index, reader_of
from .patterns import ranking_strings, resolved
from .query import Node, Pattern, Term, build_query, parse_query, positive_terms
from .rank import Ranker
from .results import Document, Explanation, Hit, IndexStats, SearchResult
from .suggest import query_suggestions
from .variants import variant_rows
from .vocabulary import check_filter_values

SORTS = ("relevance", "year")
GROUPS = (None, "doc")
#: Variants of a pattern listed beside its hits (the web page's "匹配到的词" facet).
FACET_VARIANTS = 12


class _Query:
    """One query against one generation: its tree, matches, folding and ranker."""

    def __init__(self, index, query: str, filters: list, year, region, collapse: bool):
        self.text, self.year, self.region, self.filters = query, year, region, filters
        self.node = build_query(query, year=year, region=region, filters=filters)
        self.reader = reader_of(index)
        check_filter_values(self.reader, self.node)
        self.evaluator = Evaluator(self.reader)
        self.matched = self.evaluator.eval(self.node)
        self.folding: Folded | None = fold(self.reader, self.matched) if collapse else None
        self.kept = self.folding.kept if self.folding is not None else self.matched
        self.terms = positive_terms(self.node)
        # A pattern ranks as the strings it matched, as if they had been typed.
        units = resolved(self.reader, self.terms, self.evaluator.term) if self.kept.size else []
        self.ranker = Ranker(self.reader, units, self.kept)
        self.collapse = collapse

    def ranked(self, sort: str, n: int | None) -> list[int]:
        """The first n paragraph ids in order (all for None)."""
        return self.ranker.by_year(n) if sort == "year" else self.ranker.top(n)

    def hits(self, page: list[int]) -> list[Hit]:
        copies = self.folding.copies_of(page) if self.folding is not None else {}
        return page_hits(self.reader, page, self.terms, self.ranker.scores, copies)

    def variants(self) -> list:
        """The variants to list beside the hits, when the query has one pattern: the strings it
        matched most (see patterns.ranking_strings), each with its own search's counts here."""
        patterns = [t for t in dict.fromkeys(self.terms) if isinstance(t, Pattern)]
        if len(patterns) != 1 or not self.kept.size:
            return []
        strings = ranking_strings(self.reader, patterns[0], self.evaluator.term)
        rows, _distinct, _notes = variant_rows(
            self.reader, self.evaluator, self.node, self.kept, text=self.text,
            top=FACET_VARIANTS, strings=list(strings[:FACET_VARIANTS]), occurrences=False,
        )  # fmt: skip
        return rows

    def suggestions(self):
        def with_filters(text: str) -> Node:
            return build_query(text, year=self.year, region=self.region, filters=self.filters)

        return query_suggestions(
            self.reader, self.evaluator, self.text, with_filters, self.collapse
        )


def _shown(t) -> str:
    if isinstance(t, Term):
        return t.text
    if isinstance(t, Pattern):
        return f"/{t.text}/" if t.regex else t.text
    return " ".join(t.parts)


def _check_page(sort: str, offset: int = 0, limit: int | None = None) -> None:
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; use one of: {', '.join(SORTS)}")
    if offset < 0:
        raise QueryError("offset must be 0 or more")
    if limit is not None and limit < 0:
        raise QueryError("limit must be 0 or more")


def search(
    index: Index | Path | str,
    query: str,
    *,
    limit: int | None = 10,
    offset: int = 0,
    sort: str = "relevance",
    year: str | None = None,
    region: str | None = None,
    filters: Iterable[tuple[str, str]] = (),
    facets: bool = True,
    collapse: bool = True,
    group: str | None = None,
) -> SearchResult:
    """Run a query: the exact matching set, ranked, one page of hits, facet counts.

    With collapse, a paragraph repeated word for word in a near-duplicate document (the same
    report from two sources) is one hit, the copies listed in its `also_in`. With group="doc",
    the page lists each document's first two hits only (search/grouping.py) and `folded`
    counts the rest per document.
    """
    started = time.perf_counter()
    _check_page(sort, offset, limit)
    if group not in GROUPS:
        raise QueryError(f"unknown grouping {group!r}; use group='doc' or None")
    q = _Query(index, query, list(filters), year, region, collapse)
    end = None if limit is None else offset + limit
    folded: dict[str, int] = {}
    listed = None
    if group == "doc":
        per_doc = paragraphs_per_doc(q.reader, q.kept)
        doc_of = q.reader.doc_of
        page, listed = group_page(lambda k: q.ranked(sort, k), lambda p: doc_of(p).doc_id,
                                  per_doc, offset, limit)  # fmt: skip
        shown = {doc_of(p).doc_id for p in page}
        folded = {d: per_doc[d] - PER_DOC for d in sorted(shown) if per_doc[d] > PER_DOC}
    else:
        page = q.ranked(sort, end)[offset:end]
    return SearchResult(
        query=query,
        total=int(q.kept.size),
        offset=offset,
        limit=limit,
        hits=q.hits(page),
        facets=facet_counts(q.reader, q.kept) if facets else {},
        sort=sort,
        seconds=round(time.perf_counter() - started, 4),
        terms=[_shown(t) for t in q.terms],
        suggestions=q.suggestions(),
        group=group,
        listed=listed,
        folded=folded,
        variants=q.variants() if facets else [],
    )


def iter_hits(
    index: Index | Path | str,
    query: str,
    *,
    sort: str = "relevance",
    year: str | None = None,
    region: str | None = None,
    filters: Iterable[tuple[str, str]] = (),
    collapse: bool = True,
    batch: int = 500,
) -> tuple[int, Iterator[Hit]]:
    """Every hit of a query in order, built `batch` at a time (for exports of any size).

    Returns the total and an iterator; only the ranked ids are held, never all the hits.
    """
    _check_page(sort)
    q = _Query(index, query, list(filters), year, region, collapse)
    order = q.ranked(sort, None)

    def hits() -> Iterator[Hit]:
        for i in range(0, len(order), batch):
            yield from q.hits(order[i : i + batch])

    return int(q.kept.size), hits()


def explain(
    index: Index | Path | str,
    query: str,
    *,
    year: str | None = None,
    region: str | None = None,
    filters: Iterable[tuple[str, str]] = (),
    limit: int | None = 10,
    offset: int = 0,
    sort: str = "relevance",
) -> Explanation:
    """How a query was understood and ranked.

    Its parts, what each matches alone, what filters removed, and the score components of the
    hits `search` would show on the same page (ungrouped).
    """
    _check_page(sort)
    q = _Query(index, query, list(filters), year, region, True)
    end = None if limit is None else offset + limit
    page = q.ranked(sort, end)[offset:end]
    return explanation(q.reader, q.evaluator, query, q.node, q.matched, q.kept, q.ranker, page,
                       q.suggestions())  # fmt: skip


def count(
    index: Index | Path | str, query: str, *, collapse: bool = True, **filters: str | None
) -> int:
    """The number of hits `search` would report, without ranking."""
    node = build_query(query, **filters)  # type: ignore[arg-type]
    return int(matching_pids(index, node, collapse=collapse).size)


def matching_pids(
    index: Index | IndexReader | Path | str, query: str | Node, *, collapse: bool = True
) -> np.ndarray:
    """The exact set of paragraphs a query matches, as a sorted numpy array of paragraph ids.

    `query` is a query string or a tree from `parse_query` / `build_query`. With collapse (as
    `search` counts), paragraphs repeating an original's paragraph in a near-duplicate document
    are left out when the original matches too. Pass `index.reader()` as `index` to several
    calls (with `paragraph_doc_numbers`, `documents`) to read one generation throughout.
    """
    node = parse_query(query) if isinstance(query, str) else query
    reader = reader_of(index)
    check_filter_values(reader, node)
    matched = Evaluator(reader).eval(node)
    return fold(reader, matched).kept if collapse else matched


def paragraph_doc_numbers(index: Index | IndexReader | Path | str) -> np.ndarray:
    """For each paragraph id, the position of its document in `documents(index)` (-1: none).

    An int32 array indexed by paragraph id: `doc_numbers[matching_pids(...)]` gives the document
    of every match, ready for numpy.bincount.
    """
    return reader_of(index).doc_numbers()


def documents(index: Index | IndexReader | Path | str) -> list[DocInfo]:
    """The index's documents in paragraph-id order (what paragraph_doc_numbers points into)."""
    return reader_of(index).docs


def get_document(
    index: Index | Path | str,
    doc_id: str,
    *,
    query: str | None = None,
    around: int | None = None,
    context: int | None = None,
) -> Document:
    """A document's paragraphs (all, or `context` either side of paragraph `around`).

    With a query, each paragraph carries the offsets of the query's matches.
    """
    reader = reader_of(index)
    d = document_of(reader, doc_id)
    first, last = 1, d.paragraphs
    if around is not None:
        if not 1 <= around <= d.paragraphs:
            raise NotFound(f"document {doc_id} has paragraphs 1 to {d.paragraphs}, not {around}")
        span = context or 0
        first, last = max(1, around - span), min(d.paragraphs, around + span)
    terms = positive_terms(parse_query(query)) if query and query.strip() else []
    return Document(
        doc_id=d.doc_id,
        title=d.title,
        year=d.year,
        region=d.region,
        level=d.level,
        path=d.path,
        format=d.format,
        meta=d.meta,
        region_path=list(d.region_path),
        adcode=d.adcode,
        paragraph_count=d.paragraphs,
        paragraphs=paragraphs(reader, d, first, last, terms),
    )


def show(
    index: Index | Path | str, paragraph_id: str, *, context: int = 0, query: str | None = None
) -> Document:
    """The paragraph named by an id like 3f2a9c1b7d0e:14 with `context` paragraphs around it;
    a document id alone (3f2a9c1b7d0e) is the whole document."""
    doc_id, para = parse_paragraph_id(paragraph_id)
    if para is None:
        return get_document(index, doc_id, query=query)
    return get_document(index, doc_id, around=para, context=context, query=query)


def stats(index: Index | Path | str) -> IndexStats:
    """Counts and facts about an index."""
    return index_stats(reader_of(index))
