"""A concordance (KWIC, key word in context): every match of a query with the text around it.

The lines are the matches `search` highlights: the same matching paragraphs (near-duplicate
copies folded as search folds them) and in each the same spans (hits.match_spans over the
query's positive terms and patterns, a pattern's matches found by patterns.spans as for
highlights, as [start, end) offsets into the paragraph's original text). A line
shows up to `width` characters of that paragraph on either side of its match.

Sorts: `position` is document order (the document's path, then paragraph, then offset: the
same however the index was built), and with a limit only the paragraphs needed are read;
`left` and `right` compare the context nearest the match first (1L, 2L, … or 1R, 2R, …, as
AntConc does), character by character in the normalised text (so 河長制 and 河长制 sort
together), ties in document order. They need every line.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from govsearch.indexer import IndexReader, QueryError
from govsearch.indexer.textnorm import apply_patch, normalize

from .frames import data_frame
from .hits import match_spans
from .index import Index, reader_of
from .query import build_query, positive_terms
from .rank import document_order, in_document_order
from .results import JSON_SCHEMA_VERSION
from .service import matching_pids

#: How lines can be ordered.
KWIC_SORTS = ("position", "left", "right")
DEFAULT_WIDTH = 20
MAX_WIDTH = 1000
#: Paragraphs read at a time while filling a page in document order (doubling up to READ_MAX).
READ_FIRST = 64
READ_MAX = 4096
#: The keys of a line, in the order JSON Lines, CSV and DataFrames give them.
LINE_KEYS = ("id", "doc_id", "title", "year", "region", "left", "match", "right", "start", "end")


@dataclass(frozen=True)
class KwicLine:
    """One match in its context; start and end are offsets into the paragraph's original text."""

    id: str
    doc_id: str
    title: str | None
    year: int | None
    region: str | None
    left: str
    match: str
    right: str
    start: int
    end: int

    def to_dict(self) -> dict:
        """The JSON object of one line (`kwic --format jsonl`)."""
        return asdict(self)


@dataclass(frozen=True)
class Concordance:
    """A page of concordance lines and what the whole concordance holds."""

    query: str
    sort: str
    width: int
    offset: int
    limit: int | None
    lines: list[KwicLine]
    #: Matching paragraphs (as `search` counts them).
    paragraphs: int
    #: Lines in the whole concordance; None when a page in document order was filled without
    #: reading every matching paragraph (then `complete` is False).
    total: int | None
    year: str | None = None
    region: str | None = None
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        """Whether every line was counted (total is known)."""
        return self.total is not None

    def to_dict(self) -> dict:
        """The JSON object of `govsearch kwic --format json`."""
        return {
            "schema_version": JSON_SCHEMA_VERSION,
            "query": self.query,
            "sort": self.sort,
            "width": self.width,
            "year": self.year,
            "region": self.region,
            "paragraphs": self.paragraphs,
            "total": self.total,
            "offset": self.offset,
            "limit": self.limit,
            "lines": [line.to_dict() for line in self.lines],
        }

    def to_pandas(self):
        """The lines as a pandas DataFrame, one row per line (needs govsearch[pandas])."""
        return data_frame(LINE_KEYS, ([getattr(x, k) for k in LINE_KEYS] for x in self.lines))


def check_kwic_options(sort: str, width: int, offset: int = 0, limit: int | None = None) -> None:
    """Raise QueryError for an unknown sort or a width, offset or limit out of range."""
    if sort not in KWIC_SORTS:
        raise QueryError(f"unknown sort {sort!r}; use one of: {', '.join(KWIC_SORTS)}")
    if not 0 <= width <= MAX_WIDTH:
        raise QueryError(f"width must be 0 to {MAX_WIDTH} characters (got {width})")
    if offset < 0:
        raise QueryError("offset must be 0 or more")
    if limit is not None and limit < 0:
        raise QueryError("limit must be 0 or more")


