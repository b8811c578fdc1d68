"""The flat files of all of a generation's segments, seen as one over global paragraph ids.

Segment k's local id i is global id bases[k] + i (bases: the cumulative segment sizes in the
generation's order). Posting lists are the segments' lists in that order, deleted paragraphs
masked out, so they stay sorted; texts are read from the segment that holds each id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import numpy as np

from .postings import EMPTY_PIDS, PostingsFile
from .textfile import TextFile


def split_by_segment(bases: np.ndarray, pids: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(segment number, positions in pids) for every segment some of the ids fall in."""
    seg = np.searchsorted(bases, pids, side="right") - 1
    if not seg.size:
        return []
    if int(seg[0]) == int(seg[-1]) and bool(np.all(seg == seg[0])):
        return [(int(seg[0]), np.arange(seg.size))]
    order = np.argsort(seg, kind="stable")
    cuts = np.flatnonzero(np.diff(seg[order])) + 1
    return [(int(seg[g[0]]), g) for g in np.split(order, cuts)]


class _Counts:
    """counts[handle]: how many postings a key has in all segments (deleted ones included)."""

    def __init__(self, owner: SegmentedPostings):
        self._owner = owner

    def __getitem__(self, handle):
        if isinstance(handle, np.ndarray):  # many handles at once, as a flat file's counts
            counts = (self[int(h)] for h in handle.ravel())
            return np.fromiter(counts, np.int64, handle.size).reshape(handle.shape)
        return sum(int(f.counts[i]) for f, _b, _l, i in self._owner._locate(int(handle)))


class SegmentedPostings:
    """The posting lists of one kind (grams or words) of every segment, over global ids.

    A key's handle is the key itself (keys are below 2**63). With `exact`, find and find_many
    answer -1 for a key no live paragraph holds, as one file of the live paragraphs would (the
    words a query is scored by depend on which words the index holds); without, for a key no
    segment holds (a gram held only by deleted paragraphs has an empty list: it matches
    nothing either way).
    """

    def __init__(self, parts: list[tuple[PostingsFile, int, np.ndarray | None]], exact: bool):
        #: (file, base, live mask or None) per segment, in the generation's order.
        self.parts = parts
        self.counts = _Counts(self)
        self.weighted = bool(parts) and parts[0][0].weighted
        self.exact = exact
        self._keys: np.ndarray | None = None
        self._deleted = [
            0 if live is None else int(live.size - live.sum()) for _f, _b, live in parts
        ]
        # key → where it is in each segment, remembered between find_many and the counts and
        # lists asked next (a query asks each key several times); bounded, shared by threads.
        self._where: dict[int, list[tuple[int, int]]] = {}

    def _positions(self, keys: list[int]) -> list[list[tuple[int, int]]]:
        """For each key, the (segment number, position) of every segment holding it."""
        probe = np.array(keys, dtype=np.uint64)
        found: list[list[tuple[int, int]]] = [[] for _ in keys]
        for n, (f, _base, _live) in enumerate(self.parts):
            if not f.keys.size:
                continue
            at = np.searchsorted(f.keys, probe)
            at[at >= f.keys.size] = 0
            for j in np.flatnonzero(f.keys[at] == probe).tolist():
                found[j].append((n, int(at[j])))
        if len(self._where) > 65536:
            self._where.clear()
        for key, where in zip(keys, found, strict=True):
            self._where[key] = where
        return found

    def _locate(self, key: int) -> list[tuple[PostingsFile, int, np.ndarray | None, int]]:
        where = self._where.get(key)
        if where is None:
            where = self._positions([key])[0]
        return [(self.parts[n][0], self.parts[n][1], self.parts[n][2], i) for n, i in where]

    def _live_in(self, n: int, i: int) -> bool:
        f, _base, live = self.parts[n]
        # More postings than deleted paragraphs: one of them is live, no need to look.
        if live is None or int(f.counts[i]) > self._deleted[n]:
            return True
        return bool(live[f.pids(i)].any())

    def find(self, key: int) -> int:
        """The key's handle, or -1."""
        return int(self.find_many([key])[0])

    def find_many(self, keys: list[int]) -> np.ndarray:
        """Handles of several keys (-1 where no live paragraph holds one)."""
        keys = [int(k) for k in keys]
        out = np.full(len(keys), -1, dtype=np.int64)
        for j, where in enumerate(self._positions(keys)):
            if where and (not self.exact or any(self._live_in(n, i) for n, i in where)):
                out[j] = keys[j]
        return out

    def live_count(self, handle: int) -> int:
        """How many live paragraphs hold the key (counts[handle] less the deleted ones)."""
        total = 0
        for f, _base, live, i in self._locate(int(handle)):
            total += int(f.counts[i]) if live is None else int(np.count_nonzero(live[f.pids(i)]))
        return total

    def pids(self, handle: int) -> np.ndarray:
        """The sorted global ids of the live paragraphs holding the key."""
        return self.postings(handle)[0]

    def postings(self, handle: int) -> tuple[np.ndarray, np.ndarray | None]:
        """(global ids, weights or None) of the live paragraphs holding the key."""
        pids, weights = [], []
        for f, base, live, i in self._locate(int(handle)):
            p = f.pids(i)
            w = f.weights(i, p.size) if f.weighted else None
            if live is not None:
                keep = live[p]
                p = p[keep]
                w = None if w is None else w[keep]
            pids.append(p + np.int32(base))
            if w is not None:
                weights.append(w)
        if not pids:
            return EMPTY_PIDS, np.empty(0) if self.weighted else None
        out = pids[0] if len(pids) == 1 else np.concatenate(pids)
        if not self.weighted:
            return out, None
        return out, weights[0] if len(weights) == 1 else np.concatenate(weights)

    @property
    def keys(self) -> np.ndarray:
        """Every key of the segments, sorted (made on first use: for tests and tools)."""
        if self._keys is None:
            parts = [np.asarray(f.keys) for f, _b, _l in self.parts]
            self._keys = np.unique(np.concatenate(parts)) if parts else np.empty(0, np.uint64)
        return self._keys


