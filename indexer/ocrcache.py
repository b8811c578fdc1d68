"""OCR results cached inside the index directory, by file content and page, outside the lock.

Recognising a page costs seconds; re-indexing (a dictionary change, --rebuild, a moved file)
must not pay it again. The cache is one SQLite file beside the generations
(``INDEX_DIR/ocr-cache.sqlite``), keyed by the file's SHA-256, the page number and the engine
(a new engine or setting recognises again). It is written before the index lock is taken, by
the run's OCR stage, and SQLite's own locking lets two runs share it. Entries no indexed
document uses are pruned after a successful run, unless they are younger than an hour (another
run may be about to use them).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from .formats import ExtractionError, detect, ocr
from .ingest import discover
from .progress import Progress
from .reader import IndexReader

CACHE_FILE = "ocr-cache.sqlite"
# Each OCR worker holds the models and the detector's buffers for a full page, about 0.7–0.9 GB:
# beyond four, more cores would cost more memory than most machines can spare.
MAX_WORKERS = 4
KEEP_UNUSED_SECONDS = 3600

_DDL = """
CREATE TABLE IF NOT EXISTS plans (
    sha256 TEXT NOT NULL,
    engine TEXT NOT NULL,
    pages TEXT NOT NULL,
    stored REAL NOT NULL,
    PRIMARY KEY (sha256, engine)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pages (
    sha256 TEXT NOT NULL,
    engine TEXT NOT NULL,
    page INTEGER NOT NULL,
    data TEXT NOT NULL,
    stored REAL NOT NULL,
    PRIMARY KEY (sha256, engine, page)
) WITHOUT ROWID;
"""


def _connect(index_dir: Path) -> sqlite3.Connection:
    index_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(index_dir / CACHE_FILE, timeout=30)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript(_DDL)
    return conn


class OcrCache:
    """Cached page recognition for one index; callable as the readers' `recognize`."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._sha: dict[Path, str] = {}

    def known(self, sha256: str, numbers: Iterable[int]) -> set[int]:
        """The page numbers of this content already recognised by the current engine."""
        wanted = set(numbers)
        with closing(_connect(self.index_dir)) as conn:
            rows = conn.execute(
                "SELECT page FROM pages WHERE sha256 = ? AND engine = ?", (sha256, ocr.ENGINE)
            )
            return {page for (page,) in rows if page in wanted}

    def scan_pages(self, sha256: str) -> list[int] | None:
        """Which pages of this content need OCR, if a run has looked before (None if not)."""
        with closing(_connect(self.index_dir)) as conn:
            row = conn.execute(
                "SELECT pages FROM plans WHERE sha256 = ? AND engine = ?", (sha256, ocr.ENGINE)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def put_scan_pages(self, sha256: str, pages: list[int]) -> None:
        """Remember which pages of this content need OCR (none, for most text PDFs)."""
        with closing(_connect(self.index_dir)) as conn, conn:
            conn.execute(
                "INSERT OR REPLACE INTO plans VALUES (?, ?, ?, ?)",
                (sha256, ocr.ENGINE, json.dumps(pages), time.time()),
            )

    def put(self, sha256: str, page: ocr.OcrPage) -> None:
        """Store one recognised page."""
        with closing(_connect(self.index_dir)) as conn, conn:
            conn.execute(
                "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?)",
                (sha256, ocr.ENGINE, page.number, page.to_json(), time.time()),
            )

    def remember(self, path: Path, sha256: str) -> None:
        """Tell the cache a file's content hash, so reading it need not hash it again."""
        self._sha[Path(path)] = sha256

    def __call__(self, path: Path, kind: str, numbers: list[int]) -> list[ocr.OcrPage]:
        """Recognised pages from the cache; pages it lacks are recognised here and stored."""
        sha = self._sha.get(Path(path)) or file_sha256(Path(path))
        with closing(_connect(self.index_dir)) as conn:
            found = {
                page: ocr.OcrPage.from_json(data)
                for page, data in conn.execute(
                    "SELECT page, data FROM pages WHERE sha256 = ? AND engine = ?",
                    (sha, ocr.ENGINE),
                )
            }
        out = []
        for number in numbers:
            page = found.get(number)
            if page is None:
                page = ocr.ocr_page(Path(path), kind, number)
                self.put(sha, page)
            out.append(page)
        return out

    def prune(self, used: Iterable[str]) -> None:
        """Drop cached pages of contents no longer indexed, once they are an hour old."""
        keep = set(used)
        path = self.index_dir / CACHE_FILE
        if not path.exists():
            return
        with closing(_connect(self.index_dir)) as conn:
            old = time.time() - KEEP_UNUSED_SECONDS
            stale = {
                sha
                for sha, stored in conn.execute("SELECT sha256, MAX(stored) FROM pages GROUP BY 1")
                if sha not in keep and stored < old
            }
            stale |= {
                sha
                for sha, stored in conn.execute("SELECT sha256, stored FROM plans")
                if sha not in keep and stored < old
            }
            with conn:
                for table in ("pages", "plans"):
                    conn.executemany(f"DELETE FROM {table} WHERE sha256 = ?", [(s,) for s in stale])
                    conn.execute(f"DELETE FROM {table} WHERE engine != ?", (ocr.ENGINE,))


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's content, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class OcrJob:
    """The pages of one file that the OCR stage must recognise."""

    path: Path
    sha256: str
    kind: str
    pages: list[int]


def plan(cache: OcrCache, files: Iterable[Path]) -> list[OcrJob]:
    """Which pages of these files need recognising and are not cached yet.

    Only files whose reader does OCR are hashed. Files that cannot be opened are left to the
    reading stage, which reports them.
    """
    jobs = []
    for path in files:
        fmt = detect(path)
        if fmt is None or not fmt.ocr:
            continue
        try:
            sha = file_sha256(path)
        except OSError:
            continue
        kind = "image" if fmt.name == "image" else "pdf"
        # Opening every PDF on every run would cost more than the rest of an incremental run.
        pages = cache.scan_pages(sha)
        if pages is None:
            try:
                if kind == "image":
                    pages = list(range(1, ocr.count_image_pages(path) + 1))
                else:
                    pages = ocr.pdf_scan_pages(path)
            except (ExtractionError, OSError):
                continue
            cache.put_scan_pages(sha, pages)
        cache.remember(path, sha)
        missing = sorted(set(pages) - cache.known(sha, pages))
        if missing:
            jobs.append(OcrJob(path, sha, kind, missing))
    return jobs


def run_jobs(
    cache: OcrCache,
    jobs: list[OcrJob],
    progress: Callable[[int, int, str], None] | None = None,
    workers: int | None = None,
) -> None:
    """Recognise the planned pages in worker processes, one page per task, storing each.

    Only page numbers travel to the workers and only recognised text comes back, so memory
    stays bounded by one rendered page per worker, however long the scan. A page that fails
    is left out: reading the file later reports why.
    """
    total = sum(len(job.pages) for job in jobs)
    if not total:
        return
    workers = max(1, min(workers or os.cpu_count() or 1, MAX_WORKERS, total))
    done = 0
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_ctrl_c)
    try:
        futures = {
            pool.submit(ocr.ocr_page, job.path, job.kind, number): job
            for job in jobs
            for number in job.pages
        }
        for future in as_completed(futures):
            job = futures[future]
            done += 1
            try:
                cache.put(job.sha256, future.result())
            except (ExtractionError, BrokenProcessPool, OSError, RuntimeError, ValueError):
                pass  # the reading stage recognises the page again and reports what fails
            if progress is not None:
                progress(done, total, str(job.path))
    except BaseException:
        # Ctrl-C or an error: the pages not recognised yet are not waited for (minutes).
        _stop_workers(pool)
        raise
    pool.shutdown()


def _ignore_ctrl_c() -> None:
    """In an OCR worker: the run answers Ctrl-C (a terminal signals the whole group)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel what is queued and end the workers now (shutdown alone lets them finish)."""
    stop = getattr(pool, "terminate_workers", None)  # Python 3.14
    if stop is not None:
        stop()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())  # gone after shutdown
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(5)


