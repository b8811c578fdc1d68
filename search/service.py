"""The search API used by the CLI and the web UI alike.

Matching is literal: a paragraph matches a term exactly when its normalised text contains the
normalised term (character/pair posting lists find the candidates, a substring check confirms
them). Ranking is BM25F over jieba words in Whoosh, restricted to the literal matches, so a
fragment (长制) is always found and a whole-word match ranks above it.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path

import numpy as np

from govsearch.indexer import DocInfo, IndexReader, NotFound, QueryError, UsageError
from govsearch.indexer.analysis import gram_key, query_grams
from govsearch.indexer.textnorm import (
    apply_patch,
    find_all,
    merge_spans,
    normalize,
    to_source_spans,
)

from . import pidsets, ranking, wordscores
from .grouping import PER_DOC, group_page
from .query import And, Field, Node, Not, Or, Phrase, Term, make_field, parse_query, positive_terms
from .results import (
    Clause,
    Document,
    Explanation,
    Hit,
    HitScore,
    IndexStats,
    Location,
    Paragraph,
    SearchResult,
    Suggestion,
)
from .suggest import punctuation_suggestions
from .vocabulary import check_filter_values

SORTS = ("relevance", "year")
GROUPS = (None, "doc")
#: Facets: name → the label a document's paragraphs are counted under (None: not counted).
FACET_LABELS: dict[str, Callable[[DocInfo], str | None]] = {
    "year": lambda d: str(d.year) if d.year is not None else "unknown",
    "region": lambda d: d.region or "unknown",
    "level": lambda d: d.level or "unknown",
    "type": lambda d: d.meta.get("type") or "unknown",
    "province": lambda d: region_facets(d).get("province"),
    "city": lambda d: region_facets(d).get("city"),
    "county": lambda d: region_facets(d).get("county"),
}
FACETS = tuple(FACET_LABELS)
# Suffixes dropped from each level's name so that 广东深圳 finds 广东省 › 深圳市.
_UNIT_SUFFIX = re.compile(r"(?:特别行政区|自治区|自治州|自治县|省|市|区|县)$")
# Below this many candidates a term is checked against the text without more posting lists.
VERIFY_DIRECTLY = 256


class Index:
    """A handle on an index directory that follows rebuilds: each call sees the newest index."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self._reader: IndexReader | None = None
        self._lock = threading.Lock()

    def reader(self) -> IndexReader:
        """The reader for the currently published generation (reopened after a rebuild)."""
        reader = self._reader
        if reader is None or not reader.is_current():
            with self._lock:
                reader = self._reader
                if reader is None or not reader.is_current():
                    # The old reader is not closed here: a request in another thread may still
                    # be using it; it goes when nothing refers to it.
                    reader = self._reader = IndexReader(self.root)
        return reader


def open_index(root: Path | str) -> Index:
    """Open an index directory for repeated queries."""
    index = Index(root)
    index.reader()
    return index


def _reader(index: Index | IndexReader | Path | str) -> IndexReader:
    if isinstance(index, IndexReader):
        return index
    return (index if isinstance(index, Index) else Index(index)).reader()


# -- literal evaluation ---------------------------------------------------------------------