def kwic(
    index: Index | IndexReader | Path | str,
    query: str,
    *,
    width: int = DEFAULT_WIDTH,
    sort: str = "position",
    limit: int | None = 100,
    offset: int = 0,
    year: str | None = None,
    region: str | None = None,
    filters: Iterable[tuple[str, str]] = (),
    collapse: bool = True,
    max_sorted: int | None = None,
) -> Concordance:
    """Every match of a query in its context: `width` characters either side, sorted by `sort`.

    The lines are the spans `search` highlights in the paragraphs it finds (copies folded
    unless collapse=False). `limit` None gives every line. A query without a text term (only
    filters) has nothing to show in context and is a QueryError, as is a sort by context
    over more than `max_sorted` matching paragraphs (None: no limit).
    """
    started = time.perf_counter()
    check_kwic_options(sort, width, offset, limit)
    node = build_query(query, year=year, region=region, filters=list(filters))
    terms = positive_terms(node)
    if not terms:
        raise QueryError(
            f"{query!r} has no text to show in context: add a term, e.g. 河长制 {query}".strip()
        )
    reader = reader_of(index)
    # Document order (path, then paragraph), not the order the files happened to be indexed in.
    pids = in_document_order(reader, matching_pids(reader, node, collapse=collapse))
    if max_sorted is not None and sort != "position" and pids.size > max_sorted:
        raise QueryError(
            f"sorting by context reads every line: {pids.size:,} paragraphs match and the limit "
            f"here is {max_sorted:,}; narrow the query (a year or a region), or sort by position"
        )
    end = None if limit is None else offset + limit
    found = _matches(reader, pids, terms, width, sort)
    total: int | None = None
    if sort == "position" and end is not None:
        # Document order: stop reading once the page is full (the total stays unknown).
        chosen = []
        for m in found:
            if len(chosen) == end:
                break
            chosen.append(m)
        else:
            total = len(chosen)
    elif sort != "position" and end is not None:
        # A page by context: every line is read and counted, only the page's are kept.
        seen = [0]

        def counting() -> Iterator[_Match]:
            for m in found:
                seen[0] += 1
                yield m

        lines = counting()
        chosen = heapq.nsmallest(end, lines)
        for _rest in lines:  # nsmallest(0, …) reads nothing: the total counts every line
            pass
        total = seen[0]
    else:
        chosen = sorted(found) if sort != "position" else list(found)
        total = len(chosen)
    page = _page_lines(reader, chosen[offset:end], width)
    return Concordance(
        query=query,
        sort=sort,
        width=width,
        offset=offset,
        limit=limit,
        lines=page,
        paragraphs=int(pids.size),
        total=total,
        year=year,
        region=region,
        seconds=round(time.perf_counter() - started, 4),
    )


def _chunks(pids: np.ndarray) -> Iterator[list[int]]:
    """The ids in their order, a few first (a page of a common term needs few), then more."""
    at, size = 0, READ_FIRST
    while at < pids.size:
        yield pids[at : at + size].tolist()
        at += size
        size = min(size * 2, READ_MAX)


#: The patches of the paragraphs whose length normalising changed (they start with T).
_RESIZED = "CASE WHEN substr(patch, 1, 1) = X'54' THEN patch END"

#: A match found: its sort key ("" in document order), the paragraph's place in document order,
#: [start, end) in the paragraph's original text, and its id. Tuples sort by key, then in
#: document order.
_Match = tuple[str, int, int, int, int]


def _matches(
    reader: IndexReader, pids: np.ndarray, terms: list, width: int, sort: str
) -> Iterator[_Match]:
    """Every match in these paragraphs in their order, with its key for a `sort` by context.

    Where normalising kept a paragraph's length (all but a few), its normalised text maps
    character for character onto the original: offsets and contexts are read from it without
    rebuilding the original text. Only the others are rebuilt here.
    """
    order = document_order(reader)
    for chunk in _chunks(pids):
        resized = {pid: row[0] for pid, row in reader.fetch(chunk, _RESIZED).items() if row[0]}
        for pid, norm in zip(chunk, reader.norms(chunk), strict=True):
            patch = resized.get(pid)
            text = norm if patch is None else apply_patch(norm, patch)
            # The key is the normalised context: here the normalised text's own characters.
            folded = (lambda x: x) if patch is None else normalize
            at = int(order[pid])
            for s, e in match_spans(text, norm, terms, reader):
                if sort == "left":
                    yield folded(text[max(0, s - width) : s])[::-1], at, s, e, pid
                elif sort == "right":
                    yield folded(text[e : e + width]), at, s, e, pid
                else:
                    yield "", at, s, e, pid


def _page_lines(reader: IndexReader, chosen: list[_Match], width: int) -> list[KwicLine]:
    """The lines of the chosen matches, their original text rebuilt (page paragraphs only)."""
    wanted = sorted({pid for _k, _at, _s, _e, pid in chosen})
    if not wanted:
        return []
    rows = reader.fetch(wanted, "paragraph, patch")
    texts = {
        pid: apply_patch(norm, rows[pid][1])
        for pid, norm in zip(wanted, reader.norms(wanted), strict=True)
    }
    docs, numbers = reader.docs, reader.doc_numbers()
    lines = []
    for _key, _at, s, e, pid in chosen:
        text, d = texts[pid], docs[numbers[pid]]
        lines.append(
            KwicLine(
                id=f"{d.doc_id}:{rows[pid][0]}",
                doc_id=d.doc_id,
                title=d.title,
                year=d.year,
                region=d.region,
                left=text[max(0, s - width) : s],
                match=text[s:e],
                right=text[e : e + width],
                start=s,
                end=e,
            )
        )
    return lines
