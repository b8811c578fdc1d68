"""Exact counts of series of queries per year, region, level, type or document.

A series is any query; its counts are those of `search` over the same index: the paragraphs
that match (a paragraph repeated word for word in a near-duplicate document counts once, as it
is one hit with the copy under `also_in`; `count_copies=True` counts every copy), the
documents that hold at least one of them, and the occurrences of the series' terms in them.
Each bucket also carries its corpus totals (paragraphs and documents under the same rule), so
a reader can tell more attention from more documents.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from govsearch.indexer import IndexReader, QueryError, UsageError

from .evaluate import Evaluator
from .facets import NATIONAL
from .folding import fold
from .frames import data_frame
from .index import Index, reader_of
from .occurrences import Tally, count_batch, counter
from .query import Pattern, Term, build_query, make_field, positive_terms
from .results import JSON_SCHEMA_VERSION
from .vocabulary import check_filter_values

#: What a series can be counted by; `doc` is one bucket per document.
BY = ("year", "region", "province", "city", "county", "level", "type", "doc")
#: How a value is shown relative to its bucket (text output, the web chart).
PER = ("none", "10k-paragraphs", "share-of-documents")
MAX_SERIES = 1000
#: The counts of a trend row, in the order tables and DataFrames give them.
TREND_MEASURES = (
    "paragraphs", "documents", "occurrences", "bucket_paragraphs", "bucket_documents",
    "per_10k_paragraphs", "share_of_documents",
)  # fmt: skip
#: Series × buckets above this is refused: the table would not fit a spreadsheet or a screen.
MAX_CELLS = 1_000_000
#: A batch of series shares one pass over the paragraph text (for occurrences); it closes
#: once its matching sets hold this many paragraph ids, so memory does not grow with the
#: number of series.
BATCH_PIDS = 1_000_000
BATCH_SERIES = 64
_LABEL = re.compile(r"^([^\s=\"():]{1,64})=(?=\S)")


@dataclass(frozen=True)
class Series:
    """One line of a trend: a label and the query it counts."""

    label: str
    query: str


def parse_series(text: str) -> Series:
    """`label=QUERY` or a bare QUERY (labelled by itself)."""
    text = text.strip()
    if not text:
        raise QueryError("empty series: give a query such as 河长制 or 河湖=河长制 OR 湖长制")
    m = _LABEL.match(text)
    if m:
        return Series(m.group(1), text[m.end() :].strip())
    return Series(text, text)


def read_terms_file(path: Path | str) -> list[str]:
    """Series from a UTF-8 text file: one per line, `#` comments and blank lines skipped."""
    if "\0" in str(path):
        raise UsageError(f"cannot read {str(path)!r}: a file name cannot contain a NUL character")
    try:
        raw = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UsageError(f"cannot read {path}: it is not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageError(f"cannot read terms file {path}: {reason}") from None
    lines = [ln.strip() for ln in raw.splitlines()]
    out = [ln for ln in lines if ln and not ln.startswith("#")]
    if not out:
        raise UsageError(f"{path} holds no series: write one query per line, e.g. 河长制")
    return out


@dataclass(frozen=True)
class Bucket:
    """One value of the `by` dimensions and what the index holds there."""

    key: tuple[str | int | None, ...]
    #: Paragraphs and documents in this bucket (copies left out unless counting copies).
    paragraphs: int
    documents: int
    #: Shown beside a per-document key: the document's title.
    title: str | None = None


@dataclass(frozen=True)
class TrendRow:
    """One series in one bucket: the tidy table's row."""

    series: str
    query: str
    bucket: tuple[str | int | None, ...]
    paragraphs: int
    documents: int
    #: None when the series has no text term to count (only filters).
    occurrences: int | None
    bucket_paragraphs: int
    bucket_documents: int
    #: Matching paragraphs per 10,000 paragraphs of the bucket; None for an empty bucket.
    per_10k_paragraphs: float | None
    #: Share (0–1) of the bucket's documents that hold the series; None for an empty bucket.
    share_of_documents: float | None

    def value(self, per: str) -> float | int | None:
        """The figure shown for `per` (none: matching paragraphs)."""
        if per == "10k-paragraphs":
            return self.per_10k_paragraphs
        if per == "share-of-documents":
            return self.share_of_documents
        return self.paragraphs


@dataclass(frozen=True)
class SeriesTrend:
    """One series: its totals over the scope and its row in every bucket."""

    label: str
    query: str
    paragraphs: int
    documents: int
    occurrences: int | None
    #: First and last year with a matching paragraph (None: never, or no dated document).
    first_year: int | None
    last_year: int | None
    rows: list[TrendRow]

    def summary(self) -> dict:
        """The series without its rows."""
        return {
            "series": self.label,
            "query": self.query,
            "paragraphs": self.paragraphs,
            "documents": self.documents,
            "occurrences": self.occurrences,
            "first_year": self.first_year,
            "last_year": self.last_year,
        }


