"""The index directory: generations, the writer lock, and the read side of the format.

Layout::

    INDEX_DIR/
        CURRENT           name of the generation readers use
        index.lock        held by the one indexing run allowed at a time
        skipped.json      files the last runs skipped, so an unchanged one is reported once
        gen-000007/       one complete index: Whoosh files + store.sqlite + meta.json, and
                          the flat files the query path reads (texts, grams, words .flat)

An indexing run writes a new generation next to the current one and switches CURRENT with an
atomic rename only after everything is committed, so a crash or Ctrl-C leaves the previous
index intact, and a running server keeps answering from the old generation until the switch.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import textfile
from .errors import (
    GovsearchError,
    IndexCorrupt,
    IndexLocked,
    IndexNotFound,
    IndexVersionError,
)
from .postings import PostingsFile
from .schema import SCHEMA_VERSION, weighting
from .textfile import TextFile
from .textnorm import apply_patch

CURRENT = "CURRENT"
LOCK = "index.lock"
META = "meta.json"
SKIPPED = "skipped.json"
SQLITE = "store.sqlite"
WHOOSH = "whoosh"
REBUILD_HINT = "Run: govsearch index --rebuild PATH..."
#: The flat files of a generation (written afresh by every run, never copied).
GRAMS = "grams.flat"
WORDS = "words.flat"
GRAMS_KIND = "govsearch-grams"
WORDS_KIND = "govsearch-words"
#: Memory a reader may spend on cached term matches and word scores (arrays of paragraph ids).
QUERY_CACHE_BYTES = 64 * 1024 * 1024


def current_generation(root: Path) -> Path | None:
    """The generation directory CURRENT names, or None when there is no index yet."""
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):  # (a file in the way: no index there)
        return None
    except (OSError, ValueError) as exc:  # ValueError: CURRENT is not text
        raise IndexCorrupt(f"cannot read the index at {root}: {exc}. {REBUILD_HINT}") from exc
    if not name.startswith("gen-") or "/" in name or "\\" in name:
        raise IndexCorrupt(f"the index at {root} is damaged (bad {CURRENT} file). {REBUILD_HINT}")
    return root / name


def new_generation(root: Path, copy_from: Path | None) -> Path:
    """Create the next generation directory, optionally as a copy of an existing one."""
    root.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name[4:]) for p in root.glob("gen-*") if p.name[4:].isdigit()]
    gen = root / f"gen-{max(numbers, default=0) + 1:06d}"
    if gen.exists():
        shutil.rmtree(gen)
    if copy_from is not None:
        # The flat files are rewritten from the previous generation's, not copied.
        shutil.copytree(copy_from, gen, ignore=shutil.ignore_patterns("*.flat", "scratch-*"))
        # A copied Whoosh write lock from a killed run would block the writer.
        for stale in (gen / WHOOSH).glob("*_WRITELOCK"):
            stale.unlink()
    else:
        gen.mkdir()
    return gen


def _remove_current(root: Path) -> None:
    current = root / CURRENT
    if current.is_dir() and not current.is_symlink():
        shutil.rmtree(current)
    else:
        current.unlink(missing_ok=True)


def publish(root: Path, gen: Path) -> None:
    """Make gen the generation readers see, atomically (replacing even a damaged CURRENT)."""
    if (root / CURRENT).is_dir():
        _remove_current(root)
    tmp = root / (CURRENT + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(gen.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / CURRENT)


def remove_old_generations(root: Path) -> None:
    """Delete generations older than the previous one (a reader may still use that one)."""
    current = current_generation(root)
    gens = sorted(p for p in root.glob("gen-*") if p.is_dir())
    if current is None:
        return
    keep = {current.name}
    older = [g for g in gens if g.name < current.name]
    if older:
        keep.add(older[-1].name)
    for gen in gens:
        if gen.name not in keep:
            # On Windows a file still open by a reader cannot go yet; the next run retries.
            shutil.rmtree(gen, ignore_errors=True)


def read_skipped(root: Path) -> dict[str, list[str]]:
    """path → [identity, reason] of the files earlier runs skipped ({} if unknown or damaged)."""
    try:
        data = json.loads((root / SKIPPED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, list) and len(v) == 2}


def write_skipped(root: Path, skipped: dict[str, list[str]]) -> None:
    """Replace skipped.json atomically (written under the writer lock)."""
    tmp = root / (SKIPPED + ".tmp")
    tmp.write_text(json.dumps(skipped, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    os.replace(tmp, root / SKIPPED)


class WriteLock:
    """The index-wide writer lock; the OS releases it when its holder dies: never stale."""

    def __init__(self, root: Path, timeout: float):
        from filelock import FileLock, Timeout

        root.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(str(root / LOCK), timeout=timeout)
        self._timeout_error = Timeout
        self.root = root

    def __enter__(self) -> WriteLock:
        try:
            self._lock.acquire()
        except self._timeout_error:
            raise IndexLocked(
                f"the index at {self.root} is locked by another indexing run; "
                "wait for it to finish, then run this command again"
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def read_meta(gen: Path) -> dict:
    """meta.json of a generation, checked against this version's schema."""
    try:
        meta = json.loads((gen / META).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorrupt(f"the index at {gen.parent} is incomplete. {REBUILD_HINT}") from None
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"the index at {gen.parent} is damaged ({exc}). {REBUILD_HINT}") from exc
    if not isinstance(meta, dict):
        raise IndexCorrupt(f"the index at {gen.parent} is damaged (bad {META}). {REBUILD_HINT}")
    version = meta.get("schema_version")
    if version != SCHEMA_VERSION:
        older = "an older" if isinstance(version, int) and version < SCHEMA_VERSION else "another"
        raise IndexVersionError(
            f"Index at {gen.parent} was built by {older} version of govsearch "
            f"(schema {version}, this one reads {SCHEMA_VERSION}). {REBUILD_HINT}"
        )
    check_files(gen, meta.get("files"))
    return meta


