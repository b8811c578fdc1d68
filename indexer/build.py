"""Building and updating an index from source files."""

from __future__ import annotations

import gc
import hashlib
import itertools
import json
import os
import re
import shutil
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import ocrcache, store, textfile
from .analysis import (
    DictWords,
    builtin_dictionary,
    dictionary_digest,
    load_dictionary,
    part_words,
    pretokenized,
    segment_normalized,
    segmenter,
)
from .derived import DerivedWriter
from .errors import GovsearchError, UsageError
from .gazetteer import data_version as gazetteer_version
from .inference import describe
from .ingest import SkipFile, SourceDoc, discover, is_inside, read_document
from .metadata import (
    Manifest,
    SectionTracker,
    load_manifest,
    make_doc_id,
    manifest_from_json,
    manifest_to_json,
)
from .schema import SCHEMA_VERSION, SQLITE_DDL, whoosh_schema
from .textnorm import normalize, text_patch

# Below this many new paragraphs the two-process Whoosh writer costs more than it saves.
PARALLEL_THRESHOLD = 4000
# Whoosh's limitmb (its own pool spills past it; writerpatch's compact pool keeps a segment's
# postings in memory, bounded by SEGMENT_PARAGRAPHS instead).
WRITER_MB = 32
# Paragraphs per pair of Whoosh segments in a parallel build (see _write_generation): bounds a
# writer process's memory, whatever the size of the corpus (measured: README "Performance").
SEGMENT_PARAGRAPHS = 40000


@dataclass(frozen=True)
class SkippedFile:
    """A file the run could not index, and why."""

    path: str
    reason: str
    #: Skipped for the same reason by the previous run, and unchanged since (size, mtime).
    repeated: bool = False


@dataclass(frozen=True)
class Progress:
    """Reported after each file, and after each page during OCR (stage "ocr")."""

    files_done: int
    files_total: int
    paragraphs: int
    path: str
    stage: str = "reading"
    pages_done: int = 0
    pages_total: int = 0


@dataclass(frozen=True)
class Duplicate:
    """A document whose paragraphs mostly repeat another's (the same report from two sources)."""

    path: str
    same_as: str
    shared: float


