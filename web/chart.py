"""The /trend page's drawings as inline SVG: lines per series over the years, and a grid of
province tiles. Colours and shapes are attributes, never style (the CSP forbids inline
styles); every series has a colour *and* a marker shape and dash pattern, so the chart reads
in black and white and for colour-blind readers too.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from govsearch.search import Diffusion, RegionFirst, SeriesTrend, Trend, TrendRow

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
    plot_h = H - TOP - BOTTOM

    def x(i: int) -> float:
        """Percent of the plot's width."""
        return PAD + ((100 - 2 * PAD) * i / (len(years) - 1) if len(years) > 1 else 50 - PAD)

    def y(v: float) -> float:
        return TOP + plot_h - plot_h * v / top

    unit = PER_UNITS[per]
    parts = [
        Markup(
            '<svg class="trend-chart" height="{}" role="img" aria-labelledby="trend-title" '
            'data-first-year="{}" data-last-year="{}">'
            '<title id="trend-title">各年份趋势（{}）</title>'
        ).format(H, years[0], years[-1], unit),
        _marker_defs({style(n).shape for n in range(len(trend.series))}, len(years) > DENSE_YEARS),
    ]
    for k in range(round(top / step) + 1):
        v = step * k
        parts.append(
            Markup(
                '<line class="grid" x1="0" y1="{:.1f}" x2="100%" y2="{:.1f}"/>'
                '<text class="ytick" x="-8" y="{:.1f}">{}</text>'
            ).format(y(v), y(v), y(v) + 4, _tick(v, per))
        )
    wide, narrow = year_labels(years, WIDE_TICKS), year_labels(years, NARROW_TICKS)
    for i, year in enumerate(years):
        kinds = [k for k, chosen in (("wide", wide), ("narrow", narrow)) if year in chosen]
        if kinds:
            parts.append(
                Markup('<text class="xtick {}" x="{:.2f}%" y="{}">{}</text>').format(
                    " ".join(kinds), x(i), H - 12, year
                )
            )
    # The lines are drawn on a plot stretched to the width (x 0–1000), with strokes and dashes
    # kept in screen pixels; the markers above them are placed in percent, so never stretched.
    parts.append(
        Markup(
            '<svg class="lines" width="100%" height="{}" viewBox="0 0 1000 {}" '
            'preserveAspectRatio="none" aria-hidden="true">'
        ).format(H, H)
    )
    for n, vs in enumerate(values):
        st = style(n)
        segment: list[str] = []
        for i, v in enumerate([*vs, None]):
            if v is not None:
                segment.append(f"{x(i) * 10:.1f},{y(v):.1f}")
                continue
            if len(segment) > 1:  # a lone point is drawn by its marker alone
                parts.append(
                    Markup(
                        '<polyline data-series="{}" points="{}" fill="none" stroke="{}" '
                        'stroke-width="2.2" vector-effect="non-scaling-stroke"{}/>'
                    ).format(n, " ".join(segment), st.colour, _dash(st.dash))
                )
            segment = []
    parts.append(Markup("</svg>"))
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
                parts.append(
                    Markup(
                        '<a class="point" href="{}" data-series="{}" data-year="{}" '
                        'data-paragraphs="{}" aria-label="{}"><title>{}</title>'
                        '<circle class="hit" cx="{:.2f}%" cy="{:.1f}" r="{}" fill="transparent"/>'
                        "{}</a>"
                    ).format(
                        href(s, row),
                        n,
                        years[i],
                        row.paragraphs,
                        label,
                        label,
                        x(i),
                        y(v),
                        HIT_RADIUS,
                        _place(st, x(i), y(v)),
                    )  # fmt: skip
                )
            else:
                parts.append(
                    Markup('<g class="point zero"><title>{}</title>{}</g>').format(
                        label, _place(st, x(i), y(v), zero=True)
                    )
                )
        parts.append(Markup("</g>"))
    parts.append(
        Markup('<line class="axis" x1="0" y1="{}" x2="100%" y2="{}"/></svg>').format(
            TOP + plot_h, TOP + plot_h
        )
    )
    return Markup("").join(parts)


def _tick(v: float, per: str) -> str:
    if per == "share-of-documents":
        return f"{v * 100:g}%"
    return f"{v:g}" if v < 10_000 else f"{v / 10_000:g}万"


# -- province tiles ---------------------------------------------------------------------------

