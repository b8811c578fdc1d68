"""The /trend page's drawings as inline SVG — lines per series over the years, and the
province tiles shaded by a value — and the /diffusion page's adoption curve, drawn in CSS
pixels by the same helpers as the trend lines (the tile grid itself is in tiles.py). Colours
and shapes are attributes, never style (the CSP forbids inline styles); every series has a
colour *and* a marker shape and dash pattern, so the chart reads in black and white and for
colour-blind readers too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from govsearch.search import AdoptionYear, Diffusion, SeriesTrend, Trend, TrendRow

from .tiles import BLUES, TileCell, tile_grid, tile_short

#: Okabe–Ito colours (distinguishable with every common colour-vision deficiency).
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
SHAPES = ("circle", "square", "triangle", "diamond", "down", "cross", "plus")
DASHES = ("", "7 4", "2 3", "9 3 2 3", "4 4", "12 4", "1 2")
#: The line chart is drawn in CSS pixels, not scaled from a viewBox, so its text and points
#: keep their size on a phone: heights are fixed, and horizontal positions are percentages
#: of the plot's width (the stylesheet leaves a gutter on the left for the value labels).
H = 300
TOP, BOTTOM = 12, 34
#: Space at each end of the plot, in percent of its width, so end points are not cut.
PAD = 2.0
MARKER, ZERO_MARKER = 5.5, 3.5
#: The radius of a point's tappable area: 28 pixels across.
HIT_RADIUS = 14
#: Year labels on a wide screen and on a phone (the stylesheet shows one set or the other).
WIDE_TICKS, NARROW_TICKS = 12, 6
#: Years of margin on each side of the series' years, as a share of their span (at least 1).
AXIS_MARGIN = 0.1
#: Above this many years a phone has under 10 pixels a year: markers are drawn smaller.
DENSE_YEARS = 30
DENSE_MARKER, DENSE_ZERO_MARKER = 3.5, 2.5
PER_UNITS = {"none": "段", "10k-paragraphs": "每万段", "share-of-documents": "文件占比"}


@dataclass(frozen=True)
class Style:
    """How one series is drawn."""

    colour: str
    shape: str
    dash: str


def style(n: int) -> Style:
    """The n-th series' colour, marker and dash (shapes and dashes cycle out of step)."""
    return Style(COLOURS[n % len(COLOURS)], SHAPES[n % len(SHAPES)], DASHES[n % len(DASHES)])


def fmt_value(value: float | int | None, per: str) -> str:
    """A value as the page shows it."""
    if value is None:
        return "—"
    if per == "share-of-documents":
        return f"{value * 100:.1f}%"
    if per == "10k-paragraphs":
        return f"{value:.1f}"
    return f"{value:,}"


def marker(shape: str, x: float, y: float, colour: str, size: float = 4.5) -> Markup:
    """A marker shape centred on (x, y)."""
    s = size
    if shape == "circle":
        body = '<circle cx="{x:.1f}" cy="{y:.1f}" r="{s:.1f}"/>'
    elif shape == "square":
        body = '<rect x="{a:.1f}" y="{b:.1f}" width="{d:.1f}" height="{d:.1f}"/>'
    elif shape in ("triangle", "down"):
        sign = 1 if shape == "triangle" else -1
        pts = f"{x:.1f},{y - sign * s * 1.15:.1f} {x - s:.1f},{y + sign * s * 0.8:.1f} " \
              f"{x + s:.1f},{y + sign * s * 0.8:.1f}"  # fmt: skip
        body = f'<polygon points="{pts}"/>'
    elif shape == "diamond":
        pts = f"{x:.1f},{y - s * 1.3:.1f} {x + s * 1.1:.1f},{y:.1f} {x:.1f},{y + s * 1.3:.1f} " \
              f"{x - s * 1.1:.1f},{y:.1f}"  # fmt: skip
        body = f'<polygon points="{pts}"/>'
    else:  # cross / plus: strokes
        if shape == "cross":
            d = f"M{x - s:.1f},{y - s:.1f}L{x + s:.1f},{y + s:.1f}M{x - s:.1f},{y + s:.1f}" \
                f"L{x + s:.1f},{y - s:.1f}"  # fmt: skip
        else:
            d = f"M{x - s:.1f},{y:.1f}L{x + s:.1f},{y:.1f}M{x:.1f},{y - s:.1f}L{x:.1f},{y + s:.1f}"
        return Markup('<path d="{}" stroke="{}" stroke-width="2.2" fill="none"/>').format(d, colour)
    svg = body.format(x=x, y=y, s=s, a=x - s, b=y - s, d=2 * s)
    return (
        Markup('<g fill="{}" stroke="#ffffff" stroke-width="1">').format(colour)
        + Markup(svg)
        + Markup("</g>")
    )


