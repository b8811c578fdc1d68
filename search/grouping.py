"""Grouping hits by document: each document's first few hits in rank order, the rest counted.

One long document can hold most of a result set (41 of 44 hits for 河长制 at city level are in
汕头市河长制条例); listing a few per document keeps the others in sight.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable

#: Hits listed per document before the rest are folded into a count.
PER_DOC = 2


def group_page(
    rank: Callable[[int | None], list[int]],
    doc_of: Callable[[int], Hashable],
    per_doc_counts: Counter,
    offset: int,
    limit: int | None,
    per_doc: int = PER_DOC,
) -> tuple[list[int], int]:
    """One page of the grouped list, and how long the whole grouped list is.

    `rank(k)` gives the first k hits in order (all for None); `per_doc_counts` counts every hit
    per document. The grouped list keeps, in rank order, each document's first `per_doc` hits.
    """
    listed = sum(min(per_doc, n) for n in per_doc_counts.values())
    total = sum(per_doc_counts.values())
    if not total:
        return [], 0
    end = None if limit is None else offset + limit
    if end is not None and end > listed:
        end = listed
    k = None if end is None else min(total, 2 * end + 10)
    while True:
        order = rank(k)
        seen: Counter = Counter()
        visible = []
        for pid in order:
            doc = doc_of(pid)
            if seen[doc] < per_doc:
                seen[doc] += 1
                visible.append(pid)
        if k is None or len(visible) >= (end or 0) or len(order) >= total:
            break
        k = min(total, 2 * k)
    return visible[offset:end], listed
