"""The /trend page, /api/trend, and the CSV/Excel downloads of trends and search results.

Each route parses its arguments, calls one library function and renders or streams the result.
Downloads are streamed: CSV row by row, Excel from a temporary file XlsxWriter wrote row by row.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, render_template, request, url_for

from govsearch.indexer import QueryError
from govsearch.search import (
    PER,
    Hit,
    SeriesTrend,
    Trend,
    TrendRow,
    iter_hits,
    parse_series,
    trend,
)
from govsearch.search.export import (
    csv_chunks,
    hit_table,
    trend_tables,
    web_link,
    write_xlsx,
)

from . import public
from .chart import fmt_value, line_chart, province_tiles, swatch
from .messages import to_chinese
from .params import parse_search_args
from .views import current_index

pages = Blueprint("trends", __name__)
api = Blueprint("trends_api", __name__)

#: Series on one page: more lines than this are unreadable.
MAX_WEB_SERIES = 12
PER_LABELS = {"none": "段落数", "10k-paragraphs": "每万段", "share-of-documents": "文件占比"}
EXAMPLE = ("河长制", "湖长制", "林长制")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class TrendParams:
    """Everything the /trend URL holds."""

    series: tuple[str, ...] = ()
    year: str | None = None
    region: str | None = None
    per: str = "none"
    copies: bool = False
    #: Expand each series holding a wildcard or /regex/ into this many of its variants.
    variants: int | None = None

    def url_args(self, **changes) -> dict[str, str]:
        """URL arguments for a link from this state (series one per line in `q`)."""
        state = replace(self, **changes)
        args = {
            "q": "\n".join(state.series),
            "year": state.year,
            "region": state.region,
            "per": state.per if state.per != "none" else None,
            "copies": "1" if state.copies else None,
            "variants": str(state.variants) if state.variants else None,
        }
        return {k: v for k, v in args.items() if v}

    def run(self, occurrences: bool = True) -> Trend:
        return trend(
            current_index(), self.series, year=self.year, region=self.region,
            count_copies=self.copies, max_series=MAX_WEB_SERIES, variants=self.variants,
            occurrences=occurrences,
        )  # fmt: skip


def _variants(args: Mapping) -> int | None:
    raw = args.get("variants", "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_WEB_SERIES:
        raise QueryError(
            f"variants must be a whole number from 1 to {MAX_WEB_SERIES} (got {raw[:40]!r})"
        )
    return int(raw)


def _series(args: Mapping) -> tuple[str, ...]:
    """The series of `q`: one per non-blank line, over every `q` given."""
    lines = [ln.strip() for q in args.getlist("q") for ln in q.splitlines()]  # type: ignore[attr-defined]
    return tuple(ln for ln in lines if ln)


def _copies(args: Mapping) -> bool:
    return args.get("copies", "") in ("1", "on", "true")


def parse_trend_args(args: Mapping) -> TrendParams:
    """Check the arguments; raises QueryError (→ 400) naming the bad one."""
    per = args.get("per", "").strip() or "none"
    if per not in PER:
        raise QueryError(f"unknown display {per[:40]!r}; use one of: {', '.join(PER)}")
    return TrendParams(
        series=_series(args),
        year=args.get("year", "").strip() or None,
        region=args.get("region", "").strip() or None,
        per=per,
        copies=_copies(args),
        variants=_variants(args),
    )


def lenient_params(args: Mapping) -> TrendParams:
    """The form's state as typed, for showing it again above an error (never raises)."""
    per = args.get("per", "none")
    return TrendParams(
        series=_series(args),
        year=args.get("year") or None,
        region=args.get("region") or None,
        per=per if per in PER else "none",
        copies=_copies(args),
    )


def search_href(params: TrendParams, dim: str = "year"):
    """Where a point leads: the search page for the series' query in that year (or province,
    whose name is the start of its regions' names)."""

    def href(s: SeriesTrend, row: TrendRow) -> str:
        args = {"q": s.query}
        if params.region:
            args["region"] = params.region
        args["year" if dim == "year" else "region"] = str(row.bucket[0])
        return url_for("pages.search_page", **args)

    return href