def swatch(n: int) -> Markup:
    """The legend's sample of series n: a short line with its dash and marker."""
    st = style(n)
    return Markup(
        '<svg class="swatch" viewBox="0 0 36 14" width="36" height="14" aria-hidden="true">'
        '<line x1="1" y1="7" x2="35" y2="7" stroke="{}" stroke-width="2.5"{}/>{}</svg>'
    ).format(st.colour, _dash(st.dash), marker(st.shape, 18, 7, st.colour, 4))


def _dash(dash: str) -> Markup:
    return Markup(' stroke-dasharray="{}"').format(dash) if dash else Markup("")


def nice_top(value: float, whole: bool = False) -> tuple[float, float]:
    """An axis maximum at or above value and a round step of at most five gridlines above
    zero (41 → 50 by 10); `whole` counts never get a step below 1."""
    if value <= 0:
        return (1.0, 1.0) if whole else (1.0, 0.25)
    raw = value / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw - 1e-12)
    if whole and step < 1:
        step = 1
    elif whole and step == 2.5:  # no half paragraphs on the axis
        step = 2
    return math.ceil(value / step - 1e-9) * step, step


def _defined(row: TrendRow) -> bool:
    """A year with no document at all is a gap in the line, not a zero."""
    return row.bucket_documents > 0


def axis_years(trend: Trend) -> tuple[int, int] | None:
    """The first and last year of the chart's axis: from a little before the first year any
    series has a matching paragraph to a little after the last, within the index's years. An
    explicit year range (--year, the page's 年份) is kept whole; None without dated buckets."""
    years = [b.key[0] for b in trend.buckets if b.key[0] is not None]
    if not years:
        return None
    low, high = min(years), max(years)  # type: ignore[type-var]
    firsts = [s.first_year for s in trend.series if s.first_year is not None]
    lasts = [s.last_year for s in trend.series if s.last_year is not None]
    if trend.year or not firsts:
        return low, high  # type: ignore[return-value]
    first, last = min(firsts), max(lasts)
    margin = max(1, round((last - first) * AXIS_MARGIN))
    return max(low, first - margin), min(high, last + margin)  # type: ignore[call-overload]


def year_labels(years: list[int], most: int) -> set[int]:
    """The years labelled when at most `most` labels fit: all, or the multiples of the
    smallest round step that leaves no more than `most`."""
    if len(years) <= most:
        return set(years)
    for step in (2, 5, 10, 20, 50, 100, 200, 500, 1000):
        chosen = {y for y in years if y % step == 0}
        if len(chosen) <= most:
            return chosen
    return {years[0], years[-1]}


def _marker_defs(shapes: set[str], dense: bool) -> Markup:
    """Each marker shape used, once per size, centred on (0, 0) for <use> to place."""
    sizes = (("", DENSE_MARKER), ("-zero", DENSE_ZERO_MARKER)) if dense else (
        ("", MARKER), ("-zero", ZERO_MARKER))  # fmt: skip
    out = []
    for shape in sorted(shapes):
        for suffix, size in sizes:
            body = marker(shape, 0, 0, "currentColor", size)
            out.append(Markup('<g id="mk-{}{}">{}</g>').format(shape, suffix, body))
    return Markup("<defs>{}</defs>").format(Markup("").join(out))


