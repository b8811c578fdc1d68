"""The /collocates page, /api/collocates, and the collocates panel of the results page.

Each route parses its arguments, calls search.collocates and renders the result; the panel is a
template helper that does the same for the search on screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

from flask import Blueprint, Flask, render_template, request, url_for

from govsearch.indexer import GovsearchError, QueryError
from govsearch.search import MEASURES, Collocates, SearchResult, collocates
from govsearch.search.collocates import has_terms

from .messages import to_chinese
from .params import SearchParams
from .views import current_index

pages = Blueprint("collocates", __name__)
api = Blueprint("collocates_api", __name__)

#: The results page's panel reads at most this many matching paragraphs (more: a link to
#: /collocates, which reads them all).
PANEL_PARAGRAPHS = 2000
PANEL_WORDS = 10
#: Paragraph links under a count on the /collocates page.
SHOWN_IDS = 20
MAX_TOP = 500
MEASURE_LABELS = {"log_dice": "logDice", "g2": "对数似然 G²", "mi": "互信息 MI", "count": "段落数"}
WINDOWS = ("1", "2", "3", "5", "10", "sentence", "paragraph")
WINDOW_LABELS = {"sentence": "同一句", "paragraph": "同一段"}
EXAMPLE = "河长制"


@dataclass(frozen=True)
class CollocateParams:
    """Everything the /collocates URL holds."""

    q: str = ""
    window: str = "5"
    measure: str = "log_dice"
    min_count: int = 3
    top: int = 50
    keep_all: bool = False
    year: str | None = None
    region: str | None = None
    level: str | None = None
    type: str | None = None
    #: The two periods of a comparison (both or neither).
    first: str | None = None
    second: str | None = None

    @property
    def compare(self) -> tuple[str, str] | None:
        return (self.first, self.second) if self.first and self.second else None

    def url_args(self, **changes) -> dict:
        """URL arguments for a link from this state (defaults left out)."""
        state = {**asdict(replace(self, **changes))}
        defaults = asdict(CollocateParams())
        state["keep_all"] = "1" if state["keep_all"] else None
        return {k: v for k, v in state.items() if v not in (None, "") and v != defaults[k]}

    def run(self) -> Collocates:
        filters = [(n, v) for n in ("level", "type") if (v := getattr(self, n))]
        return collocates(
            current_index(), self.q, window=self.window, measure=self.measure,
            min_count=self.min_count, top=self.top, keep_all=self.keep_all,
            year=self.year, region=self.region, filters=filters, compare=self.compare,
        )  # fmt: skip


def _whole(args: Mapping, name: str, default: int, high: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= high:
        scale = "1 or more" if high >= 10**9 else f"from 1 to {high}"
        raise QueryError(f"{name} must be a whole number, {scale} (got {raw[:20]!r})")
    return int(raw)


def parse_collocate_args(args: Mapping, lenient: bool = False) -> CollocateParams:
    """The page's state; bad numbers are a QueryError (→ 400) naming the parameter, unless
    lenient (the form shown again above an error)."""

    def text(name: str) -> str | None:
        return args.get(name, "").strip() or None

    def whole(name: str, default: int, high: int) -> int:
        try:
            return _whole(args, name, default, high)
        except QueryError:
            if lenient:
                return default
            raise

    first, second = text("first"), text("second")
    if bool(first) != bool(second) and not lenient:
        raise QueryError("compare needs two periods: fill in both, e.g. 2011..2017 and 2018..2024")
    return CollocateParams(
        q=args.get("q", "").strip(),
        window=text("window") or "5",
        measure=text("measure") or "log_dice",
        min_count=whole("min_count", 3, 10**9),
        top=whole("top", 50, MAX_TOP),
        keep_all=args.get("keep_all", "") in ("1", "on", "true"),
        year=text("year"),
        region=text("region"),
        level=text("level"),
        type=text("type"),
        first=first,
        second=second,
    )


def search_href(params: CollocateParams, query: str, year: str | None = None) -> str:
    """The search page for `TERM WORD` in this page's scope (a period's years with compare)."""
    return url_for(
        "pages.search_page", q=query, year=year or params.year or None,
        region=params.region or None, level=params.level or None, type=params.type or None,
    )  # fmt: skip


def paragraph_href(term: str, paragraph_id: str) -> str:
    """A counted paragraph in its document, the term marked."""
    doc_id, _, number = paragraph_id.partition(":")
    return url_for("pages.document_page", doc_id=doc_id, q=term, _anchor=f"p-{number}")


def _page(params: CollocateParams, result: Collocates | None, error: str | None = None,
          detail: str | None = None):  # fmt: skip
    return render_template(
        "collocates.html", params=params, result=result, error=error, error_detail=detail,
        MEASURES=MEASURES, MEASURE_LABELS=MEASURE_LABELS, WINDOWS=WINDOWS,
        WINDOW_LABELS=WINDOW_LABELS,
        SHOWN_IDS=SHOWN_IDS, search_href=search_href, paragraph_href=paragraph_href,
        example=EXAMPLE,
    )  # fmt: skip


@pages.get("/collocates")
def collocates_page():
    params = parse_collocate_args(request.args)
    if not params.q:
        return _page(params, None)
    return _page(params, params.run())


def error_page(message: str, status: int):
    """The page with the form as typed and the error above it (errors.py calls this)."""
    params = parse_collocate_args(request.args, lenient=True)
    return _page(params, None, to_chinese(message, status), message), status


@api.get("/collocates")
def api_collocates():
    return parse_collocate_args(request.args).run().to_dict()


@dataclass(frozen=True)
class Panel:
    """The results page's collocates: the first words, or why there are none."""

    words: list
    link: str
    #: Too many matching paragraphs to count while the page waits.
    too_many: bool = False


def collocates_panel(result: SearchResult, params: SearchParams) -> Panel | None:
    """The collocates of the search on screen (None when it has no term to look around)."""
    if not result.total or not has_terms(params.q):
        return None
    state = CollocateParams(q=params.q, year=params.year, region=params.region,
                            level=params.level, type=params.type)  # fmt: skip
    link = url_for("collocates.collocates_page", **state.url_args())
    if result.total > PANEL_PARAGRAPHS:
        return Panel([], link, too_many=True)
    try:
        found = replace(state, top=PANEL_WORDS).run()
    except GovsearchError:
        return None
    words = [(c, search_href(state, c.query)) for c in found.collocates]
    return Panel(words, link)


def register(app: Flask) -> None:
    app.register_blueprint(pages)
    app.register_blueprint(api, url_prefix="/api")
    app.jinja_env.globals.update(collocates_panel=collocates_panel)
