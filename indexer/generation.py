"""Writing a generation: what an index run changes, and nothing more.

The documents the run reads become one new segment (segwriter.py); the documents it drops
(removed, or read again) are deleted from their segments by tombstones; the near-duplicate
pairs are updated from the previous generation's (duplicates.py); the merge policy runs
(merge.py); then the generation's state (genstate.py) and meta.json are written. Whoosh gets
the same changes through its own incremental writer, in a directory of hard links to the
previous generation's files (Whoosh never changes a file once written).
"""

from __future__ import annotations

import gc
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from whoosh import index as windex

from . import merge, ocrcache, store, writerpatch
from .analysis import DictWords, segmenter
from .duplicates import (
    Duplicate,
    SigIndex,
    Signature,
    SigPart,
    add_documents,
    assign_copies,
    find_pairs,
    remove_documents,
)
from .errors import IndexCorrupt
from .genstate import EMPTY_IDS, GenerationState, SegmentEntry, read_state
from .ingest import SkipFile, read_document
from .merge import MergeInfo, apply_policy, remove_created
from .plan import Plan, fingerprint
from .progress import Progress
from .reader import IndexReader
from .report import SkippedFile
from .schema import SCHEMA_VERSION, whoosh_schema
from .segment import Segment, new_segment_dir
from .segwriter import SegmentWriter

# Below this many new paragraphs the two-process Whoosh writer costs more than it saves.
PARALLEL_THRESHOLD = 4000
# Whoosh's limitmb (its own pool spills past it; writerpatch's compact pool keeps a segment's
# postings in memory, bounded by SEGMENT_PARAGRAPHS instead).
WRITER_MB = 32
# Paragraphs per pair of Whoosh segments in a parallel build (see _add): bounds a writer
# process's memory, whatever the size of the corpus (measured: docs/performance.md).
SEGMENT_PARAGRAPHS = 40000
# Whoosh's merges copy every posting in Python (a millisecond a paragraph or so), and its own
# policy (MERGE_SMALL) can merge tens of thousands of paragraphs in one run. Ours for it
# (_whoosh_merges): the tiers of merge.py, merging at most WHOOSH_MERGE_DOCS paragraphs at
# once; a segment more than half deleted rewritten alone; past WHOOSH_MAX_SEGMENTS segments,
# the smallest merged whatever their size. The query path does not read Whoosh: its segments
# cost only disk space and the time of its own writer.
WHOOSH_MERGE_DOCS = 20000
WHOOSH_MAX_SEGMENTS = 64


@dataclass(frozen=True)
class Written:
    """What writing a generation did, beside what the plan knew before."""

    files: int
    paragraphs: int
    skipped: list[SkippedFile]
    warnings: list[str]
    #: Near-duplicate pairs that involve a file read in this run.
    duplicates: list[Duplicate]
    merges: list[MergeInfo]


@dataclass
class _Added:
    """The run's new segment (None when no document was read) and its documents."""

    segment: Path | None
    signatures: list[Signature]
    files: int
    paragraphs: int
    skipped: list[SkippedFile]
    warnings: list[str]


def write_generation(
    gen: Path, plan: Plan, progress: Callable[[Progress], None] | None, optimize: bool = False
) -> Written:
    """Write the planned changes as gen, a new generation directory (empty so far)."""
    root = gen.parent
    previous = plan.previous
    state = read_state(previous.gen) if previous is not None else GenerationState()
    _tombstone(state, plan)
    created: list[Path] = []
    writerpatch.install()
    ix = _open_whoosh(gen, previous, plan.words)
    try:
        added = _add(root, ix, plan, progress, created)
        if added.segment is not None:
            state.segments.append(SegmentEntry(added.segment.name, added.paragraphs, EMPTY_IDS))
        duplicates = _update_duplicates(root, previous, state, plan, added)
        merges = apply_policy(root, state.segments, optimize, created)
        state.save(gen)
    except BaseException:
        remove_created(created)
        raise
    finally:
        ix.close()
    last_merge = (previous.meta.get("last_merge") if previous is not None else None) or None
    if merges:
        last_merge = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **asdict(merges[-1])}
    store.write_meta(
        gen,
        {
            "schema_version": SCHEMA_VERSION,
            "dictionary": plan.digest,
            "gazetteer": plan.gazetteer,
            "user_dictionary": [list(w) for w in plan.user_words],
            "segmenter": segmenter(plan.words).engine,
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "segments": [s.name for s in state.segments],
            "last_merge": last_merge,
        },
    )
    return Written(added.files, added.paragraphs, added.skipped, added.warnings, duplicates, merges)


