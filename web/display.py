"""Turning search values into HTML: marks, excerpts, the year chart, the pager, labels.

Every piece of document or query text goes through markupsafe.escape before a tag is added
around it, so a paragraph holding `<script>` is shown as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from flask import Flask, url_for
from markupsafe import Markup, escape

from govsearch.search import Document, Paragraph, SearchResult

from . import public
from .labels import LEVEL_LABELS, level_label
from .params import SearchParams

FACET_LABELS = {"year": "年份", "region": "地区", "level": "层级", "type": "类型"}
SORT_LABELS = {"relevance": "按相关度排序", "year": "按年份排序"}
#: The region facet drills down through these levels.
REGION_LEVELS = ("province", "city", "county")
REGION_LEVEL_LABELS = {"province": "省份", "city": "城市", "county": "区县"}
#: Where a metadata value came from, as the document page says it.
SOURCE_LABELS = {
    "manifest": "清单",
    "title": "据标题",
    "title line": "据标题行",
    "format": "据文件属性",
    "file name": "据文件名",
    "date line": "据落款日期",
    "document number": "据文号",
    "opening lines": "据开头",
    "issuer": "据发文机关",
    "text": "据正文提及",
}
UNKNOWN = "unknown"
#: Paragraphs up to this many characters are shown whole in the result list.
EXCERPT_CHARS = 240
#: How far before the first match an excerpt may start (it prefers a sentence start).
EXCERPT_LEAD = 60
_SENTENCE_END = re.compile(r"[。！？；!?;]")
SECTION_SEP = " › "

Spans = Sequence[tuple[int, int] | list[int]]


# -- marks -----------------------------------------------------------------------------------


def clean_spans(text: str, spans: Spans) -> list[tuple[int, int]]:
    """Spans sorted, inside the text, non-empty and not overlapping."""
    out: list[tuple[int, int]] = []
    for start, end in sorted((max(0, s), min(len(text), e)) for s, e in spans):
        start = max(start, out[-1][1]) if out else start
        if start < end:
            out.append((start, end))
    return out


def highlight(text: str, spans: Spans, first_mark: int | None = None) -> Markup:
    """`text` escaped, each [start, end) span wrapped in <mark> (with id m-N from first_mark)."""
    out: list[str] = []
    pos = 0
    for i, (start, end) in enumerate(clean_spans(text, spans)):
        out.append(escape(text[pos:start]))
        ident = f' id="m-{first_mark + i}"' if first_mark is not None else ""
        out.append(Markup("<mark{}>{}</mark>").format(Markup(ident), text[start:end]))
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def excerpt(text: str, spans: Spans, size: int = EXCERPT_CHARS) -> Markup:
    """The paragraph, or for a long one a window from just before its first match; all marks
    inside the window are kept and none is cut in half."""
    if len(text) <= size:
        return highlight(text, spans)
    spans = clean_spans(text, spans)
    first = spans[0][0] if spans else 0
    start = max(0, first - EXCERPT_LEAD)
    ends = list(_SENTENCE_END.finditer(text, start, first))
    if ends:
        start = ends[-1].end()
    end = min(len(text), start + size)
    if end - start < size and start > 0:
        # Near the end of the paragraph: fill the window backwards, from a sentence start.
        start = max(0, end - size)
        ends = list(_SENTENCE_END.finditer(text, start, min(first, start + EXCERPT_LEAD)))
        if ends:
            start = ends[0].end()
    for s, e in spans:
        if s < start < e:
            start = s
        if s < end < e:
            end = e
    inside = [
        (max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start
    ]
    return Markup("{}{}{}").format(
        "…" if start > 0 else "", highlight(text[start:end], inside), "…" if end < len(text) else ""
    )


# -- labels ----------------------------------------------------------------------------------


def doc_title(title: str | None, path: str) -> str:
    """A document's title, or its file name when it has none (as the CLI shows it)."""
    return title or PurePath(path).name