@dataclass(frozen=True)
class Trend:
    """Counts of several series over the same buckets."""

    by: tuple[str, ...]
    #: Column names of a bucket key (`doc` gives doc_id; its title travels in Bucket.title).
    columns: tuple[str, ...]
    buckets: list[Bucket]
    series: list[SeriesTrend]
    count_copies: bool = False
    year: str | None = None
    region: str | None = None
    paragraphs: int = 0
    documents: int = 0
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> Iterator[TrendRow]:
        """Every row, series by series, buckets in order."""
        for s in self.series:
            yield from s.rows

    @property
    def total(self) -> int:
        """Matching paragraphs summed over the series."""
        return sum(s.paragraphs for s in self.series)

    def to_pandas(self):
        """The tidy table as a pandas DataFrame: one row per series and bucket, the bucket's
        columns named as in `columns` (and `title` beside doc_id); needs govsearch[pandas]."""
        by = [c for c in self.columns for c in ((c, "title") if c == "doc_id" else (c,))]
        titles = [b.title for b in self.buckets]

        def rows() -> Iterator[list]:
            for s in self.series:
                for r, title in zip(s.rows, titles, strict=True):
                    key: list = []
                    for column, value in zip(self.columns, r.bucket, strict=True):
                        key += [value, title] if column == "doc_id" else [value]
                    yield [r.series, r.query, *key, r.paragraphs, r.documents, r.occurrences,
                           r.bucket_paragraphs, r.bucket_documents, r.per_10k_paragraphs,
                           r.share_of_documents]  # fmt: skip

        return data_frame(("series", "query", *by, *TREND_MEASURES), rows())

    def to_dict(self) -> dict:
        """The JSON object of `govsearch trend --format json` and /api/trend."""
        return {
            "schema_version": JSON_SCHEMA_VERSION,
            "by": list(self.by),
            "year": self.year,
            "region": self.region,
            "count_copies": self.count_copies,
            "paragraphs": self.paragraphs,
            "documents": self.documents,
            "buckets": [
                {
                    **dict(zip(self.columns, b.key, strict=True)),
                    **({"title": b.title} if "doc" in self.by else {}),
                    "paragraphs": b.paragraphs,
                    "documents": b.documents,
                }
                for b in self.buckets
            ],
            "series": [
                {
                    **s.summary(),
                    "rows": [
                        {
                            **dict(zip(self.columns, r.bucket, strict=True)),
                            "paragraphs": r.paragraphs,
                            "documents": r.documents,
                            "occurrences": r.occurrences,
                            "bucket_paragraphs": r.bucket_paragraphs,
                            "bucket_documents": r.bucket_documents,
                            "per_10k_paragraphs": r.per_10k_paragraphs,
                            "share_of_documents": r.share_of_documents,
                        }
                        for r in s.rows
                    ],
                }
                for s in self.series
            ],
            "warnings": self.warnings,
        }


# -- buckets -----------------------------------------------------------------------------


def _value(doc, dim: str) -> str | int | None:
    if dim == "year":
        return doc.year
    if dim in ("region", "level"):
        return getattr(doc, dim) or None
    if dim == "type":
        return doc.meta.get("type") or None
    if dim == "doc":
        return doc.doc_id
    # province / city / county come from the region metadata when the index has it; a national
    # document is 全国 at every depth, as facets and `stats` call it, not an unknown place.
    if doc.level == "national":
        return NATIONAL
    return getattr(doc, dim, None) or None


def _sort_key(value: str | int | None) -> tuple:
    return (value is None, value if value is not None else 0)


