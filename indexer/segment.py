"""Segments: immutable directories of paragraphs, each with its own flat files and store.

Layout::

    INDEX_DIR/segments/seg-000003/
        store.sqlite     docs, paras, sections, ocr of its documents; paragraph ids are local
                         (0..n-1), section ids too
        texts.flat       the normalised texts (textfile.py)
        grams.flat       literal-gram postings (postings.py)
        words.flat       word postings with this segment's field lengths and statistics
        sigs.flat        its documents' near-duplicate signatures (duplicates.py)
        segment.json     its counts and every file with its size (and CRC-32 of the small ones)

An index run writes one segment for the documents it adds; a merge writes one for the live
paragraphs of several. A segment is never changed once written: a generation (genstate.py)
lists the segments it uses, in order, with the paragraphs it deleted from each. Segments no
kept generation lists are removed (remove_unused_segments).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from . import store, textfile
from .duplicates import SIGS, SigFile
from .errors import GovsearchError, IndexCorrupt
from .genstate import read_segments
from .postings import PostingsFile
from .schema import SCHEMA_VERSION
from .textfile import TextFile

SEGMENTS = "segments"
SEGMENT_META = "segment.json"
PREFIX = "seg-"


def segment_dir(root: Path, name: str) -> Path:
    """Where a segment lives."""
    return root / SEGMENTS / name


def new_segment_dir(root: Path) -> Path:
    """Create the next (empty) segment directory."""
    base = root / SEGMENTS
    base.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name[4:]) for p in base.glob(PREFIX + "*") if p.name[4:].isdigit()]
    path = base / f"{PREFIX}{max(numbers, default=0) + 1:06d}"
    path.mkdir()
    return path


def write_segment_meta(path: Path, counts: dict) -> None:
    """segment.json: the counts and the list of the segment's files; written last."""
    meta = {"schema_version": SCHEMA_VERSION, **counts, "files": store.file_list(path)}
    store.write_json(path / SEGMENT_META, meta)


def read_segment_meta(path: Path, root: Path) -> dict:
    """segment.json of a segment, its files checked (sizes, small files' checksums)."""
    try:
        meta = json.loads((path / SEGMENT_META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorrupt(
            f"the index at {root} is incomplete ({SEGMENT_META} in {path.name} is missing). "
            f"{store.REBUILD_HINT}"
        ) from None
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(
            f"the index at {root} is damaged ({SEGMENT_META} in {path.name}: {exc}). "
            f"{store.REBUILD_HINT}"
        ) from exc
    if (
        not isinstance(meta, dict)
        or meta.get("schema_version") != SCHEMA_VERSION
        or not isinstance(meta.get("paragraphs"), int)
    ):
        raise IndexCorrupt(
            f"the index at {root} is damaged (bad {SEGMENT_META} in {path.name}). "
            f"{store.REBUILD_HINT}"
        )
    store.check_files(path, meta.get("files"), root)
    return meta


def remove_unused_segments(root: Path) -> None:
    """Delete segments that no kept generation lists (a merged or abandoned segment).

    Under the writer lock only. Nothing is deleted when a kept generation cannot be read.
    """
    base = root / SEGMENTS
    if not base.is_dir():
        return
    used: set[str] = set()
    try:
        for gen in store.kept_generations(root):
            used.update(s.name for s in read_segments(gen))
    except GovsearchError:
        return
    for path in base.iterdir():
        if path.name not in used:
            # On Windows a file a reader still has open cannot go yet; the next run retries.
            shutil.rmtree(path, ignore_errors=True)


class Segment:
    """Read access to one segment, with the paragraphs a generation deleted from it.

    Shared by the threads of a reader: files are opened once, on first use; each thread has
    its own SQLite connection.
    """

    def __init__(self, root: Path, name: str, deleted: np.ndarray):
        self.root = root
        self.name = name
        self.dir = segment_dir(root, name)
        self.meta = read_segment_meta(self.dir, root)
        #: Local paragraph ids run from 0 to size - 1.
        self.size: int = self.meta["paragraphs"]
        self.deleted = deleted
        if deleted.size and int(deleted[-1]) >= self.size:
            raise IndexCorrupt(
                f"the index at {root} is damaged (deletions of {name}). {store.REBUILD_HINT}"
            )
        #: Per local id: whether the paragraph is live (None: all are).
        self.live: np.ndarray | None = None
        if deleted.size:
            self.live = np.ones(self.size, dtype=bool)
            self.live[deleted] = False
            self.live.flags.writeable = False
        self._local = threading.local()
        self._lock = threading.Lock()
        self._files: dict[str, object] = {}
        self._conns: list[sqlite3.Connection] = []

    @property
    def live_size(self) -> int:
        return self.size - int(self.deleted.size)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = store.connect(self.dir, readonly=True, root=self.root)
            with self._lock:
                self._conns.append(conn)
        return conn

    def _unreadable(self, exc: Exception) -> IndexCorrupt:
        return IndexCorrupt(
            f"the index at {self.root} cannot be read ({store.SQLITE} in {self.name}: {exc}). "
            f"{store.REBUILD_HINT}"
        )

    def sql(self, query: str, params: Iterable = ()) -> list[tuple]:
        """Run a read query on this segment's store (paragraph ids local)."""
        try:
            return self._conn().execute(query, tuple(params)).fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(exc) from exc

    def iter_sql(self, query: str, params: Iterable = ()) -> Iterator[tuple]:
        """Rows of a read query, streamed on a connection of their own."""
        try:
            conn = store.connect(self.dir, readonly=True, root=self.root)
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(exc) from exc
        try:
            yield from conn.execute(query, tuple(params))
        except sqlite3.DatabaseError as exc:
            raise self._unreadable(exc) from exc
        finally:
            conn.close()

    def _file(self, name: str, make):
        value = self._files.get(name)
        if value is None:
            with self._lock:
                value = self._files.get(name)
                if value is None:
                    value = self._files[name] = make()
        return value

    def texts(self) -> TextFile:
        """texts.flat."""
        return self._file("texts", lambda: TextFile(self.dir / textfile.NAME, self.root))

    def grams(self) -> PostingsFile:
        """grams.flat."""
        return self._file(
            "grams",
            lambda: PostingsFile(self.dir / store.GRAMS, store.GRAMS_KIND, self.size, self.root),
        )

    def words(self) -> PostingsFile:
        """words.flat."""
        return self._file(
            "words",
            lambda: PostingsFile(self.dir / store.WORDS, store.WORDS_KIND, self.size, self.root),
        )

    def sigs(self) -> SigFile:
        """sigs.flat."""
        return self._file("sigs", lambda: SigFile(self.dir / SIGS, self.root))

    def open_files(self) -> None:
        """Open every flat file now (a damaged one is reported before anything is written)."""
        texts, words = self.texts(), self.words()
        self.grams()
        self.sigs()
        if len(texts.sids) != self.size or words.flat["lengths"].size != self.size:
            raise IndexCorrupt(
                f"the index at {self.root} is damaged ({self.name}: its files do not fit "
                f"together). {store.REBUILD_HINT}"
            )

    def close(self) -> None:
        with self._lock:
            for conn in self._conns:
                conn.close()
            self._conns.clear()