@dataclass(frozen=True)
class IndexReport:
    """What an indexing run did."""

    index_dir: str
    files_indexed: int
    files_unchanged: int
    files_removed: int
    files_skipped: int
    paragraphs: int
    documents_total: int
    paragraphs_total: int
    seconds: float
    skipped: list[SkippedFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    full_rebuild: bool = False
    duplicates: list[Duplicate] = field(default_factory=list)
    #: Things the run did on the user's behalf that are not problems (a remembered manifest).
    notes: list[str] = field(default_factory=list)


class _Pending(NamedTuple):
    path: Path
    root: Path | None
    sha256: str
    row: dict | None
    size: int
    lines: int


@dataclass
class _Existing:
    doc_id: str
    path: str
    root: str | None
    sha256: str
    fingerprint: str


#: `--manifest none`: drop the manifest remembered in the index.
NO_MANIFEST = "none"
#: Where a generation keeps the manifest its documents were indexed with.
MANIFEST_FILE = "manifest.json"


def _fingerprint(sha: str, row: dict | None, digest: str, gazetteer: str = "") -> str:
    payload = json.dumps(
        [SCHEMA_VERSION, sha, row, digest, gazetteer], ensure_ascii=False, sort_keys=True
    )
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


def build_index(
    paths: Iterable[Path],
    index_dir: Path,
    *,
    manifest: Path | str | None = None,
    user_dict: Path | None = None,
    rebuild: bool = False,
    progress: Callable[[Progress], None] | None = None,
    lock_timeout: float = 2.0,
) -> IndexReport:
    """Index files and directories (recursively) into index_dir, incrementally unless rebuild.

    A manifest is remembered in the index: later runs without one reuse it (and say so);
    `manifest="none"` drops it, a new one replaces it.
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    paths = [Path(p) for p in paths]
    if not paths:
        raise UsageError("nothing to index: give one or more files or directories")
    for p in paths:
        if not p.exists():
            raise UsageError(f"no such file or directory: {p}")
    drop_manifest = manifest is not None and str(manifest) == NO_MANIFEST
    manifest_obj = load_manifest(Path(manifest)) if manifest and not drop_manifest else None
    new_user_words = load_dictionary(user_dict)[len(builtin_dictionary()) :] if user_dict else None

    # Scanned pages are recognised before the lock is taken: OCR takes minutes, the writes don't.
    ocrcache.recognize_scans(
        paths, index_dir, manifest_obj or _manifest_for_ocr(index_dir, drop_manifest), progress
    )
    with store.WriteLock(index_dir, lock_timeout):
        report = _build_locked(
            paths, index_dir, manifest_obj, drop_manifest, new_user_words, rebuild, progress,
            started,
        )  # fmt: skip
        return replace(report, skipped=_remember_skipped(index_dir, paths, report, rebuild))


def _manifest_for_ocr(index_dir: Path, drop_manifest: bool) -> Manifest | None:
    """The remembered manifest, read without the lock, so OCR skips files it does not list."""
    if drop_manifest:
        return None
    try:
        return _remembered_manifest(store.current_generation(index_dir))
    except GovsearchError:
        return None  # a damaged index is reported (or rebuilt) under the lock


def _remembered_manifest(gen: Path | None) -> Manifest | None:
    """The manifest a generation was built with, if any."""
    if gen is None or not (gen / MANIFEST_FILE).exists():
        return None
    try:
        return manifest_from_json((gen / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as exc:
        raise store.IndexCorrupt(
            f"the index at {gen.parent} is damaged ({MANIFEST_FILE}: {exc}). {store.REBUILD_HINT}"
        ) from exc


def _identity(path: str) -> str:
    """Size and modification time: enough to tell that a skipped file was left as it was."""
    try:
        st = os.lstat(path)
    except OSError:
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}"


def _remember_skipped(
    index_dir: Path, paths: list[Path], report: IndexReport, rebuild: bool
) -> list[SkippedFile]:
    """Mark the skips the previous run reported already (same file, same reason), and record
    this run's for the next. Files this run did not look at keep their entries."""
    before = {} if rebuild else store.read_skipped(index_dir)
    now: dict[str, list[str]] = {}
    marked = []
    for s in report.skipped:
        entry = [_identity(s.path), s.reason]
        marked.append(replace(s, repeated=before.get(s.path) == entry))
        now[s.path] = entry
    looked_at = [os.path.abspath(p) for p in paths]
    for path, entry in before.items():
        if path not in now and not any(is_inside(path, top) for top in looked_at):
            now[path] = entry
    if now or before:
        store.write_skipped(index_dir, now)
    return marked


def _build_locked(
    paths: list[Path],
    index_dir: Path,
    manifest: Manifest | None,
    drop_manifest: bool,
    new_user_words: DictWords | None,
    rebuild: bool,
    progress: Callable[[Progress], None] | None,
    started: float,
) -> IndexReport:
    if rebuild:
        # Whatever state the old index is in (even a damaged CURRENT), --rebuild starts over;
        # the new generation is only published once it is complete.
        current = None
    else:
        current = store.current_generation(index_dir)
        _remove_unpublished(index_dir)
    old_meta = store.read_meta(current) if current is not None else {}
    user_words = (
        new_user_words
        if new_user_words is not None
        else tuple(tuple(w) for w in old_meta.get("user_dictionary", []))
    )
    words = builtin_dictionary() + tuple(user_words)  # type: ignore[operator]
    digest = dictionary_digest(words)
    gazetteer = gazetteer_version()
    existing: dict[str, _Existing] = {}
    warnings: list[str] = []
    notes: list[str] = []
    remembered = _remembered_manifest(current)
    if manifest is None and not drop_manifest and remembered is not None:
        manifest = remembered
        notes.append(
            f"using the manifest remembered from an earlier run ({remembered.source}, "
            f"{len(remembered.rows)} rows); pass --manifest none to index without it"
        )
    elif drop_manifest and remembered is not None:
        notes.append(
            f"dropped the remembered manifest ({remembered.source}); its documents get their "
            "metadata from their own text"
        )
    elif manifest is not None and remembered is not None and manifest.rows != remembered.rows:
        notes.append(f"{manifest.source} replaces the manifest remembered from an earlier run")
    manifest_changed = (manifest.rows if manifest else None) != (
        remembered.rows if remembered else None
    )
    full = current is None
    if current is not None:
        if old_meta.get("dictionary") != digest:
            warnings.append("the dictionary changed: re-indexing every document")
            full = True
        elif old_meta.get("gazetteer") != gazetteer:
            warnings.append(
                "the gazetteer of place names changed: re-indexing every document so that "
                "their regions are resolved with it"
            )
            full = True
        conn = store.connect(current, readonly=True)
        try:
            for row in conn.execute("SELECT doc_id, path, root, sha256, fingerprint FROM docs"):
                existing[row[1]] = _Existing(*row)
        finally:
            conn.close()
    if full and existing:
        # Everything indexed before is read again, from wherever it still is.
        paths = paths + [Path(e.path) for e in existing.values() if Path(e.path).exists()]

    skipped: list[SkippedFile] = []
    found: dict[str, tuple[Path, Path | None]] = {}
    for path, root, problem in discover(paths, exclude=index_dir):
        if problem:
            skipped.append(SkippedFile(str(path), problem))
        else:
            found.setdefault(str(path), (path, root))

    # Decide per file: unchanged, (re)index, or removed.
    to_index: list[_Pending] = []
    unchanged = 0
    for key, (path, root) in found.items():
        try:
            data = path.read_bytes()
        except OSError as exc:
            skipped.append(SkippedFile(key, f"cannot read: {exc.strerror or exc}"))
            continue
        sha = hashlib.sha256(data).hexdigest()
        row = manifest.lookup(path) if manifest else None
        if manifest is not None and row is None and root is not None:
            skipped.append(SkippedFile(key, "not listed in the manifest"))
            continue
        fp = _fingerprint(sha, row, digest, gazetteer)
        old = existing.get(key)
        if not full and old is not None and old.fingerprint == fp:
            unchanged += 1
            continue
        # Only the hash is kept: holding every file's bytes would grow memory with the corpus.
        to_index.append(_Pending(path, root, sha, row, len(data), data.count(b"\n") + 1))
    given_dirs = [os.path.abspath(p) for p in paths if p.is_dir()]
    removed = [
        e
        for e in existing.values()
        if e.path not in found and any(is_inside(e.path, d) for d in given_dirs)
    ]
    replaced = [existing[str(p.path)] for p in to_index if str(p.path) in existing]

    if not full and not to_index and not removed and not manifest_changed:
        return _report(
            index_dir, current, 0, unchanged, 0, skipped, 0, warnings, started, full, None, notes
        )

    duplicates: list[Duplicate] = []
    gen = store.new_generation(index_dir, None if full else current)
    try:
        indexed, added = _write_generation(
            gen, None if full else current, words, user_words, digest, gazetteer, old_meta,
            to_index, replaced + removed, skipped, warnings, duplicates, progress,
        )  # fmt: skip
        if manifest is not None:
            (gen / MANIFEST_FILE).write_text(manifest_to_json(manifest), encoding="utf-8")
        else:
            (gen / MANIFEST_FILE).unlink(missing_ok=True)
        store.publish(index_dir, gen)
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)
        raise
    store.remove_old_generations(index_dir)
    ocrcache.prune(index_dir, gen)
    return _report(
        index_dir, gen, indexed, unchanged, len(removed), skipped, added, warnings, started, full,
        duplicates, notes,
    )  # fmt: skip


def _report(
    index_dir: Path,
    gen: Path | None,
    indexed: int,
    unchanged: int,
    removed: int,
    skipped: list[SkippedFile],
    paragraphs: int,
    warnings: list[str],
    started: float,
    full: bool,
    duplicates: list[Duplicate] | None = None,
    notes: list[str] | None = None,
) -> IndexReport:
    docs_total = paras_total = 0
    if gen is not None:
        conn = store.connect(gen, readonly=True)
        try:
            docs_total, paras_total = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(pid_end - pid_start), 0) FROM docs"
            ).fetchone()
        finally:
            conn.close()
    return IndexReport(
        index_dir=str(index_dir),
        files_indexed=indexed,
        files_unchanged=unchanged,
        files_removed=removed,
        files_skipped=len(skipped),
        paragraphs=paragraphs,
        documents_total=docs_total,
        paragraphs_total=paras_total,
        seconds=round(time.perf_counter() - started, 3),
        skipped=skipped,
        warnings=warnings,
        full_rebuild=full,
        duplicates=duplicates or [],
        notes=notes or [],
    )


def _remove_unpublished(index_dir: Path) -> None:
    """Generations newer than CURRENT are leftovers of an interrupted run."""
    current = store.current_generation(index_dir)
    for gen in index_dir.glob("gen-*"):
        if current is None or gen.name > current.name:
            shutil.rmtree(gen, ignore_errors=True)


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


def _write_generation(
    gen: Path,
    previous: Path | None,
    words: DictWords,
    user_words: DictWords,
    digest: str,
    gazetteer: str,
    old_meta: dict,
    to_index: list[_Pending],
    dropped: list[_Existing],
    skipped: list[SkippedFile],
    warnings: list[str],
    duplicates: list[Duplicate],
    progress: Callable[[Progress], None] | None,
) -> tuple[int, int]:
    from whoosh import index as windex

    from . import writerpatch

    writerpatch.install()
    full = previous is None
    whoosh_dir = gen / store.WHOOSH
    if full:
        whoosh_dir.mkdir()
        ix = windex.create_in(str(whoosh_dir), whoosh_schema(words))
        next_pid = 0
    else:
        ix = windex.open_dir(str(whoosh_dir))
        next_pid = int(old_meta.get("next_pid", 0))
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
            fingerprint = _fingerprint(pending.sha256, pending.row, digest, gazetteer)
            count = _add_document(
                writer, conn, derived, words, sections, src, pending, fingerprint, next_pid,
                warnings,
            )  # fmt: skip
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
        duplicates.extend(d for d in found if d.path in fresh or d.same_as in fresh)
        _write_dup_pairs(conn)
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
            "dictionary": digest,
            "gazetteer": gazetteer,
            "user_dictionary": [list(w) for w in user_words],
            "segmenter": segmenter(words).engine,
            "next_pid": next_pid,
            "updated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
    )
    return indexed, added


def _write_dup_pairs(conn: sqlite3.Connection) -> None:
    """Keep (copy, original) paragraph id pairs as one blob: readers load it without a scan."""
    pairs = conn.execute("SELECT pid, dup_of FROM paras WHERE dup_of IS NOT NULL ORDER BY pid")
    blob = np.array(pairs.fetchall(), dtype="<i4").reshape(-1, 2).tobytes()
    conn.execute("INSERT OR REPLACE INTO kv VALUES ('dup_pairs', ?)", (blob,))


def _doc_ranges(conn: sqlite3.Connection) -> list[tuple[int, int]]:
    """The [start, end) paragraph ids of every document in the store, ascending."""
    return list(conn.execute("SELECT pid_start, pid_end FROM docs ORDER BY pid_start"))


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


def _add_document(
    writer,
    conn: sqlite3.Connection,
    derived: DerivedWriter,
    words: DictWords,
    sections: dict[str, int],
    src: SourceDoc,
    pending: _Pending,
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