def write_meta(gen: Path, meta: dict) -> None:
    """Write meta.json of a generation, with the list of its files (see check_files)."""
    meta = {**meta, "files": _file_list(gen)}
    (gen / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")


# Files up to this size are checksummed as well (Whoosh's table of contents, length columns).
_CHECKSUM_BYTES = 64 * 1024


def _index_files(gen: Path) -> list[Path]:
    files = [gen / SQLITE, *sorted(gen.glob("*.flat"))]
    files += sorted(p for p in (gen / WHOOSH).iterdir() if not p.name.endswith("_WRITELOCK"))
    return files


def _crc(path: Path) -> int:
    return zlib.crc32(path.read_bytes())


def _file_list(gen: Path) -> dict[str, list]:
    """Every file of the index with its size (and a CRC-32 of the small ones)."""
    out = {}
    for path in _index_files(gen):
        size = path.stat().st_size
        out[path.relative_to(gen).as_posix()] = [
            size,
            _crc(path) if size <= _CHECKSUM_BYTES else None,
        ]
    return out


def check_files(gen: Path, files: dict | None) -> None:
    """Raise IndexCorrupt when a file of the generation is missing or not as it was written.

    The query path reads the flat files and the store, not Whoosh's files; checking every
    file's size (and the small ones' checksums) when a generation is opened still reports a
    damaged index at once, not at the next indexing run. Costs a stat per file.
    """
    if not isinstance(files, dict):
        raise IndexCorrupt(f"the index at {gen.parent} is damaged (bad {META}). {REBUILD_HINT}")
    for name, entry in files.items():
        path = gen / name
        try:
            size = path.stat().st_size
            changed = size != entry[0] or (entry[1] is not None and _crc(path) != entry[1])
        except FileNotFoundError:
            raise IndexCorrupt(
                f"the index at {gen.parent} is incomplete ({name} is missing). {REBUILD_HINT}"
            ) from None
        except (OSError, TypeError, IndexError) as exc:
            raise IndexCorrupt(
                f"the index at {gen.parent} is damaged ({name}: {exc}). {REBUILD_HINT}"
            ) from exc
        if changed:
            raise IndexCorrupt(
                f"the index at {gen.parent} is damaged ({name} is not as it was written). "
                f"{REBUILD_HINT}"
            )


def connect(gen: Path, *, readonly: bool) -> sqlite3.Connection:
    """Open a generation's SQLite store."""
    path = gen / SQLITE
    if readonly:
        if not path.exists():
            raise IndexCorrupt(f"the index at {gen.parent} is incomplete. {REBUILD_HINT}")
        uri = f"{path.resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
    else:
        conn = sqlite3.connect(path)
    return conn


@dataclass(frozen=True)
class DocInfo:
    """Document-level metadata as stored."""

    doc_id: str
    path: str
    format: str
    title: str | None
    year: int | None
    region: str | None
    level: str | None
    meta: dict
    pid_start: int
    pid_end: int
    #: Names top first: ("广东省", "深圳市", "坪山区", "坪山街道"); () if unknown or national.
    region_path: tuple[str, ...] = ()
    #: The division code of the deepest unit the gazetteer knows (440310001, 440300 …).
    adcode: str | None = None
    #: The kind of each path element: province, city, county or street.
    region_kinds: tuple[str, ...] = ()

    @property
    def paragraphs(self) -> int:
        return self.pid_end - self.pid_start

    def _at(self, kind: str) -> str | None:
        for name, k in zip(self.region_path, self.region_kinds, strict=False):
            if k == kind:
                return name
        return None

    @property
    def province(self) -> str | None:
        """The province-level unit (广东省, 北京市, 内蒙古自治区), or None."""
        return self._at("province")

    @property
    def city(self) -> str | None:
        """The prefecture-level unit (深圳市, 恩施土家族苗族自治州); None under a municipality."""
        return self._at("city")

    @property
    def county(self) -> str | None:
        """The county-level unit (坪山区, 仙桃市, 景宁畲族自治县), or None."""
        return self._at("county")

    @property
    def street(self) -> str | None:
        """The township-level unit (坪山街道), or None."""
        return self._at("street")


def _doc_info(r: tuple) -> DocInfo:
    path = json.loads(r[10])
    return DocInfo(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]), r[8], r[9],
        tuple(name for name, _kind in path), r[11], tuple(kind for _name, kind in path),
    )  # fmt: skip