class _Evaluator:
    """Turns a query tree into the exact set of matching paragraph ids (a sorted array)."""

    def __init__(self, reader: IndexReader):
        self.r = reader

    def universe(self) -> np.ndarray:
        return self.r.all_pids()

    def term(self, text: str) -> np.ndarray:
        return self.r.cached_query(("term", text), lambda: self._term(text))

    def _term(self, text: str) -> np.ndarray:
        grams = self.r.grams()
        found = grams.find_many([gram_key(g) for g in query_grams(text)])
        if not found.size or bool(np.any(found < 0)):
            return pidsets.EMPTY  # a gram that never occurs: nothing can match
        # Shortest lists first: the intersection shrinks fastest.
        order = sorted(found.tolist(), key=lambda i: int(grams.counts[i]))
        pids = grams.pids(order[0])
        for i in order[1:]:
            # Once few candidates remain, reading the text is cheaper than decoding long
            # lists (the pairs of 2020年 include 20 and 02, in a third of all paragraphs).
            if not pids.size or (len(text) > 2 and pids.size <= VERIFY_DIRECTLY):
                break
            pids = pidsets.intersect(pids, grams.pids(i))
        if len(text) > 2 and pids.size:
            # Pairs only prove that the pieces occur somewhere; the substring check decides.
            pids = pids[self.r.texts().containing(pids, text)]
        return pids

    def phrase(self, node: Phrase) -> np.ndarray:
        candidates = self.term(node.parts[0])
        for part in node.parts[1:]:
            candidates = pidsets.intersect(candidates, self.term(part))
        return candidates[self.r.texts().matching(candidates, phrase_pattern(node))]

    def docs_in(self, wanted: np.ndarray) -> np.ndarray:
        """Paragraphs of the documents marked in a boolean array over documents."""
        pids = self.r.all_pids()
        return pids[wanted[self.r.doc_numbers()[pids]]]

    def field(self, f: Field) -> np.ndarray:
        key = ("field", f.name, f.value, f.low, f.high)
        return self.r.cached_query(key, lambda: self._field(f))

    def _field(self, f: Field) -> np.ndarray:
        # Each filter is one pass over a per-document column built once per index generation
        # (doc_columns), not a Python call per document: 11,000 documents at 30× the corpus.
        value = normalize(f.value)
        columns = doc_columns(self.r)
        if f.name == "year":
            low = f.low if f.low is not None else -(10**9)
            high = f.high if f.high is not None else 10**9
            years = columns.years
            return self.docs_in((years >= low) & (years <= high) & (years != NO_YEAR))
        if f.name == "region":
            # Documents at or below a place: a name (深圳, 深圳市, 广东省深圳市) or an adcode
            # (440300). A name matches when it occurs in the region as the document gives it
            # or in its path (广东省深圳市坪山区坪山街道, or 广东深圳坪山坪山街道), so region:深圳
            # finds every document under 深圳市 and region:坪山 still finds 坪山街道. A value
            # that names no place matches nothing (a street may be absent from the gazetteer).
            # Full-width digits (４４０３００) are a code too: normalised like every value.
            raw = normalize(re.sub(r"\s+", "", f.value))
            if raw.isascii() and raw.isdigit() and len(raw) in (2, 4, 6, 9, 12):
                adcodes = columns.adcodes
                return self.docs_in(
                    (adcodes != "") & np.char.startswith(adcodes, _significant(raw))
                )
            return self.docs_in(columns.regions.containing(raw))
        if f.name == "title":
            return self.docs_in(columns.titles.containing(value))
        if f.name == "level":
            return self.docs_in(columns.levels.equal(value))
        if f.name == "type":
            return self.docs_in(columns.types.equal(value))
        if f.name == "docno":
            from govsearch.indexer.docmeta import normalize_docno

            return self.docs_in(columns.docnos.containing(normalize_docno(f.value)))
        if f.name == "date":
            low, high = f.low or "0000", f.high or "9999"
            dates = columns.dates
            return self.docs_in((dates != "") & (dates >= low) & (dates <= high))
        if f.name == "section":
            rows = self.r.sql("SELECT sid FROM sections WHERE instr(norm, ?) > 0", (value,))
            sids = self.r.texts().sids
            wanted = np.zeros(max(int(sids.max(initial=-1)), 0) + 2, dtype=bool)
            wanted[[sid for (sid,) in rows if 0 <= sid < wanted.size - 1]] = True
            pids = self.r.all_pids()
            return pids[wanted[sids[pids]]]
        raise QueryError(f"unknown field '{f.name}:'")  # make_field already refuses these

    def eval(self, node: Node) -> np.ndarray:
        if isinstance(node, Term):
            return self.term(node.text)
        if isinstance(node, Phrase):
            return self.phrase(node)
        if isinstance(node, Field):
            return self.field(node)
        if isinstance(node, Not):
            return pidsets.difference(self.universe(), self.eval(node.child))
        if isinstance(node, Or):
            out = pidsets.EMPTY
            for child in node.children:
                out = pidsets.union(out, self.eval(child))
            return out
        if isinstance(node, And):
            wanted = [c for c in node.children if not isinstance(c, Not)]
            unwanted = [c.child for c in node.children if isinstance(c, Not)]
            # Rarest first keeps the intersections small.
            sets = sorted((self.eval(c) for c in wanted), key=len)
            result = sets[0] if sets else self.universe()
            for s in sets[1:]:
                result = pidsets.intersect(result, s)
            for c in unwanted:
                if not result.size:
                    break
                result = pidsets.difference(result, self.eval(c))
            return result
        raise TypeError(node)


def _significant(code: str) -> str:
    """An adcode without its trailing zero levels: 440300 → 4403, 440310001000 → 440310001."""
    if len(code) == 12 and code.endswith("000"):
        code = code[:9]
    if len(code) == 6:
        while len(code) > 2 and code.endswith("00"):
            code = code[:-2]
    return code


def _region_keys(d) -> tuple[str, ...]:
    """What region: compares against: the name as given, the path, the path in short forms."""
    return (
        normalize(d.region or ""),
        normalize("".join(d.region_path)),
        normalize("".join(_UNIT_SUFFIX.sub("", name) or name for name in d.region_path)),
    )


#: Year of a document without one, in DocColumns.years.
NO_YEAR = -(2**31)


