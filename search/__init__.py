"""govsearch's search API: exact literal matching, BM25F ranking, highlights and facets."""

from .query import FIELDS, MAX_QUERY_LENGTH, FilterValueError, make_field, parse_query
from .results import (
    JSON_SCHEMA_VERSION,
    Clause,
    Document,
    Explanation,
    Hit,
    IndexStats,
    Location,
    Paragraph,
    SearchResult,
    Suggestion,
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
    "FilterValueError",
    "JSON_SCHEMA_VERSION",
    "MAX_QUERY_LENGTH",
    "SORTS",
    "Clause",
    "Document",
    "Explanation",
    "Hit",
    "Index",
    "IndexStats",
    "Location",
    "Paragraph",
    "SearchResult",
    "Suggestion",
    "count",
    "explain",
    "get_document",
    "make_field",
    "open_index",
    "parse_query",
    "search",
    "show",
    "stats",
]
