"""Base scores: Whoosh's BM25F over the `words` field, computed for whole posting lists at once.

Whoosh scores a match by walking its postings one at a time in Python, which made a common word
(的: 190,000 paragraphs at 10× the corpus) cost most of a second. Here a word's posting blocks are
read as arrays, and the searcher's own scorer is applied to all of them in one numpy expression:
the same `bm25(idf, weight, length, avgfl, B, K1)` arithmetic in the same order, with the index's
idf, average length and quantised field lengths, so the scores are Whoosh's. Any other weighting
model is applied posting by posting through its scorer (correct, only slower).
"""

from __future__ import annotations

import numpy as np
from whoosh import scoring
from whoosh.codec import whoosh3
from whoosh.matching import wrappers
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from govsearch.indexer import IndexReader

FIELD = "words"
#: Quantised field length byte → the length Whoosh's scorers see (byte 0: no words).
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def _segment_lengths(reader: IndexReader, segment) -> np.ndarray:
    """The length byte of every document of a segment (cached per generation)."""

    def make() -> np.ndarray:
        column = segment._perdoc._cached_reader(whoosh3._lenfield(FIELD), whoosh3.LENGTHS_COLUMN)
        total = segment.doc_count_all()
        out = np.zeros(total, dtype=np.uint8)
        if column is None:
            return out
        stored = min(column._count, total)
        raw = column._dbfile.get(column._basepos, stored)
        out[:stored] = np.frombuffer(raw, dtype=np.uint8)
        return out

    return reader.cached(("lengths", segment.segment().segment_id()), make)


def _read_blocks(m: whoosh3.W3LeafMatcher) -> tuple[np.ndarray, np.ndarray]:
    """Document numbers and weights of an on-disk posting list, block by block."""
    deltas: list[int] = []
    weights: list[float] = []
    starts: list[int] = []
    corrections: list[int] = []
    previous_last = 0
    while True:
        m._read_data()
        ids, w = m._data[0], m._data[1]
        n = m._blocklength
        # Each block's ids are delta-encoded from 0: its first id is absolute.
        starts.append(len(deltas))
        corrections.append(previous_last)
        deltas.extend(ids)
        if w is None:
            weights.extend([1.0] * n)
        elif isinstance(w, float):
            weights.extend([w] * n)
        else:
            weights.extend(w)
        previous_last = m._maxid
        if m._lastblock:
            break
        m._next_block()
    arr = np.array(deltas, dtype=np.int64)
    arr[starts] -= np.array(corrections, dtype=np.int64)
    return np.cumsum(arr), np.array(weights, dtype=np.float64)


def _read_generic(m) -> tuple[np.ndarray, np.ndarray]:
    ids: list[int] = []
    weights: list[float] = []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)


def _segment_scores(reader, searcher, segment, word: str) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        m = segment.postings(FIELD, word)
    except TermNotFound:
        return None
    if isinstance(m, wrappers.FilterMatcher):
        # Deleted documents keep their postings until a merge. Their paragraph ids belong to
        # no document any more, so they never meet a literal match; reading them is harmless.
        m = m.child
    ids, weights = _read_blocks(m) if isinstance(m, whoosh3.W3LeafMatcher) else _read_generic(m)
    if not ids.size:
        return None
    scorer = searcher.weighting.scorer(searcher, FIELD, word)
    lengths = _LENGTHS[_segment_lengths(reader, segment)[ids]]
    if type(scorer) is scoring.BM25FScorer:
        scores = scoring.bm25(scorer.idf, weights, lengths, scorer.avgfl, scorer.B, scorer.K1)
    elif isinstance(scorer, scoring.WeightLengthScorer):
        scores = np.fromiter(map(scorer._score, weights.tolist(), lengths.tolist()), np.float64)
    else:
        m = segment.postings(FIELD, word, scorer=scorer)
        scored = []
        while m.is_active():
            scored.append((m.id(), m.score()))
            m.next()
        ids = np.array([i for i, _s in scored], dtype=np.int64)
        scores = np.array([s for _i, s in scored], dtype=np.float64)
    return ids, np.asarray(scores, dtype=np.float64)


def word_scores(reader: IndexReader, word: str) -> tuple[np.ndarray, np.ndarray]:
    """(paragraph ids, BM25F scores) of the paragraphs holding an indexed word (cached)."""

    def make() -> tuple[np.ndarray, np.ndarray]:
        pids, scores = [], []
        with reader.searcher() as searcher:
            for sub, offset in searcher.leaf_searchers():
                got = _segment_scores(reader, sub, sub.reader(), word)
                if got is not None:
                    pids.append(reader.docnum_pids[got[0] + offset])
                    scores.append(got[1])
        if not pids:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float64)
        return np.concatenate(pids), np.concatenate(scores)

    return reader.cached_query(("word", word), make)


def base_scores(reader: IndexReader, words: list[str], pids: np.ndarray) -> np.ndarray:
    """The sum of the words' scores for each of the given paragraphs (0.0 where none occurs)."""
    if not words or not pids.size:
        return np.zeros(pids.size, dtype=np.float64)
    dense = np.zeros(reader.pid_limit, dtype=np.float64)
    for word in words:
        wp, ws = word_scores(reader, word)
        dense[wp[wp < dense.size]] += ws[wp < dense.size]
    return dense[pids]