def _place(st: Style, x: float, y: float, zero: bool = False) -> Markup:
    """The series' marker at x percent of the plot's width and y pixels."""
    return Markup('<use href="#mk-{}{}" x="{:.2f}%" y="{:.1f}" color="{}"/>').format(
        st.shape, "-zero" if zero else "", x, y, st.colour
    )


def x_percent(i: int, n: int) -> float:
    """Where the i-th of n years stands, in percent of the plot's width."""
    return PAD + ((100 - 2 * PAD) * i / (n - 1) if n > 1 else 50 - PAD)


def _y(v: float, top: float) -> float:
    """Pixels from the top of the chart to value v on an axis from 0 to top."""
    plot_h = H - TOP - BOTTOM
    return TOP + plot_h - plot_h * v / top


def _frame(years: list[int], top: float, step: float, per: str, name: str, title: str,
           shapes: set[str]) -> list[Markup]:  # fmt: skip
    """The chart's opening: an <svg> in CSS pixels, its marker shapes, the value gridlines with
    their labels, and the year labels (a set for wide screens and a sparser one for phones)."""
    classes = "trend-chart" if name == "trend" else f"trend-chart {name}-chart"
    parts = [
        Markup(
            '<svg class="{}" height="{}" role="img" aria-labelledby="{}-title" '
            'data-first-year="{}" data-last-year="{}"><title id="{}-title">{}</title>'
        ).format(classes, H, name, years[0], years[-1], name, title),
        _marker_defs(shapes, len(years) > DENSE_YEARS),
    ]
    for k in range(round(top / step) + 1):
        y = _y(step * k, top)
        parts.append(
            Markup(
                '<line class="grid" x1="0" y1="{:.1f}" x2="100%" y2="{:.1f}"/>'
                '<text class="ytick" x="-8" y="{:.1f}">{}</text>'
            ).format(y, y, y + 4, _tick(step * k, per))
        )
    wide, narrow = year_labels(years, WIDE_TICKS), year_labels(years, NARROW_TICKS)
    for i, year in enumerate(years):
        kinds = [k for k, chosen in (("wide", wide), ("narrow", narrow)) if year in chosen]
        if kinds:
            parts.append(
                Markup('<text class="xtick {}" x="{:.2f}%" y="{}">{}</text>').format(
                    " ".join(kinds), x_percent(i, len(years)), H - 12, year
                )
            )
    return parts


def _lines(polylines: list[Markup]) -> Markup:
    """Lines drawn on a plot stretched to the width (x 0–1000), with strokes and dashes kept in
    screen pixels; markers are placed above them in percent, so never stretched."""
    return Markup(
        '<svg class="lines" width="100%" height="{}" viewBox="0 0 1000 {}" '
        'preserveAspectRatio="none" aria-hidden="true">{}</svg>'
    ).format(H, H, Markup("").join(polylines))


def _polyline(points: list[str], colour: str, dash: str, data: str = "") -> Markup:
    """A line through `points` (x in 0–1000, y in pixels); `data` holds its attributes."""
    return Markup(
        '<polyline{} points="{}" fill="none" stroke="{}" stroke-width="2.2" '
        'vector-effect="non-scaling-stroke"{}/>'
    ).format(Markup(data), " ".join(points), colour, _dash(dash))


def _linked_point(href: str, data: Markup, label: str, x: float, y: float, shown: Markup) -> Markup:
    """A point that links: a HIT_RADIUS circle to tap, and the marker drawn on it."""
    return Markup(
        '<a class="point" href="{}"{} aria-label="{}"><title>{}</title>'
        '<circle class="hit" cx="{:.2f}%" cy="{:.1f}" r="{}" fill="transparent"/>{}</a>'
    ).format(href, data, label, label, x, y, HIT_RADIUS, shown)