def _tombstone(state: GenerationState, plan: Plan) -> None:
    """Delete the paragraphs of the documents the run drops from their segments."""
    extra: dict[int, list[np.ndarray]] = {}
    for old in plan.dropped if plan.previous is not None else []:
        extra.setdefault(old.segment, []).append(np.arange(old.start, old.end, dtype=np.int32))
    for k, parts in extra.items():
        entry = state.segments[k]
        entry.deleted = np.union1d(entry.deleted, np.concatenate(parts)).astype(np.int32)


def link_tree(src: Path, dst: Path) -> None:
    """dst as hard links to the files of src (copies where links are not possible)."""
    dst.mkdir()
    for f in src.iterdir():
        if f.name.endswith("_WRITELOCK") or not f.is_file():
            continue  # a copied Whoosh write lock from a killed run would block the writer
        try:
            os.link(f, dst / f.name)
        except OSError:
            shutil.copy2(f, dst / f.name)


def _open_whoosh(gen: Path, previous: IndexReader | None, words: DictWords):
    whoosh_dir = gen / store.WHOOSH
    if previous is None:
        whoosh_dir.mkdir()
        return windex.create_in(str(whoosh_dir), whoosh_schema(words))
    link_tree(previous.gen / store.WHOOSH, whoosh_dir)
    try:
        return windex.open_dir(str(whoosh_dir))
    except Exception as exc:  # Whoosh raises many kinds on damaged files
        raise IndexCorrupt(
            f"the index at {gen.parent} is damaged ({type(exc).__name__} in Whoosh's files). "
            f"{store.REBUILD_HINT}"
        ) from exc


def _add(
    root: Path,
    ix,
    plan: Plan,
    progress: Callable[[Progress], None] | None,
    created: list[Path],
) -> _Added:
    """Read the planned files into a new segment and Whoosh; delete the dropped documents from
    Whoosh."""
    to_index, words, full = plan.to_index, plan.words, plan.previous is None
    dropped = plan.dropped if not full else []
    skipped: list[SkippedFile] = []
    warnings: list[str] = []
    if not (to_index or dropped or full):
        return _Added(None, [], 0, 0, skipped, warnings)
    seg_dir = new_segment_dir(root)
    created.append(seg_dir)
    sw = SegmentWriter(seg_dir, words)
    # Warm the segmenter here so the first file's progress does not include the dictionary load.
    segmenter(words)
    approx_paras = sum(p.lines for p in to_index)
    parallel = approx_paras >= PARALLEL_THRESHOLD and (os.cpu_count() or 1) > 1

    def open_writer():
        if parallel:
            # The writer forks its processes: frozen objects are left alone by their garbage
            # collector, so the pages they share with this process are not copied (otherwise
            # each writer process would grow with everything this build holds).
            gc.freeze()
            try:
                return ix.writer(procs=2, multisegment=True, limitmb=WRITER_MB, compound=False)
            finally:
                gc.unfreeze()
        return ix.writer(limitmb=WRITER_MB, compound=False)

    writer = open_writer()
    in_writer = indexed = 0
    committed = False
    try:
        for old in dropped:
            writer.delete_by_term("doc_id", old.doc_id)
        recognize = ocrcache.OcrCache(root)
        for n, pending in enumerate(to_index, 1):
            recognize.remember(pending.path, pending.sha256)
            try:
                src = read_document(pending.path, recognize)
            except SkipFile as exc:
                skipped.append(SkippedFile(str(pending.path), str(exc)))
                continue
            warnings.extend(f"{pending.path}: {w}" for w in src.warnings)
            if not src.paragraphs:
                skipped.append(SkippedFile(str(pending.path), "no text in the file"))
                continue
            fp = fingerprint(pending.sha256, pending.row, plan.digest, plan.gazetteer)
            count = sw.add(writer, src, pending, fp, warnings)
            indexed += 1
            in_writer += count
            if parallel and in_writer >= SEGMENT_PARAGRAPHS and n < len(to_index):
                # A writer process merges its spilled runs at the end, in memory that grows
                # with its segment: fresh writers every so often keep a 10× corpus as lean
                # as a 1× one. Nothing is published before the generation is complete.
                writer.commit(merge=False)
                writer = open_writer()
                in_writer = 0
            if progress:
                progress(Progress(n, len(to_index), sw.paragraphs, str(pending.path)))
        if progress:
            progress(Progress(len(to_index), len(to_index), sw.paragraphs, "", stage="committing"))
        # The flat files are written while Whoosh's writer processes still work through their
        # queues, so the two overlap instead of running one after the other.
        sw.finish_files()
        if parallel:
            writer.commit(merge=False)
        elif full:
            writer.commit(optimize=True)  # a new small index: one Whoosh segment
        else:
            writer.commit(mergetype=_whoosh_merges)
        committed = True
        sw.finish()
    except BaseException:
        sw.abort()
        if not committed:
            writer.cancel()
        raise
    if not sw.documents:
        created.remove(seg_dir)
        shutil.rmtree(seg_dir, ignore_errors=True)
        return _Added(None, [], indexed, 0, skipped, warnings)
    return _Added(seg_dir, sw.signatures, indexed, sw.paragraphs, skipped, warnings)