def facet_label(name: str, value: str) -> str:
    """How a facet value reads in the UI."""
    if value == UNKNOWN:
        return "未知"
    if name == "level":
        return LEVEL_LABELS.get(value, value)
    if name == "year" and value.isdigit():
        return f"{value}年"
    return value


def facet_items(name: str, values: dict[str, int]) -> list[tuple[str, str, int]]:
    """A facet's (value, label, count) rows."""
    return [(value, facet_label(name, value), n) for value, n in values.items()]


def pager(page: int, pages: int, around: int = 2) -> list[int | None]:
    """Page numbers to show: the first, the last and a few around the current one; None is a gap."""
    shown = sorted({1, pages, *range(page - around, page + around + 1)} & set(range(1, pages + 1)))
    out: list[int | None] = []
    for n in shown:
        if out and n - out[-1] > 1:  # type: ignore[operator]
            out.append(None)
        out.append(n)
    return out


# -- where metadata came from -----------------------------------------------------------------


@dataclass(frozen=True)
class Provenance:
    """How the document page labels a field: the source, and whether it is a fact or inferred."""

    label: str
    inferred: bool


def provenance(doc: Document, field: str) -> Provenance | None:
    """Where a document's field came from: the manifest (a fact) or its own text (inferred)."""
    source = doc.meta.get("sources", {}).get(field)
    if source is None:
        return None
    return Provenance(SOURCE_LABELS.get(source, source), source != "manifest")


_NOTES_ZH = {
    "unlisted": "行政区划数据中没有“{0}”",
    "placed_by_text": "行政区划数据中没有“{0}”；按正文提及的上级地名归属",
    "kept_under": "行政区划数据中没有“{0}”；保留在“{1}”之下",
    "chosen_by_text": "同名地名按正文提及的上级地名确定",
    "former_name": "“{0}”是“{1}”的旧称（{2}年更名）",
    "abolished": "“{0}”已于{1}年撤销，现属{2}",
    "ambiguous": "“{0}”可能是{1}：只保留确定的层级",
}


def note_zh(note: Sequence) -> str:
    """A region note (kind, *values) in Chinese, for the document page."""
    kind, *values = note
    values = ["、".join(v) if isinstance(v, list | tuple) else v for v in values]
    return _NOTES_ZH[kind].format(*values) if kind in _NOTES_ZH else " ".join(map(str, note))


# -- region drill-down -----------------------------------------------------------------------


@dataclass(frozen=True)
class RegionFacet:
    """One level of the region hierarchy as a facet: (value for region=, label, count)."""

    level: str
    label: str
    values: list[tuple[str, str, int]]


def region_facet(result: SearchResult, params: SearchParams) -> RegionFacet | None:
    """The level of the hierarchy to offer next: provinces, then a province's cities, then …

    Without a region filter, the provinces. With one, the first level below it with a choice
    (two or more values), else the deepest level the results reach. City and county keys are
    whole paths (广东省深圳市), so a click selects exactly that unit; the label is its own name.
    """
    facets = result.facets
    levels = [name for name in REGION_LEVELS if facets.get(name)]
    if not levels:
        return None
    chosen = levels[0]
    if params.region:
        deeper = [n for n in levels if len([k for k in facets[n] if k != UNKNOWN]) >= 2]
        chosen = deeper[0] if deeper else levels[-1]
    parents = sorted(
        (k for n in REGION_LEVELS[: REGION_LEVELS.index(chosen)] for k in facets.get(n, {})),
        key=len,
        reverse=True,
    )
    values = []
    for key, n in facets[chosen].items():
        parent = next((p for p in parents if key.startswith(p) and key != p), "")
        values.append((key, key[len(parent) :] if key != UNKNOWN else key, n))
    return RegionFacet(chosen, REGION_LEVEL_LABELS[chosen], values)


# -- year chart ------------------------------------------------------------------------------