def _close() -> Markup:
    """The time axis, and the end of the chart."""
    bottom = H - BOTTOM
    return Markup('<line class="axis" x1="0" y1="{}" x2="100%" y2="{}"/></svg>').format(
        bottom, bottom
    )


def line_chart(trend: Trend, per: str, href: Callable[[SeriesTrend, TrendRow], str]) -> Markup:
    """Every series as a line over the years of axis_years(); each point with a count links to
    `href`. Sizes are CSS pixels at every screen width (see H)."""
    span = axis_years(trend)
    if span is None:
        return Markup("")
    dated = [
        i for i, b in enumerate(trend.buckets)
        if b.key[0] is not None and span[0] <= b.key[0] <= span[1]  # type: ignore[operator]
    ]  # fmt: skip
    years: list[int] = [trend.buckets[i].key[0] for i in dated]  # type: ignore[misc]
    values = [
        [s.rows[i].value(per) if _defined(s.rows[i]) else None for i in dated] for s in trend.series
    ]
    highest = max((v for vs in values for v in vs if v is not None), default=0)
    top, step = nice_top(highest, whole=per == "none")

    def x(i: int) -> float:
        return x_percent(i, len(years))

    unit = PER_UNITS[per]
    shapes = {style(n).shape for n in range(len(trend.series))}
    parts = _frame(years, top, step, per, "trend", f"各年份趋势（{unit}）", shapes)
    polylines = []
    for n, vs in enumerate(values):
        st = style(n)
        segment: list[str] = []
        for i, v in enumerate([*vs, None]):
            if v is not None:
                segment.append(f"{x(i) * 10:.1f},{_y(v, top):.1f}")
                continue
            if len(segment) > 1:  # a lone point is drawn by its marker alone
                polylines.append(_polyline(segment, st.colour, st.dash, f' data-series="{n}"'))
            segment = []
    parts.append(_lines(polylines))
    for n, (s, vs) in enumerate(zip(trend.series, values, strict=True)):
        st = style(n)
        parts.append(Markup('<g class="series" data-series="{}">').format(n))
        for i, v in enumerate(vs):
            if v is None:
                continue
            row = s.rows[dated[i]]
            label = f"{s.label} · {years[i]}年：{row.paragraphs} 段，{row.documents} 份文件"
            if per != "none":
                label += f"（{unit} {fmt_value(v, per)}）"
            if row.paragraphs:
                data = Markup(' data-series="{}" data-year="{}" data-paragraphs="{}"').format(
                    n, years[i], row.paragraphs
                )
                parts.append(
                    _linked_point(
                        href(s, row), data, label, x(i), _y(v, top), _place(st, x(i), _y(v, top))
                    )  # fmt: skip
                )
            else:
                parts.append(
                    Markup('<g class="point zero"><title>{}</title>{}</g>').format(
                        label, _place(st, x(i), _y(v, top), zero=True)
                    )
                )
        parts.append(Markup("</g>"))
    parts.append(_close())
    return Markup("").join(parts)


def _tick(v: float, per: str) -> str:
    if per == "share-of-documents":
        return f"{v * 100:g}%"
    return f"{v:g}" if v < 10_000 else f"{v / 10_000:g}万"


# -- the trend's province tiles --------------------------------------------------------------


