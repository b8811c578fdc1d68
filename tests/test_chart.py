"""The charts' choices (web/chart.py): which years the trend chart's axis spans, which years are
labelled, the value axis, and that the trend chart and the adoption curve are drawn in pixels
rather than scaled."""

from __future__ import annotations

import re

import pytest

from govsearch.search import AdoptionYear, Bucket, Diffusion, SeriesTrend, Trend, trend
from govsearch.web.chart import (
    DENSE_MARKER,
    PHONE_PLOT,
    adoption_curve,
    adoption_years,
    axis_years,
    bar_width,
    line_chart,
    marker,
    nice_top,
    year_labels,
)


def fake_trend(years: range, data: list[tuple[int | None, int | None]], year: str | None = None):
    """A trend by year over `years`, one series per (first_year, last_year) of `data`."""
    series = [
        SeriesTrend(f"s{n}", f"s{n}", 0, 0, None, first, last, [])
        for n, (first, last) in enumerate(data)
    ]
    buckets = [Bucket((y,), 1, 1) for y in years]
    return Trend(by=("year",), columns=("year",), buckets=buckets, series=series, year=year)


@pytest.mark.parametrize(
    ("years", "data", "year", "expected"),
    [
        # The case: an index from 1954, terms from 2017 on.
        (range(1954, 2027), [(2017, 2026)], None, (2016, 2026)),
        (range(1954, 2027), [(2017, 2026), (2023, 2026)], None, (2016, 2026)),
        # A tenth of the span on each side: 20 years → 2.
        (range(1954, 2027), [(1990, 2010)], None, (1988, 2012)),
        (range(1954, 2027), [(2018, 2018)], None, (2017, 2019)),
        # Never beyond the years the index holds.
        (range(1954, 2027), [(1955, 2026)], None, (1954, 2026)),
        # An explicit range keeps every year of it.
        (range(2010, 2027), [(2017, 2026)], "2010..2026", (2010, 2026)),
        (range(2010, 2027), [(2017, 2020)], "2010..", (2010, 2026)),
        # No series with a dated match: the whole range.
        (range(1954, 2027), [(None, None)], None, (1954, 2026)),
    ],
)  # fmt: skip
def test_axis_spans_the_years_with_data(years, data, year, expected):
    assert axis_years(fake_trend(years, data, year)) == expected


def test_no_dated_bucket_no_axis():
    t = Trend(by=("year",), columns=("year",), buckets=[Bucket((None,), 3, 1)],
              series=[SeriesTrend("a", "a", 3, 1, 3, None, None, [])])  # fmt: skip
    assert axis_years(t) is None


@pytest.mark.parametrize(
    ("years", "most", "expected"),
    [
        (range(2016, 2027), 12, set(range(2016, 2027))),
        (range(2016, 2027), 6, {2016, 2018, 2020, 2022, 2024, 2026}),
        (range(2010, 2027), 6, {2010, 2015, 2020, 2025}),
        (range(1954, 2027), 12, {1960, 1970, 1980, 1990, 2000, 2010, 2020}),
        (range(1954, 2027), 6, {1960, 1980, 2000, 2020}),
        (range(1301, 2026), 12, {1400, 1500, 1600, 1700, 1800, 1900, 2000}),
        (range(1301, 2026), 6, {1400, 1600, 1800, 2000}),
    ],
)  # fmt: skip
def test_year_labels(years, most, expected):
    assert year_labels(list(years), most) == expected


@pytest.mark.parametrize(
    ("value", "whole", "expected"),
    [(41, True, (50, 10)), (2, True, (2, 1)), (7, True, (8, 2)), (12, True, (12, 2)),
     (100, True, (100, 20)), (0, True, (1, 1)), (12.5, False, (12.5, 2.5)),
     (0.018, False, (0.02, 0.005))],
)  # fmt: skip
def test_value_axis_top_and_step(value, whole, expected):
    top, step = nice_top(value, whole)
    assert (top, step) == pytest.approx(expected)
    assert 1 <= round(top / step) <= 6


def test_the_chart_is_drawn_in_pixels_over_the_years_with_data(tiny_index):
    # tiny_index holds 2016, 2018 and 2019; 湖长制 is only in 2018.
    t = trend(tiny_index, ["湖长制"])
    svg = str(line_chart(t, "none", lambda s, r: "#"))
    outer = svg[: svg.index(">")]
    assert "viewBox" not in outer and 'height="300"' in outer
    assert 'data-first-year="2017" data-last-year="2019"' in outer
    assert re.findall(r'<text class="xtick wide narrow" x="([\d.]+)%"[^>]*>(\d+)<', svg) == [
        ("2.00", "2017"), ("50.00", "2018"), ("98.00", "2019"),
    ]  # fmt: skip
    # The point links, with a 28-pixel tappable circle at the year's place.
    assert re.findall(r'<circle class="hit" cx="([\d.]+)%" cy="[\d.]+" r="(\d+)"', svg) == [
        ("50.00", "14")
    ]
    everything = str(
        line_chart(trend(tiny_index, ["湖长制"], year="2016..2019"), "none", lambda s, r: "#")
    )
    assert 'data-first-year="2016" data-last-year="2019"' in everything


# -- the adoption curve of a diffusion --------------------------------------------------------


def fake_diffusion(new: dict[int, int]) -> Diffusion:
    """A diffusion whose adoption curve has `new` regions in each year (every year between)."""
    years = range(min(new), max(new) + 1) if new else range(0)
    so_far, adoption = 0, []
    for y in years:
        so_far += new.get(y, 0)
        adoption.append(AdoptionYear(y, new.get(y, 0), so_far))
    return Diffusion("河长制", "province", [], adoption, 0, 0, so_far, so_far)


