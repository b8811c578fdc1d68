"""Stage 5, facets and totals: how the matching paragraphs spread over the documents' metadata.

Counts are paragraphs, made with numpy.bincount over per-document label codes built once per
index generation. Also the index-wide counts of `stats`. Hands on plain dicts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np

from govsearch.indexer import DocInfo, IndexReader

from .results import IndexStats

#: Facets: name → the label a document's paragraphs are counted under (None: not counted).
FACET_LABELS: dict[str, Callable[[DocInfo], str | None]] = {
    "year": lambda d: str(d.year) if d.year is not None else "unknown",
    "region": lambda d: d.region or "unknown",
    "level": lambda d: d.level or "unknown",
    "type": lambda d: d.meta.get("type") or "unknown",
    "province": lambda d: region_facets(d).get("province"),
    "city": lambda d: region_facets(d).get("city"),
    "county": lambda d: region_facets(d).get("county"),
}
FACETS = tuple(FACET_LABELS)
#: The province key of a national document (facets, `stats` and `trend` alike).
NATIONAL = "全国"


def region_facets(d) -> dict[str, str]:
    """The province, city and county facet keys of a document.

    A city or county key is its whole path (广东省深圳市, 广东省深圳市坪山区), which is unique
    and, given back as region:, selects exactly that unit. National documents count under 全国;
    a document with no city (provincial ones, the districts of 北京市) has no city key.
    """
    keys: dict[str, str] = {}
    if d.level == "national":
        keys["province"] = NATIONAL
        return keys
    keys["province"] = d.province or "unknown"
    path = ""
    for name, kind in zip(d.region_path, d.region_kinds, strict=False):
        path += name
        if kind in ("city", "county"):
            keys[kind] = path
    return keys


def facet_counts(reader: IndexReader, matched: np.ndarray) -> dict[str, dict[str, int]]:
    """Paragraph counts per facet label over the whole matching set."""
    per_doc = np.bincount(reader.doc_numbers()[matched], minlength=len(reader.docs))
    out = {}
    for name in FACET_LABELS:
        codes, labels = facet_codes(reader, name)
        counts = np.bincount(codes, weights=per_doc, minlength=len(labels))
        found = {
            labels[i]: int(counts[i])
            for i in np.flatnonzero(counts).tolist()
            if labels[i] is not None
        }
        if name == "year":
            out[name] = dict(sorted(found.items(), key=lambda kv: kv[0], reverse=True))
        else:
            out[name] = dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))
    return out


def facet_codes(reader: IndexReader, name: str) -> tuple[np.ndarray, list[str | None]]:
    """Per document, the number of its label for a facet; and the labels (once per reader)."""

    def make() -> tuple[np.ndarray, list[str | None]]:
        label = FACET_LABELS[name]
        numbers: dict[str | None, int] = {}
        codes = [numbers.setdefault(label(d), len(numbers)) for d in reader.docs]
        return np.array(codes, dtype=np.int32), list(numbers)

    return reader.cached(("facet", name), make)


def paragraphs_per_doc(reader: IndexReader, matched: np.ndarray) -> Counter:
    """Matching paragraphs per doc_id."""
    counts = np.bincount(reader.doc_numbers()[matched], minlength=len(reader.docs))
    docs = reader.docs
    return Counter({docs[i].doc_id: int(counts[i]) for i in np.flatnonzero(counts).tolist()})


def _stale_documents(reader: IndexReader) -> int:
    """How many documents were resolved with another gazetteer than the one installed."""
    from govsearch.indexer.gazetteer import data_version  # a digest of the file, not a parse

    return 0 if reader.meta.get("gazetteer") == data_version() else len(reader.docs)


def index_stats(reader: IndexReader) -> IndexStats:
    """Counts and facts about an index: documents per year, region, level and province."""
    size = reader.size_bytes()
    years: Counter = Counter()
    regions: Counter = Counter()
    levels: Counter = Counter()
    provinces: Counter = Counter()
    for d in reader.docs:
        years[str(d.year) if d.year is not None else "unknown"] += 1
        regions[d.region or "unknown"] += 1
        levels[d.level or "unknown"] += 1
        provinces[region_facets(d)["province"]] += 1
    return IndexStats(
        index_dir=str(reader.root),
        documents=len(reader.docs),
        paragraphs=sum(d.paragraphs for d in reader.docs),
        years=dict(sorted(years.items(), reverse=True)),
        regions=dict(sorted(regions.items(), key=lambda kv: (-kv[1], kv[0]))),
        levels=dict(sorted(levels.items(), key=lambda kv: (-kv[1], kv[0]))),
        provinces=dict(sorted(provinces.items(), key=lambda kv: (-kv[1], kv[0]))),
        size_bytes=size,
        schema_version=reader.meta["schema_version"],
        segmenter=reader.meta.get("segmenter", "?"),
        dictionary=reader.meta.get("dictionary", "?"),
        updated=reader.meta.get("updated"),
        gazetteer=reader.meta.get("gazetteer"),
        needs_reindex=_stale_documents(reader),
        segments=len(reader.segments),
        deleted_paragraphs=reader.deleted_paragraphs,
        last_merge=reader.meta.get("last_merge"),
    )