class SegmentedTexts:
    """The normalised texts of every segment, over global ids."""

    def __init__(self, files: list[TextFile], bases: np.ndarray):
        self.files = files
        self.bases = bases

    def raw(self, pids: Iterable[int]) -> Iterator[bytes]:
        """The stored bytes of each paragraph, in the order asked (see TextFile.raw)."""
        ids = np.asarray(pids if isinstance(pids, np.ndarray) else list(pids), dtype=np.int64)
        groups = split_by_segment(self.bases, ids)
        if len(groups) == 1:
            k = groups[0][0]
            yield from self.files[k].raw(ids - int(self.bases[k]))
            return
        out: list[bytes] = [b""] * ids.size
        for k, at in groups:
            texts = self.files[k].raw(ids[at] - int(self.bases[k]))
            for j, data in zip(at.tolist(), texts, strict=True):
                out[j] = data
        yield from out

    def norms(self, pids: Iterable[int]) -> list[str]:
        """The normalised text of each paragraph id."""
        ids = np.asarray(pids if isinstance(pids, np.ndarray) else list(pids), dtype=np.int64)
        out: list[str] = [""] * ids.size
        for k, at in split_by_segment(self.bases, ids):
            texts = self.files[k].norms(ids[at] - int(self.bases[k]))
            for j, text in zip(at.tolist(), texts, strict=True):
                out[j] = text
        return out

    def _each(self, pids: np.ndarray, dtype, read) -> np.ndarray:
        """read(text file, its local ids) for each segment's share of pids, in their order."""
        ids = np.asarray(pids, dtype=np.int64)
        out = np.zeros(ids.size, dtype=dtype)
        for k, at in split_by_segment(self.bases, ids):
            out[at] = read(self.files[k], ids[at] - int(self.bases[k]))
        return out

    def containing(self, pids: np.ndarray, term: str) -> np.ndarray:
        """Boolean mask: which of these paragraphs' normalised texts contain term."""
        return self._each(pids, bool, lambda f, local: f.containing(local, term))

    def matching(self, pids: np.ndarray, pattern: re.Pattern[str]) -> np.ndarray:
        """Boolean mask: where the pattern is found in the normalised text."""
        return self._each(pids, bool, lambda f, local: f.matching(local, pattern))

    def count(self, pids: np.ndarray, term: str) -> np.ndarray:
        """How often term occurs in each paragraph (see TextFile.count)."""
        return self._each(pids, np.int64, lambda f, local: f.count(local, term))
