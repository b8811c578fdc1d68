"""Posting lists in flat files: sorted paragraph ids (and weights) per 64-bit key.

Two inverted files per generation use this: literal grams (key = the gram's characters, see
analysis.gram_key) and indexed words (key = 63 bits of the word's BLAKE2b hash,
analysis.word_key; the words themselves are not stored: with a million distinct words, a word
the index lacks finds another word's key about once in 10^13 lookups). Each key's list is one
blob: a code byte (B/H/I = width of the gaps between ids; lower case = zlib-compressed), the
first id as little-endian uint32, then the gaps. Weights, where kept, are a second blob: empty
when all are 1, "H" + half-units as bytes when all are halves below 128, else "F" + float32
(what Whoosh stores).

Building: postings arrive a batch of paragraphs at a time (ids increasing), are sorted by key
and spilled to a scratch run on disk; at the end the runs are merged key range by key range, so
memory stays bounded whatever the size of the index. Merging segments carries their files'
lists over the same way, each paragraph id renumbered (and those of deleted paragraphs
dropped).
"""

from __future__ import annotations

import mmap
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .flatfile import FlatFile, FlatWriter

_GAP_DTYPES = {"B": np.dtype("<u1"), "H": np.dtype("<u2"), "I": np.dtype("<u4")}
#: Postings merged at a time when a file is written (bounds the build's memory).
MERGE_POSTINGS = 4_000_000
EMPTY_PIDS = np.empty(0, dtype=np.int32)


def encode_pids(pids: np.ndarray) -> bytes:
    """Sorted paragraph ids → a posting blob (see the module docstring)."""
    if not pids.size:
        return b""
    gaps = np.diff(pids)
    widest = int(gaps.max()) if gaps.size else 0
    code = "B" if widest < 0x100 else "H" if widest < 0x10000 else "I"
    body = gaps.astype(_GAP_DTYPES[code]).tobytes()
    first = struct.pack("<I", int(pids[0]))
    if len(body) > 64:
        squeezed = zlib.compress(body, 1)
        if len(squeezed) < len(body):
            return code.lower().encode() + first + squeezed
    return code.encode() + first + body


def decode_pids(blob: bytes) -> np.ndarray:
    """Inverse of encode_pids: an int32 array of sorted paragraph ids."""
    if len(blob) < 5:
        return EMPTY_PIDS
    code = chr(blob[0])
    body = zlib.decompress(blob[5:]) if code.islower() else blob[5:]
    gaps = np.frombuffer(body, dtype=_GAP_DTYPES[code.upper()])
    out = np.empty(gaps.size + 1, dtype=np.int64)
    out[0] = struct.unpack_from("<I", blob, 1)[0]
    np.cumsum(gaps, dtype=np.int64, out=out[1:])
    out[1:] += out[0]
    return out.astype(np.int32)


def encode_weights(weights: np.ndarray) -> bytes:
    """Posting weights (float32) → a blob; b"" when every weight is 1."""
    if not weights.size or bool(np.all(weights == 1.0)):
        return b""
    halves = weights * 2
    if bool(np.all((halves == np.round(halves)) & (halves >= 0) & (halves < 256))):
        body, code = halves.astype(np.uint8).tobytes(), b"H"
    else:
        body, code = weights.astype("<f4").tobytes(), b"F"
    if len(body) > 64:
        squeezed = zlib.compress(body, 1)
        if len(squeezed) < len(body):
            return code.lower() + squeezed
    return code + body


def decode_weights(blob: bytes, count: int) -> np.ndarray:
    """Inverse of encode_weights: float64 weights (Whoosh's float32 values, widened)."""
    if not blob:
        return np.ones(count, dtype=np.float64)
    code = chr(blob[0])
    body = zlib.decompress(blob[1:]) if code.islower() else blob[1:]
    if code.upper() == "H":
        out = np.frombuffer(body, dtype=np.uint8).astype(np.float64) / 2
    else:
        out = np.frombuffer(body, dtype="<f4").astype(np.float64)
    if out.size != count:
        raise ValueError("weight count")
    return out