#: (row, column) of each provincial-level unit: roughly where it lies, one square each.
TILES = {
    "黑龙江": (0, 8),
    "内蒙古": (1, 5), "北京": (1, 6), "辽宁": (1, 7), "吉林": (1, 8),
    "新疆": (2, 1), "宁夏": (2, 3), "山西": (2, 4), "河北": (2, 5), "天津": (2, 6),
    "西藏": (3, 1), "青海": (3, 2), "甘肃": (3, 3), "陕西": (3, 4), "河南": (3, 5), "山东": (3, 6),
    "四川": (4, 2), "重庆": (4, 3), "湖北": (4, 4), "安徽": (4, 5), "江苏": (4, 6), "上海": (4, 7),
    "云南": (5, 2), "贵州": (5, 3), "湖南": (5, 4), "江西": (5, 5), "浙江": (5, 6),
    "广西": (6, 3), "广东": (6, 4), "福建": (6, 5), "台湾": (6, 7),
    "海南": (7, 4), "香港": (7, 5), "澳门": (7, 6),
}  # fmt: skip
BLUES = ("#eef3fa", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
TILE = 62


@dataclass(frozen=True)
class TileCell:
    """What one province's tile shows: its fill, ink, a value line, a tooltip and a link."""

    fill: str
    ink: str
    value: str
    label: str
    href: str | None = None


def tile_short(name: str) -> str | None:
    """The tile of a province-level name (广东省 → 广东), or None."""
    return next((t for t in TILES if name.startswith(t)), None)


def tile_grid(cells: dict[str, TileCell], title: str) -> Markup:
    """Every province as a square where it roughly lies; those without a cell are blank."""
    parts = [
        Markup(
            '<svg class="tile-map" viewBox="0 0 {} {}" role="img" aria-labelledby="tiles-title">'
            '<title id="tiles-title">{}</title>'
        ).format(9 * TILE + 4, 8 * TILE + 4, title)
    ]
    for short, (r, c) in TILES.items():
        x, y = 2 + c * TILE, 2 + r * TILE
        cell = cells.get(short)
        if cell is None:
            parts.append(
                Markup(
                    '<g class="tile empty"><title>{}：无文件</title>'
                    '<rect x="{}" y="{}" width="{}" height="{}" rx="4" fill="#f1f0ec"/>'
                    '<text x="{}" y="{}">{}</text></g>'
                ).format(short, x, y, TILE - 4, TILE - 4, x + TILE / 2 - 2, y + 26, short)
            )
            continue
        body = Markup(
            '<rect x="{}" y="{}" width="{}" height="{}" rx="4" fill="{}"/>'
            '<text x="{}" y="{}" fill="{}">{}</text>'
            '<text class="v" x="{}" y="{}" fill="{}">{}</text>'
        ).format(
            x, y, TILE - 4, TILE - 4, cell.fill, x + TILE / 2 - 2, y + 24, cell.ink, short,
            x + TILE / 2 - 2, y + 44, cell.ink, cell.value,
        )  # fmt: skip
        if cell.href:
            parts.append(
                Markup('<a class="tile" href="{}"><title>{}</title>{}</a>').format(
                    cell.href, cell.label, body
                )
            )
        else:
            parts.append(Markup('<g class="tile"><title>{}</title>{}</g>').format(cell.label, body))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


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


# -- diffusion: first years on the tiles, the adoption curve -----------------------------------

#: Viridis at eight steps: ordered dark to light, told apart with every common colour-vision
#: deficiency and in greyscale; each tile also prints its year, so colour is never the only cue.
VIRIDIS = ("#440154", "#46327e", "#365c8d", "#277f8e", "#1fa187", "#4ac16d", "#a0da39",
           "#fde725")  # fmt: skip
#: A province whose matching documents have no year.
UNDATED_FILL = "#d9d4c7"


@dataclass(frozen=True)
class YearClass:
    """One colour of the first-year map: the years it covers."""

    low: int
    high: int
    fill: str
    ink: str

    @property
    def label(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low}–{self.high}"


def year_classes(low: int, high: int) -> list[YearClass]:
    """At most eight colours, earliest darkest, each covering an equal run of years."""
    span = high - low + 1
    steps = min(span, len(VIRIDIS))
    out = []
    for k in range(steps):
        first = low + span * k // steps
        last = low + span * (k + 1) // steps - 1
        # Spread the classes over the whole palette: two classes are its two ends.
        fill = VIRIDIS[round(k * (len(VIRIDIS) - 1) / max(steps - 1, 1))]
        ink = "#ffffff" if fill in VIRIDIS[:4] else "#1f2328"
        out.append(YearClass(first, last, fill, ink))
    return out


def first_year_tiles(result: Diffusion, href: Callable[[RegionFirst], str]) -> Markup:
    """One tile per province, coloured by the first year one of its documents matched."""
    rows = {s: r for r in result.regions if r.path and (s := tile_short(r.path[0]))}
    years = [r.first_year for r in rows.values() if r.first_year is not None]
    if not rows:
        return Markup("")
    classes = year_classes(min(years), max(years)) if years else []
    cells = {}
    for short, r in rows.items():
        label = f"{r.region}：{r.documents} 份文件，{r.paragraphs} 段"
        if r.first_year is None:
            cells[short] = TileCell(UNDATED_FILL, "#1f2328", "无年份", label + "（均无年份）")
            continue
        c = next(c for c in classes if c.low <= r.first_year <= c.high)
        label += f"；最早 {r.first_year} 年：{r.first_title or r.first_doc_id}"
        cells[short] = TileCell(c.fill, c.ink, str(r.first_year), label, href(r))
    return tile_grid(cells, "各省份首次出现的年份")


def year_legend(result: Diffusion) -> Markup:
    """The colours of first_year_tiles with the years each stands for."""
    years = [r.first_year for r in result.regions if r.path and r.first_year is not None]
    if not years:
        return Markup("")
    items = [
        Markup(
            '<li><svg class="swatch" viewBox="0 0 18 14" width="18" height="14" aria-hidden="true">'
            '<rect width="18" height="14" rx="2" fill="{}"/></svg> {}</li>'
        ).format(c.fill, c.label)
        for c in year_classes(min(years), max(years))
    ]
    return Markup('<ul class="year-legend" aria-label="图例：颜色与年份">{}</ul>').format(
        Markup("").join(items)
    )


def adoption_curve(result: Diffusion) -> Markup:
    """Regions so far per year as a line, each year's new regions as a bar under it."""
    curve = result.adoption
    if not curve:
        return Markup("")
    top, step = nice_top(curve[-1].regions_so_far)
    # A drawing of its own size, scaled to the page by its viewBox.
    W, H = 760, 320
    LEFT, RIGHT, TOP, BOTTOM = 58, 16, 14, 34
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(i: int) -> float:
        return LEFT + (plot_w * i / (len(curve) - 1) if len(curve) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h - plot_h * v / top

    parts = [
        Markup(
            '<svg class="trend-chart adoption-chart" viewBox="0 0 {} {}" role="img" '
            'aria-labelledby="adoption-title"><title id="adoption-title">累计采纳的地区数</title>'
        ).format(W, H)
    ]
    for k in range(round(top / step) + 1):
        v = step * k
        parts.append(
            Markup(
                '<line class="grid" x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}"/>'
                '<text class="ytick" x="{}" y="{:.1f}">{}</text>'
            ).format(LEFT, y(v), W - RIGHT, y(v), LEFT - 6, y(v) + 4, f"{v:g}")
        )
    every = next((s for s in (1, 2, 5, 10, 20, 50) if len(curve) / s <= 14), 100)
    bar = max(2.0, min(24.0, plot_w / max(len(curve), 1) * 0.5))
    for i, a in enumerate(curve):
        if a.year % every == 0 or len(curve) <= 14:
            tick = Markup('<text class="xtick" x="{:.1f}" y="{}">{}</text>')
            parts.append(tick.format(x(i), H - 12, a.year))
        if a.new_regions:
            parts.append(
                Markup(
                    '<rect class="new-regions" x="{:.1f}" y="{:.1f}" width="{:.1f}" '
                    'height="{:.1f}" fill="#9ecae1"/>'
                ).format(x(i) - bar / 2, y(a.new_regions), bar, TOP + plot_h - y(a.new_regions))
            )
    points = " ".join(f"{x(i):.1f},{y(a.regions_so_far):.1f}" for i, a in enumerate(curve))
    if len(curve) > 1:
        parts.append(
            Markup('<polyline points="{}" fill="none" stroke="{}" stroke-width="2.2"/>').format(
                points, COLOURS[0]
            )
        )
    for i, a in enumerate(curve):
        label = f"{a.year}年：新增 {a.new_regions} 个，累计 {a.regions_so_far} 个"
        parts.append(
            Markup('<g class="point" data-year="{}"><title>{}</title>{}</g>').format(
                a.year, label, marker("circle", x(i), y(a.regions_so_far), COLOURS[0])
            )
        )
    parts.append(
        Markup('<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/></svg>').format(
            LEFT, TOP + plot_h, W - RIGHT, TOP + plot_h
        )
    )
    return Markup("").join(parts)
