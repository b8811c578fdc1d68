"""Co-occurrence counts, the reading stage of `collocates`: which words stand near a query's
matches, and in which paragraphs.

Reads only the matching paragraphs' normalised texts (texts.flat), finds the matches with
hits.norm_spans (the function that places highlights) and cuts the text around them into words
with the index's own segmenter in precise mode (words that do not overlap). jieba segments each
run of letters, digits and CJK characters between two punctuation marks or spaces on its own, so
only the stretch of text a window needs is segmented, from one such mark to another, and its
words are exactly those of the whole paragraph. Hands on one (word, paragraph) pair per word
that stood in the window of a match in that paragraph: counts are paragraphs, never windows.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from govsearch.indexer import IndexReader, UsageError
from govsearch.indexer.analysis import index_dictionary, is_word, segmenter

from .hits import norm_spans
from .query import Phrase, Term

#: Windows given by name; a number N is N words either side.
WINDOW_NAMES = ("sentence", "paragraph")
MAX_WINDOW = 50
#: What ends a sentence in normalised text (NFKC makes ！？； the ASCII ones).
SENTENCE_END = "。!?;\n"
#: Characters jieba never puts inside a run of words (anything but letters, digits, CJK and
#: +#&._%-, which it keeps inside runs like c++ or 3.5%): the text may be cut at them.
_CUT = re.compile(r"[^\w+#&.%\-]")
_SENTENCE = re.compile("[" + re.escape(SENTENCE_END) + "]")

Window = int | str
Spans = list[tuple[int, int]]


def parse_window(value: Window) -> Window:
    """A window as given (5, "5", "sentence", "paragraph"), checked."""
    text = str(value).strip().lower()
    if text in WINDOW_NAMES:
        return text
    if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_WINDOW:
        return int(text)
    raise UsageError(
        f"unknown window {str(value)[:40]!r}: give a number of words either side "
        f"(1 to {MAX_WINDOW}), sentence or paragraph"
    )


@dataclass(frozen=True)
class Cooccurrences:
    """Which word stood near a match in which paragraph: parallel arrays, one pair each."""

    #: Word number → the word.
    words: list[str]
    #: One entry per (word, paragraph) pair, in paragraph order.
    word_ids: np.ndarray
    pids: np.ndarray
    #: Matching paragraphs read.
    paragraphs: int

    def counts(self) -> np.ndarray:
        """Paragraphs per word number."""
        return np.bincount(self.word_ids, minlength=len(self.words))

    def pids_of(self, word_id: int) -> np.ndarray:
        """The sorted paragraph ids where word number `word_id` stood near a match."""
        return self.pids[self.word_ids == word_id]


def _cuts(norm: str) -> list[int]:
    return [m.start() for m in _CUT.finditer(norm)]


def _merge(regions: Spans) -> Spans:
    out: Spans = []
    for a, b in sorted(regions):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


def _segment(seg, norm: str, regions: Spans) -> list[tuple[str, int, int]]:
    """The precise-mode tokens of the regions, with offsets into norm, in text order."""
    out = []
    for a, b in regions:
        out.extend((w, a + s, a + e) for w, s, e in seg.words(norm[a:b]))
    return out


class _Reader:
    """Finds, in one paragraph, the words in the window of each match."""

    def __init__(self, seg, window: Window, keep_all: bool):
        self.seg = seg
        self.window = window
        self.keep_all = keep_all

    def near(self, norm: str, spans: Spans) -> set[str]:
        """The words (and with keep_all the punctuation) in the window of some match, not
        overlapping any match."""
        if self.window == "paragraph":
            return self._inside(_segment(self.seg, norm, [(0, len(norm))]), spans)
        if self.window == "sentence":
            regions = _merge([self._sentence(norm, s, e) for s, e in spans])
            return self._inside(_segment(self.seg, norm, regions), spans)
        return self._words_either_side(norm, spans, int(self.window))

    def _sentence(self, norm: str, s: int, e: int) -> tuple[int, int]:
        a = max((m.end() for m in _SENTENCE.finditer(norm, 0, s)), default=0)
        m = _SENTENCE.search(norm, e)
        return a, m.start() if m else len(norm)

    def _keep(self, token: str) -> bool:
        return is_word(token) or (self.keep_all and not token.isspace())

    def _inside(self, tokens, spans: Spans) -> set[str]:
        return {w for w, s, e in tokens if self._keep(w) and not _overlaps(spans, s, e)}

    def _words_either_side(self, norm: str, spans: Spans, n: int) -> set[str]:
        cuts = _cuts(norm)
        reach = 3 * n + 4  # characters either side: words average under two characters
        while True:
            regions = _merge([_region(cuts, len(norm), s - reach, e + reach) for s, e in spans])
            found = self._windows(_segment(self.seg, norm, regions), spans, regions, len(norm), n)
            if found is not None:
                return found
            reach *= 4

    def _windows(self, tokens, spans: Spans, regions: Spans, length: int, n: int):
        """The tokens within n words of a match, or None when a region was too short to hold
        n words on a side that the paragraph has."""
        positions = [t[1] for t in tokens]
        words = [(s, e) for w, s, e in tokens if is_word(w)]
        starts = [s for s, _e in words]
        ends = [e for _s, e in words]
        found: set[str] = set()
        for s, e in spans:
            a, b = next(r for r in regions if r[0] <= s and e <= r[1])
            left = bisect_right(ends, s)  # words[:left] end at or before the match
            if left - bisect_left(starts, a) >= n:
                lo = starts[left - n]
            elif a > 0:
                return None
            else:
                lo = 0
            right = bisect_left(starts, e)  # words[right:] start at or after its end
            if bisect_left(starts, b) - right >= n:
                hi = ends[right + n - 1]
            elif b < length:
                return None
            else:
                hi = length
            for i in range(bisect_left(positions, lo), len(tokens)):
                w, ts, te = tokens[i]
                if ts >= hi:
                    break
                if te <= hi and self._keep(w) and not _overlaps(spans, ts, te):
                    found.add(w)
        return found


def _region(cuts: list[int], length: int, low: int, high: int) -> tuple[int, int]:
    """The stretch [a, b) around [low, high) that starts and ends where the text may be cut."""
    i = bisect_right(cuts, max(low, 0)) - 1
    a = cuts[i] if low > 0 and i >= 0 else 0
    j = bisect_left(cuts, min(high, length))
    b = cuts[j] if high < length and j < len(cuts) else length
    return a, b


def _overlaps(spans: Spans, s: int, e: int) -> bool:
    return any(ms < e and s < me for ms, me in spans)


def count_cooccurrences(
    reader: IndexReader,
    pids: np.ndarray,
    terms: list[Term | Phrase],
    window: Window,
    keep: Callable[[str], bool],
    keep_all: bool = False,
) -> Cooccurrences:
    """For each paragraph of `pids` (sorted), the words `keep` accepts that stand within
    `window` of a match of `terms` (not overlapping a match), once per paragraph."""
    seg = segmenter(index_dictionary(reader.meta))
    near = _Reader(seg, window, keep_all).near
    numbers: dict[str, int] = {}
    verdicts: dict[str, bool] = {}
    word_ids, owners = array("i"), array("i")
    for pid, norm in reader.iter_norms(pids.tolist()):
        spans = norm_spans(norm, terms)
        if not spans:
            continue
        for w in sorted(near(norm, spans)):
            ok = verdicts.get(w)
            if ok is None:
                ok = verdicts[w] = keep(w)
            if ok:
                word_ids.append(numbers.setdefault(w, len(numbers)))
                owners.append(pid)
    return Cooccurrences(
        words=list(numbers),
        word_ids=np.frombuffer(word_ids, dtype=np.int32) if word_ids else np.empty(0, np.int32),
        pids=np.frombuffer(owners, dtype=np.int32) if owners else np.empty(0, np.int32),
        paragraphs=int(pids.size),
    )