class DocStrings:
    """One string per document (or a few, as a tuple), searched for all documents at once."""

    def __init__(self, values: list[str | tuple[str, ...]]):
        self._values = [v if isinstance(v, str) else None for v in values]
        # NUL joins everything: a needle never holds one, so no match spans two strings.
        parts = ["\0".join(v) if isinstance(v, tuple) else v for v in values]
        self._joined = "\0".join(parts)
        lengths = np.fromiter((len(p) + 1 for p in parts), np.int64, len(parts))
        self._starts = np.cumsum(lengths) - lengths
        self._count = len(parts)

    def containing(self, needle: str) -> np.ndarray:
        """Boolean per document: whether one of its strings contains needle."""
        out = np.zeros(self._count, dtype=bool)
        if "\0" in needle:
            return out
        if not needle:
            out[:] = True
            return out
        at = [m.start() for m in re.finditer(re.escape(needle), self._joined)]
        if at:
            out[np.searchsorted(self._starts, at, side="right") - 1] = True
        return out

    def equal(self, value: str) -> np.ndarray:
        """Boolean per document: whether its string is value."""
        return np.fromiter((v == value for v in self._values), bool, self._count)


class DocColumns:
    """Per-document filter columns of one index generation (see doc_columns)."""

    def __init__(self, docs: list[DocInfo]):
        self.years = np.array([NO_YEAR if d.year is None else d.year for d in docs], np.int64)
        self.adcodes = np.array([_significant(d.adcode) if d.adcode else "" for d in docs], str)
        self.regions = DocStrings([_region_keys(d) for d in docs])
        self.titles = DocStrings([normalize(d.title or "") for d in docs])
        self.levels = DocStrings([normalize(d.level or "") for d in docs])
        self.types = DocStrings([normalize(d.meta.get("type") or "") for d in docs])
        self.docnos = DocStrings([d.meta.get("docno_key") or "" for d in docs])
        self.dates = np.array(
            [_date_start(d.meta["date"]) if d.meta.get("date") else "" for d in docs], str
        )


def doc_columns(reader: IndexReader) -> DocColumns:
    """The filter columns of a reader's documents, built once per generation."""
    return reader.cached("doc_columns", lambda: DocColumns(reader.docs))


def _date_start(date: str) -> str:
    return date if len(date) == 10 else date + "-01" if len(date) == 7 else date + "-01-01"


def phrase_pattern(node: Phrase) -> re.Pattern[str]:
    """Regex over normalised text: the parts in order, only whitespace between them."""
    return re.compile(r"\s*".join(re.escape(p) for p in node.parts))


# -- ranking ---------------------------------------------------------------------------------

# Longest word looked up in the index's vocabulary (jieba words are rarely longer).
MAX_WORD = 12


def indexed_words(reader: IndexReader, text: str) -> list[str]:
    """The index's words inside a query term: the longest ones, not those inside another.

    The index was segmented by jieba; looking the query's substrings up in its vocabulary gives
    the words a paragraph can share with the query without loading a segmenter (~0.35 s) in
    every process that runs one query. 河长制 → [河长制]; 经济社会发展 → [经济社会, 社会发展].
    """
    n = len(text)
    pieces = [(i, j) for i in range(n) for j in range(i + 1, min(n, i + MAX_WORD) + 1)]
    held = wordscores.has_words(reader, [text[i:j] for i, j in pieces])
    spans = [span for span, ok in zip(pieces, held, strict=True) if ok]
    outer = [
        (i, j)
        for i, j in spans
        if not any(a <= i and j <= b and (a, b) != (i, j) for a, b in spans)
    ]
    return [text[i:j] for i, j in outer]


def query_words(reader: IndexReader, terms: list[Term | Phrase]) -> list[str]:
    """The distinct indexed words of the query's positive terms (what the base score sums)."""
    texts = [t.text for t in terms if isinstance(t, Term)]
    texts += [p for t in terms if isinstance(t, Phrase) for p in t.parts]
    words = (
        reader.cached_query(("indexed_words", t), partial(_indexed_tuple, reader, t)) for t in texts
    )
    return list(dict.fromkeys(w for ws in words for w in ws))


def _indexed_tuple(reader: IndexReader, text: str) -> tuple[str, ...]:
    return tuple(indexed_words(reader, text))


