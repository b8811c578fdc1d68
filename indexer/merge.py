"""Merging segments: the tiered policy that keeps their number logarithmic, and the merge.

The policy (after Lucene's TieredMergePolicy, simplified): a segment's tier is the power of
MERGE_FACTOR its live paragraphs reach above FLOOR; when a tier holds MERGE_FACTOR segments,
its MERGE_FACTOR smallest are merged into one. Above tier 0 the merged segment lands a tier
higher, so a paragraph is rewritten once per tier it climbs, O(log n) times in all; segments
below FLOOR·MERGE_FACTOR paragraphs (tier 0) may be merged several times before they leave it,
each such merge costing at most that many paragraphs: a constant per run, the price of not
keeping tiny segments apart (Lucene's floor). The live segments number at most
(MERGE_FACTOR - 1) per tier, O(log n). A segment with more than half its paragraphs deleted is
rewritten alone. `optimize` merges everything into one segment.

A merge writes a new segment from the live paragraphs of its sources, in order: the stores'
rows (ids renumbered, section ids remapped), the texts and the posting lists carried over
without decoding a word again, the field lengths and the signatures. Nothing is re-read from
the source files and nothing is re-segmented.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import store, textfile
from .derived import write_words
from .duplicates import SIGS, SigWriter
from .errors import IndexCorrupt
from .genstate import EMPTY_IDS, SegmentEntry
from .postings import PostingsWriter
from .schema import SQLITE_DDL
from .segment import Segment, new_segment_dir, write_segment_meta
from .textfile import TextWriter

#: Segments of one tier merged at once.
MERGE_FACTOR = 8
#: Segments smaller than this many live paragraphs count as this size.
FLOOR = 1000


@dataclass(frozen=True)
class MergeInfo:
    """One merge of a run."""

    segments: int
    paragraphs: int
    #: Deleted paragraphs the merge dropped.
    dropped: int
    optimize: bool


def tier(live: int) -> int:
    """The tier of a segment of `live` paragraphs."""
    t, top = 0, FLOOR * MERGE_FACTOR
    while live >= top:
        t, top = t + 1, top * MERGE_FACTOR
    return t


def next_merge(entries: list[SegmentEntry], optimize: bool = False) -> list[int] | None:
    """Positions of the segments to merge next, ascending (None: the policy is satisfied)."""
    if optimize:
        if len(entries) > 1 or any(e.deleted.size for e in entries):
            return list(range(len(entries)))
        return None
    tiers: dict[int, list[int]] = {}
    for i, e in enumerate(entries):
        tiers.setdefault(tier(e.live), []).append(i)
    for t in sorted(tiers):
        if len(tiers[t]) >= MERGE_FACTOR:
            smallest = sorted(tiers[t], key=lambda i: (entries[i].live, i))[:MERGE_FACTOR]
            return sorted(smallest)
    for i, e in enumerate(entries):
        if e.deleted.size * 2 > e.paragraphs:
            return [i]
    return None


def apply_policy(
    root: Path, entries: list[SegmentEntry], optimize: bool, created: list[Path]
) -> list[MergeInfo]:
    """Merge until the policy is satisfied; entries is updated in place (a merged segment takes
    the place of the first of its sources). New segment directories are added to `created`."""
    merges = []
    while (group := next_merge(entries, optimize)) is not None:
        sources = [Segment(root, entries[i].name, entries[i].deleted) for i in group]
        try:
            merged = merge_segments(root, sources, created)
        finally:
            for s in sources:
                s.close()
        live = sum(s.live_size for s in sources)
        merges.append(
            MergeInfo(len(group), live, sum(int(s.deleted.size) for s in sources), optimize)
        )
        first = group[0]
        for i in reversed(group):
            del entries[i]
        if merged is not None:
            entries.insert(first, SegmentEntry(merged.name, live, EMPTY_IDS))
    return merges


def _remap(seg: Segment, offset: int) -> np.ndarray:
    """Old local id → new id in the merged segment (-1: deleted)."""
    out = np.full(seg.size, -1, dtype=np.int64)
    live = np.arange(seg.size) if seg.live is None else np.flatnonzero(seg.live)
    out[live] = offset + np.arange(live.size)
    return out


def _live_runs(seg: Segment) -> list[tuple[int, int]]:
    """[start, end) runs of live local ids."""
    if seg.live is None:
        return [(0, seg.size)] if seg.size else []
    edges = np.diff(np.concatenate([[0], seg.live.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()
    return list(zip(starts, ends, strict=True))


def merge_segments(root: Path, sources: list[Segment], created: list[Path]) -> Path | None:
    """Write one segment of the sources' live paragraphs, in order; None if there are none."""
    remaps, offset = [], 0
    for seg in sources:
        remaps.append(_remap(seg, offset))
        offset += seg.live_size
    if not offset:
        return None
    dest = new_segment_dir(root)
    created.append(dest)
    sid_maps, documents = _merge_stores(dest, sources, remaps)
    texts = TextWriter(dest / textfile.NAME)
    grams = PostingsWriter(dest, "grams", weighted=False)
    words = PostingsWriter(dest, "words", weighted=True)
    try:
        for seg, sid_map in zip(sources, sid_maps, strict=True):
            texts.carry(seg.texts(), _live_runs(seg), sid_map)
        texts.close(offset)
        grams.write(
            dest / store.GRAMS,
            store.GRAMS_KIND,
            [(s.grams(), r) for s, r in zip(sources, remaps, strict=True)],
        )
        lengths = np.concatenate(
            [
                np.asarray(s.words().flat["lengths"])[r >= 0]
                for s, r in zip(sources, remaps, strict=True)
            ]
        ).astype(np.uint32)
        write_words(dest, words, [(s.words(), r) for s, r in zip(sources, remaps, strict=True)],
                    lengths)  # fmt: skip
    except BaseException:
        texts.abort()
        grams.discard()
        words.discard()
        raise
    sigs = SigWriter()
    for seg, remap in zip(sources, remaps, strict=True):
        f = seg.sigs()
        for doc, start in enumerate(f.starts.tolist()):
            if remap[start] >= 0:
                sigs.add(int(remap[start]), f.sample(doc).tolist(), f.digest(doc))
    sigs.write(dest / SIGS)
    write_segment_meta(
        dest,
        {
            "paragraphs": offset,
            "documents": documents,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "merged_from": [s.name for s in sources],
        },
    )
    return dest