class _Scope:
    """The documents counted, each mapped to its bucket, with the buckets' totals."""

    def __init__(
        self,
        reader: IndexReader,
        by: tuple[str, ...],
        in_scope: np.ndarray | None,
        count_copies: bool,
        year_range: tuple[int | None, int | None],
    ):
        docs = reader.docs
        self.doc_numbers = numbers = reader.doc_numbers()
        counted = reader.all_pids()
        if in_scope is not None:
            counted = counted[in_scope[numbers[counted]]]
        if not count_copies:
            # As `search` folds: a copy is left out when its original is in scope too.
            counted = fold(reader, counted).kept
        #: Paragraphs each document contributes to its bucket's total.
        self.doc_paragraphs = np.bincount(numbers[counted], minlength=len(docs)).tolist()
        keys: dict[tuple, list[int]] = {}
        for i, d in enumerate(docs):
            if in_scope is None or in_scope[i]:
                keys.setdefault(tuple(_value(d, dim) for dim in by), []).append(i)
        if by == ("year",):
            # Every year from the first to the last, so the time axis has no holes.
            years = [k[0] for k in keys if k[0] is not None]
            low = year_range[0] if year_range[0] is not None else min(years, default=None)
            high = year_range[1] if year_range[1] is not None else max(years, default=None)
            if low is not None and high is not None:
                for y in range(low, high + 1):
                    keys.setdefault((y,), [])
        if by == ("doc",):
            # By path, not by position in the index: the same however the index was built.
            order = sorted(keys, key=lambda k: docs[keys[k][0]].path)
        else:
            order = sorted(keys, key=lambda k: tuple(_sort_key(v) for v in k))
        self.bucket_of = [-1] * len(docs)
        self.buckets: list[Bucket] = []
        for b, key in enumerate(order):
            members = keys[key]
            for i in members:
                self.bucket_of[i] = b
            counted = [self.doc_paragraphs[i] for i in members]
            title = docs[members[0]].title if "doc" in by else None
            self.buckets.append(Bucket(key, sum(counted), sum(1 for n in counted if n > 0), title))
        self.docs = docs


# -- counting -----------------------------------------------------------------------------


def _matching(reader: IndexReader, node, in_scope: np.ndarray | None, collapse: bool) -> np.ndarray:
    """The exact, sorted paragraph ids a query matches in the scope, as `search` counts them.

    `in_scope` marks the documents counted (None: all). Everything after this works on the ids.
    """
    matched = Evaluator(reader).eval(node)
    if in_scope is not None:
        matched = matched[in_scope[reader.doc_numbers()[matched]]]
    if collapse:
        matched = fold(reader, matched).kept
    return matched


@dataclass(kw_only=True)
class _Pending(Tally):
    series: Series
    node: object


def _series_trend(scope: _Scope, p: _Pending) -> SeriesTrend:
    per_doc = np.bincount(scope.doc_numbers[p.pids], minlength=len(scope.docs))
    n = len(scope.buckets)
    paragraphs, documents, occurrences = [0] * n, [0] * n, [0] * n
    years = []
    for doc in np.flatnonzero(per_doc).tolist():
        count = int(per_doc[doc])
        b = scope.bucket_of[doc]
        if b < 0:
            continue
        paragraphs[b] += count
        documents[b] += 1
        occurrences[b] += p.occurrences[doc]
        if scope.docs[doc].year is not None:
            years.append(scope.docs[doc].year)
    counted = p.count is not None
    rows = []
    for b, bucket in enumerate(scope.buckets):
        bp, bd = bucket.paragraphs, bucket.documents
        rows.append(
            TrendRow(
                series=p.series.label,
                query=p.series.query,
                bucket=bucket.key,
                paragraphs=paragraphs[b],
                documents=documents[b],
                occurrences=occurrences[b] if counted else None,
                bucket_paragraphs=bp,
                bucket_documents=bd,
                per_10k_paragraphs=round(paragraphs[b] * 10_000 / bp, 4) if bp else None,
                share_of_documents=round(documents[b] / bd, 6) if bd else None,
            )
        )
    return SeriesTrend(
        label=p.series.label,
        query=p.series.query,
        paragraphs=sum(paragraphs),
        documents=sum(documents),
        occurrences=sum(occurrences) if counted else None,
        first_year=min(years, default=None),
        last_year=max(years, default=None),
        rows=rows,
    )


def _unique_series(queries: Iterable[str | Series]) -> tuple[list[Series], list[str]]:
    out: dict[str, Series] = {}
    warnings = []
    for q in queries:
        s = q if isinstance(q, Series) else parse_series(q)
        seen = out.get(s.label)
        if seen is None:
            out[s.label] = s
        elif seen.query == s.query:
            warnings.append(f"series {s.label!r} is given more than once; counted once")
        else:
            raise UsageError(
                f"two series are labelled {s.label!r} ({seen.query!r} and {s.query!r}); "
                "give each its own label, e.g. 河湖=河长制 OR 湖长制"
            )
    return list(out.values()), warnings


