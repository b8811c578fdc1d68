"""govsearch's indexer: reads government documents and writes the paragraph index."""

from .build import IndexReport, Progress, SkippedFile, build_index
from .errors import (
    GovsearchError,
    IndexCorrupt,
    IndexLocked,
    IndexNotFound,
    IndexVersionError,
    NotFound,
    QueryError,
    UsageError,
)
from .schema import SCHEMA_VERSION
from .store import DocInfo, IndexReader

__all__ = [
    "SCHEMA_VERSION",
    "DocInfo",
    "GovsearchError",
    "IndexCorrupt",
    "IndexLocked",
    "IndexNotFound",
    "IndexReader",
    "IndexReport",
    "IndexVersionError",
    "NotFound",
    "Progress",
    "QueryError",
    "SkippedFile",
    "UsageError",
    "build_index",
]
