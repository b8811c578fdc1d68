"""govsearch's search API: exact literal matching, BM25F ranking, highlights and facets."""

from .query import FIELDS, MAX_QUERY_LENGTH, parse_query
from .results import (
    JSON_SCHEMA_VERSION,
    Clause,
    Document,
    Explanation,
    Hit,
    HitScore,
    IndexStats,
    Location,
    Paragraph,
    SearchResult,
)
from .service import (
    SORTS,
    Index,
    count,
    explain,
    get_document,
    open_index,
    search,
    show,
    stats,
)

__all__ = [
    "FIELDS",
    "JSON_SCHEMA_VERSION",
    "MAX_QUERY_LENGTH",
    "SORTS",
    "Clause",
    "Document",
    "Explanation",
    "Hit",
    "HitScore",
    "Index",
    "IndexStats",
    "Location",
    "Paragraph",
    "SearchResult",
    "count",
    "explain",
    "get_document",
    "open_index",
    "parse_query",
    "search",
    "show",
    "stats",
]
