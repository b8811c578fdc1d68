"""Near-duplicate documents (the same report from two sources).

Which documents are copies, and of which original, is a pure function of the documents'
contents (their normalised paragraphs, year and path): no hash seed, process, file order or
indexing history enters it. Each segment keeps its documents' signatures (sigs.flat, written
once with the segment); a run updates the generation's near-duplicate pairs from the previous
generation's by looking up only the clause openings of the documents it removes and adds
(remove_documents, add_documents: the same pairs as find_pairs over every document). The
generation keeps each copy's repeated paragraphs (genstate.Copy), so search can fold them.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import textfile
from .flatfile import FlatFile, FlatWriter
from .genstate import Copy


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
    sigs: Iterable[Signature], pairs: dict[tuple[str, str], float]
) -> dict[str, tuple[str, float]]:
    """copy key → (its original's key, share): each copy traced to the first-ranked document.

    Pairs are taken in rank order, so a copy of a copy points at the group's original whatever
    order the documents were indexed in.
    """
    return _originals({s.key: rank_key(s) for s in sigs}, pairs)


def _originals(
    rank: dict[str, tuple], pairs: dict[tuple[str, str], float]
) -> dict[str, tuple[str, float]]:
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


def pair_share(a: Signature, b: Signature, spread: Callable[[int], int]) -> float | None:
    """The share of two documents if they are near-duplicates (None if not): find_pairs' rule
    for one pair, with `spread` giving how many documents hold a clause opening."""
    if a.digest == b.digest:
        return 1.0
    if not (None in (a.year, b.year) or a.year == b.year):
        return None
    common = a.sample & b.sample
    n = sum(1 for d in common if spread(d) <= MAX_DUP_SPREAD)
    share = n / max(len(a.sample), len(b.sample)) if n else 0.0
    return share if share >= DUP_SHARE else None


# -- signatures in a segment ------------------------------------------------------------------

SIGS = "sigs.flat"
SIGS_KIND = "govsearch-sigs"


class SigWriter:
    """Collects the signatures of a segment's documents (in paragraph-id order); writes sigs.flat.

    Arrays: `doc_starts` (each document's first local paragraph id), `doc_offsets` and
    `doc_sigs` (each document's sample, sorted), `digests` (16 bytes per document), and every
    sampled digest once per document that holds it, sorted (`keys`), with its document
    (`key_docs`), for finding who holds an opening by binary search.
    """

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.samples: list[np.ndarray] = []
        self.digests: list[bytes] = []

    def add(self, start: int, sample: Iterable[int], digest: bytes) -> None:
        """The next document's signature."""
        self.starts.append(start)
        self.samples.append(np.array(sorted(sample), dtype=np.uint64))
        self.digests.append(digest)

    def write(self, path: Path) -> None:
        sizes = np.array([s.size for s in self.samples], dtype=np.int64)
        offsets = np.zeros(sizes.size + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        flat = np.concatenate(self.samples) if self.samples else np.empty(0, np.uint64)
        owners = np.repeat(np.arange(sizes.size, dtype=np.int32), sizes)
        order = np.argsort(flat, kind="stable")
        w = FlatWriter(path, SIGS_KIND)
        try:
            w.array("doc_starts", np.array(self.starts, dtype=np.int64), "<i8")
            w.array("doc_offsets", offsets, "<i8")
            w.array("doc_sigs", flat, "<u8")
            w.array("digests", np.frombuffer(b"".join(self.digests), dtype=np.uint8), "u1")
            w.array("keys", flat[order], "<u8")
            w.array("key_docs", owners[order], "<i4")
            w.close({"documents": len(self.starts)})
        except BaseException:
            w.abort()
            raise


class SigFile:
    """Read side of sigs.flat."""

    def __init__(self, path: Path, root: Path | None = None):
        self.flat = FlatFile(path, SIGS_KIND, root)
        self.starts = self.flat["doc_starts"]
        self.offsets = self.flat["doc_offsets"]
        self.doc_sigs = self.flat["doc_sigs"]
        self.keys = self.flat["keys"]
        self.key_docs = self.flat["key_docs"]
        self._digests = self.flat["digests"]
        n = self.starts.size
        if (
            self.offsets.size != n + 1
            or self._digests.size != 16 * n
            or int(self.offsets[-1]) != self.doc_sigs.size
            or self.keys.size != self.doc_sigs.size
            or self.key_docs.size != self.keys.size
            or (
                self.key_docs.size > 0
                and (int(self.key_docs.min()) < 0 or int(self.key_docs.max()) >= n)
            )
        ):
            raise self.flat.damaged("its tables do not fit together")

    def sample(self, doc: int) -> np.ndarray:
        """The sampled digests of document number doc (in paragraph-id order)."""
        return self.doc_sigs[int(self.offsets[doc]) : int(self.offsets[doc + 1])]

    def digest(self, doc: int) -> bytes:
        return self._digests[16 * doc : 16 * doc + 16].tobytes()

    def holders(self, digests: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in digests, document number) of every document holding each digest."""
        lo = np.searchsorted(self.keys, digests, side="left")
        hi = np.searchsorted(self.keys, digests, side="right")
        counts = hi - lo
        which = np.repeat(np.arange(digests.size), counts)
        starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
        at = np.arange(which.size) + starts
        return which, self.key_docs[at]


@dataclass
class SigPart:
    """One segment's signatures with what near-duplicate detection needs of its documents."""

    sigs: SigFile
    keys: list[str]
    paths: list[str]
    years: list[int | None]
    #: Per document number: whether the document is live in the state looked at.
    live: np.ndarray


class SigIndex:
    """The signatures of the live documents of a set of segments (one state of the index)."""

    def __init__(self, parts: list[SigPart]):
        self.parts = parts
        self.where: dict[str, tuple[int, int]] = {}
        for p, part in enumerate(parts):
            for doc in np.flatnonzero(part.live).tolist():
                self.where[part.keys[doc]] = (p, doc)
        self._sigs: dict[str, Signature] = {}
        self._holders: dict[int, list[str]] = {}
        self._by_digest: dict[bytes, list[str]] | None = None

    def signature(self, key: str) -> Signature:
        sig = self._sigs.get(key)
        if sig is None:
            p, doc = self.where[key]
            part = self.parts[p]
            sig = self._sigs[key] = Signature(
                key,
                part.paths[doc],
                part.years[doc],
                frozenset(part.sigs.sample(doc).tolist()),
                part.sigs.digest(doc),
            )
        return sig

    def path(self, key: str) -> str:
        p, doc = self.where[key]
        return self.parts[p].paths[doc]

    def light(self, key: str) -> tuple[int | None, int, bytes]:
        """A document's year, sample size and text digest, without reading its sample."""
        p, doc = self.where[key]
        part = self.parts[p]
        size = int(part.sigs.offsets[doc + 1] - part.sigs.offsets[doc])
        return part.years[doc], size, part.sigs.digest(doc)

    def rank(self, key: str) -> tuple:
        """rank_key of a document, without reading its sample."""
        p, doc = self.where[key]
        year = self.parts[p].years[doc]
        return (year is None, year or 0, self.parts[p].paths[doc], key)

    def holders(self, digests: Iterable[int]) -> dict[int, list[str]]:
        """The live documents holding each clause digest (looked up once per digest)."""
        wanted = sorted({d for d in digests if d not in self._holders})
        if wanted:
            found: dict[int, list[str]] = {d: [] for d in wanted}
            probe = np.array(wanted, dtype=np.uint64)
            for part in self.parts:
                which, docs = part.sigs.holders(probe)
                keep = part.live[docs]
                for w, doc in zip(which[keep].tolist(), docs[keep].tolist(), strict=True):
                    found[wanted[w]].append(part.keys[doc])
            self._holders.update(found)
        return {d: self._holders[d] for d in digests}

    def spread(self, digest: int) -> int:
        return len(self.holders([digest])[digest])

    def same_text(self, digest: bytes) -> list[str]:
        """The live documents whose normalised text has this digest."""
        if self._by_digest is None:
            self._by_digest = defaultdict(list)
            for key in self.where:
                p, doc = self.where[key]
                self._by_digest[self.parts[p].sigs.digest(doc)].append(key)
        return self._by_digest.get(digest, [])


def _set_pair(pairs: dict, index: SigIndex, a: str, b: str) -> None:
    sa, sb = index.signature(a), index.signature(b)
    index.holders(sa.sample & sb.sample)  # one lookup for all the openings pair_share asks
    key = _ordered(sa, sb)
    share = pair_share(sa, sb, index.spread)
    if share is None:
        pairs.pop(key, None)
    else:
        pairs[key] = share


def remove_documents(
    pairs: dict[tuple[str, str], float], after: SigIndex, removed: list[Signature]
) -> dict[tuple[str, str], float]:
    """The pairs once these documents are gone (`after`: the index without them).

    Their pairs go; an opening they held may now be held by few enough documents to count
    again, which changes the pairs of its remaining holders (at most MAX_DUP_SPREAD of them).
    """
    gone = {s.key for s in removed}
    out = {k: v for k, v in pairs.items() if k[0] not in gone and k[1] not in gone}
    lost = Counter(d for s in removed for d in s.sample)
    holders = after.holders(lost)
    affected: set[tuple[str, str]] = set()
    for d, keys in holders.items():
        if len(keys) <= MAX_DUP_SPREAD < len(keys) + lost[d]:
            affected.update(itertools.combinations(sorted(keys), 2))
    for a, b in sorted(affected):
        _set_pair(out, after, a, b)
    return out


def add_documents(
    pairs: dict[tuple[str, str], float], after: SigIndex, added: list[Signature]
) -> dict[tuple[str, str], float]:
    """The pairs once these documents are in (`after`: the index with them).

    Their own pairs are found through the holders of their openings and of their text's
    digest; an opening they hold may now be boilerplate, which changes the pairs of its earlier
    holders (at most MAX_DUP_SPREAD of them).
    """
    new = {s.key for s in added}
    out = dict(pairs)
    gained = Counter(d for s in added for d in s.sample)
    holders = after.holders(gained)
    affected: set[tuple[str, str]] = set()
    for d, keys in holders.items():
        if len(keys) - gained[d] <= MAX_DUP_SPREAD < len(keys):
            affected.update(itertools.combinations(sorted(k for k in keys if k not in new), 2))
    for a, b in sorted(affected):
        _set_pair(out, after, a, b)
    for s in added:
        # Shared openings counted from the holders already looked up: only they can count.
        shared: Counter[str] = Counter()
        for d in s.sample:
            if len(holders[d]) <= MAX_DUP_SPREAD:
                shared.update(holders[d])
        for k in after.same_text(s.digest):
            shared[k] += 0
        shared.pop(s.key, None)
        for k, n in sorted(shared.items()):
            year, size, digest = after.light(k)
            key = _ordered(s, Signature(k, after.path(k), year, frozenset(), digest))
            if digest == s.digest:
                out[key] = 1.0
                continue
            share = n / max(len(s.sample), size) if n else 0.0
            if share >= DUP_SHARE and (None in (s.year, year) or s.year == year):
                out[key] = share
            else:
                out.pop(key, None)
    return out


def assign_copies(
    pairs: dict[tuple[str, str], float],
    index: SigIndex,
    previous: dict[str, Copy],
    changed: set[str],
    norms: Callable[[str], list[str]],
) -> dict[str, Copy]:
    """Each copy's original and repeated paragraphs: carried over from the previous generation
    where neither document changed and the original is the same, else compared anew."""
    rank = {k: index.rank(k) for pair in pairs for k in pair}
    out = {}
    for copy, (original, share) in _originals(rank, pairs).items():
        before = previous.get(copy)
        if (
            before is not None
            and before.original == original
            and copy not in changed
            and original not in changed
        ):
            out[copy] = Copy(original, share, before.pairs)
        else:
            rows = paragraph_pairs(norms(copy), norms(original))
            out[copy] = Copy(original, share, np.array(rows, dtype=np.int32).reshape(-1, 2))
    return out
