"""Three fixes to Whoosh's writers (whoosh-reloaded 2.7.5 is frozen code we patch).

- Speed: while writing postings, Whoosh looks up the document's field length for every posting
  by seeking and reading in the lengths column: about a fifth of a build. A small cache in front
  of it does that work once per document and field.
- Speed and memory: Whoosh's posting pool keeps every posting as a tuple (about 170 bytes),
  pickles them to sorted runs on disk whenever it holds `limitmb` of them, and merges the runs
  through a heap: a third of a writer's time. CompactPostingPool keeps a posting as four
  numbers in arrays (20 bytes), never spills, and sorts once with numpy; it yields the same
  postings in the same order, so the segment written is the same.
- Orphans: the multi-process writer's workers block on their job queue forever when the
  indexing process is killed (SIGKILL, a crash). Each worker now watches its parent and exits
  when the parent is gone.
- Ctrl-C: a terminal sends SIGINT to the whole process group, and each worker printed a
  KeyboardInterrupt traceback (about 40 lines) before the run's own one-line message. Workers
  now ignore SIGINT (it is blocked while they start, so none slips in before); the parent,
  interrupted, cancels the writer, and a cancelled writer now ends its workers (Whoosh only
  sets a flag in the parent's copy of each task, which the worker never sees).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from array import array

import numpy as np
from whoosh import multiproc, writing
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


#: Whoosh's own pool (the tests compare the two).
WHOOSH_POOL = writing.PostingPool


class CompactPostingPool:
    """Whoosh's PostingPool interface (add, iter_postings, fieldnames, cleanup), in arrays."""

    def __init__(self, tempstore=None, segment=None, limitmb: int = 128, **kwargs):
        self.fieldnames: set[str] = set()
        self._terms: dict[tuple[str, bytes], int] = {}
        self._values: dict[bytes | None, int] = {}
        self._term_ids = array("I")
        self._docnums = array("q")
        self._weights = array("d")
        self._value_ids = array("I")

    def add(self, item: tuple) -> None:
        fieldname, btext, docnum, weight, value = item
        key = (fieldname, btext)
        term = self._terms.get(key)
        if term is None:
            term = self._terms[key] = len(self._terms)
            self.fieldnames.add(fieldname)
        vid = self._values.get(value)
        if vid is None:
            vid = self._values[value] = len(self._values)
        self._term_ids.append(term)
        self._docnums.append(docnum)
        self._weights.append(weight)
        self._value_ids.append(vid)

    def iter_postings(self):
        """Every posting as (fieldname, btext, docnum, weight, value), sorted like Whoosh's."""
        terms = list(self._terms)
        rank = np.empty(len(terms), dtype=np.int64)
        rank[sorted(range(len(terms)), key=terms.__getitem__)] = np.arange(len(terms))
        term_ids = np.frombuffer(self._term_ids, dtype=np.uint32)
        docnums = np.frombuffer(self._docnums, dtype=np.int64)
        order = np.lexsort((docnums, rank[term_ids])) if term_ids.size else term_ids
        values = list(self._values)
        weights = np.frombuffer(self._weights, dtype=np.float64)
        value_ids = np.frombuffer(self._value_ids, dtype=np.uint32)
        for term, docnum, weight, vid in zip(
            term_ids[order].tolist(),
            docnums[order].tolist(),
            weights[order].tolist(),
            value_ids[order].tolist(),
            strict=True,
        ):
            fieldname, btext = terms[term]
            yield fieldname, btext, docnum, weight, values[vid]

    def save(self) -> None:
        """Nothing to spill: postings stay in memory."""

    def cleanup(self) -> None:
        self._terms.clear()
        self._values.clear()
        self._term_ids = array("I")
        self._docnums = array("q")
        self._weights = array("d")
        self._value_ids = array("I")


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
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent answers Ctrl-C for the run
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    return _original_run(self)


_original_new_task = multiproc.MpWriter._new_task
_original_cancel = multiproc.MpWriter.cancel


def _new_task(self):
    # A worker inherits the blocked signal and ignores it before unblocking (see _run); the
    # parent gets a Ctrl-C pressed meanwhile as soon as the worker has started.
    if not hasattr(signal, "pthread_sigmask"):
        return _original_new_task(self)
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return _original_new_task(self)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _cancel(self):
    # Workers first: cancelling removes the job files a worker may be reading.
    for task in self.tasks:
        if task.is_alive():
            task.terminate()
    for task in self.tasks:
        task.join(5)
    # Jobs nobody will read must not hold this process at exit.
    self.jobqueue.cancel_join_thread()
    _original_cancel(self)


def install() -> None:
    """Apply the patches (idempotent)."""
    if base.FieldWriter.add_postings is not _add_postings:
        base.FieldWriter.add_postings = _add_postings
    writing.PostingPool = CompactPostingPool
    if multiproc.SubWriterTask.run is not _run:
        multiproc.SubWriterTask.run = _run
    if multiproc.MpWriter._new_task is not _new_task:
        multiproc.MpWriter._new_task = _new_task
    if multiproc.MpWriter.cancel is not _cancel:
        multiproc.MpWriter.cancel = _cancel
