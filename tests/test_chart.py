"""The trend chart's choices (web/chart.py): which years its axis spans, which years are
labelled, the value axis, and that it is drawn in pixels rather than scaled."""

from __future__ import annotations

import re

import pytest

from govsearch.search import Bucket, SeriesTrend, Trend, trend
from govsearch.web.chart import axis_years, line_chart, nice_top, year_labels


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
