"""Opening an index: a handle that follows rebuilds, and the reader a query runs against.

Every stage reads one generation through an IndexReader (govsearch.indexer.store); a query
takes its reader once, at the start, so all its stages see the same generation.
"""

from __future__ import annotations

import threading
from pathlib import Path

from govsearch.indexer import IndexReader


class Index:
    """A handle on an index directory that follows rebuilds: each call sees the newest index."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self._reader: IndexReader | None = None
        self._lock = threading.Lock()

    def reader(self) -> IndexReader:
        """The reader for the currently published generation (reopened after a rebuild)."""
        reader = self._reader
        if reader is None or not reader.is_current():
            with self._lock:
                reader = self._reader
                if reader is None or not reader.is_current():
                    # The old reader is not closed here: a request in another thread may still
                    # be using it; it goes when nothing refers to it.
                    reader = self._reader = IndexReader(self.root)
        return reader


def open_index(root: Path | str) -> Index:
    """Open an index directory for repeated queries."""
    index = Index(root)
    index.reader()
    return index


def reader_of(index: Index | IndexReader | Path | str) -> IndexReader:
    """The reader of the published generation, from a handle, a path or a reader."""
    if isinstance(index, IndexReader):
        return index
    return (index if isinstance(index, Index) else Index(index)).reader()
