"""Policy diffusion: for each region, the first year one of its documents contains a query.

The matching paragraphs are `search`'s (near-duplicate copies folded as search folds them).
A document belongs to the unit of the chosen level on its region path (广东省 › 深圳市 ›
坪山区 is 广东省 by province, 深圳市 by city, 坪山区 by county); units are told apart by their
whole path, so the 鼓楼区 of 南京市 and of 福州市 are two rows. National documents form the
全国 row, which the adoption curve leaves out (it counts regions). A document whose path has
no unit at that level (a provincial document by city, a place the gazetteer could not place)
is counted in `unplaced`; a matching document without a year is counted in `undated` and in
its region's documents, but cannot make a first year.

A region's first document is its earliest dated matching document: by year, then by date
where the documents have one, then by path (never by the order files were indexed in).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from govsearch.indexer import IndexReader, QueryError

from .frames import data_frame
from .index import Index, reader_of
from .query import build_query
from .results import JSON_SCHEMA_VERSION
from .service import matching_pids

#: The levels regions can be taken at.
DIFFUSION_BY = ("province", "city", "county")
#: The row of national documents.
NATIONAL = "全国"
_NATIONAL_UNIT = -2
_UNPLACED = -1
REGION_KEYS = ("region", "path", "province", "first_year", "first_doc_id", "first_title",
               "first_id", "documents", "paragraphs")  # fmt: skip
ADOPTION_KEYS = ("year", "new_regions", "regions_so_far")


@dataclass(frozen=True)
class RegionFirst:
    """One region: when a document of it first contained the query, and how many do."""

    #: The unit's name (坪山区), or 全国 for the national documents.
    region: str
    #: Names top first down to the unit; () for the 全国 row.
    path: tuple[str, ...]
    province: str | None
    #: None when every matching document of the region is undated.
    first_year: int | None
    first_doc_id: str | None
    first_title: str | None
    #: The first matching paragraph of the first document (doc:paragraph).
    first_id: str | None
    #: Matching documents and paragraphs of the region, dated or not.
    documents: int
    paragraphs: int

    @property
    def national(self) -> bool:
        """Whether this is the 全国 row."""
        return not self.path

    def to_dict(self) -> dict:
        """The JSON object of one region."""
        d = asdict(self)
        d["path"] = list(self.path)
        return d


@dataclass(frozen=True)
class AdoptionYear:
    """One year of the adoption curve (the 全国 row not counted)."""

    year: int
    new_regions: int
    regions_so_far: int


@dataclass(frozen=True)
class Diffusion:
    """When each region first took up a query, and the adoption curve over the years."""

    query: str
    by: str
    #: The 全国 row first (when national documents match), then by first year, then by path.
    regions: list[RegionFirst]
    adoption: list[AdoptionYear]
    #: Matching documents without a year.
    undated: int
    #: Matching documents with no unit at the `by` level (and not national).
    unplaced: int
    documents: int
    paragraphs: int
    year: str | None = None
    region: str | None = None
    seconds: float = 0.0

    @property
    def adopters(self) -> list[RegionFirst]:
        """The regions with a first year, national row left out."""
        return [r for r in self.regions if not r.national and r.first_year is not None]

    def to_dict(self) -> dict:
        """The JSON object of `govsearch diffusion --format json`."""
        return {
            "schema_version": JSON_SCHEMA_VERSION,
            "query": self.query,
            "by": self.by,
            "year": self.year,
            "region": self.region,
            "documents": self.documents,
            "paragraphs": self.paragraphs,
            "regions": [r.to_dict() for r in self.regions],
            "adoption": [asdict(a) for a in self.adoption],
            "undated": self.undated,
            "unplaced": self.unplaced,
        }

    def to_pandas(self, table: str = "regions"):
        """`regions` (one row per region) or `adoption` as a DataFrame (govsearch[pandas])."""
        if table == "adoption":
            return data_frame(ADOPTION_KEYS, ([a.year, a.new_regions, a.regions_so_far]
                                              for a in self.adoption))  # fmt: skip
        if table != "regions":
            raise QueryError(f"unknown table {table!r}; use regions or adoption")
        return data_frame(REGION_KEYS, ([getattr(r, k) for k in REGION_KEYS]
                                        for r in self.regions))  # fmt: skip


class _Units:
    """Each document's unit at one level: -2 national, -1 none, else an index into paths."""

    def __init__(self, reader: IndexReader, by: str):
        keys: dict[tuple[str, ...], int] = {}
        unit = np.full(len(reader.docs), _UNPLACED, dtype=np.int32)
        for i, d in enumerate(reader.docs):
            if d.level == "national":
                unit[i] = _NATIONAL_UNIT
            elif by in d.region_kinds:
                path = d.region_path[: d.region_kinds.index(by) + 1]
                unit[i] = keys.setdefault(path, len(keys))
        self.unit = unit
        self.paths = list(keys)
        years = [d.year for d in reader.docs]
        self.years = np.array([-1 if y is None else y for y in years], dtype=np.int64)
        #: Within a year: the date where there is one ("" sorts before any date: none known).
        self.dates = [d.meta.get("date") or "" for d in reader.docs]