def trend(
    index: Index | Path | str,
    queries: Sequence[str | Series],
    *,
    by: Sequence[str] = ("year",),
    year: str | None = None,
    region: str | None = None,
    count_copies: bool = False,
    max_series: int = MAX_SERIES,
    variants: int | None = None,
    occurrences: bool = True,
) -> Trend:
    """Count each series (a query, or `label=QUERY`) in every bucket of `by`.

    Every bucket of the scope is present for every series, zeros included; with `by` year
    alone, every year from the first to the last. `year` and `region` narrow the scope as
    --year and --region narrow a search. With `variants=N`, a series holding a wildcard or a
    regular expression becomes the N variants it matched most (search/variants.py), each a
    series of its own. occurrences=False leaves the occurrences out (None, as for a series of
    filters), which spares reading the matching paragraphs' text.
    """
    started = time.perf_counter()
    by = tuple(by) or ("year",)
    for dim in by:
        if dim not in BY:
            raise UsageError(f"cannot count by {dim!r}; use one of: {', '.join(BY)}")
    if len(set(by)) < len(by):
        raise UsageError(f"--by {' '.join(by)} names a dimension twice; give each once")
    series, warnings = _unique_series(queries)
    if not series:
        raise UsageError("no series to count: give one or more queries, e.g. 河长制 湖长制")
    if variants is not None:
        expanded, notes = _expand(index, series, variants, year, region)
        series, repeated = _unique_series(expanded)
        warnings += notes + repeated
    if len(series) > max_series:
        raise UsageError(
            f"{len(series)} series; the limit is {max_series} per run: split them into several runs"
        )
    nodes = [_parse(s) for s in series]  # every query is checked before counting starts
    reader = reader_of(index)
    for s, node in zip(series, nodes, strict=True):
        try:
            check_filter_values(reader, node)
        except QueryError as exc:
            raise QueryError(f"series {s.label!r}: {exc}") from None
    in_scope, year_range = _scope_docs(reader, year, region)
    scope = _Scope(reader, by, in_scope, count_copies, year_range)
    cells = len(series) * len(scope.buckets)
    if cells > MAX_CELLS:
        raise UsageError(
            f"{len(series)} series × {len(scope.buckets)} buckets is {cells:,} rows; the limit "
            f"is {MAX_CELLS:,}: use fewer series, a coarser --by, or narrow with --year/--region"
        )
    results: list[SeriesTrend] = []
    batch: list[_Pending] = []
    held = 0
    for s, node in zip(series, nodes, strict=True):
        pids = _matching(reader, node, in_scope, collapse=not count_copies)
        terms = positive_terms(node) if occurrences else []
        single = terms[0].text if len(terms) == 1 and isinstance(terms[0], Term) else None
        batch.append(_Pending(pids, counter(reader, terms), term=single, series=s, node=node))
        held += len(pids)
        if held >= BATCH_PIDS or len(batch) >= BATCH_SERIES:
            results.extend(_finish(reader, scope, batch))
            batch, held = [], 0
    results.extend(_finish(reader, scope, batch))
    for s in results:
        if not s.paragraphs:
            warnings.append(f"series {s.label!r} matches no paragraph")
    return Trend(
        by=by,
        columns=tuple("doc_id" if d == "doc" else d for d in by),
        buckets=scope.buckets,
        series=results,
        count_copies=count_copies,
        year=year,
        region=region,
        paragraphs=sum(b.paragraphs for b in scope.buckets),
        documents=sum(b.documents for b in scope.buckets),
        warnings=warnings,
        seconds=round(time.perf_counter() - started, 4),
    )


def _expand(
    index, series: list[Series], n: int, year: str | None, region: str | None
) -> tuple[list[Series], list[str]]:
    """Each series with a pattern replaced by its n largest variants (in the same scope)."""
    from .variants import variants as list_variants

    if n < 1:
        raise UsageError("--variants must be 1 or more")
    out, notes = [], []
    for s in series:
        if not any(isinstance(t, Pattern) for t in positive_terms(_parse(s))):
            out.append(s)
            continue
        try:
            found = list_variants(index, s.query, year=year, region=region, top=n)
        except QueryError as exc:
            raise QueryError(f"series {s.label!r}: {exc}") from None
        if not found.variants:
            notes.append(f"series {s.label!r}: the pattern matched nothing; counted as it is")
            out.append(s)
        out.extend(Series(v.text, v.query) for v in found.variants)
    return out, notes


def _parse(s: Series):
    try:
        return build_query(s.query)
    except QueryError as exc:
        label = f"series {s.label!r}" if s.label == s.query else f"series {s.label!r} ({s.query!r})"
        raise QueryError(f"{label}: {exc}") from None


def _finish(reader: IndexReader, scope: _Scope, batch: list[_Pending]) -> list[SeriesTrend]:
    count_batch(reader, batch)
    return [_series_trend(scope, p) for p in batch]


def _scope_docs(
    reader: IndexReader, year: str | None, region: str | None
) -> tuple[np.ndarray | None, tuple[int | None, int | None]]:
    """Which documents --year and --region keep (None: all of them), and the year range."""
    year_range: tuple[int | None, int | None] = (None, None)
    if year:
        f = make_field("year", year)
        year_range = (f.low, f.high)  # type: ignore[assignment]
    if not (year or region):
        return None, year_range
    pids = Evaluator(reader).eval(build_query("", year=year, region=region))
    keep = np.zeros(len(reader.docs), dtype=bool)
    keep[reader.doc_numbers()[pids]] = True
    return keep, year_range
