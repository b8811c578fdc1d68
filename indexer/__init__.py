"""govsearch's indexer: reads government documents and writes the paragraph index."""

from .errors import (
    GovsearchError,
    IndexCorrupt,
    IndexLocked,
    IndexNotFound,
    IndexUnwritable,
    IndexVersionError,
    IndexWriteError,
    MissingDependency,
    NotFound,
    QueryError,
    UsageError,
)
from .reader import DocInfo, IndexReader
from .schema import SCHEMA_VERSION

#: Imported on first use: building pulls in the format readers, OCR and inference, which a
#: process that only searches (the CLI's `search`, the web server) never needs to load.
_BUILD_NAMES = ("IndexReport", "Progress", "SkippedFile", "build_index")


def __getattr__(name: str):
    """The building API, imported when first asked for."""
    if name in _BUILD_NAMES:
        from . import build

        return getattr(build, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SCHEMA_VERSION",
    "DocInfo",
    "GovsearchError",
    "IndexCorrupt",
    "IndexLocked",
    "IndexNotFound",
    "IndexReader",
    "IndexReport",
    "IndexUnwritable",
    "IndexVersionError",
    "IndexWriteError",
    "MissingDependency",
    "NotFound",
    "Progress",
    "QueryError",
    "SkippedFile",
    "UsageError",
    "build_index",
]
