"""Routes: each parses its input, calls one search function and renders the result."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, stream_template

from govsearch.indexer import IndexNotFound, QueryError
from govsearch.search import Document, Index, get_document, stats

from . import public
from .display import document_view
from .params import check_doc_id, parse_search_args, search_state
from .payload import cap_hit_texts

pages = Blueprint("pages", __name__)
api = Blueprint("api", __name__)

#: Shown on the empty search page: one example per feature of the query language, each finding
#: something in the bundled seeds and in the shared corpus (tests check both).
EXAMPLES = [
    ("河长制", "包含这个词的段落"),
    ("河长制 污染", "两个词都出现（AND）"),
    ("河长制 OR 湖长制", "任一个词出现"),
    ("营商环境 -疫情", "排除某个词"),
    ('"城市 更新"', "短语：按顺序出现"),
    ("?长制", "通配符：河长制、湖长制、林长制……"),
    ("营商环境 year:2018..2020", "限定年份范围"),
    ("section:环境 治理", "限定在某个章节"),
]


def current_index() -> Index:
    index = current_app.extensions["govsearch.index"]
    if index is None:
        raise IndexNotFound(
            "no index configured. Run: govsearch serve --index DIR (or set GOVSEARCH_INDEX)"
        )
    return index


@pages.get("/")
def search_page():
    params = parse_search_args(request.args)
    if params.is_blank:
        info = stats(current_index())
        return render_template("home.html", params=params, stats=info, examples=EXAMPLES)
    result = params.run(current_index(), default_group="doc")
    return render_template("results.html", params=params, result=result)


@pages.get("/doc/<doc_id>")
def document_page(doc_id: str):
    params = search_state(request.args)
    doc, notice = readable_document(current_index(), check_doc_id(doc_id), params.q)
    view = document_view(doc)
    # Streamed: the browser shows the first paragraphs while a long document is still arriving.
    page = stream_template("document.html", doc=doc, params=params, notice=notice, view=view)
    return Response(page, mimetype="text/html")


def readable_document(index: Index, doc_id: str, q: str) -> tuple[Document, str | None]:
    """The document with q's matches marked; a q that does not parse leaves it unmarked, with
    the reason, since the reader came for the document."""
    try:
        return get_document(index, doc_id, query=q if q.strip() else None), None
    except QueryError as exc:
        return get_document(index, doc_id), str(exc)


@api.get("/search")
def api_search():
    params = parse_search_args(request.args)
    result = params.run(current_index())
    paging = {"page": params.page, "per_page": params.per_page, "pages": params.page_count(result)}
    return public.for_api(cap_hit_texts({**result.to_dict(), **paging}))


@api.get("/doc/<doc_id>")
def api_document(doc_id: str):
    q = request.args.get("q", "")
    doc = get_document(current_index(), check_doc_id(doc_id), query=q if q.strip() else None)
    return public.for_api(doc.to_dict())


@api.get("/stats")
def api_stats():
    return public.for_api(stats(current_index()).to_dict())
