"""The research pages on a phone (390 px) and a wide screen (1200 px), measured in headless
Chromium: 语境 (/kwic), 扩散 (/diffusion), 搭配词 (/collocates) and the results page's
collocates panel. Text is 12 pixels or more, the page never scrolls sideways, links are
targets a finger can hit, and each page keeps what it is for (the matches in one column, the
adoption curve over its years, the tiles' names inside their squares).

The browser and server helpers are test_browser.py's; GOVSEARCH_SCREENSHOTS=1 also refreshes
docs/screenshots/diffusion-phone.png.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from govsearch.indexer import build_index
from govsearch.web.chart import NARROW_TICKS, WIDE_TICKS, year_labels
from govsearch.web.tiles import year_classes

from .test_browser import _save, _serve, browser  # noqa: F401 (browser is a fixture)

pytestmark = pytest.mark.browser

WIDTHS = [390, 1200]
#: Every drawn piece of text under `root` with its size in screen pixels (SVG text scaled by
#: its drawing), form controls too; and how wide the page is.
MEASURE = """root => {
  const texts = [];
  const walker = document.createTreeWalker(document.querySelector(root), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!node.textContent.trim() || el.closest('title, script, style')) continue;
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue;
    const scale = el instanceof SVGElement ? el.ownerSVGElement.getScreenCTM().a : 1;
    const px = parseFloat(getComputedStyle(el).fontSize) * scale;
    texts.push([node.textContent.trim().slice(0, 12), px]);
  }
  const controls = ['input', 'select', 'button'].map(tag => root + ' ' + tag).join(', ');
  for (const c of document.querySelectorAll(controls)) {
    if (c.type !== 'hidden' && c.type !== 'checkbox')
      texts.push([c.name || c.tagName, parseFloat(getComputedStyle(c).fontSize)]);
  }
  return {texts, scrollWidth: document.documentElement.scrollWidth};
}"""
#: [left, right, width, height] of an element on screen.
BOX = "el => { const r = el.getBoundingClientRect(); return [r.left, r.right, r.width, r.height]; }"


@pytest.fixture(scope="module")
def research_server(browser, sample_index, tmp_path_factory):  # noqa: F811
    """The UI over the corpus sample, which holds every corpus document with 河长制."""
    with _serve(sample_index, tmp_path_factory.mktemp("research-server") / "serve.log") as base:
        yield base


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def screen(request, browser, research_server):  # noqa: F811
    context = browser.new_context(
        viewport={"width": request.param, "height": 844 if request.param < 600 else 900},
        base_url=research_server,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.problems = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    yield page, request.param
    context.close()


def readable(page, width: int, root: str = "main") -> None:
    """Nothing under `root` is drawn under 12 pixels, and the page is no wider than the screen."""
    m = page.evaluate(MEASURE, root)
    assert m["texts"], root
    small = [(text, round(px, 1)) for text, px in m["texts"] if px < 12]
    assert small == []
    assert m["scrollWidth"] <= width


def api(page, path: str) -> dict:
    return json.loads(page.request.get(path).text())


def shot(page, tmp_path, name: str) -> None:
    """A screenshot to look at (under the test's tmp directory only)."""
    page.screenshot(path=str(tmp_path / name), full_page=True)


# -- 语境 ---------------------------------------------------------------------------------------

KWIC_ROWS = """() => [...document.querySelectorAll('table.kwic tbody tr')].map(tr => {
  const box = BOX;
  tr.scrollIntoView({block: 'center'});  // a point off screen hits nothing
  const cell = c => tr.querySelector('.kwic-' + c);
  const mark = tr.querySelector('mark'), m = mark.getBoundingClientRect();
  const right = document.createRange();
  right.selectNodeContents(cell('right'));
  const pad = c => parseFloat(getComputedStyle(cell(c)).paddingLeft);
  const hit = (x, y) => document.elementFromPoint(x, y)?.closest('a')?.getAttribute('href');
  return {
    href: tr.querySelector('.kwic-source a').getAttribute('href'),
    row: box(tr), mark: box(mark), match: box(cell('match')),
    matchClipped: cell('match').scrollWidth > cell('match').clientWidth,
    left: box(cell('left')), leftText: box(cell('left').querySelector('span')),
    leftPad: pad('left'), right: box(cell('right')),
    rightText: [right.getBoundingClientRect().left, right.getBoundingClientRect().height],
    rightPad: pad('right'),
    lineHeight: parseFloat(getComputedStyle(cell('right')).lineHeight),
    tapMatch: hit(m.left + m.width / 2, m.top + m.height / 2),
    tapLeft: hit(cell('left').getBoundingClientRect().left + 20, m.top + m.height / 2),
  };
})""".replace("BOX", BOX)


def test_kwic_lines_are_readable_and_link_at_every_width(screen, tmp_path):
    page, width = screen
    page.goto("/kwic?q=" + quote("河长制"))
    readable(page, width)
    lines = api(page, "/api/kwic?q=" + quote("河长制"))["lines"]
    rows = page.evaluate(KWIC_ROWS)
    shot(page, tmp_path, f"kwic-{width}.png")
    assert len(rows) == len(lines) > 50
    for row, line in zip(rows, lines, strict=True):
        doc, paragraph = line["id"].split(":")
        url = urlsplit(row["href"])
        assert (url.path, url.fragment, parse_qs(url.query)) == (
            f"/doc/{doc}",
            f"p-{paragraph}",
            {"q": ["河长制"]},
        )
        # The match is whole and on screen, in one column with every other line's.
        assert not row["matchClipped"]
        assert 0 <= row["mark"][0] and row["mark"][1] <= width
        assert row["mark"][0] == pytest.approx(rows[0]["mark"][0], abs=0.5)
        # The contexts are one line each, a dozen characters or more wide on a phone, and
        # show the characters nearest the match (a long left context is cut at its far end).
        assert row["left"][2] >= 100 and row["right"][2] >= 100
        assert row["rightText"][1] <= row["lineHeight"] + 1
        assert row["leftText"][1] == pytest.approx(row["left"][1] - row["leftPad"], abs=1)
        assert row["rightText"][0] == pytest.approx(row["right"][0] + row["rightPad"], abs=1)
    if width < 600:
        # A phone: the whole line, a target over 40 pixels tall, opens its paragraph.
        for row in rows:
            assert row["row"][2] >= 300 and row["row"][3] >= 40
            assert row["tapMatch"] == row["tapLeft"] == row["href"]
        mark = page.locator("table.kwic tbody tr mark").nth(3)
        mark.scroll_into_view_if_needed()
        box = mark.bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # a tap
        page.wait_for_url(re.compile(r"/doc/"))
        assert urlsplit(page.url).fragment == urlsplit(rows[3]["href"]).fragment
        assert "河长制" in page.inner_text(".para.is-target")
    else:
        # A wide screen keeps the table: its header and four columns in one row.
        assert page.locator("table.kwic thead").is_visible()
        assert rows[0]["match"][3] == pytest.approx(rows[0]["left"][3], abs=1)
    assert page.problems == []


# -- 扩散 ---------------------------------------------------------------------------------------

DIFFUSION = """() => {
  const box = BOX;
  const svg = document.querySelector('svg.adoption-chart');
  const shown = [...svg.querySelectorAll('text.xtick')]
    .filter(t => getComputedStyle(t).display !== 'none');
  return {
    chart: box(svg), first: svg.dataset.firstYear, last: svg.dataset.lastYear,
    xticks: shown.map(t => [t.textContent, ...box(t)]),
    yticks: [...svg.querySelectorAll('text.ytick')].map(box),
    points: [...svg.querySelectorAll('a.point')]
      .map(a => [a.dataset.year, a.getAttribute('href'), ...box(a)]),
    markers: [...svg.querySelectorAll('a.point use')].map(box),
    figure: svg.parentElement.clientWidth,
    tiles: [...document.querySelectorAll('svg.tile-map .tile')].map(g => {
      const r = g.querySelector('rect').getBoundingClientRect();
      return [g.tagName, ...[...g.querySelectorAll('text')].map(t => {
        const b = t.getBoundingClientRect();
        return b.left >= r.left && b.right <= r.right && b.top >= r.top && b.bottom <= r.bottom;
      })];
    }),
    legend: document.querySelectorAll('ul.year-legend li').length,
  };
}""".replace("BOX", BOX)


#: One document a province, the first in each of 31 years from 1980 to 2026.
SPREAD = {
    short: 1980 + round(i * 46 / 30)
    for i, short in enumerate(
        ["北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
         "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆",
         "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆"]
    )
}  # fmt: skip
FULL_NAMES = {"北京": "北京市", "天津": "天津市", "上海": "上海市", "重庆": "重庆市",
              "内蒙古": "内蒙古自治区", "广西": "广西壮族自治区", "西藏": "西藏自治区",
              "宁夏": "宁夏回族自治区", "新疆": "新疆维吾尔自治区"}  # fmt: skip


@pytest.fixture(scope="module")
def spread_server(browser, tmp_path_factory):  # noqa: F811
    corpus = tmp_path_factory.mktemp("spread-corpus")
    rows = []
    for n, (short, year) in enumerate(SPREAD.items()):
        region = FULL_NAMES.get(short, short + "省")
        (corpus / f"{n:02}.txt").write_text(f"{region}全面推行河长制。\n", "utf-8")
        rows.append({"file": f"{n:02}.txt", "year": year, "region": region})
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    (corpus / "manifest.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    index = tmp_path_factory.mktemp("spread-index")
    build_index([corpus], index, manifest=corpus / "manifest.jsonl")
    with _serve(index, tmp_path_factory.mktemp("spread-server") / "serve.log") as base:
        yield base


def check_diffusion(page, width: int, url: str) -> dict:
    """The measured diffusion page at `url`, after the checks every diffusion page passes."""
    page.goto(url)
    readable(page, width)
    data = api(page, url.replace("/diffusion?", "/api/diffusion?"))
    m = page.evaluate(DIFFUSION)
    years = [a["year"] for a in data["adoption"]]
    # The curve spans the years regions took the query up, in pixels: at full width, not
    # letterboxed in a scaled drawing.
    assert (m["first"], m["last"]) == (str(years[0]), str(years[-1]))
    assert m["chart"][3] == 300 and m["chart"][2] >= m["figure"] - 90
    labels = year_labels(years, NARROW_TICKS if width < 600 else WIDE_TICKS)
    assert [t[0] for t in m["xticks"]] == [str(y) for y in sorted(labels)]
    ends = [(left, right) for _year, left, right, _w, _h in m["xticks"]]
    assert all(a[1] < b[0] for a, b in zip(ends, ends[1:], strict=False))
    assert all(0 <= left and right <= width for left, right in ends)
    assert all(left >= 0 for left, *_ in m["yticks"])
    # A year with new regions links to the first of them in the table, 28 pixels to tap.
    new = [str(a["year"]) for a in data["adoption"] if a["new_regions"]]
    assert [(p[0], p[1]) for p in m["points"]] == [(y, f"#adopted-{y}") for y in new]
    assert all(w >= 24 and h >= 24 for *_p, w, h in m["points"])
    # Markers are 7 pixels across over more than 30 years, 11 otherwise.
    assert [b for b in m["markers"] if b[2] < 6.9 or b[3] < 6.9] == []
    # Every province's name and year stand inside its square.
    assert len(m["tiles"]) == 34 and all(all(inside) for _tag, *inside in m["tiles"])
    return {"data": data, "measured": m}


def test_diffusion_tiles_legend_and_curve_at_every_width(screen, tmp_path):
    page, width = screen
    url = "/diffusion?q=" + quote("河长制")
    result = check_diffusion(page, width, url)
    data, m = result["data"], result["measured"]
    first = [r["first_year"] for r in data["regions"] if r["path"] and r["first_year"]]
    assert [tag for tag, *_ in m["tiles"]].count("a") == len(first) >= 4
    assert m["legend"] == len(year_classes(min(first), max(first)))
    assert all(w >= 10 and h >= 10 for _l, _r, w, h in m["markers"])
    if width < 600:
        # The picture in docs/web.md: the map, its legend and the curve on one phone screen.
        page.evaluate("() => { document.querySelector('.tiles-figure').scrollIntoView(); }")
        page.evaluate("() => scrollBy(0, -8)")
        _save(page, tmp_path, "diffusion-phone.png")
    shot(page, tmp_path, f"diffusion-{width}.png")
    # A point opens the table at that year's first new province.
    year = m["points"][1][0]
    page.locator(f'svg.adoption-chart a.point[data-year="{year}"]').click()
    page.wait_for_url(re.compile(f"#adopted-{year}$"))
    assert page.locator("tr:target td").first.inner_text() == year
    assert page.problems == []


def test_diffusion_over_many_years_at_every_width(screen, spread_server, tmp_path):
    # 31 provinces first in 31 years over 1980–2026: labels thin out and never overlap, the
    # markers are drawn smaller, every tile is coloured and still readable.
    page, width = screen
    url = spread_server + "/diffusion?q=" + quote("河长制")
    m = check_diffusion(page, width, url)["measured"]
    shot(page, tmp_path, f"diffusion-many-{width}.png")
    assert len(m["points"]) == len(SPREAD)
    assert [tag for tag, *_ in m["tiles"]].count("a") == len(SPREAD)
    assert m["legend"] == 8
    assert page.problems == []


# -- 搭配词 -------------------------------------------------------------------------------------

COLLOCATES = """() => {
  const box = BOX;
  const wrap = document.querySelector('.colloc-result .table-wrap') || document.body;
  return {
    fits: wrap.scrollWidth <= wrap.clientWidth,
    words: [...document.querySelectorAll('.colloc-table tbody th a')].map(box),
    counts: [...document.querySelectorAll('.colloc-table details.ids summary')].map(box),
    controls: [...document.querySelectorAll('.colloc-options :is(input, select, button)')]
      .filter(c => c.type !== 'checkbox' && c.type !== 'hidden')
      .map(c => [c.name || c.tagName, parseFloat(getComputedStyle(c).fontSize),
                 c.getBoundingClientRect().height]),
    panel: [...document.querySelectorAll('.collocates-panel li a')].map(box),
  };
}""".replace("BOX", BOX)


def test_collocates_page_and_panel_at_every_width(screen, tmp_path):
    page, width = screen
    page.goto("/collocates?q=" + quote("河长制"))
    readable(page, width)
    m = page.evaluate(COLLOCATES)
    shot(page, tmp_path, f"collocates-{width}.png")
    # The whole table fits the screen; a word or count is a target 24 pixels each way.
    assert m["fits"]
    assert len(m["words"]) == len(m["counts"]) >= 20
    assert [b for b in m["words"] + m["counts"] if b[2] < 24 or b[3] < 24] == []
    # Inputs are easy to hit; on a phone their text is 16 px, so the browser does not zoom in.
    assert [c for c in m["controls"] if c[2] < 28] == []
    if width < 600:
        assert [c for c in m["controls"] if c[0] != "BUTTON" and c[1] < 16] == []
    # Two periods compared: the table, headed by period, fits too.
    page.goto("/collocates?q=" + quote("河长制") + "&first=2011..2017&second=2018..2026")
    readable(page, width)
    assert page.evaluate(COLLOCATES)["fits"]
    assert page.locator(".colloc-compare thead th.period").all_inner_texts() == [
        "段落数", "logDice"
    ]  # fmt: skip
    shot(page, tmp_path, f"collocates-compare-{width}.png")
    # The results page's panel: each word's link fills its row.
    page.goto("/?q=" + quote("河长制"))
    readable(page, width, ".collocates-panel")
    panel = page.evaluate(COLLOCATES)["panel"]
    assert len(panel) == 10
    row = page.locator(".collocates-panel li").first.evaluate(BOX)
    assert all(w >= row[2] - 60 and h >= 24 for *_x, w, h in panel)
    assert page.problems == []