def recognize_scans(
    paths: list[Path],
    index_dir: Path,
    manifest=None,
    progress: Callable | None = None,
    unchanged: Callable[[Path], bool] | None = None,
) -> None:
    """The OCR stage of a run: recognise the scanned pages of the given files not cached yet.

    Runs before the index lock is taken. Does nothing when the OCR extra is not installed (the
    reading stage then skips scans with a message naming it). Files `unchanged` says the index
    holds as they are will not be read again: they are not even opened (a folder of thousands
    of files would otherwise have each one's first bytes read on every run).
    """
    if not ocr.available():
        return
    files = (
        path
        for path, root, problem in discover(paths, exclude=index_dir)
        if not problem
        and not (manifest is not None and root is not None and manifest.lookup(path) is None)
        and not (unchanged is not None and unchanged(path))
    )
    cache = OcrCache(index_dir)
    jobs = plan(cache, files)
    report = None
    if progress is not None:

        def report(done: int, total: int, path: str) -> None:
            progress(Progress(0, 0, 0, path, stage="ocr", pages_done=done, pages_total=total))

    run_jobs(cache, jobs, report)


def prune(index_dir: Path, gen: Path) -> None:
    """After a published run: forget cached pages of contents the new generation does not hold."""
    if not (Path(index_dir) / CACHE_FILE).exists():
        return
    reader = IndexReader(Path(index_dir), gen)
    try:
        used = [
            sha
            for seg in reader.segments
            for sha, start in seg.sql("SELECT sha256, pid_start FROM docs")
            if seg.live is None or seg.live[start]
        ]
    finally:
        reader.close()
    OcrCache(index_dir).prune(used)
