"""The index directory: generations, the writer lock, meta files and their checks.

Layout::

    INDEX_DIR/
        CURRENT           name of the generation readers use
        index.lock        held by the one indexing run allowed at a time
        skipped.json      files the last runs skipped, so an unchanged one is reported once
        segments/         immutable segments of paragraphs (segment.py), shared by generations
        gen-000007/       one complete index: meta.json, generation.sqlite (its segments in
                          order, the paragraphs deleted from each, near-duplicate pairs), the
                          Whoosh index and the remembered manifest

An indexing run writes a new generation (and a segment for the paragraphs it adds) next to the
current one and switches CURRENT with an atomic rename only after everything is written, so a
crash or Ctrl-C leaves the previous index intact, and a running server keeps answering from the
old generation until the switch. Nothing a published generation names is ever changed.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import zlib
from pathlib import Path

from .errors import IndexCorrupt, IndexLocked, IndexVersionError
from .schema import SCHEMA_VERSION

CURRENT = "CURRENT"
LOCK = "index.lock"
META = "meta.json"
SKIPPED = "skipped.json"
SQLITE = "store.sqlite"
WHOOSH = "whoosh"
REBUILD_HINT = "Run: govsearch index --rebuild PATH..."
#: The flat files of a segment (segment.py).
GRAMS = "grams.flat"
WORDS = "words.flat"
GRAMS_KIND = "govsearch-grams"
WORDS_KIND = "govsearch-words"


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


def new_generation(root: Path) -> Path:
    """Create the next (empty) generation directory."""
    root.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name[4:]) for p in root.glob("gen-*") if p.name[4:].isdigit()]
    gen = root / f"gen-{max(numbers, default=0) + 1:06d}"
    if gen.exists():
        shutil.rmtree(gen)
    gen.mkdir()
    return gen


def kept_generations(root: Path) -> list[Path]:
    """The generations a reader may still use: CURRENT's and the one before it."""
    current = current_generation(root)
    if current is None:
        return []
    older = sorted(p for p in root.glob("gen-*") if p.is_dir() and p.name < current.name)
    return [current, *older[-1:]]


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
    keep = {g.name for g in kept_generations(root)}
    if not keep:
        return
    for gen in sorted(p for p in root.glob("gen-*") if p.is_dir()):
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
    check_files(gen, meta.get("files"), gen.parent)
    return meta


def write_meta(gen: Path, meta: dict) -> None:
    """Write meta.json of a generation, with the list of its files (see check_files)."""
    meta = {**meta, "files": file_list(gen)}
    write_json(gen / META, meta)


def write_json(path: Path, value: dict) -> None:
    """Write a small JSON file durably (the directory it describes is published after it)."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(value, ensure_ascii=False, indent=1))
        fh.flush()
        os.fsync(fh.fileno())


# Files up to this size are checksummed as well (Whoosh's table of contents, length columns).
_CHECKSUM_BYTES = 64 * 1024
#: Files a directory's list leaves out: its own meta file, Whoosh's write lock.
_UNLISTED = (META, "segment.json")


def _crc(path: Path) -> int:
    return zlib.crc32(path.read_bytes())


def file_list(directory: Path) -> dict[str, list]:
    """Every file below a directory with its size (and a CRC-32 of the small ones)."""
    out = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        if path.name in _UNLISTED or path.name.endswith("_WRITELOCK"):
            continue
        size = path.stat().st_size
        out[path.relative_to(directory).as_posix()] = [
            size,
            _crc(path) if size <= _CHECKSUM_BYTES else None,
        ]
    return out


def check_files(directory: Path, files: dict | None, root: Path) -> None:
    """Raise IndexCorrupt when a listed file is missing or not as it was written.

    The query path reads the flat files and the stores, not Whoosh's files; checking every
    file's size (and the small ones' checksums) when a generation is opened still reports a
    damaged index at once, not at the next indexing run. Costs a stat per file. `root` is the
    index directory (for the message).
    """
    if not isinstance(files, dict):
        raise IndexCorrupt(f"the index at {root} is damaged (bad {META}). {REBUILD_HINT}")
    for name, entry in files.items():
        path = directory / name
        # A segment's file is named with its segment: "texts.flat in seg-000003".
        shown = name if directory.parent == root else f"{name} in {directory.name}"
        try:
            size = path.stat().st_size
            changed = size != entry[0] or (entry[1] is not None and _crc(path) != entry[1])
        except FileNotFoundError:
            raise IndexCorrupt(
                f"the index at {root} is incomplete ({shown} is missing). {REBUILD_HINT}"
            ) from None
        except (OSError, TypeError, IndexError) as exc:
            raise IndexCorrupt(
                f"the index at {root} is damaged ({shown}: {exc}). {REBUILD_HINT}"
            ) from exc
        if changed:
            raise IndexCorrupt(
                f"the index at {root} is damaged ({shown} is not as it was written). {REBUILD_HINT}"
            )


def connect(directory: Path, *, readonly: bool, root: Path | None = None) -> sqlite3.Connection:
    """Open the SQLite store of a segment (store.sqlite); root: the index, for messages."""
    path = directory / SQLITE
    if readonly:
        if not path.exists():
            raise IndexCorrupt(
                f"the index at {root or directory.parent} is incomplete. {REBUILD_HINT}"
            )
        uri = f"{path.resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
    else:
        conn = sqlite3.connect(path)
    return conn
