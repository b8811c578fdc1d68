"""Writing a generation: each planned file read, segmented and added to Whoosh, the store and
the flat files; then near-duplicates marked and the generation's meta written.
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as windex

from . import ocrcache, store, textfile, writerpatch
from .analysis import DictWords, part_words, pretokenized, segment_normalized, segmenter
from .derived import DerivedWriter
from .duplicates import Duplicate, mark_duplicates, write_dup_pairs
from .inference import describe
from .ingest import SkipFile, SourceDoc, read_document
from .metadata import SectionTracker, make_doc_id
from .plan import Pending, Plan, fingerprint
from .progress import Progress
from .report import SkippedFile
from .schema import SCHEMA_VERSION, SQLITE_DDL, whoosh_schema
from .textnorm import normalize, text_patch

# Below this many new paragraphs the two-process Whoosh writer costs more than it saves.
PARALLEL_THRESHOLD = 4000
# Whoosh's limitmb (its own pool spills past it; writerpatch's compact pool keeps a segment's
# postings in memory, bounded by SEGMENT_PARAGRAPHS instead).
WRITER_MB = 32
# Paragraphs per pair of Whoosh segments in a parallel build (see write_generation): bounds a
# writer process's memory, whatever the size of the corpus (measured: docs/performance.md).
SEGMENT_PARAGRAPHS = 40000


@dataclass(frozen=True)
class Written:
    """What writing a generation did, beside what the plan knew before."""

    files: int
    paragraphs: int
    skipped: list[SkippedFile]
    warnings: list[str]
    #: Near-duplicate pairs that involve a file read in this run.
    duplicates: list[Duplicate]


def write_generation(gen: Path, plan: Plan, progress: Callable[[Progress], None] | None) -> Written:
    """Write the planned changes into gen, a new generation (a copy of plan.previous, if any)."""
    previous, words, to_index, dropped = plan.previous, plan.words, plan.to_index, plan.dropped
    skipped: list[SkippedFile] = []
    warnings: list[str] = []
    writerpatch.install()
    full = previous is None
    whoosh_dir = gen / store.WHOOSH
    if full:
        whoosh_dir.mkdir()
        ix = windex.create_in(str(whoosh_dir), whoosh_schema(words))
        next_pid = 0
    else:
        ix = windex.open_dir(str(whoosh_dir))
        next_pid = int(plan.old_meta.get("next_pid", 0))
    conn = store.connect(gen, readonly=False)
    conn.executescript(SQLITE_DDL)
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
    in_writer = 0
    indexed = added = 0
    sections: dict[str, int] = {}
    committed = False
    derived = None
    try:
        for old in dropped:
            writer.delete_by_term("doc_id", old.doc_id)
            conn.execute(
                "DELETE FROM ocr WHERE pid IN (SELECT pid FROM paras WHERE doc_id = ?)",
                (old.doc_id,),
            )
            conn.execute("DELETE FROM paras WHERE doc_id = ?", (old.doc_id,))
            conn.execute("DELETE FROM docs WHERE doc_id = ?", (old.doc_id,))
        derived = DerivedWriter(gen, previous, _doc_ranges(conn))
        recognize = ocrcache.OcrCache(gen.parent)
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
            count = _add_document(
                writer, conn, derived, words, sections, src, pending, fp, next_pid, warnings
            )
            next_pid += count
            indexed += 1
            added += count
            in_writer += count
            if parallel and in_writer >= SEGMENT_PARAGRAPHS and n < len(to_index):
                # A writer process merges its spilled runs at the end, in memory that grows
                # with its segment: fresh writers every so often keep a 10× corpus as lean
                # as a 1× one. Nothing is published before the generation is complete.
                writer.commit(merge=False)
                writer = open_writer()
                in_writer = 0
            if progress:
                progress(Progress(n, len(to_index), added, str(pending.path)))
        if progress:
            progress(Progress(len(to_index), len(to_index), added, "", stage="committing"))
        # The flat files are written while Whoosh's writer processes still work through their
        # queues, so the two overlap instead of running one after the other.
        derived.finish(next_pid, _doc_ranges(conn))
        if parallel:
            writer.commit(merge=False)
        else:
            writer.commit(optimize=full)
        committed = True
        # Pairs found before are not news: report those that involve a file read in this run.
        fresh = {str(p.path) for p in to_index}
        texts = textfile.TextFile(gen / textfile.NAME)
        found = mark_duplicates(conn, texts)
        duplicates = [d for d in found if d.path in fresh or d.same_as in fresh]
        write_dup_pairs(conn)
        conn.commit()
        if dropped:
            conn.execute("VACUUM")
    except BaseException:
        if derived is not None:
            derived.abort()
        if not committed:
            writer.cancel()
        raise
    finally:
        conn.close()
        ix.close()
    store.write_meta(
        gen,
        {
            "schema_version": SCHEMA_VERSION,
            "dictionary": plan.digest,
            "gazetteer": plan.gazetteer,
            "user_dictionary": [list(w) for w in plan.user_words],
            "segmenter": segmenter(words).engine,
            "next_pid": next_pid,
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
    )
    return Written(indexed, added, skipped, warnings, duplicates)


def _document_rows(src: SourceDoc, row: dict | None, doc_id: str) -> tuple[dict, list[tuple]]:
    """Document metadata and (paragraph, line, column, page, section, text, norm) rows."""
    texts = [p.text for p in src.paragraphs]
    doc = describe(texts, src.path.name, src.title, row)
    doc["doc_id"] = doc_id
    if src.encoding:
        doc["meta"]["encoding"] = src.encoding
    tracker = SectionTracker(doc["title"])
    rows = []
    for i, p in enumerate(src.paragraphs, 1):
        section = tracker.feed(p.text, p.heading_level)
        rows.append((i, p.line, p.column, p.page, section, p.text, normalize(p.text)))
    return doc, rows


def _add_document(
    writer,
    conn: sqlite3.Connection,
    derived: DerivedWriter,
    words: DictWords,
    sections: dict[str, int],
    src: SourceDoc,
    pending: Pending,
    fingerprint: str,
    first_pid: int,
    warnings: list[str],
) -> int:
    """Write one document's paragraphs to Whoosh, the store and the flat files; returns how many."""
    doc_id = make_doc_id(pending.path)
    doc, rows = _document_rows(src, pending.row, doc_id)
    warnings.extend(f"{pending.path}: {w}" for w in doc["warnings"])
    # Segmented once here, handed to Whoosh as they are and to the word postings.
    title_words = part_words(doc["title"] or "", words, 2)
    heading_words: dict[str, list[str]] = {}
    pid = first_pid
    for paragraph, line, column, page, section, text, norm in rows:
        sid = _section_id(conn, sections, section)
        innermost = section.rsplit(SectionTracker.SEPARATOR, 1)[-1] if section else ""
        if innermost not in heading_words:
            heading_words[innermost] = part_words(innermost, words, 1)
        parts = [segment_normalized(norm, words), heading_words[innermost], title_words]
        writer.add_document(pid=pid, doc_id=doc_id, words=pretokenized(parts))
        derived.add(pid, norm, sid, parts)
        conn.execute(
            "INSERT INTO paras VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (pid, doc_id, paragraph, line, column, page, sid, text_patch(text, norm)),
        )
        pid += 1
    conn.executemany(
        "INSERT INTO ocr VALUES (?, ?)",
        [
            (first_pid + i, p.ocr_confidence)
            for i, p in enumerate(src.paragraphs)
            if p.ocr_confidence is not None
        ],
    )
    conn.execute(
        "INSERT OR REPLACE INTO docs (doc_id, path, root, sha256, fingerprint, format, encoding,"
        " size, title, year, region, level, meta, region_path, adcode, manifest_row, pid_start,"
        " pid_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (doc_id, str(pending.path), str(pending.root) if pending.root else None, pending.sha256,
         fingerprint, src.format, src.encoding, pending.size, doc["title"], doc["year"],
         doc["region"], doc["level"], json.dumps(doc["meta"], ensure_ascii=False),
         json.dumps(doc["region_path"], ensure_ascii=False), doc["adcode"],
         json.dumps(pending.row, ensure_ascii=False) if pending.row else None, first_pid, pid),
    )  # fmt: skip
    return pid - first_pid


def _section_id(conn: sqlite3.Connection, cache: dict[str, int], section: str | None) -> int | None:
    """The row id of a heading path in the sections table (paths repeat: store each once)."""
    if not section:
        return None
    sid = cache.get(section)
    if sid is None:
        conn.execute(
            "INSERT OR IGNORE INTO sections (path, norm) VALUES (?, ?)",
            (section, normalize(section)),
        )
        sid = conn.execute("SELECT sid FROM sections WHERE path = ?", (section,)).fetchone()[0]
        cache[section] = sid
    return sid


def _doc_ranges(conn: sqlite3.Connection) -> list[tuple[int, int]]:
    """The [start, end) paragraph ids of every document in the store, ascending."""
    return list(conn.execute("SELECT pid_start, pid_end FROM docs ORDER BY pid_start"))
