"""Two fixes to Whoosh's writers (whoosh-reloaded 2.7.5 is frozen code we patch).

- Speed: while writing postings, Whoosh looks up the document's field length for every posting
  by seeking and reading in the lengths column: about a fifth of a build. A small cache in front
  of it does that work once per document and field.
- Orphans: the multi-process writer's workers block on their job queue forever when the
  indexing process is killed (SIGKILL, a crash). Each worker now watches its parent and exits
  when the parent is gone.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

from whoosh import multiproc
from whoosh.codec import base


class _CachedLengths:
    """Remembers doc_field_length answers of the wrapped per-document reader."""

    def __init__(self, lengths):
        self._lengths = lengths
        self._cache: dict[tuple[int, str], int] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        key = (docnum, fieldname)
        value = self._cache.get(key)
        if value is None:
            value = self._cache[key] = self._lengths.doc_field_length(docnum, fieldname, default)
        return value

    def __getattr__(self, name: str):
        return getattr(self._lengths, name)


_original_add_postings = base.FieldWriter.add_postings


def _add_postings(self, schema, lengths, items):
    return _original_add_postings(self, schema, _CachedLengths(lengths) if lengths else None, items)


_original_run = multiproc.SubWriterTask.run


def _exit_with_parent(poll_seconds: float = 0.5) -> None:
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        while parent.is_alive():
            time.sleep(poll_seconds)
        os._exit(1)  # nothing of ours to clean up: the unpublished generation is discarded

    threading.Thread(target=watch, name="govsearch-parent-watch", daemon=True).start()


def _run(self):
    _exit_with_parent()
    return _original_run(self)


def install() -> None:
    """Apply both patches (idempotent)."""
    if base.FieldWriter.add_postings is not _add_postings:
        base.FieldWriter.add_postings = _add_postings
    if multiproc.SubWriterTask.run is not _run:
        multiproc.SubWriterTask.run = _run
