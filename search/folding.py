"""Stage 3, fold: near-duplicate documents' repeated paragraphs shown once.

The build marks each paragraph of a near-duplicate document that repeats its original word for
word (indexer: duplicate pairs). A copy is folded away when its original is in the matching set
too, so a hit from a copy whose original was filtered out is still shown. Hands on the kept
paragraph ids and, per original, its folded copies (for a hit's also_in).
"""

from __future__ import annotations

import numpy as np

from govsearch.indexer import IndexReader

from . import pidsets


class Folded:
    """A matching set without the copies of matched originals, and which copies went where."""

    def __init__(self, kept: np.ndarray, copies: np.ndarray, originals: np.ndarray):
        self.kept = kept
        self._copies = copies
        self._originals = originals

    def copies_of(self, page: list[int]) -> dict[int, list[int]]:
        """Original pid → its folded copies (sorted), for the originals on a page."""
        out: dict[int, list[int]] = {}
        if not self._copies.size or not page:
            return out
        on_page = np.isin(self._originals, np.array(page, dtype=pidsets.PID))
        for copy, original in zip(
            self._copies[on_page].tolist(), self._originals[on_page].tolist(), strict=True
        ):
            out.setdefault(original, []).append(copy)
        return out


def fold(reader: IndexReader, matched: np.ndarray) -> Folded:
    """Remove the copies whose original also matched (near-duplicate documents)."""
    copies, originals = reader.dup_of()
    if not copies.size or not matched.size:
        return Folded(matched, pidsets.EMPTY, pidsets.EMPTY)
    both = pidsets.contains(matched, copies) & pidsets.contains(matched, originals)
    folded = copies[both]
    return Folded(pidsets.difference(matched, folded), folded, originals[both])
