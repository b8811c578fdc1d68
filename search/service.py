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
from collections.abc import Iterable, Iterator
from pathlib import Path

from govsearch.indexer import IndexReader, NotFound, QueryError, UsageError
from govsearch.indexer.analysis import query_grams
from govsearch.indexer.store import decode_postings
from govsearch.indexer.textnorm import find_all, merge_spans, normalize, to_source_spans

from .grouping import PER_DOC, group_page
from .query import And, Field, Node, Not, Or, Phrase, Term, make_field, parse_query, positive_terms
from .results import (
    Clause,
    Document,
    Explanation,
    Hit,
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
FACETS = ("year", "region", "level", "type", "province", "city", "county")
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


def _reader(index: Index | Path | str) -> IndexReader:
    return (index if isinstance(index, Index) else Index(index)).reader()


# -- literal evaluation ---------------------------------------------------------------------


class _Evaluator:
    """Turns a query tree into the exact set of matching paragraph ids."""

    def __init__(self, reader: IndexReader):
        self.r = reader
        self._terms: dict[str, set[int]] = {}
        self._universe: set[int] | None = None

    def universe(self) -> set[int]:
        if self._universe is None:
            self._universe = self.r.all_pids()
        return self._universe

    def term(self, text: str) -> set[int]:
        cached = self._terms.get(text)
        if cached is not None:
            return cached
        blobs = sorted(self.r.posting_blobs(query_grams(text)), key=len)
        if not blobs:
            self._terms[text] = set()
            return set()
        pids = set(decode_postings(blobs[0]))
        for blob in blobs[1:]:
            # Once few candidates remain, reading the text is cheaper than decoding long
            # lists (the pairs of 2020年 include 20 and 02, in a third of all paragraphs).
            if not pids or (len(text) > 2 and len(pids) <= VERIFY_DIRECTLY):
                break
            pids.intersection_update(decode_postings(blob))
        if len(text) > 2 and pids:
            # Pairs only prove that the pieces occur somewhere; the substring check decides.
            rows = self.r.fetch(sorted(pids), "norm")
            pids = {pid for pid, (norm,) in rows.items() if text in norm}
        self._terms[text] = pids
        return pids

    def phrase(self, node: Phrase) -> set[int]:
        candidates = set.intersection(*(self.term(p) for p in node.parts))
        pattern = phrase_pattern(node)
        rows = self.r.fetch(sorted(candidates), "norm")
        return {pid for pid, (norm,) in rows.items() if pattern.search(norm)}

    def docs_where(self, keep) -> set[int]:
        out: set[int] = set()
        for d in self.r.docs:
            if keep(d):
                out.update(range(d.pid_start, d.pid_end))
        return out

    def field(self, f: Field) -> set[int]:
        value = normalize(f.value)
        if f.name == "year":
            low = f.low if f.low is not None else -(10**9)
            high = f.high if f.high is not None else 10**9
            return self.docs_where(lambda d: d.year is not None and low <= d.year <= high)
        if f.name == "region":
            return self.docs_where(region_predicate(f.value))
        if f.name == "title":
            return self.docs_where(lambda d: value in normalize(d.title or ""))
        if f.name == "level":
            return self.docs_where(lambda d: normalize(d.level or "") == value)
        if f.name == "type":
            return self.docs_where(lambda d: normalize(d.meta.get("type") or "") == value)
        if f.name == "docno":
            from govsearch.indexer.docmeta import normalize_docno

            key = normalize_docno(f.value)
            return self.docs_where(lambda d: key in (d.meta.get("docno_key") or ""))
        if f.name == "date":
            low, high = f.low or "0000", f.high or "9999"
            return self.docs_where(
                lambda d: bool(d.meta.get("date")) and low <= _date_start(d.meta["date"]) <= high
            )
        if f.name == "section":
            rows = self.r.sql(
                "SELECT pid FROM paras WHERE sid IN "
                "(SELECT sid FROM sections WHERE instr(norm, ?) > 0)",
                (value,),
            )
            return {pid for (pid,) in rows}
        raise QueryError(f"unknown field '{f.name}:'")  # make_field already refuses these

    def eval(self, node: Node) -> set[int]:
        if isinstance(node, Term):
            return self.term(node.text)
        if isinstance(node, Phrase):
            return self.phrase(node)
        if isinstance(node, Field):
            return self.field(node)
        if isinstance(node, Not):
            return self.universe() - self.eval(node.child)
        if isinstance(node, Or):
            out: set[int] = set()
            for child in node.children:
                out |= self.eval(child)
            return out
        if isinstance(node, And):
            wanted = [c for c in node.children if not isinstance(c, Not)]
            unwanted = [c.child for c in node.children if isinstance(c, Not)]
            # Rarest first keeps the intersections small.
            sets = sorted((self.eval(c) for c in wanted), key=len)
            result = set(sets[0]) if sets else set(self.universe())
            for s in sets[1:]:
                result &= s
            for c in unwanted:
                if not result:
                    break
                result -= self.eval(c)
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


def region_predicate(value: str):
    """Documents at or below a place: a name (深圳, 深圳市, 广东省深圳市) or an adcode (440300).

    A name matches when it occurs in the region as the document gives it or in its path
    (广东省深圳市坪山区坪山街道, or 广东深圳坪山坪山街道), so region:深圳 finds every document
    under 深圳市 and region:坪山 still finds 坪山街道. A value that names no place matches
    nothing (a street may be absent from the gazetteer: not an error).
    """
    raw = re.sub(r"\s+", "", value)
    if raw.isdigit() and len(raw) in (2, 4, 6, 9, 12):
        code = _significant(raw)
        return lambda d: bool(d.adcode) and _significant(d.adcode).startswith(code)
    norm = normalize(raw)
    return lambda d: any(norm in key for key in _region_keys(d))


def _date_start(date: str) -> str:
    return date if len(date) == 10 else date + "-01" if len(date) == 7 else date + "-01-01"


def phrase_pattern(node: Phrase) -> re.Pattern[str]:
    """Regex over normalised text: the parts in order, only whitespace between them."""
    return re.compile(r"\s*".join(re.escape(p) for p in node.parts))


# -- ranking ---------------------------------------------------------------------------------

# Longest word looked up in the index's vocabulary (jieba words are rarely longer).
MAX_WORD = 12


def indexed_words(reader, text: str) -> list[str]:
    """The index's words inside a query term: the longest ones, not those inside another.

    The index was segmented by jieba; looking the query's substrings up in its vocabulary gives
    the words a paragraph can share with the query without loading a segmenter (~0.35 s) in
    every process that runs one query. 河长制 → [河长制]; 经济社会发展 → [经济社会, 社会发展].
    """
    n = len(text)
    spans = [
        (i, j)
        for i in range(n)
        for j in range(i + 1, min(n, i + MAX_WORD) + 1)
        if ("words", text[i:j]) in reader
    ]
    outer = [
        (i, j)
        for i, j in spans
        if not any(a <= i and j <= b and (a, b) != (i, j) for a, b in spans)
    ]
    return [text[i:j] for i, j in outer]


class _Ranker:
    """BM25F scores from Whoosh, restricted to the literal matches.

    Paragraphs that contain the query only as a fragment of other words have no word postings
    and score 0; they rank after every scored paragraph. Order: score (high first), then year
    (newest first), then index order.
    """

    def __init__(self, reader: IndexReader, terms: list[Term | Phrase], matched: set[int]):
        self.r = reader
        self.matched = matched
        self.scores: dict[int, float] = {}
        self.word_postings = 0
        self.query = self._whoosh_query(terms)

    def _whoosh_query(self, terms: list[Term | Phrase]):
        from whoosh import query as wq

        if not terms or not self.matched:
            return None
        texts = [t.text for t in terms if isinstance(t, Term)]
        texts += [p for t in terms if isinstance(t, Phrase) for p in t.parts]
        with self.r.searcher() as searcher:
            reader = searcher.reader()
            tokens = dict.fromkeys(w for text in texts for w in indexed_words(reader, text))
            self.word_postings = sum(reader.doc_frequency("words", t) for t in tokens)
        if not tokens:
            return None
        return wq.Or([wq.Term("words", token) for token in tokens])

    def year_key(self, pid: int) -> int:
        y = self.r.doc_of(pid).year
        return -y if y is not None else 10**6

    def key(self, pid: int) -> tuple:
        return (-self.scores.get(pid, 0.0), self.year_key(pid), pid)

    def score_all(self, pids: set[int]) -> None:
        """Score the given paragraphs, skipping through the postings to each of them."""
        if self.query is None or not pids:
            return
        to_docnum = self.r.pid_docnums()
        docnum_pids = self.r.docnum_pids
        with self.r.searcher() as searcher:
            matcher = self.query.matcher(searcher, searcher.context())
            for docnum in sorted(to_docnum[p] for p in pids):
                if not matcher.is_active():
                    break
                if matcher.id() < docnum:
                    matcher.skip_to(docnum)
                    if not matcher.is_active():
                        break
                if matcher.id() == docnum:
                    self.scores[docnum_pids[docnum]] = matcher.score()

    def top(self, k: int) -> list[int]:
        """The first k paragraphs in relevance order, using Whoosh's top-k pruning."""
        if self.query is None:
            return sorted(self.matched, key=self.key)[:k]
        # Jumping to each match is cheaper than collecting the top k from every paragraph that
        # has a query word when the matches are few next to those paragraphs.
        if len(self.matched) <= 2 * k + 50 or 4 * len(self.matched) < self.word_postings:
            self.score_all(self.matched)
            return sorted(self.matched, key=self.key)[:k]
        to_docnum = self.r.pid_docnums()
        allowed = {to_docnum[p] for p in self.matched}
        docnum_pids = self.r.docnum_pids
        want = k + 10
        with self.r.searcher() as searcher:
            while True:
                results = searcher.search(self.query, limit=want, filter=allowed, terms=False)
                found = [(hit.score, docnum_pids[hit.docnum]) for hit in results]
                exhausted = len(found) < want
                # Stop once everything left out scores below the k-th: ties are then complete.
                if exhausted or len(found) <= k or found[-1][0] < found[k - 1][0]:
                    break
                want *= 2
        for score, pid in found:
            self.scores[pid] = score
        ordered = sorted((pid for _s, pid in found), key=self.key)
        if exhausted and len(ordered) < k:
            rest = sorted(self.matched.difference(self.scores), key=self.key)
            ordered.extend(rest[: k - len(ordered)])
        return ordered[:k]

    def by_year(self, k: int | None) -> list[int]:
        """Newest first; within a year by score. Only the years on the page are scored."""
        groups: dict[int, list[int]] = {}
        for pid in self.matched:
            groups.setdefault(self.year_key(pid), []).append(pid)
        out: list[int] = []
        for year in sorted(groups):
            members = groups[year]
            self.score_all(set(members))
            out.extend(sorted(members, key=self.key))
            if k is not None and len(out) >= k:
                break
        return out if k is None else out[:k]


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
    matched = set(evaluator.eval(node))
    copies = _collapse(reader, matched) if collapse else {}
    terms = positive_terms(node)
    ranker = _Ranker(reader, terms, matched)
    end = None if limit is None else offset + limit

    def rank(k: int | None) -> list[int]:
        if sort == "year":
            return ranker.by_year(k)
        if k is None:
            ranker.score_all(matched)
            return sorted(matched, key=ranker.key)
        return ranker.top(k)

    folded: dict[str, int] = {}
    listed = None
    if group == "doc":
        per_doc = _per_doc(reader, matched)
        page, listed = group_page(rank, lambda p: reader.doc_of(p).doc_id, per_doc, offset, limit)
        shown = {reader.doc_of(p).doc_id for p in page}
        folded = {d: per_doc[d] - PER_DOC for d in sorted(shown) if per_doc[d] > PER_DOC}
    else:
        page = rank(end)[offset:end]
    hits = _hits(reader, page, terms, ranker.scores, copies)
    facet_counts = _facets(reader, matched) if facets else {}
    return SearchResult(
        query=query,
        total=len(matched),
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
    matched = set(_Evaluator(reader).eval(node))
    copies = _collapse(reader, matched) if collapse else {}
    terms = positive_terms(node)
    ranker = _Ranker(reader, terms, matched)
    if sort == "year":
        order = ranker.by_year(end)
    elif end is None:
        ranker.score_all(matched)
        order = sorted(matched, key=ranker.key)
    else:
        order = ranker.top(end)
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

    return len(matched), hits()


def _per_doc(reader: IndexReader, matched: set[int]) -> Counter:
    """Matching paragraphs per doc_id."""
    per_doc = Counter(map(reader.doc_numbers().__getitem__, matched))
    return Counter({reader.docs[i].doc_id: n for i, n in per_doc.items()})


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
        matched = set(evaluator.eval(build_query(text, year=year, region=region, filters=filters)))
        if collapse:
            _collapse(reader, matched)
        return len(matched)

    return punctuation_suggestions(query, lambda node: len(evaluator.eval(node)), total)


def count(
    index: Index | Path | str, query: str, *, collapse: bool = True, **filters: str | None
) -> int:
    """The number of hits `search` would report, without ranking."""
    node = build_query(query, **filters)  # type: ignore[arg-type]
    reader = _reader(index)
    check_filter_values(reader, node)
    matched = set(_Evaluator(reader).eval(node))
    if collapse:
        _collapse(reader, matched)
    return len(matched)


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
) -> Explanation:
    """How a query was understood: its parts, what each matches alone, what filters removed."""
    filters = list(filters)
    node = build_query(query, year=year, region=region, filters=filters)
    reader = _reader(index)
    check_filter_values(reader, node)
    evaluator = _Evaluator(reader)
    clauses = []
    with reader.searcher() as searcher:
        wreader = searcher.reader()
        for leaf, negated in _leaves(node):
            if isinstance(leaf, Field):
                kind, text, norm, words = "filter", f"{leaf.name}:{leaf.value}", "", []
            elif isinstance(leaf, Phrase):
                kind, text = "phrase", " ".join(leaf.parts)
                norm = text
                words = [w for p in leaf.parts for w in indexed_words(wreader, p)]
            else:
                kind, text, norm = "term", leaf.text, leaf.text
                words = indexed_words(wreader, leaf.text)
            clauses.append(Clause(kind, text, norm, negated, len(evaluator.eval(leaf)), words))
    matched = set(evaluator.eval(node))
    unfiltered = _without_fields(node)
    without = len(evaluator.eval(unfiltered)) if unfiltered is not None else len(matched)
    folded = sum(len(c) for c in _collapse(reader, matched).values())
    suggestions = _suggestions(reader, evaluator, query, year, region, filters, True)
    return Explanation(query, _render(node), clauses, without, len(matched), folded, suggestions)


def match_spans(text: str, norm: str, terms: list[Term | Phrase]) -> list[tuple[int, int]]:
    """Every occurrence of every query term, as [start, end) offsets into the original text."""
    spans: list[tuple[int, int]] = []
    for t in terms:
        if isinstance(t, Term):
            spans.extend(find_all(norm, t.text))
        else:
            spans.extend(m.span() for m in phrase_pattern(t).finditer(norm))
    return merge_spans(to_source_spans(text, merge_spans(spans), norm))


def _collapse(reader: IndexReader, matched: set[int]) -> dict[int, list[int]]:
    """Remove copies of matched originals from matched; returns original → copies."""
    dup_of = reader.dup_of()
    copies: dict[int, list[int]] = {}
    if not dup_of:
        return copies
    if len(dup_of) < len(matched):
        candidates = [p for p in dup_of if p in matched]
    else:
        candidates = [p for p in matched if p in dup_of]
    for pid in sorted(candidates):
        original = dup_of[pid]
        if original in matched:
            matched.discard(pid)
            copies.setdefault(original, []).append(pid)
    return copies


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
        "paragraph, line, page, text, norm, (SELECT path FROM sections s WHERE s.sid = paras.sid), "
        f"col, {_OCR_COLUMN}",
    )
    hits = []
    for pid in page:
        paragraph, line, pageno, text, norm, section, column, confidence = rows[pid]
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


def _facets(reader: IndexReader, matched: set[int]) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter] = {name: Counter() for name in FACETS}
    per_doc = Counter(map(reader.doc_numbers().__getitem__, matched))
    for i, n in per_doc.items():
        d = reader.docs[i]
        counts["year"][str(d.year) if d.year is not None else "unknown"] += n
        counts["region"][d.region or "unknown"] += n
        counts["level"][d.level or "unknown"] += n
        counts["type"][d.meta.get("type") or "unknown"] += n
        for name, key in region_facets(d).items():
            counts[name][key] += n
    out = {}
    for name, c in counts.items():
        if name == "year":
            out[name] = dict(sorted(c.items(), key=lambda kv: kv[0], reverse=True))
        else:
            out[name] = dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


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
        "SELECT paragraph, line, page, text, norm, "
        f"(SELECT path FROM sections s WHERE s.sid = paras.sid), {_OCR_COLUMN} "
        "FROM paras WHERE doc_id = ? AND paragraph BETWEEN ? AND ? ORDER BY paragraph",
        (doc_id, first, last),
    )
    paragraphs = [
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
        for p, line, page, text, norm, section, confidence in rows
    ]
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
