"""Near-duplicate documents (the same report from two sources), found anew on every run.

Which documents are copies, and of which original, is a pure function of the documents'
contents (their normalised paragraphs, year and path): no hash seed, process, file order or
indexing history enters it. The copy's repeated paragraphs point at the original's
(`paras.dup_of`), so search can fold them.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable
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
#: A document's sample: the clause openings whose digest is a multiple of SAMPLE_EVERY ...
SAMPLE_EVERY = 4
#: ... and its SAMPLE_LEAST smallest digests, so that a short document is never unsampled.
SAMPLE_LEAST = 8


@dataclass(frozen=True)
class Signature:
    """What near-duplicate detection knows of one document."""

    key: str
    path: str
    year: int | None
    #: Digests (63-bit) of the sampled clause openings.
    sample: frozenset[int]
    #: Digest of the whole normalised text: equal for documents with identical text.
    digest: bytes


def clause_digest(clause: str) -> int:
    """A stable 63-bit digest of a clause opening (the same in every process and on every OS)."""
    raw = hashlib.blake2b(textfile.encode(clause), digest_size=8).digest()
    return int.from_bytes(raw, "little") >> 1


def signature(key: str, path: str, year: int | None, norms: Iterable[str]) -> Signature:
    """A document's signature from its normalised paragraphs, in order."""
    digests: set[int] = set()
    whole = hashlib.blake2b(digest_size=16)
    for norm in norms:
        whole.update(textfile.encode(norm))
        whole.update(b"\n")
        digests.update(clause_digest(c) for c in _CLAUSE.findall("".join(norm.split())))
    sample = {d for d in digests if d % SAMPLE_EVERY == 0}
    sample.update(heapq.nsmallest(SAMPLE_LEAST, digests))
    return Signature(key, path, year, frozenset(sample), whole.digest())


def rank_key(sig: Signature) -> tuple:
    """Which of two copies is the original: the earlier year (unknown last), then the path."""
    return (sig.year is None, sig.year or 0, sig.path, sig.key)


def find_pairs(sigs: list[Signature]) -> dict[tuple[str, str], float]:
    """Pairs of near-duplicate documents (keys in rank order) and their shares.

    Documents with identical normalised text always pair (share 1.0), whatever their length
    or year; others pair when DUP_SHARE of the larger sample occurs in the other, counting
    only clause openings held by at most MAX_DUP_SPREAD documents, and the years agree.
    """
    by_key = {s.key: s for s in sigs}
    holders: dict[int, list[str]] = defaultdict(list)
    for s in sigs:
        for d in s.sample:
            holders[d].append(s.key)
    shared: Counter[tuple[str, str]] = Counter()
    for keys in holders.values():
        if 1 < len(keys) <= MAX_DUP_SPREAD:
            for a, b in itertools.combinations(keys, 2):
                shared[_ordered(by_key[a], by_key[b])] += 1
    pairs: dict[tuple[str, str], float] = {}
    for (a, b), n in shared.items():
        sa, sb = by_key[a], by_key[b]
        # Measured against the larger document: a short text quoting a long one (a resolution
        # on a report) is not a copy of it.
        share = n / max(len(sa.sample), len(sb.sample))
        # Yearly reports of one government share their boilerplate: other years are not copies.
        if share >= DUP_SHARE and (None in (sa.year, sb.year) or sa.year == sb.year):
            pairs[(a, b)] = share
    same_text: dict[bytes, list[Signature]] = defaultdict(list)
    for s in sigs:
        same_text[s.digest].append(s)
    for group in same_text.values():
        for sa, sb in itertools.combinations(group, 2):
            pairs[_ordered(sa, sb)] = 1.0
    return pairs


def _ordered(a: Signature, b: Signature) -> tuple[str, str]:
    return (a.key, b.key) if rank_key(a) <= rank_key(b) else (b.key, a.key)


def choose_originals(
    sigs: list[Signature], pairs: dict[tuple[str, str], float]
) -> dict[str, tuple[str, float]]:
    """copy key → (its original's key, share): each copy traced to the first-ranked document.

    Pairs are taken in rank order, so a copy of a copy points at the group's original whatever
    order the documents were indexed in.
    """
    rank = {s.key: rank_key(s) for s in sigs}
    original: dict[str, tuple[str, float]] = {}
    for (first, second), share in sorted(
        pairs.items(), key=lambda kv: (rank[kv[0][0]], rank[kv[0][1]])
    ):
        if second not in original:
            root = original[first][0] if first in original else first
            original[second] = (root, share)
    return original


def paragraph_pairs(copy: list[str], original: list[str]) -> list[tuple[int, int]]:
    """(copy paragraph, original paragraph) offsets of the copy's paragraphs that repeat one of
    the original's word for word (normalised); the original's first such paragraph."""
    first: dict[str, int] = {}
    for i, norm in enumerate(original):
        first.setdefault(norm, i)
    return [(i, first[norm]) for i, norm in enumerate(copy) if norm in first]


def mark_duplicates(conn: sqlite3.Connection, texts: textfile.TextFile) -> list[Duplicate]:
    """Find near-duplicate documents; point their repeated paragraphs at the original's.

    Recomputed over the whole index on every run, so adding either copy later is handled the
    same way. Memory stays small: each document keeps a sample of its clause openings as
    digests, and paragraph texts are compared only within the pairs found.
    """
    conn.execute("UPDATE paras SET dup_of = NULL WHERE dup_of IS NOT NULL")
    conn.execute("UPDATE docs SET dup_of = NULL WHERE dup_of IS NOT NULL")
    ranges: dict[str, range] = {}
    sigs = []
    for doc_id, path, year, start, end in conn.execute(
        "SELECT doc_id, path, year, pid_start, pid_end FROM docs ORDER BY pid_start"
    ):
        ranges[doc_id] = range(start, end)
        sigs.append(signature(doc_id, path, year, texts.norms(ranges[doc_id])))
    paths = {s.key: s.path for s in sigs}
    copies = choose_originals(sigs, find_pairs(sigs))
    del sigs
    report = []
    for copy, (root, share) in sorted(copies.items(), key=lambda kv: paths[kv[0]]):
        conn.execute("UPDATE docs SET dup_of = ? WHERE doc_id = ?", (root, copy))
        pairs = paragraph_pairs(texts.norms(ranges[copy]), texts.norms(ranges[root]))
        conn.executemany(
            "UPDATE paras SET dup_of = ? WHERE pid = ?",
            [(ranges[root][j], ranges[copy][i]) for i, j in pairs],
        )
        report.append(Duplicate(paths[copy], paths[root], round(share, 3)))
    return report


def write_dup_pairs(conn: sqlite3.Connection) -> None:
    """Keep (copy, original) paragraph id pairs as one blob: readers load it without a scan."""
    pairs = conn.execute("SELECT pid, dup_of FROM paras WHERE dup_of IS NOT NULL ORDER BY pid")
    blob = np.array(pairs.fetchall(), dtype="<i4").reshape(-1, 2).tobytes()
    conn.execute("INSERT OR REPLACE INTO kv VALUES ('dup_pairs', ?)", (blob,))
