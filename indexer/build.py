"""Building and updating an index from source files: the stages of a run, in order.

OCR of scanned pages (ocrcache, before the lock), then under the lock: the plan (plan), the
new generation written (generation: a new segment, deletions, near-duplicates, merges),
published, and reported (report).
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from . import ocrcache, store
from .analysis import DictWords, builtin_dictionary, load_dictionary
from .errors import IndexUnwritable, IndexWriteError, UsageError
from .generation import write_generation
from .metadata import Manifest, load_manifest, manifest_to_json
from .plan import MANIFEST_FILE, NO_MANIFEST, indexed_as_on_disk, manifest_for_ocr, plan_run
from .progress import Progress
from .report import IndexReport, SkippedFile, make_report, remember_skipped
from .segment import remove_unused_segments

# The building API the package exports (govsearch.indexer imports it from here on first use).
__all__ = ["IndexReport", "Progress", "SkippedFile", "build_index"]


def build_index(
    paths: Iterable[Path],
    index_dir: Path,
    *,
    manifest: Path | str | None = None,
    user_dict: Path | None = None,
    rebuild: bool = False,
    progress: Callable[[Progress], None] | None = None,
    lock_timeout: float = 2.0,
    optimize: bool = False,
) -> IndexReport:
    """Index files and directories (recursively) into index_dir, incrementally unless rebuild.

    A manifest is remembered in the index: later runs without one reuse it (and say so);
    `manifest="none"` drops it, a new one replaces it. `optimize` merges the index into one
    segment at the end of the run (with no paths: only that).
    """
    started = time.perf_counter()
    index_dir = Path(index_dir)
    paths = [Path(p) for p in paths]
    if not paths and not optimize:
        raise UsageError("nothing to index: give one or more files or directories")
    if not paths and store.current_generation(index_dir) is None:
        raise UsageError(
            f"no index at {index_dir} to optimize. Run: govsearch index PATH... --index {index_dir}"
        )
    for p in paths:
        if not p.exists():
            raise UsageError(f"no such file or directory: {p}")
    drop_manifest = manifest is not None and str(manifest) == NO_MANIFEST
    manifest_obj = load_manifest(Path(manifest)) if manifest and not drop_manifest else None
    new_user_words = load_dictionary(user_dict)[len(builtin_dictionary()) :] if user_dict else None

    check_writable(index_dir)
    with _writing(index_dir):
        # Scanned pages are recognised before the lock is taken: OCR takes minutes, writes don't.
        ocrcache.recognize_scans(
            paths,
            index_dir,
            manifest_obj or manifest_for_ocr(index_dir, drop_manifest),
            progress,
            None if rebuild else indexed_as_on_disk(index_dir),
        )
        with store.WriteLock(index_dir, lock_timeout):
            try:
                report = _build_locked(
                    paths, index_dir, manifest_obj, drop_manifest, new_user_words, rebuild,
                    progress, started, optimize,
                )  # fmt: skip
            except (OSError, sqlite3.OperationalError) as exc:
                if _disk_full(exc):
                    raise IndexWriteError(
                        f"no space left on the disk of {index_dir} while writing the index; it "
                        "is unchanged. Free some space, then run this command again"
                    ) from exc
                raise
            return replace(report, skipped=remember_skipped(index_dir, paths, report, rebuild))


@contextmanager
def _writing(index_dir: Path) -> Iterator[None]:
    """A file of the index that cannot be written is an index problem, not an internal error.

    check_writable catches the common case up front; this catches a file inside the index
    that another user owns or that is in the way, as SQLite or the OS reports it.
    """
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "unable to open database file" not in str(exc) and "readonly" not in str(exc):
            raise
        raise unwritable(index_dir, exc) from None
    except OSError as exc:
        if exc.filename is None or not _inside(Path(exc.filename), index_dir):
            raise
        raise unwritable(index_dir, exc) from None


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _build_locked(
    paths: list[Path],
    index_dir: Path,
    manifest: Manifest | None,
    drop_manifest: bool,
    new_user_words: DictWords | None,
    rebuild: bool,
    progress: Callable[[Progress], None] | None,
    started: float,
    optimize: bool,
) -> IndexReport:
    """Plan, write and publish a new generation (unless nothing changed); report the run."""
    if not rebuild:
        _remove_leftovers(index_dir)
    plan = plan_run(paths, index_dir, manifest, drop_manifest, new_user_words, rebuild)
    try:
        if plan.nothing_to_do and not (optimize and _can_optimize(plan)):
            return make_report(
                index_dir, plan.current, 0, plan.unchanged, 0, plan.skipped, 0, plan.warnings,
                started, plan.full, None, plan.notes,
            )  # fmt: skip
        gen = store.new_generation(index_dir)
        try:
            written = write_generation(gen, plan, progress, optimize)
            if plan.manifest is not None:
                (gen / MANIFEST_FILE).write_text(manifest_to_json(plan.manifest), encoding="utf-8")
            store.publish(index_dir, gen)
        except BaseException:
            shutil.rmtree(gen, ignore_errors=True)
            raise
    finally:
        if plan.reader is not None:
            plan.reader.close()
    store.remove_old_generations(index_dir)
    remove_unused_segments(index_dir)
    ocrcache.prune(index_dir, gen)
    return make_report(
        index_dir, gen, written.files, plan.unchanged, len(plan.removed),
        plan.skipped + written.skipped, written.paragraphs, plan.warnings + written.warnings,
        started, plan.full, written.duplicates, plan.notes, len(written.merges),
    )  # fmt: skip


def _disk_full(exc: Exception) -> bool:
    """Whether writing failed because the disk (or the user's quota) is full."""
    if isinstance(exc, sqlite3.OperationalError):
        return getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL"
    return exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


def _can_optimize(plan) -> bool:
    """Whether merging into one segment would change anything (several, or deletions)."""
    reader = plan.reader
    return reader is not None and (len(reader.segments) > 1 or reader.deleted_paragraphs > 0)


def _remove_leftovers(index_dir: Path) -> None:
    """What an interrupted run left: generations newer than CURRENT (unpublished), older than
    the one before it (a run killed after publishing), and segments no kept generation lists."""
    current = store.current_generation(index_dir)
    for gen in index_dir.glob("gen-*"):
        if current is None or gen.name > current.name:
            shutil.rmtree(gen, ignore_errors=True)
    if current is None:
        shutil.rmtree(index_dir / "segments", ignore_errors=True)
    else:
        store.remove_old_generations(index_dir)
        remove_unused_segments(index_dir)


def unwritable(root: Path, exc: Exception) -> IndexUnwritable:
    """The error for an index directory that cannot be written, saying what to do."""
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    name = getattr(exc, "filename", None)
    if name is not None and Path(name) != root:
        reason += f": {Path(name).name}"
    return IndexUnwritable(
        f"cannot write the index at {root} ({reason}); make it a directory you can write "
        "to, or choose another with --index DIR (or GOVSEARCH_INDEX)"
    )


def check_writable(root: Path) -> None:
    """Create the index directory if needed and prove a file can be made in it.

    Asked before a run reads or recognises anything, so that a read-only or misplaced index
    directory is one clear error instead of a failure deep in SQLite or Whoosh.
    """
    import tempfile

    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=root, prefix="probe-"):
            pass
    except OSError as exc:
        # Without the file name: the probe's is random, and the reason is the directory's.
        raise unwritable(root, OSError(exc.errno, exc.strerror)) from None
