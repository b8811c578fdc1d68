"""A new segment's flat files, written by the build as paragraphs are added.

- texts.flat: the normalised texts (textfile.py);
- grams.flat: for every character and character pair, the paragraphs holding it;
- words.flat: for every indexed word, its paragraphs and weights, plus each paragraph's word
  count and the collection statistics BM25F needs (postings.py).

The words come from analysis.weighted_words, the same tokens the build hands to Whoosh, so
both indexes hold the same words, weights and field lengths (a test compares the scores).
A segment's ids are its own, from 0; merging segments (merge.py) carries their files over.
"""

from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np

from . import store, textfile
from .analysis import GRAM_BATCH_LIMIT, gram_postings, weighted_words, word_key
from .postings import PostingsWriter
from .textfile import TextWriter

#: Characters of text turned into gram postings at a time.
GRAM_CHARS = 500_000
#: Postings sorted and spilled to disk at a time (bounds the build's memory).
RUN_POSTINGS = 2_000_000


def length_table() -> np.ndarray:
    """Whoosh's field-length byte → the length its scorers see."""
    from whoosh.util.numeric import byte_to_length

    return np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


def length_bytes(lengths: np.ndarray) -> np.ndarray:
    """Whoosh's one-byte approximation of each field length (util.numeric.length_to_byte)."""
    table = length_table()
    out = np.searchsorted(table, lengths, side="left")
    out[lengths >= 106374] = 255
    return np.minimum(out, 255).astype(np.uint8)


class DerivedWriter:
    """Writes texts.flat, grams.flat and words.flat of a new segment."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.texts = TextWriter(directory / textfile.NAME)
        self.grams = PostingsWriter(directory, "grams", weighted=False)
        self.words = PostingsWriter(directory, "words", weighted=True)
        self.lengths = array("I")
        self._norms: list[str] = []
        self._norm_chars = 0
        self._first = -1
        self._next = -1
        self._gram_parts: list[tuple[np.ndarray, np.ndarray]] = []
        self._gram_count = 0
        self._word_keys = array("Q")
        self._word_pids = array("i")
        self._word_weights = array("f")
        self._vocabulary: dict[str, int] = {}

    def _pad(self, pid: int) -> None:
        if pid > len(self.lengths):
            self.lengths.extend([0] * (pid - len(self.lengths)))

    def add(self, pid: int, norm: str, sid: int | None, parts: list[list[str]]) -> None:
        """One paragraph (ids ascending, without gaps within a run)."""
        if self._next < 0:
            self._first = self._next = pid
        if pid != self._next:
            raise ValueError(f"paragraph {pid} added out of order")
        self._next += 1
        self.texts.add(pid, norm, sid)
        self._norms.append(norm)
        self._norm_chars += len(norm)
        # A batch is bounded by its characters and by how many paragraphs one batch can number.
        if self._norm_chars >= GRAM_CHARS or len(self._norms) >= GRAM_BATCH_LIMIT:
            self._flush_grams()
        weights: dict[str, float] = {}
        length = 0
        # The same sums as Whoosh's Frequency format: a token adds its boost to its word.
        for word, boost in weighted_words(parts):
            length += 1
            weights[word] = weights.get(word, 0.0) + boost
        self._pad(pid)
        self.lengths.append(length)
        vocabulary = self._vocabulary
        for word, weight in weights.items():
            key = vocabulary.get(word)
            if key is None:
                key = vocabulary[word] = word_key(word)
            self._word_keys.append(key)
            self._word_pids.append(pid)
            self._word_weights.append(weight)
        if len(self._word_keys) >= RUN_POSTINGS:
            self._flush_words()

    def _flush_grams(self, final: bool = False) -> None:
        if self._norms:
            keys, pids = gram_postings(self._norms, self._first)
            self._gram_parts.append((keys, pids))
            self._gram_count += keys.size
            self._first += len(self._norms)
            self._norms.clear()
            self._norm_chars = 0
        if self._gram_parts and (final or self._gram_count >= RUN_POSTINGS):
            keys = np.concatenate([k for k, _p in self._gram_parts])
            pids = np.concatenate([p for _k, p in self._gram_parts])
            self._gram_parts.clear()
            self._gram_count = 0
            self.grams.add_batch(keys, pids)

    def _flush_words(self) -> None:
        if self._word_keys:
            self.words.add_batch(
                np.frombuffer(self._word_keys, dtype=np.uint64),
                np.frombuffer(self._word_pids, dtype=np.int32),
                np.frombuffer(self._word_weights, dtype=np.float32),
            )
            self._word_keys = array("Q")
            self._word_pids = array("i")
            self._word_weights = array("f")

    def finish(self, count: int) -> None:
        """Write the files of a segment of `count` paragraphs."""
        self._flush_grams(final=True)
        self._flush_words()
        self.texts.close(count)
        self._pad(count)
        write_words(self.dir, self.words, [], np.frombuffer(self.lengths, dtype=np.uint32)[:count])
        self.grams.write(self.dir / store.GRAMS, store.GRAMS_KIND)

    def abort(self) -> None:
        """Leave the files unfinished (their segment is discarded) and remove scratch runs."""
        self.texts.abort()
        self.grams.discard()
        self.words.discard()


def write_words(
    directory: Path, writer: PostingsWriter, carried: list, lengths: np.ndarray
) -> None:
    """words.flat: the postings, every paragraph's field length and the segment's statistics."""
    writer.write(
        directory / store.WORDS,
        store.WORDS_KIND,
        carried,
        meta={"documents": int(lengths.size), "field_length": int(lengths.sum(dtype=np.int64))},
        extra={
            "lengths": lengths,
            "length_bytes": length_bytes(lengths),
            "length_table": length_table(),
        },
    )