@pages.get("/trend")
def trend_page():
    params = parse_trend_args(request.args)
    if not params.series:
        return render_template("trend.html", params=params, result=None, example=EXAMPLE)
    # The page shows paragraphs and documents only: the text is never read for occurrences.
    result = params.run(occurrences=False)
    href = search_href(params)
    tiles = province_tiles(
        trend(current_index(), [result.series[0].query], by=["province"], year=params.year,
              region=params.region, count_copies=params.copies, occurrences=False),
        params.per, search_href(params, "province"),
    )  # fmt: skip
    return render_template(
        "trend.html", params=params, result=result, chart=line_chart(result, params.per, href),
        tiles=tiles, href=href, swatch=swatch, fmt_value=fmt_value, PER_LABELS=PER_LABELS,
        chinese=to_chinese,
    )  # fmt: skip


@api.get("/trend")
def api_trend():
    params = parse_trend_args(request.args)
    by = [b.strip() for b in request.args.getlist("by") if b.strip()] or ["year"]
    occurrences = request.args.get("occurrences", "1").strip() not in ("0", "false", "off")
    return trend(
        current_index(), params.series, by=by, year=params.year, region=params.region,
        count_copies=params.copies, max_series=MAX_WEB_SERIES, variants=params.variants,
        occurrences=occurrences,
    ).to_dict()  # fmt: skip


@pages.get("/trend.<any(csv, xlsx):fmt>")
def trend_download(fmt: str):
    params = parse_trend_args(request.args)
    tables = trend_tables(params.run())
    name = "趋势-" + "-".join(parse_series(s).label for s in params.series[:3])
    return _download(fmt, tables, name)


@pages.get("/export.<any(csv, xlsx):fmt>")
def search_download(fmt: str):
    """Every hit of the search page's query and filters, not only the page shown."""
    params = parse_search_args(request.args)
    _total, hits = iter_hits(current_index(), params.q, **params.query_args())
    if public.is_public():
        hits = map(_without_server_paths, hits)
    table = hit_table(hits, web_link(request.url_root, params.q))
    return _download(fmt, [table], params.q or "检索结果")


def _without_server_paths(hit: Hit) -> Hit:
    """A public server names source files, never where they lie on its disk."""
    also = [replace(a, path=public.file_name(a.path)) for a in hit.also_in]
    return replace(hit, path=public.file_name(hit.path), also_in=also)


def _filename(stem: str, fmt: str) -> str:
    stem = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", stem).strip(" ._") or "govsearch"
    return f"{stem[:60]}.{fmt}"


def _download(fmt: str, tables, stem: str) -> Response:
    name = _filename(stem, fmt)
    disposition = f"attachment; filename=\"govsearch.{fmt}\"; filename*=UTF-8''{quote(name)}"
    if fmt == "csv":
        body: Iterator = (chunk.encode("utf-8") for chunk in csv_chunks(tables[0]))
        mimetype = "text/csv"  # the response adds "; charset=utf-8"
        path = None
    else:
        fd, path = tempfile.mkstemp(prefix="govsearch-", suffix=".xlsx")
        os.close(fd)
        try:
            write_xlsx(tables, path)
        except BaseException:
            os.unlink(path)
            raise
        body, mimetype = _file_chunks(path), XLSX
    response = Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})
    if path is not None:
        # Removed when the response is closed: after it is sent, when the client went away, and
        # for a HEAD request, whose body is never read.
        response.call_on_close(lambda: Path(path).unlink(missing_ok=True))
    return response


def _file_chunks(path: str, size: int = 1 << 16) -> Iterator[bytes]:
    """A file's bytes in chunks (the response that sends them removes the file)."""
    with open(path, "rb") as fh:
        while chunk := fh.read(size):
            yield chunk