def _merge_stores(
    dest: Path, sources: list[Segment], remaps: list[np.ndarray]
) -> tuple[list[np.ndarray], int]:
    """The merged store.sqlite; returns each source's section id map (old → new) and the
    number of documents."""
    conn = sqlite3.connect(dest / store.SQLITE, isolation_level=None)
    sid_maps = []
    documents = 0
    try:
        conn.executescript(SQLITE_DDL)
        doc_cols = [r[1] for r in conn.execute("PRAGMA table_info(docs)")]
        para_cols = [r[1] for r in conn.execute("PRAGMA table_info(paras)")]
        shifted = {"pid_start", "pid_end", "pid"}
        doc_select = ", ".join(f"d.{c} + m.delta" if c in shifted else f"d.{c}" for c in doc_cols)
        para_select = ", ".join(
            "p.pid + m.delta" if c == "pid" else "sm.new" if c == "sid" else f"p.{c}"
            for c in para_cols
        )
        for seg, remap in zip(sources, remaps, strict=True):
            conn.execute("ATTACH DATABASE ? AS src", (str(seg.dir / store.SQLITE),))
            conn.execute("BEGIN")
            conn.execute("CREATE TEMP TABLE map (doc_id TEXT PRIMARY KEY, delta INTEGER)")
            rows = conn.execute("SELECT doc_id, pid_start FROM src.docs").fetchall()
            kept = [(d, int(remap[s]) - s) for d, s in rows if remap[s] >= 0]
            documents += len(kept)
            conn.executemany("INSERT INTO temp.map VALUES (?, ?)", kept)
            conn.execute(
                "INSERT OR IGNORE INTO main.sections (path, norm) SELECT s.path, s.norm "
                "FROM src.sections s WHERE s.sid IN (SELECT DISTINCT p.sid FROM src.paras p "
                "JOIN temp.map m USING (doc_id)) ORDER BY s.sid"
            )
            conn.execute("CREATE TEMP TABLE sidmap (old INTEGER PRIMARY KEY, new INTEGER)")
            conn.execute(
                "INSERT INTO temp.sidmap SELECT s.sid, t.sid FROM src.sections s "
                "JOIN main.sections t ON t.path = s.path"
            )
            pairs = conn.execute("SELECT old, new FROM temp.sidmap").fetchall()
            sid_map = np.full(max((o for o, _n in pairs), default=-1) + 1, -1, dtype=np.int64)
            for old, new in pairs:
                sid_map[old] = new
            sid_maps.append(sid_map)
            conn.execute(
                f"INSERT INTO main.docs ({', '.join(doc_cols)}) SELECT {doc_select} "
                "FROM src.docs d JOIN temp.map m USING (doc_id) ORDER BY d.pid_start"
            )
            conn.execute(
                f"INSERT INTO main.paras ({', '.join(para_cols)}) SELECT {para_select} "
                "FROM src.paras p JOIN temp.map m USING (doc_id) "
                "LEFT JOIN temp.sidmap sm ON sm.old = p.sid ORDER BY p.pid"
            )
            conn.execute(
                "INSERT INTO main.ocr SELECT o.pid + m.delta, o.confidence FROM src.ocr o "
                "JOIN src.paras p ON p.pid = o.pid JOIN temp.map m ON m.doc_id = p.doc_id"
            )
            conn.execute("DROP TABLE temp.map")
            conn.execute("DROP TABLE temp.sidmap")
            conn.execute("COMMIT")
            conn.execute("DETACH DATABASE src")
    except sqlite3.DatabaseError as exc:
        conn.close()
        if getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL":
            raise  # the disk is full: build reports it (the sources are fine)
        raise IndexCorrupt(
            f"the index at {dest.parent.parent} cannot be read while merging ({exc}). "
            f"{store.REBUILD_HINT}"
        ) from exc
    conn.close()
    return sid_maps, documents


def remove_created(created: list[Path]) -> None:
    """Remove the segments a failed run wrote (none of them is published)."""
    for path in created:
        shutil.rmtree(path, ignore_errors=True)