def _read_only(value):
    """A cached value is shared by every caller and thread: its numpy arrays refuse writes."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, tuple):
        for item in value:
            _read_only(item)
    return value


def _nbytes(value) -> int:
    parts = value if isinstance(value, tuple) else (value,)
    return sum(getattr(part, "nbytes", 64) for part in parts)


class IndexReader:
    """Read access to one published generation. Safe to share between threads."""

    def __init__(self, root: Path):
        self.root = Path(root)
        gen = current_generation(self.root)
        if gen is None:
            raise IndexNotFound(
                f"no index at {self.root}. Run: govsearch index PATH... --index {self.root}"
            )
        self.gen = gen
        self.meta = read_meta(gen)
        self._local = threading.local()
        self._whoosh = None
        self._whoosh_lock = threading.Lock()
        try:
            rows = self.sql(
                "SELECT doc_id, path, format, title, year, region, level, meta, pid_start, pid_end,"
                " region_path, adcode FROM docs ORDER BY pid_start"
            )
            self.docs = [_doc_info(r) for r in rows]
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupt(
                f"the index at {self.root} is damaged ({exc}). {REBUILD_HINT}"
            ) from exc
        self.by_id = {d.doc_id: d for d in self.docs}
        #: One past the largest paragraph id of any document.
        self.pid_limit = max((d.pid_end for d in self.docs), default=0)
        self._cache: dict = {}
        self._cache_lock = threading.RLock()
        self._query_cache: OrderedDict = OrderedDict()
        self._query_bytes = 0

    # -- SQLite -------------------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.gen, readonly=True)
        return conn

    def sql(self, query: str, params: Iterable = ()) -> list[tuple]:
        """Run a read query on this generation's store."""
        try:
            return self._conn().execute(query, tuple(params)).fetchall()
        except sqlite3.DatabaseError as exc:
            # A damaged file, or tables written by a development build of another shape.
            raise IndexCorrupt(
                f"the index at {self.root} cannot be read ({exc}). {REBUILD_HINT}"
            ) from exc

    def iter_sql(self, query: str, params: Iterable = ()) -> Iterator[tuple]:
        """Rows of a read query, streamed (for scans too large to hold at once)."""
        try:
            # A connection of its own: the thread's shared one may be used while this is open.
            conn = connect(self.gen, readonly=True)
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupt(
                f"the index at {self.root} cannot be read ({exc}). {REBUILD_HINT}"
            ) from exc
        try:
            yield from conn.execute(query, tuple(params))
        except sqlite3.DatabaseError as exc:
            raise IndexCorrupt(
                f"the index at {self.root} cannot be read ({exc}). {REBUILD_HINT}"
            ) from exc
        finally:
            conn.close()

    # -- flat files -------------------------------------------------------------------------
    def texts(self) -> TextFile:
        """The normalised paragraph texts (texts.flat), mapped once per reader."""
        return self.cached("texts", lambda: TextFile(self.gen / textfile.NAME))

    def grams(self) -> PostingsFile:
        """The literal-gram posting lists (grams.flat)."""
        return self.cached(
            "grams", lambda: PostingsFile(self.gen / GRAMS, GRAMS_KIND, self.pid_limit)
        )

    def words(self) -> PostingsFile:
        """The word posting lists with their weights and the BM25F inputs (words.flat)."""
        return self.cached(
            "words", lambda: PostingsFile(self.gen / WORDS, WORDS_KIND, self.pid_limit)
        )

    def norms(self, pids: Iterable[int]) -> list[str]:
        """The normalised text of each paragraph id."""
        return self.texts().norms(pids)

    def iter_norms(self, pids: list[int], chunk: int = 4096) -> Iterator[tuple[int, str]]:
        """(pid, normalised text) for sorted pids, streamed in pid order, `chunk` at a time."""
        for i in range(0, len(pids), chunk):
            part = pids[i : i + chunk]
            yield from zip(part, self.norms(part), strict=True)

    def source_texts(self, pids: list[int]) -> dict[int, tuple[str, str]]:
        """pid → (text as written, normalised text)."""
        patches = self.fetch(pids, "patch")
        norms = self.norms(pids)
        return {
            pid: (apply_patch(norm, patches[pid][0]), norm)
            for pid, norm in zip(pids, norms, strict=True)
        }

    def fetch(self, pids: list[int], columns: str) -> dict[int, tuple]:
        """Selected paragraph columns keyed by pid."""
        out: dict[int, tuple] = {}
        for i in range(0, len(pids), 900):
            chunk = pids[i : i + 900]
            marks = ",".join("?" * len(chunk))
            for row in self.sql(f"SELECT pid, {columns} FROM paras WHERE pid IN ({marks})", chunk):
                out[row[0]] = row[1:]
        return out

    def cached(self, key, make):
        """A value derived from this generation, made once (a new generation starts afresh)."""
        value = self._cache.get(key)
        if value is None:
            with self._cache_lock:
                value = self._cache.get(key)
                if value is None:
                    value = self._cache[key] = _read_only(make())
        return value

    def cached_query(self, key, make):
        """Like cached, for per-query values (term matches, word scores): least recently used
        entries go once they hold more than QUERY_CACHE_BYTES."""
        with self._cache_lock:
            value = self._query_cache.get(key)
            if value is not None:
                self._query_cache.move_to_end(key)
                return value
        value = _read_only(make())
        size = _nbytes(value)
        with self._cache_lock:
            if key not in self._query_cache:
                self._query_cache[key] = value
                self._query_bytes += size
                while self._query_bytes > QUERY_CACHE_BYTES and len(self._query_cache) > 1:
                    _key, old = self._query_cache.popitem(last=False)
                    self._query_bytes -= _nbytes(old)
        return value

    def clear_query_cache(self) -> None:
        """Forget cached per-query values (the benchmark measures queries without them)."""
        with self._cache_lock:
            self._query_cache.clear()
            self._query_bytes = 0

    def dup_of(self) -> tuple[np.ndarray, np.ndarray]:
        """Paragraphs that repeat one of a near-duplicate document's original, and the originals.

        Two parallel arrays: copy paragraph ids (sorted) and the id of the identical paragraph
        in the original document.
        """

        def make() -> tuple[np.ndarray, np.ndarray]:
            rows = self.sql("SELECT value FROM kv WHERE key = 'dup_pairs'")
            blob = rows[0][0] if rows else b""
            if not isinstance(blob, bytes):
                blob = b"\xff" * 8  # not what the build writes: reported as damage below
            pairs = np.frombuffer(blob, dtype="<i4")[: len(blob) // 8 * 2].reshape(-1, 2)
            if pairs.size and (pairs.min() < 0 or pairs.max() >= self.pid_limit):
                raise IndexCorrupt(
                    f"the index at {self.root} is damaged (duplicate pairs). {REBUILD_HINT}"
                )
            return pairs[:, 0].astype(np.int32), pairs[:, 1].astype(np.int32)

        return self.cached("dup_of", make)

    # -- documents ----------------------------------------------------------------------------
    def doc_of(self, pid: int) -> DocInfo:
        """The document a paragraph id belongs to."""
        return self.docs[self.doc_numbers()[pid]]

    def doc_numbers(self) -> np.ndarray:
        """For each paragraph id, the index of its document in self.docs (-1: no document)."""

        def make() -> np.ndarray:
            table = np.full(self.pid_limit, -1, dtype=np.int32)
            for i, d in enumerate(self.docs):
                table[d.pid_start : d.pid_end] = i
            return table

        return self.cached("doc_numbers", make)

    def all_pids(self) -> np.ndarray:
        """Every paragraph id in the index, sorted."""
        return self.cached(
            "all_pids", lambda: np.flatnonzero(self.doc_numbers() >= 0).astype(np.int32)
        )

    # -- Whoosh -------------------------------------------------------------------------------
    @contextmanager
    def searcher(self):
        """A Whoosh searcher, closed after use; damage found while reading becomes IndexCorrupt.

        The query path reads the flat files, not Whoosh: a searcher holds a few open files per
        segment, so none is kept open between calls (a server with many threads and a large
        index would otherwise run out of file descriptors).
        """
        try:
            with self.whoosh().searcher(weighting=weighting()) as searcher:
                yield searcher
        except GovsearchError:
            raise
        except Exception as exc:  # Whoosh raises many kinds on damaged files
            raise IndexCorrupt(
                f"the index at {self.root} is damaged ({type(exc).__name__}). {REBUILD_HINT}"
            ) from exc

    def whoosh(self):
        """The generation's Whoosh index (opened once)."""
        if self._whoosh is None:
            with self._whoosh_lock:
                if self._whoosh is None:
                    from whoosh import index

                    try:
                        self._whoosh = index.open_dir(str(self.gen / WHOOSH))
                    except Exception as exc:  # Whoosh raises many kinds on damaged files
                        raise IndexCorrupt(
                            f"the index at {self.root} is damaged ({type(exc).__name__}). "
                            f"{REBUILD_HINT}"
                        ) from exc
        return self._whoosh

    def is_current(self) -> bool:
        """Whether this reader still reads the published generation."""
        try:
            return current_generation(self.root) == self.gen
        except Exception:
            return True

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        if self._whoosh is not None:
            self._whoosh.close()
