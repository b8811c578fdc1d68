"""What a generation adds to its segments: their order, their deletions, near-duplicates.

A generation is small: one SQLite file (generation.sqlite) beside meta.json, written whole by
each run (its size grows with the deletions and the near-duplicate pairs, not with the
paragraphs):

- `segments`: the live segments in order, each with its paragraph count and the paragraphs
  this generation deleted from it (tombstones: sorted local ids, little-endian int32);
- `pairs`: the near-duplicate document pairs (doc ids, the first-ranked first) and their shares,
  the state duplicates.update carries from run to run;
- `copies`: each copy's original and the (copy paragraph, original paragraph) offsets within
  the two documents (int32 pairs), keyed by doc id so that merging segments leaves them valid.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import IndexCorrupt
from .store import REBUILD_HINT

GEN_DB = "generation.sqlite"
DDL = """
CREATE TABLE segments (
    position INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    paragraphs INTEGER NOT NULL,
    deleted BLOB NOT NULL
);
CREATE TABLE pairs (
    a TEXT NOT NULL,
    b TEXT NOT NULL,
    share REAL NOT NULL,
    PRIMARY KEY (a, b)
);
CREATE TABLE copies (
    copy TEXT PRIMARY KEY,
    original TEXT NOT NULL,
    share REAL NOT NULL,
    pairs BLOB NOT NULL
);
"""
EMPTY_IDS = np.empty(0, dtype=np.int32)


@dataclass
class SegmentEntry:
    """A segment as one generation uses it."""

    name: str
    paragraphs: int
    #: Local ids of the paragraphs this generation deleted (sorted).
    deleted: np.ndarray = field(default_factory=lambda: EMPTY_IDS)

    @property
    def live(self) -> int:
        """Paragraphs not deleted."""
        return self.paragraphs - int(self.deleted.size)


@dataclass
class Copy:
    """A near-duplicate document: its original, the share, the repeated paragraphs."""

    original: str
    share: float
    #: (copy paragraph offset, original paragraph offset) rows, int32.
    pairs: np.ndarray


@dataclass
class GenerationState:
    """Everything generation.sqlite holds."""

    segments: list[SegmentEntry] = field(default_factory=list)
    pairs: dict[tuple[str, str], float] = field(default_factory=dict)
    copies: dict[str, Copy] = field(default_factory=dict)

    def save(self, gen: Path) -> None:
        """Write generation.sqlite into a new generation directory."""
        conn = sqlite3.connect(gen / GEN_DB)
        try:
            conn.executescript(DDL)
            conn.executemany(
                "INSERT INTO segments VALUES (?, ?, ?, ?)",
                [
                    (i, s.name, s.paragraphs, np.asarray(s.deleted, dtype="<i4").tobytes())
                    for i, s in enumerate(self.segments)
                ],
            )
            conn.executemany(
                "INSERT INTO pairs VALUES (?, ?, ?)",
                [(a, b, share) for (a, b), share in sorted(self.pairs.items())],
            )
            conn.executemany(
                "INSERT INTO copies VALUES (?, ?, ?, ?)",
                [
                    (k, c.original, c.share, np.asarray(c.pairs, dtype="<i4").tobytes())
                    for k, c in sorted(self.copies.items())
                ],
            )
            conn.commit()
        finally:
            conn.close()


def _query(gen: Path, sql: str) -> list[tuple]:
    path = gen / GEN_DB
    if not path.exists():
        raise IndexCorrupt(
            f"the index at {gen.parent} is incomplete ({GEN_DB} is missing). {REBUILD_HINT}"
        )
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise IndexCorrupt(
            f"the index at {gen.parent} is damaged ({GEN_DB}: {exc}). {REBUILD_HINT}"
        ) from exc


def _damaged(gen: Path, what: str) -> IndexCorrupt:
    return IndexCorrupt(f"the index at {gen.parent} is damaged ({GEN_DB}: {what}). {REBUILD_HINT}")


def read_segments(gen: Path) -> list[SegmentEntry]:
    """The generation's segments in order, with their tombstones."""
    out = []
    for name, paragraphs, deleted in _query(
        gen, "SELECT name, paragraphs, deleted FROM segments ORDER BY position"
    ):
        if not isinstance(deleted, bytes) or len(deleted) % 4 or not isinstance(paragraphs, int):
            raise _damaged(gen, f"segment {name}")
        ids = np.frombuffer(deleted, dtype="<i4").astype(np.int32)
        if ids.size and (
            int(ids[0]) < 0 or int(ids[-1]) >= paragraphs or bool(np.any(np.diff(ids) <= 0))
        ):
            raise _damaged(gen, f"deletions of segment {name}")
        out.append(SegmentEntry(str(name), paragraphs, ids))
    return out


def read_pairs(gen: Path) -> dict[tuple[str, str], float]:
    """The near-duplicate document pairs and their shares."""
    return {(a, b): float(share) for a, b, share in _query(gen, "SELECT a, b, share FROM pairs")}


def read_copies(gen: Path) -> dict[str, Copy]:
    """copy doc id → its Copy."""
    out = {}
    for copy, original, share, blob in _query(
        gen, "SELECT copy, original, share, pairs FROM copies"
    ):
        if not isinstance(blob, bytes) or len(blob) % 8:
            raise _damaged(gen, f"copy {copy}")
        pairs = np.frombuffer(blob, dtype="<i4").reshape(-1, 2).astype(np.int32)
        out[str(copy)] = Copy(str(original), float(share), pairs)
    return out


def read_state(gen: Path) -> GenerationState:
    """Everything (an index run starts from the previous generation's state)."""
    return GenerationState(read_segments(gen), read_pairs(gen), read_copies(gen))
