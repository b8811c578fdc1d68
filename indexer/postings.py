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
            end = start + max(1, int(np.searchsorted(total, MERGE_POSTINGS, side="right")))
            kparts, pparts, wparts = [], [], []
            for i in range(start, min(end, keys.size)):
                pids = self.pids(i)
                w = self.weights(i, pids.size) if self.weighted else None
                if remap is not None:
                    pids = remap[pids]
                    keep = pids >= 0
                    if not keep.all():
                        pids = pids[keep]
                        w = None if w is None else w[keep]
                if pids.size:
                    kparts.append(np.full(pids.size, keys[i], dtype=np.uint64))
                    pparts.append(pids.astype(np.int32))
                    if w is not None:
                        wparts.append(w.astype(np.float32))
            if kparts:
                yield (
                    np.concatenate(kparts),
                    np.concatenate(pparts),
                    np.concatenate(wparts) if self.weighted else None,
                )
            start = end


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
                blobs = _encode_all(pids, starts, ends)
                pid_sizes.append(np.fromiter(map(len, blobs), np.int64, len(blobs)))
                writer.extend(b"".join(blobs))
                if self.weighted:
                    blobs = [
                        encode_weights(weights[s:e]) for s, e in zip(starts, ends, strict=True)
                    ]
                    wt_sizes.append(np.fromiter(map(len, blobs), np.int64, len(blobs)))
                    weight_chunks.append(b"".join(blobs))
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


def _encode_all(pids: np.ndarray, starts: list[int], ends: list[int]) -> list[bytes]:
    """encode_pids of each [start, end) slice; a list of one id without numpy (most keys)."""
    one = struct.Struct("<I").pack
    values = pids.tolist() if len(starts) * 4 > pids.size else None
    out = []
    for s, e in zip(starts, ends, strict=True):
        if e - s == 1:
            out.append(b"B" + one(values[s] if values is not None else int(pids[s])))
        else:
            out.append(encode_pids(pids[s:e]))
    return out


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