class PostingsFile:
    """Read side: the posting list of a key, found by binary search over the sorted keys."""

    def __init__(self, path: Path, kind: str, pid_limit: int, root: Path | None = None):
        self.flat = FlatFile(path, kind, root)
        self.meta = self.flat.meta
        self.keys = self.flat["keys"]
        self.counts = self.flat["counts"]
        self._pid_off = self.flat["pid_offsets"]
        self._pid_base = self.flat.offset_of("pid_data")
        self.weighted = "weight_offsets" in self.flat
        if self.weighted:
            self._wt_off = self.flat["weight_offsets"]
            self._wt_base = self.flat.offset_of("weight_data")
        self._pid_limit = pid_limit
        if self._pid_off.size != self.keys.size + 1 or self.counts.size != self.keys.size:
            raise self.flat.damaged("key tables of different lengths")

    def find(self, key: int) -> int:
        """Position of a key, or -1."""
        i = int(np.searchsorted(self.keys, np.uint64(key)))
        return i if i < self.keys.size and int(self.keys[i]) == key else -1

    def find_many(self, keys: list[int]) -> np.ndarray:
        """Positions of several keys (-1 where absent)."""
        if not self.keys.size:
            return np.full(len(keys), -1, dtype=np.int64)
        probe = np.array(keys, dtype=np.uint64)
        at = np.searchsorted(self.keys, probe)
        at[at >= self.keys.size] = 0
        return np.where(self.keys[at] == probe, at, -1).astype(np.int64)

    def _blob(self, offsets: np.ndarray, base: int, i: int) -> bytes:
        return self.flat.read(base + int(offsets[i]), base + int(offsets[i + 1]))

    def pids(self, i: int) -> np.ndarray:
        """The sorted paragraph ids of the key at position i."""
        try:
            pids = decode_pids(self._blob(self._pid_off, self._pid_base, i))
        except (zlib.error, ValueError, KeyError, struct.error) as exc:
            raise self.flat.damaged(f"posting list {i}: {exc}") from exc
        if pids.size != int(self.counts[i]) or (
            pids.size and (int(pids[0]) < 0 or int(pids[-1]) >= self._pid_limit)
        ):
            raise self.flat.damaged(f"posting list {i} does not fit the index")
        return pids

    def weights(self, i: int, count: int) -> np.ndarray:
        """The weights of the key at position i (count = its number of postings)."""
        try:
            return decode_weights(self._blob(self._wt_off, self._wt_base, i), count)
        except (zlib.error, ValueError, KeyError) as exc:
            raise self.flat.damaged(f"weights {i}: {exc}") from exc

    def iter_lists(
        self, remap: np.ndarray | None
    ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        """Every list as (keys, pids, weights) chunks in key order, each id renumbered by
        `remap` (old id → new id, -1 drops it; None keeps the ids): carries a file into a
        merged segment. remap must keep the order of the ids it keeps."""
        keys, counts = self.keys, self.counts
        start = 0
        while start < keys.size:
            total = np.cumsum(counts[start:], dtype=np.int64)
            end = min(
                keys.size,
                start + max(1, int(np.searchsorted(total, MERGE_POSTINGS, side="right"))),
            )
            try:
                pids, weights = self._decode_range(start, end)
            except (IndexError, zlib.error, ValueError, struct.error) as exc:
                raise self.flat.damaged(f"posting lists {start}-{end}: {exc}") from exc
            if pids.size and (int(pids.min()) < 0 or int(pids.max()) >= self._pid_limit):
                raise self.flat.damaged(f"posting lists {start}-{end} do not fit the index")
            owners = np.repeat(np.asarray(keys[start:end], dtype=np.uint64), counts[start:end])
            if remap is not None:
                pids = remap[pids]
                keep = pids >= 0
                if not keep.all():
                    pids, owners = pids[keep], owners[keep]
                    weights = None if weights is None else weights[keep]
            if pids.size:
                yield (
                    owners,
                    pids.astype(np.int32),
                    weights.astype(np.float32) if weights is not None else None,
                )
            start = end

    def _decode_range(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The postings of keys lo..hi-1, concatenated in key order (and their weights).

        Most lists are short and stored plainly (code B: one-byte gaps; weights empty or in
        half-units): those are decoded together with numpy, the others list by list.
        """
        counts = np.asarray(self.counts[lo:hi], dtype=np.int64)
        starts = np.cumsum(counts) - counts
        pids = np.empty(int(counts.sum()), dtype=np.int64)
        data = self.flat["pid_data"]
        offs = np.asarray(self._pid_off[lo:hi], dtype=np.int64)
        size = np.asarray(self._pid_off[lo + 1 : hi + 1], dtype=np.int64) - offs
        codes = data[offs]
        simple = np.zeros(counts.size, dtype=bool)
        for code, width in ((b"B", 1), (b"H", 2), (b"I", 4)):
            plain = (codes == code[0]) & (size == 5 + (counts - 1) * width)
            if not plain.any():
                continue
            simple |= plain
            n, at, first_at = counts[plain], starts[plain], offs[plain]
            first = _little_endian(data, first_at + 1, 4)
            heads = np.cumsum(n) - n
            within = np.arange(int(n.sum())) - np.repeat(heads, n)
            # Element k > 0 of a list is its k-th gap, at 5 + (k - 1) * width in its blob.
            where = np.repeat(first_at + 5 - width, n) + within * width
            where[heads] = first_at  # (overwritten by the first id below)
            values = _little_endian(data, where, width)
            values[heads] = first
            sums = np.cumsum(values)
            pids[np.repeat(at, n) + within] = sums - np.repeat(sums[heads] - values[heads], n)
        for i in np.flatnonzero(~simple).tolist():
            pids[starts[i] : starts[i] + counts[i]] = self.pids(lo + i)
        if not self.weighted:
            return pids, None
        weights = np.ones(pids.size, dtype=np.float64)
        wdata = self.flat["weight_data"]
        woffs = np.asarray(self._wt_off[lo:hi], dtype=np.int64)
        wsize = np.asarray(self._wt_off[lo + 1 : hi + 1], dtype=np.int64) - woffs
        halves = np.zeros(counts.size, dtype=bool)
        nonempty = wsize > 0
        halves[nonempty] = (wdata[woffs[nonempty]] == ord("H")) & (
            wsize[nonempty] == counts[nonempty] + 1
        )
        if halves.any():
            n, at, first_at = counts[halves], starts[halves], woffs[halves]
            within = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
            weights[np.repeat(at, n) + within] = (
                wdata[np.repeat(first_at + 1, n) + within].astype(np.float64) / 2
            )
        for i in np.flatnonzero(nonempty & ~halves).tolist():
            weights[starts[i] : starts[i] + counts[i]] = self.weights(lo + i, int(counts[i]))
        return pids, weights


def _little_endian(data: np.ndarray, at: np.ndarray, width: int) -> np.ndarray:
    """The unsigned little-endian integers of `width` bytes starting at each position."""
    out = data[at].astype(np.int64)
    for k in range(1, width):
        out |= data[at + k].astype(np.int64) << (8 * k)
    return out


class _Run:
    """One spilled batch: keys sorted, with their pids (and weights) in the same order."""

    def __init__(self, base: Path):
        self.paths = [base.with_name(f"{base.name}.{part}.npy") for part in ("k", "p", "w")]

    def save(self, keys: np.ndarray, pids: np.ndarray, weights: np.ndarray | None) -> None:
        np.save(self.paths[0], keys)
        np.save(self.paths[1], pids)
        if weights is not None:
            np.save(self.paths[2], weights)

    def load(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        keys = np.load(self.paths[0], mmap_mode="r")
        pids = np.load(self.paths[1], mmap_mode="r")
        weights = np.load(self.paths[2], mmap_mode="r") if self.paths[2].exists() else None
        return keys, pids, weights

    def remove(self) -> None:
        for p in self.paths:
            p.unlink(missing_ok=True)


#: Run file names start with this (a killed run's leftovers go with its unpublished generation).
SCRATCH_PREFIX = "scratch-"


class PostingsWriter:
    """Collects (key, pid[, weight]) postings batch by batch and writes the merged file."""

    def __init__(self, work_dir: Path, name: str, weighted: bool):
        self.base = Path(work_dir) / f"{SCRATCH_PREFIX}{name}"
        self.weighted = weighted
        self._runs: list[_Run] = []

    def add_batch(self, keys: np.ndarray, pids: np.ndarray, weights: np.ndarray | None = None):
        """Postings of paragraphs with ids above every earlier batch's (in any key order)."""
        if not keys.size:
            return
        order = np.argsort(keys, kind="stable")
        run = _Run(self.base.with_name(f"{self.base.name}-{len(self._runs):05d}"))
        run.save(
            keys[order].astype(np.uint64),
            pids[order].astype(np.int32),
            weights[order].astype(np.float32) if self.weighted else None,
        )
        self._runs.append(run)

    def discard(self) -> None:
        """Remove the scratch runs."""
        for run in self._runs:
            run.remove()
        self._runs.clear()

    def write(
        self,
        path: Path,
        kind: str,
        carried: list[tuple[PostingsFile, np.ndarray | None]] = (),
        meta: dict | None = None,
        extra: dict[str, np.ndarray] | None = None,
    ) -> None:
        """Write the file: the lists of the `carried` files (each with its id map, see
        iter_lists; the new ids of each below the next's, and all below the new postings')
        followed by the new postings, key by key; `extra` arrays are stored beside them."""
        sources = [r.load() for r in self._runs]
        writer = FlatWriter(path, kind)
        try:
            keys_out: list[np.ndarray] = []
            counts_out: list[np.ndarray] = []
            pid_sizes: list[np.ndarray] = []
            wt_sizes: list[np.ndarray] = []
            weight_chunks: list[bytes] = []
            writer.begin("pid_data", "u1")
            for keys, pids, weights in _merged(sources, list(carried), self.weighted):
                cuts = np.flatnonzero(keys[1:] != keys[:-1]) + 1
                starts = np.concatenate([[0], cuts]).tolist()
                ends = np.concatenate([cuts, [keys.size]]).tolist()
                keys_out.append(keys[starts])
                counts_out.append(np.subtract(ends, starts, dtype=np.int64))
                data, sizes = _encode_all(pids, starts, ends)
                pid_sizes.append(sizes)
                writer.extend(data)
                if self.weighted:
                    data, sizes = _encode_weights_all(weights, starts, ends)
                    wt_sizes.append(sizes)
                    weight_chunks.append(data)
            if self.weighted:
                writer.begin("weight_data", "u1")
                for chunk in weight_chunks:
                    writer.extend(chunk)
                weight_chunks.clear()
            writer.array("keys", _concat(keys_out, np.uint64), "<u8")
            writer.array("counts", _concat(counts_out, np.int64), "<u4")
            writer.array("pid_offsets", *_offsets(pid_sizes))
            if self.weighted:
                writer.array("weight_offsets", *_offsets(wt_sizes))
            for name, arr in (extra or {}).items():
                writer.array(name, arr)
            writer.close(meta)
        except BaseException:
            writer.abort()
            raise
        finally:
            sources.clear()
            self.discard()


#: encode_pids and encode_weights try to compress a body longer than this; shorter ones stay
#: plain, and a batch of them is encoded at once (_encode_all, _encode_weights_all).
PLAIN_BODY = 64
_CODES = np.zeros(5, dtype=np.uint8)
_CODES[[1, 2, 4]] = [ord("B"), ord("H"), ord("I")]


def _encode_all(pids: np.ndarray, starts: list[int], ends: list[int]) -> tuple[bytes, np.ndarray]:
    """encode_pids of each [start, end) slice, concatenated, and each blob's size.

    The lists that stay plain (most of them) are written together with numpy; the long ones
    one by one.
    """
    first_at = np.asarray(starts, dtype=np.int64)
    counts = np.asarray(ends, dtype=np.int64) - first_at
    if not counts.size:
        return b"", np.empty(0, dtype=np.int64)
    p = pids.astype(np.int64)
    gaps = np.zeros(p.size, dtype=np.int64)
    gaps[1:] = p[1:] - p[:-1]
    gaps[first_at] = 0
    widest = np.maximum.reduceat(gaps, first_at)
    width = np.where(widest < 0x100, 1, np.where(widest < 0x10000, 2, 4))
    plain = (counts - 1) * width <= PLAIN_BODY
    sizes = np.where(plain, 5 + (counts - 1) * width, 0)
    long_blobs = {
        i: encode_pids(pids[first_at[i] : first_at[i] + counts[i]])
        for i in np.flatnonzero(~plain).tolist()
    }
    for i, blob in long_blobs.items():
        sizes[i] = len(blob)
    pos = np.cumsum(sizes) - sizes
    out = np.zeros(int(sizes.sum()), dtype=np.uint8)
    at = pos[plain]
    out[at] = _CODES[width[plain]]
    first = p[first_at[plain]]
    for k in range(4):
        out[at + 1 + k] = (first >> (8 * k)) & 0xFF
    owner = np.repeat(np.arange(counts.size), counts)
    inner = np.ones(p.size, dtype=bool)
    inner[first_at] = False
    rest = np.flatnonzero(inner & plain[owner])
    lists = owner[rest]
    w = width[lists]
    where = pos[lists] + 5 + (rest - first_at[lists] - 1) * w
    g = gaps[rest]
    for k in range(4):
        m = w > k
        out[where[m] + k] = (g[m] >> (8 * k)) & 0xFF
    for i, blob in long_blobs.items():
        out[pos[i] : pos[i] + sizes[i]] = np.frombuffer(blob, dtype=np.uint8)
    return out.tobytes(), sizes


def _encode_weights_all(
    weights: np.ndarray, starts: list[int], ends: list[int]
) -> tuple[bytes, np.ndarray]:
    """encode_weights of each [start, end) slice, concatenated, and each blob's size (the lists
    of weights all 1, or plain half-units, together with numpy)."""
    first_at = np.asarray(starts, dtype=np.int64)
    counts = np.asarray(ends, dtype=np.int64) - first_at
    if not counts.size:
        return b"", np.empty(0, dtype=np.int64)
    w = np.asarray(weights, dtype=np.float32)
    halves = w * 2
    ones = np.minimum.reduceat((w == 1.0).astype(np.uint8), first_at).astype(bool)
    in_halves = (halves == np.round(halves)) & (halves >= 0) & (halves < 256)
    half = ~ones & np.minimum.reduceat(in_halves.astype(np.uint8), first_at).astype(bool)
    half &= counts <= PLAIN_BODY
    sizes = np.where(ones, 0, np.where(half, 1 + counts, 0))
    other = {
        i: encode_weights(w[first_at[i] : first_at[i] + counts[i]])
        for i in np.flatnonzero(~ones & ~half).tolist()
    }
    for i, blob in other.items():
        sizes[i] = len(blob)
    pos = np.cumsum(sizes) - sizes
    out = np.zeros(int(sizes.sum()), dtype=np.uint8)
    out[pos[half]] = ord("H")
    owner = np.repeat(np.arange(counts.size), counts)
    rest = np.flatnonzero(half[owner])
    lists = owner[rest]
    out[pos[lists] + 1 + (rest - first_at[lists])] = halves[rest].astype(np.uint8)
    for i, blob in other.items():
        out[pos[i] : pos[i] + sizes[i]] = np.frombuffer(blob, dtype=np.uint8)
    return out.tobytes(), sizes


def _merged(
    sources: list, carried: list[tuple[PostingsFile, np.ndarray | None]], weighted: bool
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    """Every posting in (key, pid) order, a chunk of about MERGE_POSTINGS at a time."""
    # Chunk boundaries from the number of postings per key, carried and new.
    parts = []
    for keys, _p, _w in sources:
        parts.append(np.unique(np.asarray(keys)))
        _drop_pages(keys)
    for old, _remap in carried:
        parts.append(np.asarray(old.keys))
    all_keys = np.unique(np.concatenate(parts)) if parts else np.empty(0, np.uint64)
    per_key = np.zeros(all_keys.size, dtype=np.int64)
    for keys, _p, _w in sources:
        per_key += np.searchsorted(keys, all_keys, side="right") - np.searchsorted(keys, all_keys)
        _drop_pages(keys)
    for old, _remap in carried:
        if old.keys.size:
            per_key[np.searchsorted(all_keys, old.keys)] += old.counts
    bounds: list[int | None] = []
    if all_keys.size:
        cum = np.cumsum(per_key)
        marks = np.searchsorted(cum, np.arange(MERGE_POSTINGS, int(cum[-1]), MERGE_POSTINGS))
        bounds = sorted(set(all_keys[np.minimum(marks, all_keys.size - 1)].tolist()))
    bounds.append(None)  # the last chunk takes every remaining key

    olds = [old.iter_lists(remap) for old, remap in carried]
    carries = [next(it, None) for it in olds]
    lows = [0] * len(sources)
    for bound in bounds:
        ks, ps, ws = [], [], []
        # The carried postings first, file by file: their ids are below every later one's.
        for n, it in enumerate(olds):
            carry = carries[n]
            while carry is not None and (bound is None or int(carry[0][0]) <= bound):
                ck, cp, cw = carry
                if bound is not None and int(ck[-1]) > bound:
                    cut = int(np.searchsorted(ck, np.uint64(bound), side="right"))
                    ks.append(ck[:cut])
                    ps.append(cp[:cut])
                    if cw is not None:
                        ws.append(cw[:cut])
                    carry = (ck[cut:], cp[cut:], None if cw is None else cw[cut:])
                    break
                ks.append(ck)
                ps.append(cp)
                if cw is not None:
                    ws.append(cw)
                carry = next(it, None)
            carries[n] = carry
        for n, (keys, pids, weights) in enumerate(sources):
            lo = lows[n]
            hi = (
                keys.size
                if bound is None
                else int(np.searchsorted(keys, np.uint64(bound), side="right"))
            )
            if hi > lo:
                # Copies (np.asarray of a memmap is a view), so the pages can go right away.
                ks.append(np.array(keys[lo:hi]))
                ps.append(np.array(pids[lo:hi]))
                if weights is not None:
                    ws.append(np.array(weights[lo:hi]))
            lows[n] = hi
            _drop_pages(keys, pids, weights)
        if not ks:
            continue
        keys = np.concatenate(ks)
        order = np.argsort(keys, kind="stable")
        yield (
            keys[order],
            np.concatenate(ps)[order],
            np.concatenate(ws)[order] if weighted else None,
        )


def _drop_pages(*arrays: np.ndarray | None) -> None:
    """Unmap the pages of memory-mapped scratch runs that were read (they stay in the page
    cache, and a later read maps them again): otherwise merging the runs of a large build
    would keep every page of them in the process's resident memory. Not on Windows."""
    for a in arrays:
        mm = getattr(a, "_mmap", None)  # numpy.memmap's map
        if mm is not None and hasattr(mm, "madvise"):
            mm.madvise(mmap.MADV_DONTNEED)


def _concat(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.empty(0, dtype)


def _offsets(sizes: list[np.ndarray]) -> tuple[np.ndarray, str]:
    """Start offsets of consecutive blobs (one more than blobs), and the narrowest dtype."""
    flat = _concat(sizes, np.int64)
    out = np.zeros(flat.size + 1, dtype=np.int64)
    np.cumsum(flat, out=out[1:])
    return out, "<u4" if out[-1] < 2**32 else "<i8"
