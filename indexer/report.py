"""What an indexing run reports: its counts, the files it skipped and why, what it noticed."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import store
from .duplicates import Duplicate
from .ingest import is_inside
from .reader import IndexReader


@dataclass(frozen=True)
class SkippedFile:
    """A file the run could not index, and why."""

    path: str
    reason: str
    #: Skipped for the same reason by the previous run, and unchanged since (size, mtime).
    repeated: bool = False


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
    #: Segments of the index after the run, and how many merges the run made.
    segments: int = 0
    merges: int = 0


def _identity(path: str) -> str:
    """Size and modification time: enough to tell that a skipped file was left as it was."""
    try:
        st = os.lstat(path)
    except OSError:
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}"


def remember_skipped(
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


def make_report(
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
    merges: int = 0,
) -> IndexReport:
    """The report of a run, with the totals of the generation it leaves current (gen)."""
    docs_total = paras_total = segments = 0
    if gen is not None:
        reader = IndexReader(index_dir, gen)
        try:
            docs_total = len(reader.docs)
            paras_total = sum(d.paragraphs for d in reader.docs)
            segments = len(reader.segments)
        finally:
            reader.close()
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
        segments=segments,
        merges=merges,
    )