def anchor(a: AdoptionYear) -> str:
    return f"#adopted-{a.year}"


def test_the_adoption_axis_spans_the_years_regions_took_it_up():
    assert adoption_years(fake_diffusion({2017: 1, 2019: 2, 2026: 1})) == (2017, 2026)
    assert adoption_years(fake_diffusion({2018: 3})) == (2018, 2018)
    assert adoption_years(fake_diffusion({})) is None
    assert str(adoption_curve(fake_diffusion({}), anchor)) == ""


def test_the_adoption_curve_is_drawn_in_pixels_like_the_trend_chart():
    svg = str(adoption_curve(fake_diffusion({2017: 1, 2019: 2, 2020: 1, 2026: 1}), anchor))
    outer = svg[: svg.index(">")]
    assert "viewBox" not in outer and 'height="300"' in outer
    assert 'class="trend-chart adoption-chart"' in outer
    assert 'data-first-year="2017" data-last-year="2026"' in outer
    # Ten years: each labelled on a wide screen, every second one on a phone.
    ticks = re.findall(r'<text class="xtick ([a-z ]+)" x="([\d.]+)%"[^>]*>(\d+)<', svg)
    assert [(kinds, year) for kinds, _x, year in ticks] == [
        ("wide", str(y)) if y % 2 else ("wide narrow", str(y)) for y in range(2017, 2027)
    ]
    assert [x for _k, x, _y in ticks][::9] == ["2.00", "98.00"]
    # Whole regions on the value axis: 0 to 5 by 1.
    assert re.findall(r'<text class="ytick"[^>]*>([^<]+)<', svg) == ["0", "1", "2", "3", "4", "5"]
    # A year with new regions links to them with a 28-pixel circle to tap; the others are
    # smaller points without a link.
    linked = re.findall(
        r'<a class="point" href="#adopted-(\d+)" data-year="\d+" data-new-regions="(\d+)" '
        r'aria-label="[^"]+"><title>[^<]+</title><circle class="hit" cx="([\d.]+)%" '
        r'cy="[\d.]+" r="(\d+)"',
        svg,
    )
    assert linked == [("2017", "1", "2.00", "14"), ("2019", "2", "23.33", "14"),
                      ("2020", "1", "34.00", "14"), ("2026", "1", "98.00", "14")]  # fmt: skip
    zero = re.findall(r'<g class="point zero" data-year="(\d+)"><title>([^<]+)</title>', svg)
    assert zero[0] == ("2018", "2018年：新增 0 个，累计 1 个") and len(zero) == 6
    # The bars of new regions: centred on their year, the same pixel width at every size.
    bars = re.findall(
        r'<rect class="new-regions" x="([\d.]+)%" y="[\d.]+" width="([\d.]+)" '
        r'height="([\d.]+)" transform="translate\((-?[\d.]+) 0\)"',
        svg,
    )
    assert [(x, w, t) for x, w, _h, t in bars] == [
        (x, "16.0", "-8.0") for x in ("2.00", "23.33", "34.00", "98.00")
    ]
    heights = [float(h) for *_x, h, _t in bars]
    assert heights[1] == pytest.approx(2 * heights[0])
    # The cumulative line, stretched to the width with its stroke kept in pixels.
    (points,) = re.findall(r'<polyline points="([^"]+)"[^>]*non-scaling-stroke', svg)
    assert len(points.split()) == 10


def test_a_single_year_of_adoption_stands_in_the_middle():
    svg = str(adoption_curve(fake_diffusion({2021: 2}), anchor))
    assert "<polyline" not in svg  # one point: drawn by its marker alone
    assert re.findall(r'<text class="ytick"[^>]*>([^<]+)<', svg) == ["0", "1", "2"]  # no 0.5
    assert re.findall(r'<circle class="hit" cx="([\d.]+)%"', svg) == ["50.00"]
    assert re.findall(r'<text class="xtick wide narrow" x="([\d.]+)%"[^>]*>(\d+)<', svg) == [
        ("50.00", "2021")
    ]


def test_a_long_adoption_curve_thins_its_labels_and_markers():
    svg = str(adoption_curve(fake_diffusion({1954: 1, 1990: 3, 2026: 2}), anchor))
    wide = re.findall(r'<text class="xtick wide[a-z ]*"[^>]*>(\d+)<', svg)
    narrow = re.findall(r'<text class="xtick [a-z ]*narrow"[^>]*>(\d+)<', svg)
    assert wide == [str(y) for y in range(1960, 2021, 10)]
    assert narrow == ["1960", "1980", "2000", "2020"]
    # 73 years: markers are drawn small, bars narrow, so neither touches its neighbour.
    assert f'<g id="mk-circle">{marker("circle", 0, 0, "currentColor", DENSE_MARKER)}' in svg
    assert re.findall(r'class="new-regions"[^>]* width="([\d.]+)"', svg) == ["2.2"] * 3


@pytest.mark.parametrize(
    ("years", "expected"), [(1, 16.0), (2, 16.0), (10, 16.0), (40, 4.0), (73, 2.2), (200, 2.0)]
)
def test_bars_leave_a_gap_on_a_phone(years, expected):
    assert bar_width(years) == expected
    # The space between two years on a 390-pixel phone: at most 60 % of it is bar, unless
    # that is under the 2 pixels a bar needs to be seen.
    space = PHONE_PLOT * 0.96 / max(years - 1, 1)
    assert bar_width(years) <= max(2.0, round(0.6 * space, 1))
