"""The 语境 (KWIC) and 扩散 (diffusion) pages of any search, and their JSON under /api/.

Each route parses its arguments, calls one library function and renders the result. Both keep
the search page's query and filters (q, year, region, level, type), so a link from a result
page opens the same matches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from flask import Blueprint, render_template, request, url_for

from govsearch.indexer import QueryError
from govsearch.search import (
    DIFFUSION_BY,
    KWIC_SORTS,
    AdoptionYear,
    Concordance,
    Diffusion,
    RegionFirst,
)
from govsearch.search import diffusion as spread
from govsearch.search import kwic as concordance

from . import public
from .chart import adoption_curve
from .params import SearchParams, parse_search_args
from .tiles import first_year_tiles, year_legend
from .views import current_index

pages = Blueprint("research", __name__)
api = Blueprint("research_api", __name__)

LINES_PER_PAGE = 100
#: A sort by context reads every line: more matching paragraphs than this are refused on the
#: web (a worker would be busy for seconds); the CLI has no limit.
WEB_MAX_SORTED = 50_000
WIDTH = 20
ORDER_LABELS = {"position": "按出现顺序", "left": "按左侧语境排序", "right": "按右侧语境排序"}
BY_LABELS = {"province": "省份", "city": "城市", "county": "区县"}


@dataclass(frozen=True)
class KwicParams:
    """The search the concordance is of, and its order, width and page."""

    search: SearchParams
    order: str = "position"
    width: int = WIDTH

    def url_args(self, **changes) -> dict:
        """URL arguments for a link from this state; `page` kept only when given."""
        state = replace(self, **{k: v for k, v in changes.items() if k in ("order", "width")})
        args = self.search.url_args(**{k: v for k, v in changes.items() if k == "page"})
        args.pop("sort", None)
        args.pop("group", None)
        if state.order != "position":
            args["order"] = state.order
        if state.width != WIDTH:
            args["width"] = state.width
        return args

    def run(self) -> Concordance:
        s = self.search
        return concordance(
            current_index(), s.q, width=self.width, sort=self.order, limit=LINES_PER_PAGE,
            offset=(s.page - 1) * LINES_PER_PAGE, year=s.year, region=s.region,
            filters=[(n, v) for n, v in s.filters if n in ("level", "type")],
            max_sorted=WEB_MAX_SORTED,
        )  # fmt: skip


def _without(args: Mapping, *names: str) -> dict:
    return {k: v for k, v in args.items() if k not in names}


def parse_kwic_args(args: Mapping) -> KwicParams:
    """Check the arguments; raises QueryError (→ 400) naming the bad one."""
    order = args.get("order", "").strip() or "position"
    if order not in KWIC_SORTS:
        raise QueryError(f"unknown sort {order[:40]!r}; use one of: {', '.join(KWIC_SORTS)}")
    raw = args.get("width", "").strip()
    if raw and not (raw.isascii() and raw.isdigit() and int(raw) <= 200):
        raise QueryError(f"width must be 0 to 200 characters (got {raw[:40]!r})")
    # The search page's own sort and grouping mean nothing here.
    search = parse_search_args(_without(args, "sort", "group", "per_page"))
    return KwicParams(search, order, int(raw) if raw else WIDTH)


@pages.get("/kwic")
def kwic_page():
    params = parse_kwic_args(request.args)
    result = params.run() if params.search.q.strip() else None
    return render_template("kwic.html", params=params, result=result, ORDER_LABELS=ORDER_LABELS,
                           per_page=LINES_PER_PAGE)  # fmt: skip


@api.get("/kwic")
def api_kwic():
    return public.for_api(parse_kwic_args(request.args).run().to_dict())


@dataclass(frozen=True)
class DiffusionParams:
    """The search whose diffusion is shown, and the level of its regions."""

    search: SearchParams
    by: str = "province"

    def url_args(self, **changes) -> dict:
        args = self.search.url_args()
        for name in ("sort", "group", "page"):
            args.pop(name, None)
        by = changes.get("by", self.by)
        if by != "province":
            args["by"] = by
        return args

    def run(self, by: str | None = None) -> Diffusion:
        s = self.search
        return spread(
            current_index(), s.q, by=by or self.by, year=s.year, region=s.region,
            filters=[(n, v) for n, v in s.filters if n in ("level", "type")],
        )  # fmt: skip


def parse_diffusion_args(args: Mapping) -> DiffusionParams:
    """Check the arguments; raises QueryError (→ 400) naming the bad one."""
    by = args.get("by", "").strip() or "province"
    if by not in DIFFUSION_BY:
        raise QueryError(f"unknown level {by[:40]!r}; use one of: {', '.join(DIFFUSION_BY)}")
    return DiffusionParams(parse_search_args(_without(args, "sort", "group", "per_page")), by)


def first_document_href(q: str):
    """Where a region leads: its first document, at the paragraph of its first match."""

    def href(r: RegionFirst) -> str:
        paragraph = (r.first_id or ":1").rsplit(":", 1)[1]
        return url_for("pages.document_page", doc_id=r.first_doc_id, q=q,
                       _anchor=f"p-{paragraph}")  # fmt: skip

    return href


def adopted_anchor(a: AdoptionYear) -> str:
    """Where a year of the adoption curve leads: the table's first row of the regions new
    that year (the template gives it this id)."""
    return f"#adopted-{a.year}"


@pages.get("/diffusion")
def diffusion_page():
    params = parse_diffusion_args(request.args)
    if not params.search.q.strip():
        return render_template("diffusion.html", params=params, result=None, BY_LABELS=BY_LABELS)
    result = params.run()
    provinces = result if params.by == "province" else params.run("province")
    href = first_document_href(params.search.q)
    return render_template(
        "diffusion.html", params=params, result=result, href=href, BY_LABELS=BY_LABELS,
        tiles=first_year_tiles(provinces, href), legend=year_legend(provinces),
        curve=adoption_curve(result, adopted_anchor),
    )  # fmt: skip


@api.get("/diffusion")
def api_diffusion():
    return public.for_api(parse_diffusion_args(request.args).run().to_dict())