def province_tiles(trend: Trend, per: str, href: Callable[[SeriesTrend, TrendRow], str]) -> Markup:
    """One tile per province, shaded by the first series' value there; empty without any
    document that has a province."""
    if not trend.series or "province" not in trend.by:
        return Markup("")
    s = trend.series[0]
    rows: dict[str, TrendRow] = {}
    for row in s.rows:
        name = row.bucket[trend.by.index("province")]
        if name:
            short = tile_short(str(name))
            if short:
                rows[short] = row
    if not rows:
        return Markup("")
    values = [r.value(per) for r in rows.values() if _defined(r) and r.value(per) is not None]
    top = max(values, default=0) or 1
    cells = {}
    for short, row in rows.items():
        if not _defined(row):
            continue
        v = row.value(per) or 0
        shade = 0 if not v else 1 + min(len(BLUES) - 2, int(v / top * (len(BLUES) - 1)))
        label = f"{row.bucket[trend.by.index('province')]}：{row.paragraphs} 段，" \
                f"{row.documents}/{row.bucket_documents} 份文件"  # fmt: skip
        cells[short] = TileCell(
            fill=BLUES[shade],
            ink="#ffffff" if shade >= 4 else "#1f2328",
            value=fmt_value(v, per),
            label=label,
            href=href(s, row) if row.paragraphs else None,
        )
    return tile_grid(cells, f"各省份（{PER_UNITS[per]}）")


# -- the adoption curve of a diffusion --------------------------------------------------------

#: The width of a year's bar on a phone (about 270 pixels of plot at 390 px) is at most this
#: share of the space between two years, so bars never touch.
PHONE_PLOT, BAR_SHARE, BAR_MAX = 270, 0.6, 16.0
NEW_FILL = "#9ecae1"


def adoption_years(result: Diffusion) -> tuple[int, int] | None:
    """The first and last year of the adoption curve's axis: from the year the first region
    took the query up to the year the last one did (every year between has a point); None
    when no region has a dated match."""
    if not result.adoption:
        return None
    return result.adoption[0].year, result.adoption[-1].year


def bar_width(years: int) -> float:
    """Pixels across a year's bar of new regions, so bars do not touch even on a phone."""
    room = PHONE_PLOT * (100 - 2 * PAD) / 100 / max(years - 1, 1)
    return round(max(2.0, min(BAR_MAX, room * BAR_SHARE)), 1)


def adoption_curve(result: Diffusion, href: Callable[[AdoptionYear], str | None]) -> Markup:
    """Regions so far per year as a line over adoption_years(), each year's new regions as a
    bar under it; a year with new regions links to `href`. Drawn as line_chart is, in CSS
    pixels at every screen width."""
    curve = result.adoption
    if adoption_years(result) is None:
        return Markup("")
    years = [a.year for a in curve]
    top, step = nice_top(curve[-1].regions_so_far, whole=True)
    st = Style(COLOURS[0], "circle", "")

    def x(i: int) -> float:
        return x_percent(i, len(years))

    parts = _frame(years, top, step, "none", "adoption", "各年份累计出现过的地区数", {st.shape})
    bar = bar_width(len(years))
    for i, a in enumerate(curve):
        if a.new_regions:
            y = _y(a.new_regions, top)
            # Placed in percent and centred in pixels: a bar keeps its width at every size.
            parts.append(
                Markup(
                    '<rect class="new-regions" x="{:.2f}%" y="{:.1f}" width="{}" height="{:.1f}" '
                    'transform="translate({} 0)" fill="{}"/>'
                ).format(x(i), y, bar, H - BOTTOM - y, -bar / 2, NEW_FILL)
            )
    points = [f"{x(i) * 10:.1f},{_y(a.regions_so_far, top):.1f}" for i, a in enumerate(curve)]
    parts.append(_lines([_polyline(points, st.colour, st.dash)] if len(curve) > 1 else []))
    for i, a in enumerate(curve):
        label = f"{a.year}年：新增 {a.new_regions} 个，累计 {a.regions_so_far} 个"
        y = _y(a.regions_so_far, top)
        target = href(a) if a.new_regions else None
        if target:
            data = Markup(' data-year="{}" data-new-regions="{}"').format(a.year, a.new_regions)
            parts.append(_linked_point(target, data, label, x(i), y, _place(st, x(i), y)))
        else:
            parts.append(
                Markup('<g class="point zero" data-year="{}"><title>{}</title>{}</g>').format(
                    a.year, label, _place(st, x(i), y, zero=True)
                )
            )
    parts.append(_close())
    return Markup("").join(parts)
