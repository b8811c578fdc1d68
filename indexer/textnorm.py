"""Character-level text normalisation shared by indexing and querying.

Each source character maps to a short string (NFKC, lower case, traditional to simplified), so
normalised text can always be mapped back to character offsets in the original paragraph.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

import numpy as np

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


class _FoldTable(dict):
    """Like _Table, but case is kept: 二O二四年 spells a year with a capital O."""

    def __missing__(self, cp: int) -> str:
        t2s = _t2s()
        out = "".join(t2s.get(c, c) for c in unicodedata.normalize("NFKC", chr(cp)))
        self[cp] = out
        return out


_TABLE = _Table()
_FOLD = _FoldTable()


def normalize(text: str) -> str:
    """Normalise text for matching: NFKC width folding, lower case, traditional → simplified."""
    return text.translate(_TABLE)


def fold(text: str) -> str:
    """Text as metadata is read from it: NFKC width folding and traditional → simplified."""
    return text.translate(_FOLD)


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


# -- the source text as a patch on its normalised form ------------------------------------------
# The index keeps every paragraph's normalised text (for matching) and must give back the text
# as written. Normalisation changes about one character in twenty (full-width punctuation,
# traditional characters, capitals) and almost never the length, so the source text is stored
# as the characters that differ and where they are: a tenth of the text's size.


def _varints(values: list[int]) -> bytes:
    out = bytearray()
    for v in values:
        while v >= 0x80:
            out.append(v & 0x7F | 0x80)
            v >>= 7
        out.append(v)
    return bytes(out)


def text_patch(text: str, norm: str) -> bytes | None:
    """How to get text back from norm (= normalize(text)): None when they are equal."""
    if text == norm:
        return None
    if len(text) != len(norm):
        return b"T" + text.encode("utf-8", "surrogatepass")
    differ = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), "<u4") != np.frombuffer(
        norm.encode("utf-32-le", "surrogatepass"), "<u4"
    )
    at = np.flatnonzero(differ).tolist()
    gaps = [at[0], *(b - a for a, b in zip(at, at[1:], strict=False))]
    chars = "".join(text[i] for i in at)
    return b"P" + _varints([len(at), *gaps]) + chars.encode("utf-8", "surrogatepass")


def apply_patch(norm: str, patch: bytes | None) -> str:
    """Inverse of text_patch: the source text."""
    if patch is None:
        return norm
    if patch[:1] == b"T":
        return patch[1:].decode("utf-8", "surrogatepass")
    count = patch[1]
    if count < 0x80 and max(patch[2 : 2 + count], default=0) < 0x80:
        # Every gap fits one byte (changed characters under 128 apart: nearly every patch).
        gaps: bytes | list[int] = patch[2 : 2 + count]
        pos = 2 + count
    else:
        gaps, pos = _read_varints(patch)
    chars = patch[pos:].decode("utf-8", "surrogatepass")
    # Slices of norm between the changed characters: a paragraph is built from a few dozen
    # pieces, not from a list of every character.
    out, prev, i = [], 0, 0
    for gap, ch in zip(gaps, chars, strict=True):
        i += gap
        out.append(norm[prev:i])
        out.append(ch)
        prev = i + 1
    out.append(norm[prev:])
    return "".join(out)


def _read_varints(patch: bytes) -> tuple[list[int], int]:
    """The gaps of a P patch and where its characters start."""
    values: list[int] = []
    pos, value, shift = 1, 0, 0
    count = None
    while count is None or len(values) < count:
        byte = patch[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            if count is None:
                count = value
            else:
                values.append(value)
            value = shift = 0
    return values, pos
