"""Query assistance: strings of this index that sound like a term that matches nothing
(河常制 → 河长制), for suggest.py.

The index keeps words only as hashes, so candidates are made, not listed. Each character of the
term may be swapped for a character with the same pinyin (without tones, any reading of a
polyphone: 长 is chang and zhang), from pypinyin's table, among the characters this index holds.
A candidate grows left to right only while each adjacent pair occurs somewhere in the index (a
gram lookup; no posting list is read), the BEAM most frequent prefixes are kept at each step, and
the survivors are counted exactly. The work is bounded by these counts, never by a clock, so the
same query always gets the same answer.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from govsearch.indexer import IndexReader
from govsearch.indexer.analysis import gram_key

from . import wordscores
from .evaluate import Evaluator

#: Terms longer than this are not sounded out (a long term is rarely a typo of one word).
MAX_CHARS = 8
#: Prefixes kept at each step, the most frequent first.
BEAM = 64
#: Sound-alikes offered per term.
MAX_RESULTS = 3
#: pypinyin's toned letters without their tones; ü keeps its diaeresis (lü is not lu).
_TONELESS = str.maketrans(
    {
        **dict.fromkeys("àáāǎ", "a"), **dict.fromkeys("èéēě", "e"), **dict.fromkeys("ếề", "ê"),
        **dict.fromkeys("ìíīǐ", "i"), **dict.fromkeys("òóōǒ", "o"), **dict.fromkeys("ùúūǔ", "u"),
        **dict.fromkeys("ǘǚǜ", "ü"), **dict.fromkeys("ńňǹ", "n"), "ḿ": "m",
        **dict.fromkeys("\u0300\u0301\u0304\u030c"),
    }
)  # fmt: skip


@cache
def _pinyin_table() -> dict[str, str]:
    """pypinyin's table, code point (as text) → readings with tones ("zhǎng,cháng")."""
    import importlib.util
    import json
    from pathlib import Path

    # Read as data: importing pypinyin loads its phrase table too (0.6 s per process).
    spec = importlib.util.find_spec("pypinyin")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        table = Path(folder) / "pinyin_dict.json"
        if table.is_file():
            return json.loads(table.read_text(encoding="utf-8"))
    from pypinyin.pinyin_dict import pinyin_dict

    return {str(code): readings for code, readings in pinyin_dict.items()}


def _readings(ch: str) -> set[str]:
    """A character's readings without tones."""
    return set(_pinyin_table().get(str(ord(ch)), "").translate(_TONELESS).split(",")) - {""}


@cache
def _by_reading() -> dict[str, tuple[str, ...]]:
    """Reading without tones → the characters that have it, in code point order."""
    out: dict[str, set[str]] = {}
    for code, readings in _pinyin_table().items():
        ch = chr(int(code))
        for r in readings.translate(_TONELESS).split(","):
            out.setdefault(r, set()).add(ch)
    return {r: tuple(sorted(chars)) for r, chars in out.items()}


def _same_sound(ch: str) -> list[str]:
    """Characters sharing a reading with ch (ch included), in code point order."""
    return sorted({ch}.union(*(_by_reading().get(r, ()) for r in _readings(ch))))


def _has_pinyin(ch: str) -> bool:
    return not ch.isascii() and str(ord(ch)) in _pinyin_table()


def max_changes(term: str) -> int:
    """Characters a sound-alike may change: one in a short term, two from six characters on (a
    typo is a wrong character or two; more is another word, not a typing mistake)."""
    return 1 if len(term) < 6 else 2


def sound_alikes(reader: IndexReader, evaluator: Evaluator, term: str) -> list[tuple[str, int]]:
    """Up to MAX_RESULTS (string, paragraphs) of this index that sound like `term`, the most
    frequent first; [] unless the term is 2 to MAX_CHARS characters that all have a pinyin.

    A sound-alike changes at most max_changes(term) characters, and is made of words of the
    index (河长制, 坪山 + 街道), not a string that straddles two of them (河长职 in 河长职责).
    """
    if not 2 <= len(term) <= MAX_CHARS or not all(_has_pinyin(ch) for ch in term):
        return []
    grams = reader.grams()

    def gram_counts(pieces: list[str]) -> list[int]:
        """How many paragraphs hold each one- or two-character piece (0: none)."""
        if not pieces:
            return []
        found = grams.find_many([gram_key(p) for p in pieces])
        counts = np.zeros(found.size, dtype=np.int64)
        held = found >= 0
        if held.any():
            # Live paragraphs only: which sound-alikes are kept must not depend on deletions.
            counts[held] = [grams.live_count(h) for h in found[held].tolist()]
        return counts.tolist()

    limit = max_changes(term)
    options = []
    for ch in term:
        chars = _same_sound(ch)
        options.append([c for c, n in zip(chars, gram_counts(chars), strict=True) if n])
    firsts = zip(options[0], gram_counts(options[0]), strict=True)
    beam = [(c, n, int(c != term[0])) for c, n in firsts]
    for at, chars in enumerate(options[1:], 1):
        grown = [
            (prefix + c, weight, changed + (c != term[at]))
            for prefix, weight, changed in beam
            for c in chars
            if changed + (c != term[at]) <= limit
        ]
        pairs = gram_counts([text[-2:] for text, _, _ in grown])
        kept = [(t, min(w, n), d) for (t, w, d), n in zip(grown, pairs, strict=True) if n]
        beam = sorted(kept, key=lambda x: (-x[1], x[0]))[:BEAM]
    found = []
    for text, _, changed in beam:
        if changed and _made_of_words(reader, text):
            n = int(evaluator.term(text).size)
            if n:
                found.append((text, n))
    return sorted(found, key=lambda x: (-x[1], x[0]))[:MAX_RESULTS]


def _made_of_words(reader: IndexReader, text: str) -> bool:
    """Whether text is a run of the index's words (one word, or several back to back)."""
    n = len(text)
    spans = [(i, j) for i in range(n) for j in range(i + 1, n + 1)]
    held = dict(
        zip(spans, wordscores.has_words(reader, [text[i:j] for i, j in spans]), strict=True)
    )
    reach = [True] + [False] * n  # reach[j]: text[:j] is a run of words
    for j in range(1, n + 1):
        reach[j] = any(reach[i] and held[(i, j)] for i in range(j))
    return reach[n]
