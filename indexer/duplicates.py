"""Near-duplicate documents (the same report from two sources), found anew on every run.

The copy's repeated paragraphs point at the original's (`paras.dup_of`), so search can fold them.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from . import textfile


@dataclass(frozen=True)
class Duplicate:
    """A document whose paragraphs mostly repeat another's (the same report from two sources)."""

    path: str
    same_as: str
    shared: float


# Two documents are near-duplicates when this share of the clause openings (the ten characters
# after each ，。；) of the larger also occurs in the other. Clause openings survive the small
# differences between two copies of a report (re-wrapped lines, stray spaces) that defeat a
# comparison of whole paragraphs.
DUP_SHARE = 0.6
_CLAUSE = re.compile(r"[,.;，。；:：](\S{10})")
# Clause openings found in more documents than this are boilerplate, not evidence.
MAX_DUP_SPREAD = 8


def mark_duplicates(conn: sqlite3.Connection, texts: textfile.TextFile) -> list[Duplicate]:
    """Find near-duplicate documents; point their repeated paragraphs at the original's.

    The original of a group is the document indexed first. Recomputed over the whole index on
    every run, so adding either copy later is handled the same way. Memory stays small: each
    document keeps a quarter-sample of its clause openings as hashes, and paragraph texts are
    compared only within the pairs found.
    """
    conn.execute("UPDATE paras SET dup_of = NULL WHERE dup_of IS NOT NULL")
    conn.execute("UPDATE docs SET dup_of = NULL WHERE dup_of IS NOT NULL")
    per_doc: dict[str, set[int]] = defaultdict(set)
    holders: dict[int, list[str]] = defaultdict(list)
    ranges = {}
    for doc_id, start, end in conn.execute(
        "SELECT doc_id, pid_start, pid_end FROM docs ORDER BY pid_start"
    ):
        ranges[doc_id] = range(start, end)
        sample = per_doc[doc_id]
        for norm in texts.norms(ranges[doc_id]):
            for clause in _CLAUSE.findall("".join(norm.split())):
                # hash() differs between processes but not within this run: all we need.
                h = hash(clause)
                if h & 3 == 0 and h not in sample:
                    sample.add(h)
                    holders[h].append(doc_id)
    shared: Counter[tuple[str, str]] = Counter()
    for docs in holders.values():
        if 1 < len(docs) <= MAX_DUP_SPREAD:
            for a, b in itertools.combinations(sorted(docs), 2):
                shared[(a, b)] += 1
    del holders
    info = {
        doc_id: (i, year, path)
        for i, (doc_id, year, path) in enumerate(
            conn.execute("SELECT doc_id, year, path FROM docs ORDER BY pid_start")
        )
    }
    original: dict[str, str] = {}
    found: list[tuple[str, str, float]] = []
    # Pairs in indexing order, so a copy of a copy is traced to the first-indexed document
    # whatever the ids (which come from paths) sort like.
    for (a, b), n in sorted(shared.items(), key=lambda kv: sorted(info[d][0] for d in kv[0])):
        # Measured against the larger document: a short text quoting a long one (a resolution
        # on a report) is not a copy of it.
        share = n / max(len(per_doc[a]), len(per_doc[b]))
        # Yearly reports of one government share their boilerplate: other years are not copies.
        ya, yb = info[a][1], info[b][1]
        if share >= DUP_SHARE and (None in (ya, yb) or ya == yb):
            first, second = sorted((a, b), key=lambda d: info[d][0])
            root = original.get(first, first)
            if second not in original:
                original[second] = root
                found.append((second, root, share))
    report = []
    for copy, root, share in sorted(found, key=lambda f: info[f[0]][2]):
        conn.execute("UPDATE docs SET dup_of = ? WHERE doc_id = ?", (root, copy))
        first_pid: dict[str, int] = {}
        for pid, norm in zip(ranges[root], texts.norms(ranges[root]), strict=True):
            first_pid.setdefault(norm, pid)
        updates = [
            (first_pid[norm], pid)
            for pid, norm in zip(ranges[copy], texts.norms(ranges[copy]), strict=True)
            if norm in first_pid
        ]
        conn.executemany("UPDATE paras SET dup_of = ? WHERE pid = ?", updates)
        report.append(Duplicate(info[copy][2], info[root][2], round(share, 3)))
    return report


def write_dup_pairs(conn: sqlite3.Connection) -> None:
    """Keep (copy, original) paragraph id pairs as one blob: readers load it without a scan."""
    pairs = conn.execute("SELECT pid, dup_of FROM paras WHERE dup_of IS NOT NULL ORDER BY pid")
    blob = np.array(pairs.fetchall(), dtype="<i4").reshape(-1, 2).tobytes()
    conn.execute("INSERT OR REPLACE INTO kv VALUES ('dup_pairs', ?)", (blob,))