CHART_W, CHART_H, PLOT_TOP, PLOT_H = 640, 150, 18, 104


def year_chart(years: dict[str, int], href: Callable[[str], str], active: str | None) -> Markup:
    """An inline SVG bar chart of hits per year; each bar links to `href(year)`.

    Heights are attributes, not style (the CSP forbids inline styles). Empty years between the
    first and last are drawn as gaps so the time axis stays even.
    """
    counts = {int(y): n for y, n in years.items() if y.isdigit()}
    if not counts:
        return Markup("")
    low, high = min(counts), max(counts)
    span = list(range(low, high + 1)) if high - low < 120 else sorted(counts)
    slot = CHART_W / len(span)
    width = max(1.0, slot * 0.72)
    top = max(counts.values())
    step = next(s for s in (1, 2, 5, 10, 20, 50) if len(span) / s <= 12)
    parts = [
        Markup(
            '<svg class="year-chart" viewBox="0 0 {} {}" role="img" aria-labelledby="chart-title">'
            '<title id="chart-title">各年份命中段落数</title>'
            '<line class="axis" x1="0" y1="{}" x2="{}" y2="{}"/>'
        ).format(CHART_W, CHART_H, PLOT_TOP + PLOT_H, CHART_W, PLOT_TOP + PLOT_H)
    ]
    for i, year in enumerate(span):
        n = counts.get(year, 0)
        x = i * slot + (slot - width) / 2
        h = max(2.0, PLOT_H * n / top) if n else 0.0
        label = f"{year}年：{n} 条"
        bar = Markup(
            '<rect class="hit-area" x="{:.1f}" y="{}" width="{:.1f}" height="{}"/>'
            '<rect class="bar" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" rx="1.5"/>'
        ).format(i * slot, PLOT_TOP, slot, PLOT_H, x, PLOT_TOP + PLOT_H - h, width, h)
        if n and len(span) <= 12:
            bar += Markup('<text class="count" x="{:.1f}" y="{:.1f}">{}</text>').format(
                x + width / 2, PLOT_TOP + PLOT_H - h - 4, n
            )
        if n:
            cls = "year-bar active" if str(year) == active else "year-bar"
            parts.append(
                Markup('<a class="{}" href="{}" aria-label="{}"><title>{}</title>{}</a>').format(
                    cls, href(str(year)), label, label, bar
                )
            )
        else:
            parts.append(
                Markup('<g class="year-bar empty"><title>{}</title>{}</g>').format(label, bar)
            )
        if year % step == 0 or step == 1:
            parts.append(
                Markup('<text class="tick" x="{:.1f}" y="{}">{}</text>').format(
                    i * slot + slot / 2, CHART_H - 10, year
                )
            )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


# -- the document page -----------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One paragraph of the document page, ready for the template."""

    paragraph: Paragraph
    html: Markup
    #: 2 or 3 when the paragraph is itself a heading, else 0.
    heading: int
    #: The section path, shown where it changes (and the paragraph is not the heading itself).
    section: str | None
    prev_match: int | None = None
    next_match: int | None = None


@dataclass(frozen=True)
class DocumentView:
    #: Made while the page streams out (a 5 MB document is not held as HTML twice).
    rows: Iterator[Row]
    marks: int
    matched: int


#: A paragraph longer than this is drawn as slices of about this many characters, each a block
#: the browser lays out (and skips while off screen) on its own: one 5 MB paragraph as a single
#: block took Chromium half a minute.
SLICE_CHARS = 4000


