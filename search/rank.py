"""Stage 4, rank: the order of the matching paragraphs.

The base score is BM25F over the index's jieba words that the query's terms contain
(wordscores.py computes Whoosh's formula over whole posting lists with numpy); a paragraph that
holds the query only as a fragment of other words scores 0 and comes after every scored one.
The best RERANK_DEPTH candidates are then re-scored by ranking.rerank (how closely the terms
stand together). Equal scores are ordered by year (newest first, unknown last), then the
document's path, then the paragraph's number (paragraph_order): never by how the index was
built. Hands on the paragraph ids of a page in order, and their scores.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from govsearch.indexer import IndexReader

from . import ranking, wordscores
from .query import Alternatives, Phrase, Term

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


Unit = Term | Phrase | Alternatives


def query_words(reader: IndexReader, terms: list[Unit]) -> list[str]:
    """The distinct indexed words of the query's positive terms (what the base score sums);
    a pattern counts as the strings it matched (Alternatives)."""
    texts = [t.text for t in terms if isinstance(t, Term)]
    texts += [p for t in terms if isinstance(t, Phrase) for p in t.parts]
    texts += [a for t in terms if isinstance(t, Alternatives) for a in t.texts]
    words = (
        reader.cached_query(("indexed_words", t), partial(_indexed_tuple, reader, t)) for t in texts
    )
    return list(dict.fromkeys(w for ws in words for w in ws))


def _indexed_tuple(reader: IndexReader, text: str) -> tuple[str, ...]:
    return tuple(indexed_words(reader, text))


class Ranker:
    """Orders the literal matches: base score (BM25F over indexed words), then ranking.rerank.

    Paragraphs that contain the query only as a fragment of other words have no word postings
    and score 0; they rank after every scored paragraph. Ties: paragraph_order (year, newest
    first; path; paragraph number).
    Scores are computed for every match with numpy (wordscores.py); only the page and the
    rerank candidates are sorted.
    """

    def __init__(self, reader: IndexReader, terms: list[Unit], matched: np.ndarray):
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
        return doc_year_keys(self.r)[self.r.doc_numbers()[pids]]

    def ties(self, pids: np.ndarray) -> np.ndarray:
        """Sort keys that order equal scores (see paragraph_order)."""
        return paragraph_order(self.r)[pids]

    def _sorted(self, pids: np.ndarray, scores: np.ndarray) -> np.ndarray:
        return np.lexsort((self.ties(pids), -scores))

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
                keys = self.ties(rest)
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
        order = np.lexsort((self.ties(pids), -scores, years))
        if want is not None:
            order = order[:want]
        pids, scores, years = pids[order], scores[order], years[order]
        if depth:
            _head, head_scores = self._rerank(pids[:depth], scores[:depth])
            head = np.lexsort((self.ties(pids[:depth]), -head_scores, years[:depth]))
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


def doc_year_keys(reader: IndexReader) -> np.ndarray:
    """Per document: a key that sorts newest years first and unknown years last."""

    def make() -> np.ndarray:
        years = [d.year for d in reader.docs]
        return np.array([-y if y is not None else 10**6 for y in years], dtype=np.int32)

    return reader.cached("year_keys", make)


def paragraph_order(reader: IndexReader) -> np.ndarray:
    """Per paragraph id: its rank when all paragraphs are sorted by year (newest first, unknown
    last), then their document's path (by code point), then their number in the document.

    Equal scores are ordered by it, so two indexes of the same files, however they were built
    (in one run or many, merged or not), list the same results in the same order.
    """

    def make() -> np.ndarray:
        years = doc_year_keys(reader).tolist()
        return _ranks(reader, lambda i, d: (years[i], d.path))

    return reader.cached("paragraph_order", make)


def document_order(reader: IndexReader) -> np.ndarray:
    """Per paragraph id: its rank when all paragraphs are sorted by their document's path (by
    code point), then their number in the document: what "in index order" means to a user,
    whatever order the files were indexed in (kwic's lines, a collocate's paragraphs)."""
    return reader.cached("document_order", lambda: _ranks(reader, lambda _i, d: d.path))


def in_document_order(reader: IndexReader, pids: np.ndarray) -> np.ndarray:
    """These paragraph ids sorted by document_order."""
    pids = np.asarray(pids)
    return pids[np.argsort(document_order(reader)[pids], kind="stable")]


def _ranks(reader: IndexReader, key) -> np.ndarray:
    """Per paragraph id, its rank with documents sorted by key(number, doc) and paragraphs in
    document order within each."""
    docs = reader.docs
    out = np.full(reader.pid_limit, np.iinfo(np.int32).max, dtype=np.int32)
    at = 0
    for i in sorted(range(len(docs)), key=lambda i: key(i, docs[i])):
        d = docs[i]
        out[d.pid_start : d.pid_end] = np.arange(at, at + d.paragraphs, dtype=np.int32)
        at += d.paragraphs
    return out