class _Ranker:
    """Orders the literal matches: base score (BM25F over indexed words), then ranking.rerank.

    Paragraphs that contain the query only as a fragment of other words have no word postings
    and score 0; they rank after every scored paragraph. Ties: year (newest first), then pid.
    Scores are computed for every match with numpy (wordscores.py); only the page and the
    rerank candidates are sorted.
    """

    def __init__(self, reader: IndexReader, terms: list[Term | Phrase], matched: np.ndarray):
        self.r = reader
        self.terms = terms
        self.matched = matched
        self.words = query_words(reader, terms) if terms and matched.size else []
        self.scores: dict[int, float] = {}
        #: Base scores of the candidates ranking.rerank re-scored last (for --explain).
        self.head_base: dict[int, float] = {}
        self._base: np.ndarray | None = None

    def base(self) -> np.ndarray:
        """Base score of every matched paragraph, parallel to self.matched."""
        if self._base is None:
            self._base = wordscores.base_scores(self.r, self.words, self.matched)
        return self._base

    def year_keys(self, pids: np.ndarray) -> np.ndarray:
        """Sort keys for year, newest first, unknown last."""
        return _year_keys(self.r)[self.r.doc_numbers()[pids]]

    def _sorted(self, pids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        return np.lexsort((pids, self.year_keys(pids), -scores))

    def base_order(self, n: int | None) -> tuple[np.ndarray, np.ndarray]:
        """The first n matches (all when n is None) by base score, and their scores."""
        pids, scores = self.matched, self.base()
        if n is not None and n < pids.size:
            positive = int(np.count_nonzero(scores))
            if positive >= n:
                # Everything scoring at least the n-th best score, ties included, then sort.
                kth = np.partition(scores, scores.size - n)[scores.size - n]
                keep = scores >= kth
                pids, scores = pids[keep], scores[keep]
            else:
                zero = scores == 0.0
                top = pids[~zero], scores[~zero]
                rest = pids[zero]
                keys = self.year_keys(rest).astype(np.int64) << 32 | rest
                want = n - positive
                if want < rest.size:
                    rest = rest[np.argpartition(keys, want - 1)[:want]]
                pids = np.concatenate([top[0], rest])
                scores = np.concatenate([top[1], np.zeros(rest.size)])
        order = self._sorted(pids, scores)
        if n is not None:
            order = order[:n]
        return pids[order], scores[order]

    def top(self, n: int | None) -> list[int]:
        """The first n matches in final order: the best RERANK_DEPTH by base score re-scored
        by ranking.rerank, then the rest in base order."""
        depth = ranking.RERANK_DEPTH if ranking.reorders(self.terms) else 0
        if n == 0 and not depth:
            return []
        pids, scores = self.base_order(None if n is None else max(n, depth))
        if depth:
            head, head_scores = self._rerank(pids[:depth], scores[:depth])
            order = self._sorted(head, head_scores)
            pids = np.concatenate([head[order], pids[depth:]])
            scores = np.concatenate([head_scores[order], scores[depth:]])
        if n is not None:
            pids, scores = pids[:n], scores[:n]
        self.scores.update(zip(pids.tolist(), scores.tolist(), strict=True))
        return pids.tolist()

    def _rerank(self, head: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """ranking.rerank's scores for these candidates (their base scores kept in head_base)."""
        ids = head.tolist()
        candidates = [
            ranking.Candidate(pid, score, norm)
            for pid, score, norm in zip(ids, scores.tolist(), self.r.norms(ids), strict=True)
        ]
        self.head_base = {c.pid: c.score for c in candidates}
        final = ranking.rerank(self.terms, candidates)
        return head, np.array([final[p] for p in head.tolist()], dtype=np.float64)

    def by_year(self, n: int | None) -> list[int]:
        """Newest first; within a year by score (the first RERANK_DEPTH re-ranked)."""
        depth = ranking.RERANK_DEPTH if ranking.reorders(self.terms) else 0
        want = None if n is None else max(n, depth)
        if want == 0:
            return []
        pids, scores = self.matched, self.base()
        years = self.year_keys(pids)
        if want is not None and want < pids.size:
            last = np.partition(years, want - 1)[want - 1]
            keep = years <= last
            pids, scores, years = pids[keep], scores[keep], years[keep]
        order = np.lexsort((pids, -scores, years))
        if want is not None:
            order = order[:want]
        pids, scores, years = pids[order], scores[order], years[order]
        if depth:
            _head, head_scores = self._rerank(pids[:depth], scores[:depth])
            head = np.lexsort((pids[:depth], -head_scores, years[:depth]))
            pids = np.concatenate([pids[:depth][head], pids[depth:]])
            scores = np.concatenate([head_scores[head], scores[depth:]])
        if n is not None:
            pids, scores = pids[:n], scores[:n]
        self.scores.update(zip(pids.tolist(), scores.tolist(), strict=True))
        return pids.tolist()

    def word_scores(self, pids: list[int]) -> dict[int, dict[str, float]]:
        """Each ranking word's part of these paragraphs' base scores (for --explain)."""
        out: dict[int, dict[str, float]] = {p: {} for p in pids}
        wanted = np.array(pids, dtype=np.int64)
        for word in self.words:
            wp, ws = wordscores.word_scores(self.r, word)
            hit = np.isin(wp, wanted)
            for pid, score in zip(wp[hit].tolist(), ws[hit].tolist(), strict=True):
                out[pid][word] = score
        return out


def _year_keys(reader: IndexReader) -> np.ndarray:
    """Per document: a key that sorts newest years first and unknown years last."""

    def make() -> np.ndarray:
        years = [d.year for d in reader.docs]
        return np.array([-y if y is not None else 10**6 for y in years], dtype=np.int32)

    return reader.cached("year_keys", make)


# -- search ----------------------------------------------------------------------------------


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
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; use one of: {', '.join(SORTS)}")
    if group not in GROUPS:
        raise QueryError(f"unknown grouping {group!r}; use group='doc' or None")
    if offset < 0:
        raise QueryError("offset must be 0 or more")
    if limit is not None and limit < 0:
        raise QueryError("limit must be 0 or more")
    filters = list(filters)
    node = build_query(query, year=year, region=region, filters=filters)
    reader = _reader(index)
    check_filter_values(reader, node)
    evaluator = _Evaluator(reader)
    matched = evaluator.eval(node)
    folding = _fold(reader, matched) if collapse else None
    if folding is not None:
        matched = folding.kept
    terms = positive_terms(node)
    ranker = _Ranker(reader, terms, matched)
    end = None if limit is None else offset + limit

    def rank(k: int | None) -> list[int]:
        return ranker.by_year(k) if sort == "year" else ranker.top(k)

    folded: dict[str, int] = {}
    listed = None
    if group == "doc":
        per_doc = _per_doc(reader, matched)
        page, listed = group_page(rank, lambda p: reader.doc_of(p).doc_id, per_doc, offset, limit)
        shown = {reader.doc_of(p).doc_id for p in page}
        folded = {d: per_doc[d] - PER_DOC for d in sorted(shown) if per_doc[d] > PER_DOC}
    else:
        page = rank(end)[offset:end]
    copies = folding.copies_of(page) if folding is not None else {}
    hits = _hits(reader, page, terms, ranker.scores, copies)
    facet_counts = _facets(reader, matched) if facets else {}
    return SearchResult(
        query=query,
        total=int(matched.size),
        offset=offset,
        limit=limit,
        hits=hits,
        facets=facet_counts,
        sort=sort,
        seconds=round(time.perf_counter() - started, 4),
        terms=[t.text if isinstance(t, Term) else " ".join(t.parts) for t in terms],
        suggestions=_suggestions(reader, evaluator, query, year, region, filters, collapse),
        group=group,
        listed=listed,
        folded=folded,
    )


def _ranked(reader: IndexReader, node: Node, sort: str, end: int | None, collapse: bool):
    """The matching set, its folded copies, the positive terms, the ranker and the first
    `end` paragraph ids in order (all of them for None)."""
    matched = _Evaluator(reader).eval(node)
    folding = _fold(reader, matched) if collapse else None
    if folding is not None:
        matched = folding.kept
    terms = positive_terms(node)
    ranker = _Ranker(reader, terms, matched)
    order = ranker.by_year(end) if sort == "year" else ranker.top(end)
    copies = folding.copies_of(order) if folding is not None else {}
    return matched, copies, terms, ranker, order


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
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; use one of: {', '.join(SORTS)}")
    node = build_query(query, year=year, region=region, filters=filters)
    reader = _reader(index)
    check_filter_values(reader, node)
    matched, copies, terms, ranker, order = _ranked(reader, node, sort, None, collapse)

    def hits() -> Iterator[Hit]:
        for i in range(0, len(order), batch):
            yield from _hits(reader, order[i : i + batch], terms, ranker.scores, copies)

    return int(matched.size), hits()


def _per_doc(reader: IndexReader, matched: np.ndarray) -> Counter:
    """Matching paragraphs per doc_id."""
    per_doc = np.bincount(reader.doc_numbers()[matched], minlength=len(reader.docs))
    docs = reader.docs
    return Counter({docs[i].doc_id: int(per_doc[i]) for i in np.flatnonzero(per_doc).tolist()})


def _suggestions(
    reader: IndexReader,
    evaluator: _Evaluator,
    query: str,
    year: str | None,
    region: str | None,
    filters: list[tuple[str, str]],
    collapse: bool,
) -> list[Suggestion]:
    """Queries to offer beside the answer (search/suggest.py), counted with the same filters."""

    def total(text: str) -> int:
        matched = evaluator.eval(build_query(text, year=year, region=region, filters=filters))
        return int((_fold(reader, matched).kept if collapse else matched).size)

    return punctuation_suggestions(query, lambda node: int(evaluator.eval(node).size), total)


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
    reader = _reader(index)
    check_filter_values(reader, node)
    matched = _Evaluator(reader).eval(node)
    return _fold(reader, matched).kept if collapse else matched


def paragraph_doc_numbers(index: Index | IndexReader | Path | str) -> np.ndarray:
    """For each paragraph id, the position of its document in `documents(index)` (-1: none).

    An int32 array indexed by paragraph id: `doc_numbers[matching_pids(...)]` gives the document
    of every match, ready for numpy.bincount.
    """
    return _reader(index).doc_numbers()


def documents(index: Index | IndexReader | Path | str) -> list[DocInfo]:
    """The index's documents in paragraph-id order (what paragraph_doc_numbers points into)."""
    return _reader(index).docs


def _render(node: Node) -> str:
    if isinstance(node, Term):
        return node.text
    if isinstance(node, Phrase):
        return '"' + " ".join(node.parts) + '"'
    if isinstance(node, Field):
        return f"{node.name}:{node.value}"
    if isinstance(node, Not):
        return f"NOT {_render(node.child)}"
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(_render(c) for c in node.children) + ")"


def _leaves(node: Node, negated: bool = False):
    if isinstance(node, Not):
        yield from _leaves(node.child, not negated)
    elif isinstance(node, And | Or):
        for child in node.children:
            yield from _leaves(child, negated)
    else:
        yield node, negated


def _without_fields(node: Node) -> Node | None:
    if isinstance(node, Field):
        return None
    if isinstance(node, Not):
        child = _without_fields(node.child)
        return None if child is None else Not(child)
    if isinstance(node, And | Or):
        kept = [c for c in (_without_fields(c) for c in node.children) if c is not None]
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else type(node)(tuple(kept))
    return node


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
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}; use one of: {', '.join(SORTS)}")
    filters = list(filters)
    node = build_query(query, year=year, region=region, filters=filters)
    reader = _reader(index)
    check_filter_values(reader, node)
    evaluator = _Evaluator(reader)
    clauses = []
    for leaf, negated in _leaves(node):
        if isinstance(leaf, Field):
            kind, text, norm, words = "filter", f"{leaf.name}:{leaf.value}", "", []
        elif isinstance(leaf, Phrase):
            kind, text = "phrase", " ".join(leaf.parts)
            norm = text
            words = [w for p in leaf.parts for w in indexed_words(reader, p)]
        else:
            kind, text, norm = "term", leaf.text, leaf.text
            words = indexed_words(reader, leaf.text)
        count = int(evaluator.eval(leaf).size)
        clauses.append(Clause(kind, text, norm, negated, count, words))
    matched = evaluator.eval(node)
    unfiltered = _without_fields(node)
    without = int((evaluator.eval(unfiltered) if unfiltered is not None else matched).size)
    folded = int(matched.size - _fold(reader, matched).kept.size)
    suggestions = _suggestions(reader, evaluator, query, year, region, filters, True)
    end = None if limit is None else offset + limit
    scores = _score_details(reader, node, sort, offset, end)
    return Explanation(
        query, _render(node), clauses, without, int(matched.size), folded, suggestions, scores
    )


def _score_details(
    reader: IndexReader, node: Node, sort: str, offset: int, end: int | None
) -> list[HitScore]:
    """The score components of one page of hits, ranked as `search` ranks them."""
    _matched, _copies, terms, ranker, order = _ranked(reader, node, sort, end, True)
    page = order[offset:end]
    words = ranker.word_scores(page)
    rows = reader.fetch(page, "paragraph")
    norms = dict(zip(page, reader.norms(page), strict=True))
    out = []
    for pid in page:
        (paragraph,), norm = rows[pid], norms[pid]
        if pid in ranker.head_base:
            base = ranker.head_base[pid]
            parts = ranking.components(terms, ranking.Candidate(pid, base, norm))
        else:
            parts = ranking.Components(ranker.scores.get(pid, 0.0))
        out.append(
            HitScore(
                id=f"{reader.doc_of(pid).doc_id}:{paragraph}",
                score=round(ranker.scores.get(pid, 0.0), 4),
                bm25f=round(parts.base, 4),
                bm25f_words={w: round(v, 4) for w, v in words[pid].items()},
                proximity=round(parts.proximity, 4),
                contiguity=round(parts.contiguity, 4),
                span=parts.span,
                contiguous_pairs=parts.contiguous_pairs,
                reranked=pid in ranker.head_base,
            )
        )
    return out


def match_spans(text: str, norm: str, terms: list[Term | Phrase]) -> list[tuple[int, int]]:
    """Every occurrence of every query term, as [start, end) offsets into the original text."""
    spans: list[tuple[int, int]] = []
    for t in terms:
        if isinstance(t, Term):
            spans.extend(find_all(norm, t.text))
        else:
            spans.extend(m.span() for m in phrase_pattern(t).finditer(norm))
    return merge_spans(to_source_spans(text, merge_spans(spans), norm))


class _Folded:
    """A matching set without the copies of matched originals, and which copies went where."""

    def __init__(self, kept: np.ndarray, copies: np.ndarray, originals: np.ndarray):
        self.kept = kept
        self._copies = copies
        self._originals = originals

    def copies_of(self, page: list[int]) -> dict[int, list[int]]:
        """Original pid → its folded copies (sorted), for the originals on a page."""
        out: dict[int, list[int]] = {}
        if not self._copies.size or not page:
            return out
        on_page = np.isin(self._originals, np.array(page, dtype=pidsets.PID))
        for copy, original in zip(
            self._copies[on_page].tolist(), self._originals[on_page].tolist(), strict=True
        ):
            out.setdefault(original, []).append(copy)
        return out


def _fold(reader: IndexReader, matched: np.ndarray) -> _Folded:
    """Remove the copies whose original also matched (near-duplicate documents)."""
    copies, originals = reader.dup_of()
    if not copies.size or not matched.size:
        return _Folded(matched, pidsets.EMPTY, pidsets.EMPTY)
    both = pidsets.contains(matched, copies) & pidsets.contains(matched, originals)
    folded = copies[both]
    return _Folded(pidsets.difference(matched, folded), folded, originals[both])


def _locations(reader: IndexReader, pids: list[int]) -> list[Location]:
    rows = reader.fetch(pids, "paragraph, line")
    out = []
    for pid in pids:
        paragraph, line = rows[pid]
        d = reader.doc_of(pid)
        out.append(Location(f"{d.doc_id}:{paragraph}", d.doc_id, d.title, d.path, line))
    return out


def _hits(
    reader: IndexReader,
    page: list[int],
    terms: list[Term | Phrase],
    scores: dict[int, float],
    copies: dict[int, list[int]],
) -> list[Hit]:
    if not page:
        return []
    rows = reader.fetch(
        page,
        "paragraph, line, page, patch, (SELECT path FROM sections s WHERE s.sid = paras.sid), "
        f"col, {_OCR_COLUMN}",
    )
    norms = dict(zip(page, reader.norms(page), strict=True))
    hits = []
    for pid in page:
        paragraph, line, pageno, patch, section, column, confidence = rows[pid]
        norm = norms[pid]
        text = apply_patch(norm, patch)
        d = reader.doc_of(pid)
        hits.append(
            Hit(
                id=f"{d.doc_id}:{paragraph}",
                doc_id=d.doc_id,
                title=d.title,
                year=d.year,
                region=d.region,
                level=d.level,
                region_path=list(d.region_path),
                adcode=d.adcode,
                section=section,
                paragraph=paragraph,
                path=d.path,
                line=line,
                page=pageno,
                text=text,
                matches=match_spans(text, norm, terms),
                score=round(scores.get(pid, 0.0), 4),
                format=d.format,
                column=column,
                doc_type=d.meta.get("type"),
                docno=d.meta.get("docno"),
                date=d.meta.get("date"),
                issuer=d.meta.get("issuer"),
                also_in=_locations(reader, copies[pid]) if pid in copies else [],
                ocr_confidence=confidence,
            )
        )
    return hits


# The OCR confidence of a paragraph, NULL for text layers (see the ocr table in schema.py).
_OCR_COLUMN = "(SELECT confidence FROM ocr o WHERE o.pid = paras.pid)"


def region_facets(d) -> dict[str, str]:
    """The province, city and county facet keys of a document.

    A city or county key is its whole path (广东省深圳市, 广东省深圳市坪山区), which is unique
    and, given back as region:, selects exactly that unit. National documents count under 全国;
    a document with no city (provincial ones, the districts of 北京市) has no city key.
    """
    keys: dict[str, str] = {}
    if d.level == "national":
        keys["province"] = "全国"
        return keys
    keys["province"] = d.province or "unknown"
    path = ""
    for name, kind in zip(d.region_path, d.region_kinds, strict=False):
        path += name
        if kind in ("city", "county"):
            keys[kind] = path
    return keys


def _facets(reader: IndexReader, matched: np.ndarray) -> dict[str, dict[str, int]]:
    """Paragraph counts per facet label over the whole matching set."""
    per_doc = np.bincount(reader.doc_numbers()[matched], minlength=len(reader.docs))
    out = {}
    for name in FACET_LABELS:
        codes, labels = _facet_codes(reader, name)
        counts = np.bincount(codes, weights=per_doc, minlength=len(labels))
        found = {
            labels[i]: int(counts[i])
            for i in np.flatnonzero(counts).tolist()
            if labels[i] is not None
        }
        if name == "year":
            out[name] = dict(sorted(found.items(), key=lambda kv: kv[0], reverse=True))
        else:
            out[name] = dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


def _facet_codes(reader: IndexReader, name: str) -> tuple[np.ndarray, list[str | None]]:
    """Per document, the number of its label for a facet; and the labels (once per reader)."""

    def make() -> tuple[np.ndarray, list[str | None]]:
        label = FACET_LABELS[name]
        numbers: dict[str | None, int] = {}
        codes = [numbers.setdefault(label(d), len(numbers)) for d in reader.docs]
        return np.array(codes, dtype=np.int32), list(numbers)

    return reader.cached(("facet", name), make)


# -- documents -------------------------------------------------------------------------------


_PARAGRAPH_ID = re.compile(r"([0-9a-f]{1,64})(?::([0-9]{1,9}))?")


def parse_paragraph_id(pid_text: str) -> tuple[str, int | None]:
    """`3f2a9c1b7d0e:14` → ("3f2a9c1b7d0e", 14); a document id alone → (id, None).

    Anything else (`ID:0`, `ID:-1`, `ID:x`, a path) is a UsageError: it cannot name a paragraph,
    which is a different answer from a well-formed id that this index does not hold (NotFound).
    """
    m = _PARAGRAPH_ID.fullmatch(pid_text.strip())
    if m is None or (m.group(2) is not None and int(m.group(2)) < 1):
        raise UsageError(
            f"{pid_text!r} is not a paragraph id: ids look like 3f2a9c1b7d0e:14 (paragraphs "
            "count from 1), as search prints them"
        )
    return m.group(1), int(m.group(2)) if m.group(2) is not None else None


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
    reader = _reader(index)
    d = reader.by_id.get(doc_id)
    if d is None or len(doc_id) > 64:
        raise NotFound(f"no document with id {doc_id!r} in this index; search for it first")
    first, last = 1, d.paragraphs
    if around is not None:
        if not 1 <= around <= d.paragraphs:
            raise NotFound(f"document {doc_id} has paragraphs 1 to {d.paragraphs}, not {around}")
        span = context or 0
        first, last = max(1, around - span), min(d.paragraphs, around + span)
    terms = positive_terms(parse_query(query)) if query and query.strip() else []
    rows = reader.sql(
        "SELECT pid, paragraph, line, page, patch, "
        f"(SELECT path FROM sections s WHERE s.sid = paras.sid), {_OCR_COLUMN} "
        "FROM paras WHERE pid BETWEEN ? AND ? ORDER BY pid",
        (d.pid_start + first - 1, d.pid_start + last - 1),
    )
    norms = reader.norms(row[0] for row in rows)
    paragraphs = []
    for (_pid, p, line, page, patch, section, confidence), norm in zip(rows, norms, strict=True):
        text = apply_patch(norm, patch)
        paragraphs.append(
            Paragraph(
                id=f"{doc_id}:{p}",
                paragraph=p,
                line=line,
                page=page,
                section=section,
                text=text,
                matches=match_spans(text, norm, terms) if terms else [],
                ocr_confidence=confidence,
            )
        )
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
        paragraphs=paragraphs,
    )


