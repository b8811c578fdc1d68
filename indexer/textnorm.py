"""Character-level text normalisation shared by indexing and querying.

Each source character maps to a short string (NFKC, lower case, traditional to simplified), so
normalised text can always be mapped back to character offsets in the original paragraph.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

# Applied character by character (not NFKC of the whole string) so that every normalised
# character is owned by exactly one source character; the same function runs at index and at
# query time, so both sides agree even where this differs from whole-string NFKC.


@cache
def _t2s() -> dict[str, str]:
    """Traditional→simplified single-character table from OpenCC's TSCharacters data."""
    table: dict[str, str] = {}
    data = resources.files("opencc").joinpath("dictionary/TSCharacters.txt")
    for line in data.read_text(encoding="utf-8").splitlines():
        trad, _, simp = line.partition("\t")
        candidates = simp.split()
        # A character that is also correct simplified text (乾, 於, 著) is left alone, otherwise
        # searching 乾坤 would also have to match 干坤.
        if len(trad) == 1 and candidates and trad not in candidates and len(candidates[0]) == 1:
            table[trad] = candidates[0]
    return table


class _Table(dict):
    """Lazy codepoint → replacement table for str.translate."""

    def __missing__(self, cp: int) -> str:
        t2s = _t2s()
        out = "".join(t2s.get(c, c) for c in unicodedata.normalize("NFKC", chr(cp)).lower())
        self[cp] = out
        return out


_TABLE = _Table()


def normalize(text: str) -> str:
    """Normalise text for matching: NFKC width folding, lower case, traditional → simplified."""
    return text.translate(_TABLE)


def offset_map(text: str) -> list[int]:
    """For each character of normalize(text) (plus one past the end), its offset in text."""
    starts: list[int] = []
    for i, ch in enumerate(text):
        starts.extend([i] * len(_TABLE[ord(ch)]))
    starts.append(len(text))
    return starts


def to_source_spans(
    text: str, spans: list[tuple[int, int]], norm: str | None = None
) -> list[tuple[int, int]]:
    """Map [start, end) spans in normalize(text) (given as `norm` when known) back to text."""
    if not spans:
        return []
    if len(normalize(text) if norm is None else norm) == len(text):
        # No character normalises to nothing (checked over all of Unicode in the tests), so
        # equal lengths mean one character for one: the offsets are the same. This is most
        # paragraphs, and offset_map costs a Python step per character.
        return list(spans)
    starts = offset_map(text)
    out = []
    for s, e in spans:
        src_start = starts[s]
        # The end maps to the end of the source character that produced the last normalised one.
        last = starts[e - 1]
        src_end = last + 1
        out.append((src_start, src_end))
    return out


def find_all(haystack: str, needle: str) -> list[tuple[int, int]]:
    """Every occurrence of needle in haystack, overlapping ones included, as [start, end)."""
    spans = []
    if not needle:
        return spans
    i = haystack.find(needle)
    while i >= 0:
        spans.append((i, i + len(needle)))
        i = haystack.find(needle, i + 1)
    return spans


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort spans and merge the ones that overlap (touching spans stay separate)."""
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s < merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged
