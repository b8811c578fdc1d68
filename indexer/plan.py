"""Planning a run: which files to (re)index, which are unchanged, which were removed.

Nothing is written here. The plan also settles the run's dictionary and manifest (the one given,
or the one remembered in the index), and whether every document must be indexed again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from . import store
from .analysis import DictWords, builtin_dictionary, dictionary_digest
from .errors import GovsearchError
from .gazetteer import data_version as gazetteer_version
from .genstate import read_segments
from .ingest import discover, is_inside
from .metadata import Manifest, manifest_from_json
from .reader import IndexReader
from .report import SkippedFile
from .schema import SCHEMA_VERSION
from .segment import Segment

#: `--manifest none`: drop the manifest remembered in the index.
NO_MANIFEST = "none"
#: Where a generation keeps the manifest its documents were indexed with.
MANIFEST_FILE = "manifest.json"
#: A file modified this close to (or after) the moment it was read may have changed within the
#: clock's resolution since: it is hashed again, whatever its modification time says.
RACY_NS = 2_000_000_000


class Pending(NamedTuple):
    """A file to read in this run, and what planning learnt of it."""

    path: Path
    root: Path | None
    sha256: str
    row: dict | None
    size: int
    lines: int
    #: The file's modification time, and when it was read (time.time_ns()).
    mtime_ns: int | None = None
    read_ns: int | None = None


@dataclass
class Existing:
    """A document the current generation holds, and where."""

    doc_id: str
    path: str
    root: str | None
    sha256: str
    fingerprint: str
    size: int
    mtime_ns: int | None
    indexed_ns: int | None
    #: Its segment (number in the generation's order) and [start, end) local paragraph ids.
    segment: int
    start: int
    end: int

    def unchanged_on_disk(self, st: os.stat_result) -> bool:
        """Whether the file is still the one read (same size, same modification time, and
        not modified around the moment it was read), so its hash need not be computed again:
        the rule git uses for its index."""
        return _same_file(st, self.size, self.mtime_ns, self.indexed_ns)


def _same_file(st: os.stat_result, size: int, mtime_ns: int | None, indexed_ns: int | None) -> bool:
    return (
        mtime_ns is not None
        and indexed_ns is not None
        and st.st_size == size
        and st.st_mtime_ns == mtime_ns
        and indexed_ns - mtime_ns > RACY_NS
    )


def indexed_as_on_disk(index_dir: Path) -> Callable[[Path], bool]:
    """For the OCR stage, before the lock: whether a file is on disk as the current generation
    indexed it (so the run will not read it again, and its scans need no planning).

    Reads only the segments' document rows, not a whole reader. When in doubt (no index, a
    damaged one, a file it cannot stat) the answer is False: the file is planned as before.
    """
    known: dict[str, tuple[int, int | None, int | None]] = {}
    try:
        gen = store.current_generation(index_dir)
        for entry in read_segments(gen) if gen is not None else []:
            seg = Segment(index_dir, entry.name, entry.deleted)
            try:
                for path, size, mtime, indexed in seg.sql(
                    "SELECT path, size, mtime_ns, indexed_ns FROM docs"
                ):
                    known[path] = (size, mtime, indexed)
            finally:
                seg.close()
    except (GovsearchError, OSError, sqlite3.Error):
        known = {}

    def check(path: Path) -> bool:
        row = known.get(str(path))
        if row is None:
            return False
        try:
            return _same_file(path.stat(), *row)
        except OSError:
            return False

    return check


@dataclass(frozen=True)
class Plan:
    """What a run will do, decided before anything is written."""

    #: The generation the run starts from (None: there is none, or --rebuild).
    current: Path | None
    #: A reader of it (None without one): its segments, deletions and near-duplicates.
    reader: IndexReader | None
    old_meta: dict
    words: DictWords
    user_words: DictWords
    digest: str
    gazetteer: str
    manifest: Manifest | None
    manifest_changed: bool
    #: Every document is indexed again (a new index, a changed dictionary or gazetteer).
    full: bool
    to_index: list[Pending]
    unchanged: int
    removed: list[Existing]
    #: Documents indexed before whose file is read again.
    replaced: list[Existing]
    skipped: list[SkippedFile]
    warnings: list[str]
    notes: list[str]

    @property
    def previous(self) -> IndexReader | None:
        """The generation whose documents the new one keeps (None when it starts empty)."""
        return None if self.full else self.reader

    @property
    def dropped(self) -> list[Existing]:
        """Documents the new generation no longer holds as they were: replaced, then removed."""
        return self.replaced + self.removed

    @property
    def nothing_to_do(self) -> bool:
        """Whether the index already holds what this run would write."""
        return not (self.full or self.to_index or self.removed or self.manifest_changed)


def fingerprint(sha: str, row: dict | None, digest: str, gazetteer: str = "") -> str:
    """What a document was indexed from: a change in any part means indexing it again."""
    payload = json.dumps(
        [SCHEMA_VERSION, sha, row, digest, gazetteer], ensure_ascii=False, sort_keys=True
    )
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


def manifest_for_ocr(index_dir: Path, drop_manifest: bool) -> Manifest | None:
    """The remembered manifest (None if dropped or unreadable), for OCR and for --rebuild."""
    if drop_manifest:
        return None
    try:
        return remembered_manifest(store.current_generation(index_dir))
    except GovsearchError:
        return None  # a damaged index is reported (or rebuilt) under the lock


def remembered_manifest(gen: Path | None) -> Manifest | None:
    """The manifest a generation was built with, if any."""
    if gen is None or not (gen / MANIFEST_FILE).exists():
        return None
    try:
        return manifest_from_json((gen / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError) as exc:
        raise store.IndexCorrupt(
            f"the index at {gen.parent} is damaged ({MANIFEST_FILE}: {exc}). {store.REBUILD_HINT}"
        ) from exc


def _remembered_meta(index_dir: Path) -> dict:
    """The current generation's meta.json as it is (any schema), or {} if there is none."""
    try:
        current = store.current_generation(index_dir)
        if current is None:
            return {}
        meta = json.loads((current / store.META).read_text(encoding="utf-8"))
    except (GovsearchError, OSError, ValueError):
        return {}  # a damaged index is rebuilt without what it remembered
    return meta if isinstance(meta, dict) else {}


def plan_run(
    paths: list[Path],
    index_dir: Path,
    manifest: Manifest | None,
    drop_manifest: bool,
    new_user_words: DictWords | None,
    rebuild: bool,
) -> Plan:
    """Decide what a run does with each file; reads the current generation, writes nothing."""
    # Whatever state the old index is in (even a damaged CURRENT), --rebuild starts over;
    # the new generation is only published once it is complete.
    current = None if rebuild else store.current_generation(index_dir)
    reader = IndexReader(index_dir, current) if current is not None else None
    old_meta = reader.meta if reader is not None else {}
    # Like the manifest, the --dict words outlive a --rebuild.
    remembered_words = _remembered_meta(index_dir) if rebuild else old_meta
    user_words = (
        new_user_words
        if new_user_words is not None
        else tuple(tuple(w) for w in remembered_words.get("user_dictionary", []))
    )
    words = builtin_dictionary() + tuple(user_words)  # type: ignore[operator]
    digest = dictionary_digest(words)
    gazetteer = gazetteer_version()
    existing: dict[str, Existing] = {}
    warnings: list[str] = []
    notes: list[str] = []
    # --rebuild starts from no generation, but not from no manifest: the remembered one still
    # says which files of the folder are documents and what their metadata is.
    remembered = manifest_for_ocr(index_dir, False) if rebuild else remembered_manifest(current)
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
    if reader is not None:
        if old_meta.get("dictionary") != digest:
            warnings.append("the dictionary changed: re-indexing every document")
            full = True
        elif old_meta.get("gazetteer") != gazetteer:
            warnings.append(
                "the gazetteer of place names changed: re-indexing every document so that "
                "their regions are resolved with it"
            )
            full = True
        for e in existing_documents(reader):
            existing[e.path] = e
        if not full:
            # The run builds on these files: a damaged one is reported before anything is
            # written, with the fix.
            for seg in reader.segments:
                seg.open_files()
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

    to_index: list[Pending] = []
    unchanged = 0
    for key, (path, root) in found.items():
        row = manifest.lookup(path) if manifest else None
        if manifest is not None and row is None and root is not None:
            skipped.append(SkippedFile(key, "not listed in the manifest"))
            continue
        old = existing.get(key)
        try:
            read_ns = time.time_ns()
            st = path.stat()
            if not full and old is not None and old.unchanged_on_disk(st):
                if fingerprint(old.sha256, row, digest, gazetteer) == old.fingerprint:
                    unchanged += 1
                    continue
            data = path.read_bytes()
        except OSError as exc:
            skipped.append(SkippedFile(key, f"cannot read: {exc.strerror or exc}"))
            continue
        sha = hashlib.sha256(data).hexdigest()
        fp = fingerprint(sha, row, digest, gazetteer)
        if not full and old is not None and old.fingerprint == fp:
            unchanged += 1
            continue
        # Only the hash is kept: holding every file's bytes would grow memory with the corpus.
        to_index.append(
            Pending(path, root, sha, row, len(data), data.count(b"\n") + 1, st.st_mtime_ns, read_ns)
        )
    given_dirs = [os.path.abspath(p) for p in paths if p.is_dir()]
    removed = [
        e
        for e in existing.values()
        if e.path not in found and any(is_inside(e.path, d) for d in given_dirs)
    ]
    replaced = [existing[str(p.path)] for p in to_index if str(p.path) in existing]
    return Plan(
        current, reader, old_meta, words, user_words, digest, gazetteer, manifest, manifest_changed,
        full, to_index, unchanged, removed, replaced, skipped, warnings, notes,
    )  # fmt: skip


def existing_documents(reader: IndexReader) -> list[Existing]:
    """Every live document of a generation, with what planning needs and where it lives."""
    out = []
    for k, seg in enumerate(reader.segments):
        live = seg.live
        for row in seg.sql(
            "SELECT doc_id, path, root, sha256, fingerprint, size, mtime_ns, indexed_ns, "
            "pid_start, pid_end FROM docs ORDER BY pid_start"
        ):
            if live is None or live[row[8]]:
                out.append(Existing(*row[:8], k, row[8], row[9]))
    return out