def _slice_end(text: str, start: int) -> int:
    """Where the slice that starts at `start` ends: after a 。 in its second half if it has one."""
    end = min(len(text), start + SLICE_CHARS)
    if end < len(text):
        stop = text.rfind("。", start + SLICE_CHARS // 2, end)
        if stop >= 0:
            end = stop + 1
    return end


def sliced_highlight(text: str, spans: Spans, first_mark: int) -> Markup:
    """highlight() with numbered marks; a long text in <span class="slice"> pieces, none of
    which cuts a mark in half."""
    spans = clean_spans(text, spans)
    if len(text) <= SLICE_CHARS:
        return highlight(text, spans, first_mark=first_mark)
    pieces = []
    start = i = 0
    while start < len(text):
        end = _slice_end(text, start)
        inside = []
        while i < len(spans) and spans[i][0] < end:
            s, e = spans[i]
            end = max(end, e)
            inside.append((s - start, e - start))
            i += 1
        piece = highlight(text[start:end], inside, first_mark=first_mark)
        pieces.append(Markup('<span class="slice">{}</span>').format(piece))
        first_mark += len(inside)
        start = end
    return Markup("").join(pieces)


def document_view(doc: Document) -> DocumentView:
    """Paragraphs with numbered marks, headings and links to the previous/next matching one."""
    matched = [p.paragraph for p in doc.paragraphs if p.matches]
    # Cleaned once: the total goes in the page's header, each paragraph's marks into its row.
    spans = [clean_spans(p.text, p.matches) if p.matches else [] for p in doc.paragraphs]
    marks = sum(map(len, spans))
    return DocumentView(_rows(doc, matched, spans), marks, len(matched))


def _rows(doc: Document, matched: list[int], spans: list[list[tuple[int, int]]]) -> Iterator[Row]:
    marks = 0
    previous_section: str | None = None
    order = {n: i for i, n in enumerate(matched)}
    for p, marked in zip(doc.paragraphs, spans, strict=True):
        html = sliced_highlight(p.text, marked, first_mark=marks + 1)
        marks += len(marked)
        parts = p.section.split(SECTION_SEP) if p.section else []
        heading, section = 0, None
        if p.section != previous_section and parts:
            before = previous_section.split(SECTION_SEP) if previous_section else []
            if p.text.strip() == parts[-1].strip():
                heading = 2 if len(parts) == 1 else 3
            # A paragraph that opens with its own heading under an unchanged parent needs no
            # label: the heading is its first words.
            elif not (p.text.startswith(parts[-1]) and before[: len(parts) - 1] == parts[:-1]):
                section = p.section
        previous_section = p.section
        prev_match = next_match = None
        if p.matches:
            i = order[p.paragraph]
            prev_match = matched[i - 1] if i > 0 else None
            next_match = matched[i + 1] if i + 1 < len(matched) else None
        yield Row(p, html, heading, section, prev_match, next_match)


def search_url(params: SearchParams, **changes: str | int | None) -> str:
    """The search page's URL for `params` with `changes` (None drops a filter)."""
    return url_for("pages.search_page", **params.url_args(**changes))


def doc_url(params: SearchParams, doc_id: str, anchor: str | None = None) -> str:
    """A document page that marks this search's matches and leads back to this very page."""
    state = params.url_args(page=params.page)
    return url_for("pages.document_page", doc_id=doc_id, _anchor=anchor, **state)


def results_chart(result: SearchResult, params: SearchParams) -> Markup:
    """The year chart of a result set, or nothing when its hits span fewer than two years."""
    years = result.facets.get("year", {})
    if sum(1 for y in years if y.isdigit()) < 2:
        return Markup("")
    return year_chart(years, lambda y: search_url(params, year=y), params.year)


def register(app: Flask) -> None:
    """Make the helpers available to templates."""
    app.jinja_env.globals.update(
        FACET_LABELS=FACET_LABELS,
        SORT_LABELS=SORT_LABELS,
        UNKNOWN=UNKNOWN,
        doc_title=doc_title,
        doc_url=doc_url,
        excerpt=excerpt,
        facet_items=facet_items,
        facet_label=facet_label,
        level_label=level_label,
        note_zh=note_zh,
        pager=pager,
        provenance=provenance,
        region_facet=region_facet,
        results_chart=results_chart,
        search_url=search_url,
        shown_path=public.shown_path,
    )
