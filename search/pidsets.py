"""Sets of paragraph ids as sorted numpy arrays: intersection, union and difference.

Paragraph ids are small dense integers (0 .. the index's next id), so a boolean mask over that
range turns each operation into one pass over the inputs in C, whatever their sizes; when one
side is much smaller than the range, a binary search of it in the other side is cheaper than
touching the whole mask. Every function takes and returns sorted arrays without repeats.
"""

from __future__ import annotations

import numpy as np

#: dtype of paragraph id arrays.
PID = np.int32

EMPTY = np.empty(0, dtype=PID)


def as_pids(values) -> np.ndarray:
    """Any iterable of ids as a sorted, duplicate-free pid array."""
    arr = np.asarray(list(values) if not hasattr(values, "__len__") else values, dtype=PID)
    return np.unique(arr) if arr.size else EMPTY


def _sparse(small: np.ndarray, big: np.ndarray) -> bool:
    # A binary search per element of the small side beats a pass over both sides.
    return small.size * 24 < big.size


def contains(big: np.ndarray, probe: np.ndarray) -> np.ndarray:
    """Boolean array: which elements of probe occur in the sorted array big."""
    if not big.size or not probe.size:
        return np.zeros(probe.size, dtype=bool)
    at = np.searchsorted(big, probe)
    at[at == big.size] = 0
    return big[at] == probe


def _mask(a: np.ndarray, size: int) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    mask[a] = True
    return mask


def _size(*arrays: np.ndarray) -> int:
    return max(int(a[-1]) for a in arrays if a.size) + 1


def intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Ids in both a and b."""
    if not a.size or not b.size:
        return EMPTY
    small, big = (a, b) if a.size <= b.size else (b, a)
    if _sparse(small, big):
        return small[contains(big, small)]
    return small[_mask(big, _size(a, b))[small]]


def union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Ids in a or b."""
    if not a.size:
        return b
    if not b.size:
        return a
    size = _size(a, b)
    if a.size + b.size < size // 16:
        return np.union1d(a, b).astype(PID, copy=False)
    mask = _mask(a, size)
    mask[b] = True
    return np.flatnonzero(mask).astype(PID)


def difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Ids in a but not in b."""
    if not a.size or not b.size:
        return a
    if _sparse(a, b) or _sparse(b, a):
        return a[~contains(b, a)]
    return a[~_mask(b, _size(a, b))[a]]