def show(
    index: Index | Path | str, paragraph_id: str, *, context: int = 0, query: str | None = None
) -> Document:
    """The paragraph named by an id like 3f2a9c1b7d0e:14 with `context` paragraphs around it."""
    doc_id, para = parse_paragraph_id(paragraph_id)
    return get_document(
        index, doc_id, around=para or 1, context=context if para else 0, query=query
    )


def _stale_documents(reader: IndexReader) -> int:
    """How many documents were resolved with another gazetteer than the one installed."""
    from govsearch.indexer.gazetteer import data_version  # a digest of the file, not a parse

    return 0 if reader.meta.get("gazetteer") == data_version() else len(reader.docs)


def stats(index: Index | Path | str) -> IndexStats:
    """Counts and facts about an index."""
    reader = _reader(index)
    size = sum(f.stat().st_size for f in reader.gen.rglob("*") if f.is_file())
    years: Counter = Counter()
    regions: Counter = Counter()
    levels: Counter = Counter()
    provinces: Counter = Counter()
    for d in reader.docs:
        years[str(d.year) if d.year is not None else "unknown"] += 1
        regions[d.region or "unknown"] += 1
        levels[d.level or "unknown"] += 1
        provinces[region_facets(d)["province"]] += 1
    return IndexStats(
        index_dir=str(reader.root),
        documents=len(reader.docs),
        paragraphs=sum(d.paragraphs for d in reader.docs),
        years=dict(sorted(years.items(), reverse=True)),
        regions=dict(sorted(regions.items(), key=lambda kv: (-kv[1], kv[0]))),
        levels=dict(sorted(levels.items(), key=lambda kv: (-kv[1], kv[0]))),
        provinces=dict(sorted(provinces.items(), key=lambda kv: (-kv[1], kv[0]))),
        size_bytes=size,
        schema_version=reader.meta["schema_version"],
        segmenter=reader.meta.get("segmenter", "?"),
        dictionary=reader.meta.get("dictionary", "?"),
        updated=reader.meta.get("updated"),
        gazetteer=reader.meta.get("gazetteer"),
        needs_reindex=_stale_documents(reader),
    )
