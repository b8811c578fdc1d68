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
from .query import Pattern, Phrase, Term

#: Windows given by name; a number N is N words either side.
WINDOW_NAMES = ("sentence", "paragraph")
MAX_WINDOW = 50
#: What ends a sentence in normalised text (NFKC makes ！？； the ASCII ones).
SENTENCE_END = "。!?;\n"
#: Characters jieba never puts inside a run of words (anything but letters, digits, CJK and
#: +#&._%-, which it keeps inside runs like c++ or 3.5%): the text may be cut at them.
_CUT = re.compile(r"[^\w+#&.%\-]")
_LAST_CUT = re.compile(r"[\s\S]*[^\w+#&.%\-]")
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


def _left_cut(norm: str, low: int) -> int:
    """The last place at or before `low` where the text may be cut (0 if none)."""
    if low <= 0:
        return 0
    start = max(0, low - 64)
    m = _LAST_CUT.match(norm, start, low + 1)
    if m is None and start > 0:
        m = _LAST_CUT.match(norm, 0, low + 1)
    return m.end() - 1 if m else 0


def _right_cut(norm: str, high: int) -> int:
    """The first place at or after `high` where the text may be cut (its end if none)."""
    if high >= len(norm):
        return len(norm)
    m = _CUT.search(norm, high)
    return m.start() if m else len(norm)


def _region(norm: str, low: int, high: int) -> tuple[int, int]:
    """The stretch [a, b) around [low, high) that starts and ends where the text may be cut."""
    return _left_cut(norm, low), _right_cut(norm, high)


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
        if a == 0:
            out.extend(seg.words(norm[:b]))
        else:
            out.extend((w, a + s, a + e) for w, s, e in seg.words(norm[a:b]))
    return out


class _Reader:
    """Finds, in one paragraph, the words in the window of each match."""

    def __init__(self, seg, window: Window, keep: Callable[[str], bool], keep_all: bool):
        self.seg = seg
        self.window = window
        self.keep = keep
        self.keep_all = keep_all
        #: token → (a word: counts towards the window's N; a collocate: collected)
        self.kinds: dict[str, tuple[bool, bool]] = {}

    def _kind(self, token: str) -> tuple[bool, bool]:
        kind = self.kinds.get(token)
        if kind is None:
            word = is_word(token)
            shown = (word or (self.keep_all and not token.isspace())) and self.keep(token)
            kind = self.kinds[token] = (word, shown)
        return kind

    def near(self, norm: str, spans: Spans) -> set[str]:
        """The collocates (words `keep` accepts; with keep_all punctuation too) in the window
        of some match, not overlapping any match."""
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

    def _inside(self, tokens, spans: Spans) -> set[str]:
        blocked = _blocked([t[1] for t in tokens], [t[2] for t in tokens], spans)
        kind = self._kind
        return {t[0] for i, t in enumerate(tokens) if kind(t[0])[1] and i not in blocked}

    def _words_either_side(self, norm: str, spans: Spans, n: int) -> set[str]:
        reach = 3 * n + 4  # characters either side: words average under two characters
        found: set[str] = set()
        pending = spans
        while pending:
            regions = _merge([_region(norm, s - reach, e + reach) for s, e in pending])
            short = []
            for a, b in regions:
                inside = [(s - a, e - a) for s, e in pending if a <= s and e <= b]
                tokens = self.seg.words(norm[a:b])
                if not self._windows(tokens, inside, a > 0, b < len(norm), n, found):
                    short.extend((s + a, e + a) for s, e in inside)
            pending = short
            reach *= 4
        return found

    def _windows(self, tokens, spans: Spans, more_left: bool, more_right: bool, n: int,
                 found: set[str]) -> bool:  # fmt: skip
        """Add to `found` the collocates within n words of each match of one region (tokens and
        spans in its own offsets); False when the region was too short: it holds fewer than n
        words on a side where the paragraph has more text.

        Walks out from each match token by token: only the window's own tokens are looked at.
        """
        kinds, kind = self.kinds.get, self._kind
        starts = [t[1] for t in tokens]
        ends = [t[2] for t in tokens]
        count = len(tokens)
        blocked = _blocked(starts, ends, spans)
        near: list[str] = []
        for s, e in spans:
            words, i = 0, bisect_right(ends, s) - 1  # tokens[:i + 1] end at or before s
            while words < n and i >= 0:
                w = tokens[i][0]
                word, shown = kinds(w) or kind(w)
                words += word
                if shown and i not in blocked:
                    near.append(w)
                i -= 1
            if words < n and more_left:
                return False
            words, i = 0, bisect_left(starts, e)  # tokens[i:] start at or after e
            while words < n and i < count:
                w = tokens[i][0]
                word, shown = kinds(w) or kind(w)
                words += word
                if shown and i not in blocked:
                    near.append(w)
                i += 1
            if words < n and more_right:
                return False
        found.update(near)
        return True


def _blocked(starts: list[int], ends: list[int], spans: Spans) -> set[int]:
    """The numbers of the tokens (their starts and ends, in text order) that overlap a match."""
    out: set[int] = set()
    for s, e in spans:
        out.update(range(bisect_right(ends, s), bisect_left(starts, e)))
    return out


def count_cooccurrences(
    reader: IndexReader,
    pids: np.ndarray,
    terms: list[Term | Phrase | Pattern],
    window: Window,
    keep: Callable[[str], bool],
    keep_all: bool = False,
) -> Cooccurrences:
    """For each paragraph of `pids` (sorted), the words `keep` accepts that stand within
    `window` of a match of `terms` (not overlapping a match), once per paragraph. A pattern's
    matches are the ones its highlights mark."""
    seg = segmenter(index_dictionary(reader.meta))
    near = _Reader(seg, window, keep, keep_all).near
    numbers: dict[str, int] = {}
    word_ids, owners = array("i"), array("i")
    for pid, norm in reader.iter_norms(pids.tolist()):
        spans = norm_spans(norm, terms, reader)
        if not spans:
            continue
        # Word numbers follow the order words are met in (a set's order): nothing shown
        # depends on them, the results are sorted by their figures and the word.
        for w in near(norm, spans):
            word_ids.append(numbers.setdefault(w, len(numbers)))
            owners.append(pid)
    return Cooccurrences(
        words=list(numbers),
        word_ids=np.frombuffer(word_ids, dtype=np.int32) if word_ids else np.empty(0, np.int32),
        pids=np.frombuffer(owners, dtype=np.int32) if owners else np.empty(0, np.int32),
        paragraphs=int(pids.size),
    )
