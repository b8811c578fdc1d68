"""Base scores: Whoosh's BM25F over the `words` field, computed from the flat word postings.

The build writes, beside Whoosh's index, every word's paragraph ids and weights and every
paragraph's field length (indexer/derived.py, from the tokens it hands to Whoosh). A word's
scores are then one numpy expression over its whole list: Whoosh's own `bm25(idf, weight,
length, avgfl, B, K1)` in the same order of operations, with Whoosh's idf (log(N / (df + 1))
+ 1), its average field length and its one-byte field lengths, and B and K1 of the index's
weighting (indexer.schema.weighting). The scores are Whoosh's (a test compares them); no
Whoosh file is opened on the query path.

The index may be split into segments, with deleted paragraphs not yet merged away: the
postings, N (live paragraphs), the average field length and the document frequencies are
those of the live paragraphs across all segments (IndexReader.words, word_statistics), so the
scores are those of a fresh build of the same documents. Whoosh counts a deleted document in
N, df and the average length until a merge drops it, so its own scores can differ then.
"""

from __future__ import annotations

import math

import numpy as np

from govsearch.indexer import IndexReader, schema
from govsearch.indexer.analysis import word_key

EMPTY = (np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float64))


def has_word(reader: IndexReader, word: str) -> bool:
    """Whether the index holds this word."""
    return reader.words().find(word_key(word)) >= 0


def has_words(reader: IndexReader, words: list[str]) -> list[bool]:
    """has_word for several words at once."""
    if not words:
        return []
    return (reader.words().find_many([word_key(w) for w in words]) >= 0).tolist()


def word_scores(reader: IndexReader, word: str) -> tuple[np.ndarray, np.ndarray]:
    """(paragraph ids, BM25F scores) of the paragraphs holding an indexed word (cached)."""

    def make() -> tuple[np.ndarray, np.ndarray]:
        words = reader.words()
        handle = words.find(word_key(word))
        if handle < 0:
            return EMPTY
        pids, weights = words.postings(handle)
        documents, field_length = reader.word_statistics()
        idf = math.log(documents / (pids.size + 1)) + 1
        avgfl = (field_length / (documents or 1)) or 1
        lengths = reader.length_table()[reader.length_bytes()[pids]]
        # Read per call, as Whoosh's searcher does: k1 and b can change without a rebuild.
        model = schema.weighting()
        k1, b = model.K1, model.B
        scores = idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / avgfl)))
        return pids, scores

    return reader.cached_query(("word", word), make)


def base_scores(reader: IndexReader, words: list[str], pids: np.ndarray) -> np.ndarray:
    """The sum of the words' scores for each of the given paragraphs (0.0 where none occurs)."""
    if not words or not pids.size:
        return np.zeros(pids.size, dtype=np.float64)
    if len(words) == 1:
        wp, ws = word_scores(reader, words[0])
        out = np.zeros(pids.size, dtype=np.float64)
        if wp.size:
            at = np.searchsorted(wp, pids)
            at[at == wp.size] = 0
            hit = wp[at] == pids
            out[hit] = ws[at[hit]]
        return out
    dense = np.zeros(reader.pid_limit, dtype=np.float64)
    for word in words:
        wp, ws = word_scores(reader, word)
        dense[wp] += ws
    return dense[pids]
