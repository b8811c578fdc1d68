"""The normalised text of every paragraph in one flat file (see flatfile.FlatFile.read).

Confirming a literal match reads the normalised text of each candidate paragraph; row by row
from SQLite that cost most of a long term's query time, from a flat file it is one read (or
one slice of a block) and a byte search per candidate. UTF-8 is self-synchronising, so a
term's bytes found inside a paragraph's bytes are always the term's characters: no decoding
is needed to confirm a match.

Arrays: `data` (the texts, UTF-8, in paragraph-id order), `offsets` (paragraph id → start in
data; one more entry than ids), `sids` (paragraph id → section id, -1 for none). Each segment
has its own file, over its own ids (0..n-1).
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from .flatfile import FlatFile, FlatWriter

NAME = "texts.flat"
KIND = "govsearch-texts"
#: Paragraphs at most this many bytes apart are read together (see TextFile.raw) ...
READ_GAP = 4096
#: ... in blocks of at most this many bytes.
READ_BLOCK = 1 << 20
#: How text is encoded; surrogatepass keeps lone surrogates from undecodable names intact.
ENCODING = ("utf-8", "surrogatepass")


def encode(text: str) -> bytes:
    """Text as stored (and as a term is encoded to be found in it)."""
    return text.encode(*ENCODING)


class TextWriter:
    """Writes texts.flat: paragraphs appended in id order, or carried over from older files."""

    def __init__(self, path: Path):
        self._w = FlatWriter(path, KIND)
        self._w.begin("data", "u1")
        self._offsets = array("q", [0])
        self._sids = array("i")
        self._pos = 0

    def _skip_to(self, pid: int) -> None:
        """Ids below pid that were not written hold an empty text."""
        missing = pid - len(self._sids)
        if missing < 0:
            raise ValueError(f"paragraph {pid} written out of order")
        if missing:
            self._offsets.extend([self._pos] * missing)
            self._sids.extend([-1] * missing)

    def add(self, pid: int, norm: str, sid: int | None) -> None:
        """The next paragraph."""
        self._skip_to(pid)
        data = encode(norm)
        self._w.extend(data)
        self._pos += len(data)
        self._offsets.append(self._pos)
        self._sids.append(-1 if sid is None else sid)

    def carry(
        self, old: TextFile, ranges: Iterable[tuple[int, int]], sid_map: np.ndarray | None = None
    ) -> None:
        """Append the paragraphs of these [start, end) id ranges (ascending) of an older file,
        as the next ids; sid_map renumbers their section ids (old sid → new sid)."""
        offsets, sids = old.offsets, old.sids
        for start, end in ranges:
            a, b = int(offsets[start]), int(offsets[end])
            self._w.extend(old.flat.buffer[old.base + a : old.base + b])
            self._offsets.extend((offsets[start + 1 : end + 1] - a + self._pos).tolist())
            part = np.array(sids[start:end])
            if sid_map is not None:
                inside = part >= 0
                part[inside] = sid_map[part[inside]]
            self._sids.extend(part.tolist())
            self._pos += b - a

    def close(self, pid_limit: int) -> None:
        """Finish the file for ids below pid_limit."""
        self._skip_to(pid_limit)
        self._w.array("offsets", np.frombuffer(self._offsets, dtype=np.int64), "<i8")
        self._w.array("sids", np.frombuffer(self._sids, dtype=np.int32), "<i4")
        self._w.close({"paragraphs": len(self._sids)})

    def abort(self) -> None:
        self._w.abort()


class TextFile:
    """Read side of texts.flat."""

    def __init__(self, path: Path, root: Path | None = None):
        self.flat = FlatFile(path, KIND, root)
        self.offsets = self.flat["offsets"]
        self.sids = self.flat["sids"]
        self.base = self.flat.offset_of("data")
        size = self.flat["data"].size
        if (
            self.offsets.size != self.sids.size + 1
            or int(self.offsets[0]) != 0
            or int(self.offsets[-1]) != size
            or bool(np.any(self.offsets[1:] < self.offsets[:-1]))
        ):
            raise self.flat.damaged("its tables do not fit together")

    def _decode(self, data: bytes) -> str:
        try:
            return data.decode(*ENCODING)
        except UnicodeDecodeError as exc:
            raise self.flat.damaged("a text is not UTF-8") from exc

    def _spans(self, pids: np.ndarray) -> tuple[list[int], list[int]]:
        base = self.base
        starts = (self.offsets[pids] + base).tolist()
        ends = (self.offsets[pids + 1] + base).tolist()
        return starts, ends

    def raw(self, pids: np.ndarray) -> Iterator[bytes]:
        """The stored bytes of each paragraph.

        Paragraphs stored close together (at most READ_GAP bytes apart, in the order asked)
        are read as one block of at most READ_BLOCK bytes: sorted candidates of a common term
        cost a few reads, not one per paragraph.
        """
        read = self.flat.read
        starts, ends = self._spans(np.asarray(pids, dtype=np.int64))
        i, n = 0, len(starts)
        while i < n:
            low, high, j = starts[i], ends[i], i + 1
            while j < n and 0 <= starts[j] - high <= READ_GAP and ends[j] - low <= READ_BLOCK:
                high = ends[j]
                j += 1
            if j == i + 1:
                yield read(low, high)
            else:
                block = read(low, high)
                for k in range(i, j):
                    yield block[starts[k] - low : ends[k] - low]
            i = j

    def count(self, pids: np.ndarray, term: str) -> np.ndarray:
        """How often term occurs in each paragraph, left to right without overlaps (as
        str.count counts). The stored UTF-8 bytes are counted as they are read: a term's bytes
        only ever match at its characters, and nothing is decoded."""
        needle = encode(term)
        ids = np.asarray(pids, dtype=np.int64)
        return np.fromiter((b.count(needle) for b in self.raw(ids)), np.int64, ids.size)

    def norms(self, pids: Iterable[int]) -> list[str]:
        """The normalised text of each paragraph id."""
        ids = np.fromiter(pids, dtype=np.int64)
        return [self._decode(b) for b in self.raw(ids)]

    def containing(self, pids: np.ndarray, term: str) -> np.ndarray:
        """Boolean mask: which of these paragraphs' normalised texts contain term."""
        needle = encode(term)
        return np.fromiter((needle in b for b in self.raw(pids)), bool, len(pids))

    def matching(self, pids: np.ndarray, pattern: re.Pattern[str]) -> np.ndarray:
        """Boolean mask: where the pattern is found in the normalised text."""
        search, decode = pattern.search, self._decode
        return np.fromiter((search(decode(b)) is not None for b in self.raw(pids)), bool, len(pids))