def _units(reader: IndexReader, by: str) -> _Units:
    return reader.cached(("diffusion_units", by), lambda: _Units(reader, by))


def diffusion(
    index: Index | IndexReader | Path | str,
    query: str,
    *,
    by: str = "province",
    year: str | None = None,
    region: str | None = None,
    filters: Iterable[tuple[str, str]] = (),
    collapse: bool = True,
) -> Diffusion:
    """For each region at level `by`, the first year one of its documents matches `query`.

    With that document, the region's matching documents and paragraphs, national documents
    as a 全国 row, and per year the regions new that year and so far. `year`, `region` and
    `filters` narrow the documents as they narrow a search.
    """
    started = time.perf_counter()
    if by not in DIFFUSION_BY:
        raise QueryError(f"unknown level {by!r}; use one of: {', '.join(DIFFUSION_BY)}")
    node = build_query(query, year=year, region=region, filters=list(filters))
    reader = reader_of(index)
    pids = matching_pids(reader, node, collapse=collapse)
    units = _units(reader, by)
    doc_of = reader.doc_numbers()[pids]
    # pids are sorted and each document's ids are contiguous: its first match comes first.
    hit_docs, first_at, counts = np.unique(doc_of, return_index=True, return_counts=True)
    first_pid = pids[first_at]
    groups: dict[int, list[int]] = {}
    for n, unit in enumerate(units.unit[hit_docs].tolist()):
        groups.setdefault(unit, []).append(n)
    docs, years = reader.docs, units.years[hit_docs].tolist()
    paths = [docs[i].path for i in hit_docs.tolist()]
    rows: list[RegionFirst] = []
    for unit, members in groups.items():
        if unit == _UNPLACED:
            continue
        dated = [n for n in members if years[n] >= 0]
        first = min(
            dated, key=lambda n: (years[n], units.dates[hit_docs[n]], paths[n]), default=None
        )
        path = () if unit == _NATIONAL_UNIT else units.paths[unit]
        d = docs[hit_docs[first]] if first is not None else None
        rows.append(
            RegionFirst(
                region=path[-1] if path else NATIONAL,
                path=path,
                province=path[0] if path else None,
                first_year=d.year if d is not None else None,
                first_doc_id=d.doc_id if d is not None else None,
                first_title=d.title if d is not None else None,
                first_id=_paragraph_id(reader, int(first_pid[first])) if d is not None else None,
                documents=len(members),
                paragraphs=int(counts[members].sum()),
            )
        )
    rows.sort(key=lambda r: (bool(r.path), r.first_year is None, r.first_year or 0, r.path))
    return Diffusion(
        query=query,
        by=by,
        regions=rows,
        adoption=_adoption([r.first_year for r in rows if r.path and r.first_year is not None]),
        undated=sum(1 for y in years if y < 0),
        unplaced=len(groups.get(_UNPLACED, ())),
        documents=int(hit_docs.size),
        paragraphs=int(pids.size),
        year=year,
        region=region,
        seconds=round(time.perf_counter() - started, 4),
    )


def _paragraph_id(reader: IndexReader, pid: int) -> str:
    d = reader.doc_of(pid)
    return f"{d.doc_id}:{pid - d.pid_start + 1}"


def _adoption(first_years: list[int]) -> list[AdoptionYear]:
    """Every year from the first adoption to the last: regions new that year and so far."""
    if not first_years:
        return []
    new = np.bincount(np.array(first_years) - min(first_years))
    so_far = np.cumsum(new)
    low = min(first_years)
    return [
        AdoptionYear(low + i, int(n), int(total))
        for i, (n, total) in enumerate(zip(new.tolist(), so_far.tolist(), strict=True))
    ]
