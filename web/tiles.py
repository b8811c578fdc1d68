"""Province tile maps as inline SVG: one square per provincial-level unit, roughly where it
lies (no boundary data), and the /diffusion page's colouring of them by the first year a
region's documents matched, the year printed on each tile. (The /trend page's shading by a
value is chart.province_tiles.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup

from govsearch.search import Diffusion, RegionFirst

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
#: The grid's first column and its size: no column is left empty, so on a phone the squares
#: (and their text) are as large as the width allows.
FIRST_COLUMN = min(c for _r, c in TILES.values())
COLUMNS = max(c for _r, c in TILES.values()) - FIRST_COLUMN + 1
ROWS = max(r for r, _c in TILES.values()) + 1


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
        ).format(COLUMNS * TILE + 4, ROWS * TILE + 4, title)
    ]
    for short, (r, c) in TILES.items():
        x, y = 2 + (c - FIRST_COLUMN) * TILE, 2 + r * TILE
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


# -- diffusion: the first year on each tile ---------------------------------------------------

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
