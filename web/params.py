"""Request parameters of the search page and /api/search: parsed and checked in one place.

Unknown parameters are ignored (links carry tracking junk); known ones with bad values are a 400.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

from govsearch.indexer import NotFound, QueryError
from govsearch.search import MAX_QUERY_LENGTH, SORTS, Index, SearchResult, search

PER_PAGE = 20
MAX_PER_PAGE = 100
#: Facet filters, in the order their chips are shown.
FILTERS = ("year", "region", "level", "type")
GROUPS = ("", "doc", "none")
_WHOLE = re.compile(r"[0-9]{1,18}")
_DOC_ID = re.compile(r"[0-9a-f]{1,64}")


@dataclass(frozen=True)
class SearchParams:
    """Everything the search page's URL holds."""

    q: str = ""
    page: int = 1
    per_page: int = PER_PAGE
    sort: str = "relevance"
    year: str | None = None
    region: str | None = None
    level: str | None = None
    type: str | None = None
    #: "doc" (each document's first two hits, the rest counted) or "none" (every hit in rank
    #: order); "" is the page's default: grouped on the search page, flat in the API.
    group: str = ""

    @property
    def filters(self) -> list[tuple[str, str]]:
        """Active facet filters as (name, value)."""
        return [(n, v) for n in FILTERS if (v := getattr(self, n))]

    @property
    def is_blank(self) -> bool:
        return not self.q.strip() and not self.filters

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def pages(self, total: int) -> int:
        return math.ceil(total / self.per_page)

    def page_count(self, result: SearchResult) -> int:
        """Pages of this result: grouped results are paged by the hits they list."""
        return self.pages(result.listed if result.listed is not None else result.total)

    def url_args(self, **changes: str | int | None) -> dict[str, str | int]:
        """URL arguments for a link from this state; `page` is kept only when given."""
        state = {**asdict(replace(self, page=1)), **changes}
        defaults = asdict(SearchParams())
        return {k: v for k, v in state.items() if v not in (None, "") and v != defaults[k]}

    def query_args(self) -> dict:
        """The arguments of search() and iter_hits() that choose the hits and their order."""
        return {
            "sort": self.sort,
            "year": self.year,
            "region": self.region,
            "filters": [(n, v) for n, v in self.filters if n in ("level", "type")],
        }

    def run(self, index: Index, default_group: str = "none") -> SearchResult:
        """This state's page of results."""
        return search(
            index,
            self.q,
            limit=self.per_page,
            offset=self.offset,
            group="doc" if (self.group or default_group) == "doc" else None,
            **self.query_args(),
        )


def _whole_number(args: Mapping[str, str], name: str, default: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not _WHOLE.fullmatch(raw) or int(raw) < 1:
        raise QueryError(f"{name} must be a whole number, 1 or more (got {raw[:40]!r})")
    return int(raw)


def parse_search_args(args: Mapping[str, str]) -> SearchParams:
    """Check the query-string arguments; raises QueryError (→ 400) naming the bad one."""
    sort = args.get("sort", "").strip() or "relevance"
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort[:40]!r}; use one of: {', '.join(SORTS)}")
    filters = {}
    for name in FILTERS:
        value = args.get(name, "").strip()
        if len(value) > MAX_QUERY_LENGTH:
            raise QueryError(f"{name} is too long (the limit is {MAX_QUERY_LENGTH} characters)")
        filters[name] = value or None
    group = args.get("group", "").strip()
    if group not in GROUPS:
        raise QueryError(f"group must be one of: {', '.join(GROUPS[1:])} (got {group[:40]!r})")
    return SearchParams(
        q=args.get("q", ""),
        group=group,
        page=_whole_number(args, "page", 1),
        per_page=min(_whole_number(args, "per_page", PER_PAGE), MAX_PER_PAGE),
        sort=sort,
        **filters,
    )


def search_state(args: Mapping[str, str]) -> SearchParams:
    """The search a document page was opened from (for its way back); never an error."""
    try:
        return parse_search_args(args)
    except QueryError:
        return SearchParams(q=args.get("q", ""))


def check_doc_id(doc_id: str) -> str:
    """Doc ids are hex digests; anything else never reaches the index (or the filesystem)."""
    if not _DOC_ID.fullmatch(doc_id):
        raise NotFound(f"no document with id {doc_id[:80]!r} in this index; search for it first")
    return doc_id