def _whoosh_merges(writer, segments: list) -> list:
    """Whoosh's merge policy for incremental runs (see WHOOSH_MERGE_DOCS): merges into the
    writer's new segment and returns the segments that stay."""
    from whoosh.reading import SegmentReader

    def docs(seg) -> int:
        return seg.doc_count_all()

    group = [s for s in segments if s.deleted_count() * 2 > docs(s)][:1]
    if not group:
        tiers: dict[int, list] = {}
        for seg in sorted(segments, key=docs):
            tiers.setdefault(merge.tier(docs(seg)), []).append(seg)
        for t in sorted(tiers):
            smallest = tiers[t][: merge.MERGE_FACTOR]
            if len(smallest) == merge.MERGE_FACTOR:
                if sum(map(docs, smallest)) <= WHOOSH_MERGE_DOCS:
                    group = smallest
                break
    if not group and len(segments) > WHOOSH_MAX_SEGMENTS:
        group = sorted(segments, key=docs)[: merge.MERGE_FACTOR]
    for seg in group:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    return [s for s in segments if s not in group]


def _sig_part(seg: Segment, deleted: np.ndarray) -> SigPart:
    """A segment's signatures, its documents' keys, and which are live given `deleted`."""
    sigs = seg.sigs()
    rows = seg.sql("SELECT doc_id, path, year, pid_start FROM docs ORDER BY pid_start")
    if [r[3] for r in rows] != sigs.starts.tolist():
        raise IndexCorrupt(
            f"the index at {seg.root} is damaged ({seg.name}: signatures and documents differ). "
            f"{store.REBUILD_HINT}"
        )
    live = ~np.isin(sigs.starts, deleted)
    return SigPart(sigs, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], live)


def _update_duplicates(
    root: Path, previous: IndexReader | None, state: GenerationState, plan: Plan, added: _Added
) -> list[Duplicate]:
    """New near-duplicate pairs and copies in state; returns those that involve a file read in
    this run (pairs found before are not news)."""
    old = previous.segments if previous is not None else []
    segments: list[Segment] = list(old)
    parts = [_sig_part(seg, entry.deleted) for seg, entry in zip(old, state.segments, strict=False)]
    dropped = plan.dropped if previous is not None else []
    pairs = dict(state.pairs)
    if dropped:
        removed = []
        for e in dropped:
            part = parts[e.segment]
            doc = int(np.searchsorted(part.sigs.starts, e.start))
            removed.append(
                Signature(
                    e.doc_id,
                    part.paths[doc],
                    part.years[doc],
                    frozenset(part.sigs.sample(doc).tolist()),
                    part.sigs.digest(doc),
                )  # fmt: skip
            )
        pairs = remove_documents(pairs, SigIndex(parts), removed)
    if added.segment is not None:
        new = Segment(root, added.segment.name, EMPTY_IDS)
        segments.append(new)
        parts.append(_sig_part(new, EMPTY_IDS))
    index = SigIndex(parts)
    if added.signatures:
        if previous is None:
            pairs = find_pairs(added.signatures)
        else:
            pairs = add_documents(pairs, index, added.signatures)

    def norms(key: str) -> list[str]:
        p, doc = index.where[key]
        starts = parts[p].sigs.starts
        end = int(starts[doc + 1]) if doc + 1 < starts.size else segments[p].size
        return segments[p].texts().norms(range(int(starts[doc]), end))

    changed = {e.doc_id for e in dropped} | {s.key for s in added.signatures}
    try:
        state.copies = assign_copies(pairs, index, state.copies, changed, norms)
    finally:
        if added.segment is not None:
            segments[-1].close()
    state.pairs = pairs
    fresh = {str(p.path) for p in plan.to_index}
    report = []
    for copy, c in state.copies.items():
        path, same_as = index.path(copy), index.path(c.original)
        if path in fresh or same_as in fresh:
            report.append(Duplicate(path, same_as, round(c.share, 3)))
    return sorted(report, key=lambda d: d.path)
