"""Reading a published generation: its documents and paragraphs over all its segments.

A generation's segments (segment.py) are read as one index: segment k's local paragraph id i
is the global id bases[k] + i, bases being the cumulative segment sizes in the generation's
order. Paragraphs the generation deleted are masked out everywhere: from `all_pids`,
`doc_numbers`, the documents, the posting lists and the statistics BM25F uses, which are those
of the live paragraphs across all segments, so scores are those of a fresh build. The query
path (search/) sees one global id space and never the segments.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import GovsearchError, IndexCorrupt, IndexNotFound
from .genstate import read_copies, read_segments
from .schema import weighting
from .segment import Segment
from .segmented import SegmentedPostings, SegmentedTexts, split_by_segment
from .store import REBUILD_HINT, WHOOSH, current_generation, read_meta
from .textnorm import apply_patch

#: Memory a reader may spend on cached term matches and word scores (arrays of paragraph ids).
QUERY_CACHE_BYTES = 64 * 1024 * 1024
_DOC_COLUMNS = (
    "doc_id, path, format, title, year, region, level, meta, pid_start, pid_end, region_path, "
    "adcode"
)


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


def _doc_info(r: tuple, base: int) -> DocInfo:
    path = json.loads(r[10])
    return DocInfo(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]), r[8] + base, r[9] + base,
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
    """Read access to one published generation (CURRENT's unless gen is given). Safe to share
    between threads."""

    def __init__(self, root: Path, gen: Path | None = None):
        self.root = Path(root)
        if gen is None:
            gen = current_generation(self.root)
            if gen is None:
                raise IndexNotFound(
                    f"no index at {self.root}. Run: govsearch index PATH... --index {self.root}"
                )
        self.gen = gen
        self.meta = read_meta(gen)
        self.segments = [Segment(self.root, e.name, e.deleted) for e in read_segments(gen)]
        sizes = np.array([s.size for s in self.segments], dtype=np.int64)
        #: Global id of each segment's local id 0.
        self.bases = np.concatenate([[0], np.cumsum(sizes)])[:-1].astype(np.int64)
        #: One past the largest paragraph id.
        self.pid_limit = int(sizes.sum())
        self.docs: list[DocInfo] = []
        try:
            for seg, base in zip(self.segments, self.bases.tolist(), strict=True):
                rows = seg.sql(f"SELECT {_DOC_COLUMNS} FROM docs ORDER BY pid_start")
                live = seg.live
                self.docs.extend(_doc_info(r, base) for r in rows if live is None or live[r[8]])
        except (sqlite3.DatabaseError, ValueError, TypeError, IndexError) as exc:
            raise IndexCorrupt(
                f"the index at {self.root} is damaged ({exc}). {REBUILD_HINT}"
            ) from exc
        self.by_id = {d.doc_id: d for d in self.docs}
        self._whoosh = None
        self._whoosh_lock = threading.Lock()
        self._cache: dict = {}
        self._cache_lock = threading.RLock()
        self._query_cache: OrderedDict = OrderedDict()
        self._query_bytes = 0

    # -- segments -----------------------------------------------------------------------------
    def locate(self, pid: int) -> tuple[int, int]:
        """(segment number, local id) of a global paragraph id."""
        k = int(np.searchsorted(self.bases, pid, side="right")) - 1
        return k, pid - int(self.bases[k])

    @property
    def deleted_paragraphs(self) -> int:
        """Paragraphs deleted from the segments and not yet merged away."""
        return sum(int(s.deleted.size) for s in self.segments)

    def size_bytes(self) -> int:
        """Bytes on disk of this generation and its segments."""
        dirs = [self.gen, *(s.dir for s in self.segments)]
        return sum(f.stat().st_size for d in dirs for f in d.rglob("*") if f.is_file())

    # -- flat files -------------------------------------------------------------------------
    def texts(self) -> SegmentedTexts:
        """The normalised paragraph texts of every segment."""
        return self.cached(
            "texts", lambda: SegmentedTexts([s.texts() for s in self.segments], self.bases)
        )

    def grams(self) -> SegmentedPostings:
        """The literal-gram posting lists."""
        return self.cached("grams", lambda: self._postings(Segment.grams, exact=False))

    def words(self) -> SegmentedPostings:
        """The word posting lists with their weights."""
        return self.cached("words", lambda: self._postings(Segment.words, exact=True))

    def _postings(self, which, exact: bool) -> SegmentedPostings:
        parts = [
            (which(s), b, s.live) for s, b in zip(self.segments, self.bases.tolist(), strict=True)
        ]
        return SegmentedPostings(parts, exact)

    def word_statistics(self) -> tuple[int, int]:
        """(live paragraphs, the sum of their field lengths): BM25F's collection statistics."""

        def make() -> tuple[int, int]:
            documents = field_length = 0
            for s in self.segments:
                words = s.words()
                documents += int(words.meta.get("documents", 0)) - int(s.deleted.size)
                field_length += int(words.meta.get("field_length", 0))
                if s.deleted.size:
                    field_length -= int(words.flat["lengths"][s.deleted].sum(dtype=np.int64))
            return documents, field_length

        return self.cached("word_statistics", make)

    def length_bytes(self) -> np.ndarray:
        """Per global id, Whoosh's one-byte field length (see derived.length_bytes)."""

        def make() -> np.ndarray:
            parts = [s.words().flat["length_bytes"] for s in self.segments]
            return np.concatenate(parts) if parts else np.empty(0, np.uint8)

        return self.cached("length_bytes", make)

    def length_table(self) -> np.ndarray:
        """Whoosh's field-length byte → the length its scorer sees (stored in words.flat)."""
        if not self.segments:
            return np.ones(256, dtype=np.float64)
        return self.segments[0].words().flat["length_table"]

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

    # -- the stores ---------------------------------------------------------------------------
    def fetch(self, pids: list[int], columns: str) -> dict[int, tuple]:
        """Selected columns of the paras table (of each id's segment) keyed by global pid.

        `columns` may use the segment's other tables (sections, ocr, docs) in subqueries.
        """
        out: dict[int, tuple] = {}
        ids = np.asarray(pids, dtype=np.int64)
        for k, at in split_by_segment(self.bases, ids):
            seg, base = self.segments[k], int(self.bases[k])
            local = (ids[at] - base).tolist()
            for i in range(0, len(local), 900):
                chunk = local[i : i + 900]
                marks = ",".join("?" * len(chunk))
                for row in seg.sql(
                    f"SELECT pid, {columns} FROM paras WHERE pid IN ({marks})", chunk
                ):
                    out[row[0] + base] = row[1:]
        return out

    def scan_paragraphs(self, columns: str) -> Iterator[tuple]:
        """(global pid, *columns) of every live paragraph, in id order (a whole-index scan)."""
        for seg, base in zip(self.segments, self.bases.tolist(), strict=True):
            live = seg.live
            for row in seg.iter_sql(f"SELECT pid, {columns} FROM paras ORDER BY pid"):
                if live is None or live[row[0]]:
                    yield (row[0] + base, *row[1:])

    def section_pids(self, value: str) -> np.ndarray:
        """The live paragraphs under a heading whose normalised path contains value (sorted)."""
        parts = []
        for seg, base in zip(self.segments, self.bases.tolist(), strict=True):
            rows = seg.sql("SELECT sid FROM sections WHERE instr(norm, ?) > 0", (value,))
            if not rows:
                continue
            sids = seg.texts().sids
            # One spare entry at the end: a paragraph outside any section has sid -1.
            wanted = np.zeros(max(int(sids.max(initial=-1)), 0) + 2, dtype=bool)
            wanted[[sid for (sid,) in rows if 0 <= sid < wanted.size - 1]] = True
            local = np.flatnonzero(wanted[sids])
            if seg.live is not None:
                local = local[seg.live[local]]
            parts.append((local + base).astype(np.int32))
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int32)

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

    # -- near-duplicates ----------------------------------------------------------------------
    def duplicate_documents(self) -> dict[str, str]:
        """copy doc id → the doc id of its original (near-duplicate documents)."""
        return {k: c.original for k, c in self._copies().items()}

    def _copies(self) -> dict:
        return self.cached("copies", lambda: read_copies(self.gen))

    def dup_of(self) -> tuple[np.ndarray, np.ndarray]:
        """Paragraphs that repeat one of a near-duplicate document's original, and the originals.

        Two parallel arrays: copy paragraph ids (sorted) and the id of the identical paragraph
        in the original document.
        """

        def make() -> tuple[np.ndarray, np.ndarray]:
            copies, originals = [], []
            for key, c in self._copies().items():
                d, o = self.by_id.get(key), self.by_id.get(c.original)
                if d is None or o is None:
                    raise self._damaged_pairs()
                if c.pairs.size and (
                    int(c.pairs[:, 0].min()) < 0
                    or int(c.pairs[:, 0].max()) >= d.paragraphs
                    or int(c.pairs[:, 1].min()) < 0
                    or int(c.pairs[:, 1].max()) >= o.paragraphs
                ):
                    raise self._damaged_pairs()
                copies.append(c.pairs[:, 0] + d.pid_start)
                originals.append(c.pairs[:, 1] + o.pid_start)
            if not copies:
                return np.empty(0, np.int32), np.empty(0, np.int32)
            cp, og = np.concatenate(copies), np.concatenate(originals)
            order = np.argsort(cp, kind="stable")
            return cp[order].astype(np.int32), og[order].astype(np.int32)

        return self.cached("dup_of", make)

    def _damaged_pairs(self) -> IndexCorrupt:
        return IndexCorrupt(
            f"the index at {self.root} is damaged (duplicate pairs). {REBUILD_HINT}"
        )

    # -- documents ----------------------------------------------------------------------------
    def doc_of(self, pid: int) -> DocInfo:
        """The document a paragraph id belongs to."""
        return self.docs[self.doc_numbers()[pid]]

    def doc_numbers(self) -> np.ndarray:
        """For each paragraph id, the index of its document in self.docs (-1: deleted)."""

        def make() -> np.ndarray:
            table = np.full(self.pid_limit, -1, dtype=np.int32)
            for i, d in enumerate(self.docs):
                table[d.pid_start : d.pid_end] = i
            return table

        return self.cached("doc_numbers", make)

    def all_pids(self) -> np.ndarray:
        """Every live paragraph id in the index, sorted."""
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

    def pid_of(self, doc_id: str, paragraph: int) -> int:
        """The global id of a document's paragraph (numbered from 1), as Whoosh stores them."""
        return self.by_id[doc_id].pid_start + paragraph - 1

    def is_current(self) -> bool:
        """Whether this reader still reads the published generation."""
        try:
            return current_generation(self.root) == self.gen
        except Exception:
            return True

    def close(self) -> None:
        for seg in self.segments:
            seg.close()
        if self._whoosh is not None:
            self._whoosh.close()
