"""Flat files: named numpy arrays in one file, read through a memory map.

The query path's accelerators (normalised texts, literal-gram and word posting lists) are
written once per generation in this form: a reader maps the file and views its arrays in
place, so opening costs microseconds and a query touches only the pages it reads.

Layout: the arrays one after another (each 8-byte aligned), then a UTF-8 JSON trailer that
names them ({"kind", "meta", "arrays": {name: [dtype, offset, length]}}), then the trailer's
length (8 bytes, little-endian) and MAGIC. A file cut short or with a damaged trailer fails
to open with IndexCorrupt; the arrays are checked to lie inside the file.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import struct
import weakref
from pathlib import Path

import numpy as np

from .errors import IndexCorrupt

MAGIC = b"GOVFLAT1"
_PREAD = hasattr(os, "pread")
_TAIL = struct.Struct("<Q8s")
#: The one-line fix every damaged-index message ends with (the same as store.REBUILD_HINT).
REBUILD_HINT = "Run: govsearch index --rebuild PATH..."


class FlatWriter:
    """Writes one flat file: arrays appended in pieces or whole, then the trailer."""

    def __init__(self, path: Path, kind: str):
        self.path = Path(path)
        self.kind = kind
        self._fh = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self._arrays: dict[str, list] = {}
        self._open: str | None = None

    def _align(self) -> None:
        pad = -self._fh.tell() % 8
        if pad:
            self._fh.write(b"\0" * pad)

    def begin(self, name: str, dtype: str) -> None:
        """Start an array written piece by piece with extend()."""
        self._align()
        self._arrays[name] = [np.dtype(dtype).str, self._fh.tell(), 0]
        self._open = name

    def extend(self, values) -> None:
        """Append values (array-like or bytes) to the array begun last."""
        entry = self._arrays[self._open]
        if isinstance(values, bytes | bytearray | memoryview):
            data = bytes(values)
            count = len(data) // np.dtype(entry[0]).itemsize
        else:
            arr = np.ascontiguousarray(values, dtype=entry[0])
            data, count = arr.tobytes(), arr.size
        self._fh.write(data)
        entry[2] += count

    def array(self, name: str, values, dtype: str | None = None) -> None:
        """Write a whole array."""
        arr = np.asarray(values) if dtype is None else np.asarray(values, dtype=dtype)
        self.begin(name, arr.dtype.str)
        self.extend(arr)

    def close(self, meta: dict | None = None) -> None:
        """Write the trailer and make the file durable."""
        trailer = json.dumps(
            {"kind": self.kind, "meta": meta or {}, "arrays": self._arrays}, ensure_ascii=False
        ).encode("utf-8")
        self._fh.write(trailer)
        self._fh.write(_TAIL.pack(len(trailer), MAGIC))
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self._fh.close()

    def abort(self) -> None:
        """Close without a trailer (the file is left unreadable; its generation is discarded)."""
        self._fh.close()


class FlatFile:
    """A flat file opened for reading; arrays are read-only views of the memory map.

    `root` is the index directory the file belongs to (for messages; by default the directory
    above the file's own).
    """

    def __init__(self, path: Path, kind: str, root: Path | None = None):
        self.path = Path(path)
        self.root = Path(root) if root is not None else self.path.parent.parent
        # A segment's file is named with its segment: "texts.flat in seg-000003".
        self.label = (
            self.path.name
            if root is None or self.path.parent == self.root
            else f"{self.path.name} in {self.path.parent.name}"
        )
        try:
            with open(self.path, "rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if size < _TAIL.size:
                    raise self.damaged("cut short")
                self._mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
                # A descriptor for read(): pread where the platform has it (not on Windows),
                # closed with this object.
                self._fd = os.open(self.path, os.O_RDONLY) if _PREAD else None
                if self._fd is not None:
                    self._closer = weakref.finalize(self, os.close, self._fd)
        except FileNotFoundError:
            raise IndexCorrupt(
                f"the index at {self.root} is incomplete ({self.label} is missing). {REBUILD_HINT}"
            ) from None
        except OSError as exc:
            raise self.damaged(str(exc)) from exc
        length, magic = _TAIL.unpack_from(self._mm, size - _TAIL.size)
        try:
            if magic != MAGIC or length > size - _TAIL.size:
                raise ValueError("no trailer")
            start = size - _TAIL.size - length
            head = json.loads(self._mm[start : start + length].decode("utf-8"))
            if head.get("kind") != kind:
                raise ValueError(f"holds {head.get('kind')!r}, not {kind!r}")
            self.meta: dict = head["meta"]
            self._arrays: dict[str, np.ndarray] = {}
            self._offsets: dict[str, int] = {}
            for name, (dtype, offset, count) in head["arrays"].items():
                dt = np.dtype(dtype)
                if offset < 0 or count < 0 or offset + count * dt.itemsize > start:
                    raise ValueError(f"array {name} lies outside the file")
                self._arrays[name] = np.frombuffer(self._mm, dtype=dt, count=count, offset=offset)
                self._offsets[name] = offset
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            # (AttributeError: a trailer that is JSON but not an object.) Unmap now: on Windows
            # a mapped file cannot be replaced by the rebuild the message asks for.
            self._arrays = {}
            with contextlib.suppress(BufferError):
                self._mm.close()
            if self._fd is not None:
                self._closer()
            raise self.damaged(str(exc)) from exc

    def damaged(self, what: str) -> IndexCorrupt:
        """The error for this file found damaged: what is wrong, and the fix."""
        return IndexCorrupt(
            f"the index at {self.root} is damaged ({self.label}: {what}). {REBUILD_HINT}"
        )

    @property
    def buffer(self) -> mmap.mmap:
        """The whole mapped file (slicing it gives bytes)."""
        return self._mm

    def read(self, start: int, end: int) -> bytes:
        """Bytes [start, end) of the file.

        Scattered small reads (a paragraph's text, a posting list) go through pread, not the
        map: a page fault maps up to 64 KB of already-cached neighbours into the process, so
        slicing the map for a few thousand paragraphs would leave most of a large file in the
        server's resident memory. Where there is no pread (Windows) the map is sliced.
        """
        if self._fd is not None:
            return os.pread(self._fd, end - start, start)
        return self._mm[start:end]

    def __contains__(self, name: str) -> bool:
        return name in self._arrays

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._arrays[name]
        except KeyError:
            raise IndexCorrupt(
                f"the index at {self.root} is damaged ({self.label} has no {name}). {REBUILD_HINT}"
            ) from None

    def offset_of(self, name: str) -> int:
        """Where an array starts in the file (for slicing `buffer` directly)."""
        self[name]
        return self._offsets[name]
