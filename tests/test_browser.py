"""The real UI in headless Chromium: `govsearch serve` in a subprocess, driven by Playwright.

Needs the Debian `chromium` package and the `playwright` Python package (never
`playwright install`: the system Chromium is used). Without them the tests skip locally and
fail in CI (env var CI set). GOVSEARCH_SCREENSHOTS=1 also refreshes docs/screenshots/.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from govsearch.indexer import build_index

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
SCREENSHOTS = ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1200, "height": 800}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOSTILE = """<script>alert(1)</script>恶意测试
<img src=x onerror=alert(2)>恶意测试
<a href="javascript:alert(3)">恶意测试链接</a>
</p></div><b>恶意测试 未闭合<i>标签 <style>body{display:none}</style>
"""
HOSTILE_META = {"file": "hostile.txt", "title": "<script>alert(4)</script>恶意标题", "year": 2019}
INSTALL_HINT = "to run it: apt-get install chromium && pip install playwright"


def _unavailable(reason: str):
    """In CI a missing browser is a failure; on a laptop the test skips and says what to install."""
    if os.environ.get("CI"):
        pytest.fail(f"browser test cannot run in CI: {reason} ({INSTALL_HINT})", pytrace=False)
    pytest.skip(f"{reason}; {INSTALL_HINT}")


@pytest.fixture(scope="module")
def browser():
    """Headless system Chromium via Playwright."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    executable = next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
    )
    if executable is None:
        _unavailable("no Chromium executable on PATH")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    except Exception as exc:  # Playwright raises its own Error for every launch problem
        playwright.stop()
        _unavailable(f"Chromium at {executable} could not start: {str(exc).splitlines()[0]}")
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="module")
def browser_index(tmp_path_factory) -> Path:
    """The two seed reports plus a hostile document."""
    corpus = tmp_path_factory.mktemp("browser-corpus")
    (corpus / "hostile.txt").write_text(HOSTILE, "utf-8")
    (corpus / "manifest.jsonl").write_text(json.dumps(HOSTILE_META) + "\n", "utf-8")
    index_dir = tmp_path_factory.mktemp("browser-index")
    build_index([corpus, *SEEDS], index_dir, manifest=corpus / "manifest.jsonl")
    return index_dir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _serve(index: Path, log: Path):
    """`python -m govsearch serve` on a free port; yields its base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVSEARCH_")}
    command = [sys.executable, "-m", "govsearch", "serve", "--port", str(port)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [*command, "--index", str(index)], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/api/stats", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"govsearch serve did not start:\n{log.read_text('utf-8')}")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def server(browser, browser_index, tmp_path_factory) -> str:
    """The UI over browser_index."""
    with _serve(browser_index, tmp_path_factory.mktemp("server") / "serve.log") as base:
        yield base


@pytest.fixture
def page(browser, server):
    """A fresh page that records dialogs, console errors and uncaught exceptions."""
    context = browser.new_context(viewport=VIEWPORT, base_url=server)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.problems = []  # type: ignore[attr-defined]
    page.on("dialog", lambda d: (page.problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on(
        "console",
        lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"),
    )
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    yield page
    context.close()


def _save(page, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    page.screenshot(path=str(path))
    if os.environ.get("GOVSEARCH_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        try:  # a 128-colour palette keeps the README images around 100 KB
            from PIL import Image

            with Image.open(path) as image:
                small = image.convert("RGB").quantize(colors=128, dither=Image.Dither.NONE)
                small.save(SCREENSHOTS / name, optimize=True)
        except ImportError:
            shutil.copyfile(path, SCREENSHOTS / name)


IN_VIEW = """el => {
  const r = el.getBoundingClientRect();
  return r.top >= 0 && r.top < window.innerHeight && r.bottom > 0;
}"""


def test_search_read_and_filter(page, tmp_path):
    page.goto("/")
    page.fill("input[name=q]", "河长制")
    page.press("input[name=q]", "Enter")
    page.wait_for_url(re.compile(r"/\?q="))
    assert parse_qs(urlsplit(page.url).query) == {"q": ["河长制"]}
    assert page.input_value("input[name=q]") == "河长制"
    assert page.inner_text(".total") == "3"
    assert page.locator(".hit").count() == 3
    assert "<mark>河长制</mark>" in page.inner_html(".hit-text >> nth=0")
    _save(page, tmp_path, "results.png")

    # The first result opens its document at the paragraph, highlighted and in view.
    link = page.locator(".hit-title a").first
    href = link.get_attribute("href")
    paragraph = re.fullmatch(r"/doc/[0-9a-f]+\?q=\S+#(p-\d+)", href).group(1)
    link.click()
    page.wait_for_url(re.compile(r"/doc/"))
    assert urlsplit(page.url).fragment == paragraph
    target = page.locator(f"#{paragraph}")
    assert "is-target" in target.get_attribute("class")
    assert page.evaluate("() => document.querySelector(':target').id") == paragraph
    assert target.evaluate(IN_VIEW)
    marks = page.locator("mark[id^='m-']")
    total = marks.count()
    first = target.locator("mark").first.get_attribute("id")
    assert "current" in page.locator(f"#{first}").get_attribute("class")
    index = int(first.removeprefix("m-"))
    assert page.inner_text(".match-pos") == f"{index} / {total}"
    _save(page, tmp_path, "document.png")

    # "Next match" moves to the following mark, wherever it is.
    page.click(".match-next")
    following = f"m-{index % total + 1}"
    mark = page.locator(f"#{following}")
    assert "current" in mark.get_attribute("class")
    assert mark.evaluate(IN_VIEW)
    holder = mark.evaluate("m => m.closest('.para').id")
    assert urlsplit(page.url).fragment == holder
    assert "is-target" in page.locator(f"#{holder}").get_attribute("class")
    assert page.locator(".para.is-target").count() == 1
    assert page.inner_text(".match-pos") == f"{index % total + 1} / {total}"

    # Back returns to the results (stepping through matches adds no history entries).
    page.go_back()
    page.wait_for_url(re.compile(r"/\?q="))
    bar = page.locator("svg.year-chart a.year-bar").first
    year, count = re.fullmatch(r"(\d{4})年：(\d+) 条", bar.locator("title").text_content()).groups()
    bar.click()
    page.wait_for_url(re.compile(r"year="))
    assert parse_qs(urlsplit(page.url).query) == {"q": ["河长制"], "year": [year]}
    assert page.inner_text(".total") == count
    assert page.locator(".hit").count() == int(count)
    metas = page.locator(".hit-meta").all_inner_texts()
    assert metas and all(m.startswith(f"{year}年") for m in metas)
    assert page.locator(".chip").inner_text().startswith(f"年份：{year}年")
    assert page.problems == []


def test_hostile_document_runs_nothing(page):
    page.goto("/?q=恶意测试&group=none")
    assert page.inner_text(".total") == "4"
    texts = page.locator(".hit-text").all_inner_texts()
    assert "<script>alert(1)</script>恶意测试" in texts
    assert "<img src=x onerror=alert(2)>恶意测试" in texts
    assert page.locator("script").count() == 0
    assert page.locator("img").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.is_visible("body")  # the injected <style> did not hide the page
    page.locator(".hit-title a").first.click()
    page.wait_for_url(re.compile(r"/doc/"))
    assert page.title() == "<script>alert(4)</script>恶意标题 · 政府文件全文检索"
    assert page.evaluate("() => [...document.scripts].map(s => s.getAttribute('src'))") == [
        "/static/document.js"
    ]
    assert page.locator("mark").count() == 4
    page.click(".match-next")
    page.goto("/?q=" + "<script>alert(5)</script>")
    assert page.input_value("input[name=q]") == "<script>alert(5)</script>"
    page.wait_for_timeout(200)  # let any (wrongly) injected handler fire
    assert page.problems == []


# -- phones and long documents ----------------------------------------------------------------

PHONE = {"width": 390, "height": 844}
BELOW_BAR = """([selector, bar]) => {
  const el = document.querySelector(selector).getBoundingClientRect();
  const nav = document.querySelector(bar).getBoundingClientRect();
  return {top: el.top, bar: nav.bottom, view: window.innerHeight};
}"""


def _watch(page):
    page.problems = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    return page


def test_phone_match_bar_leaves_the_target_paragraph_visible(browser, server):
    context = browser.new_context(viewport=PHONE, base_url=server)
    page = _watch(context.new_page())
    try:
        # A long query: its summary wraps, and the bar takes three lines on a phone.
        q = quote("的 OR 河长制 OR 湖长制 OR 黑臭水体 OR 污染防治攻坚战 OR 土地整备")
        hits = json.loads(page.request.get(f"/api/search?q={q}&per_page=50").text())["hits"]
        hit = next(h for h in hits if h["paragraph"] > 8)
        page.goto(f"/doc/{hit['doc_id']}?q={q}#p-{hit['paragraph']}")
        page.wait_for_load_state("load")
        nav_height = page.evaluate("() => document.getElementById('match-nav').offsetHeight")
        assert nav_height > 80  # taller than any fixed margin the stylesheet could guess
        where = page.evaluate(BELOW_BAR, [f"#p-{hit['paragraph']}", "#match-nav"])
        assert where["bar"] <= where["top"] < where["view"], where
        for _ in range(3):  # stepping through matches keeps each one clear of the bar too
            page.click(".match-next")
            where = page.evaluate(BELOW_BAR, ["mark.current", "#match-nav"])
            assert where["bar"] <= where["top"] < where["view"], where
        page.click(".para.is-target .para-nav a >> nth=-1")
        page.wait_for_timeout(100)
        target = urlsplit(page.url).fragment
        where = page.evaluate(BELOW_BAR, [f"#{target}", "#match-nav"])
        assert where["bar"] <= where["top"], where
        assert page.problems == []
    finally:
        context.close()


@pytest.fixture(scope="module")
def long_server(browser, long_index, tmp_path_factory) -> str:
    with _serve(long_index, tmp_path_factory.mktemp("long-server") / "serve.log") as base:
        yield base


def test_long_document_opens_at_a_paragraph_after_a_huge_one(browser, long_server, long_index):
    context = browser.new_context(viewport=VIEWPORT, base_url=long_server)
    page = _watch(context.new_page())
    try:
        doc_id = json.loads(page.request.get("/api/search?q=河长制").text())["hits"][0]["doc_id"]
        page.goto(f"/doc/{doc_id}?q=河长制#p-5")
        page.wait_for_load_state("load")
        page.wait_for_function(f"() => ({IN_VIEW})(document.getElementById('p-5'))", timeout=5000)
        assert "is-target" in page.locator("#p-5").get_attribute("class")
        assert page.locator("#p-3 .slice").count() == 8
        assert page.locator("mark[id^='m-']").count() == 36
        # The linked paragraph's match is current; the one before it is in the last slice.
        assert page.inner_text(".match-pos") == "36 / 36"
        page.click(".match-prev")
        current = page.locator("mark.current")
        assert current.get_attribute("id") == "m-35"
        # Off-screen slices take their real height as they come near: it settles in view.
        page.wait_for_function(
            "() => { const r = document.querySelector('mark.current').getBoundingClientRect();"
            " return r.top >= 0 && r.bottom <= window.innerHeight; }",
            timeout=5000,
        )
        assert current.evaluate("m => m.closest('.slice') !== null")
        assert page.problems == []
    finally:
        context.close()


def test_trend_chart_from_results_and_a_point_click(page, tmp_path):
    page.goto("/?q=河长制")
    page.click("a.to-trend")
    page.wait_for_url(re.compile(r"/trend\?q="))
    page.fill("textarea[name=q]", "河长制\n湖=湖长制")
    page.click(".trend-form button[type=submit]")
    page.wait_for_url(re.compile(r"/trend\?q=.*%0A"))
    # A textarea sends CRLF between lines; each line is a series.
    assert parse_qs(urlsplit(page.url).query)["q"][0].splitlines() == ["河长制", "湖=湖长制"]
    chart = page.locator("svg.trend-chart")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 600 and box["height"] > 200
    assert page.locator("svg.trend-chart g.series").count() == 2
    assert page.locator("svg.trend-chart polyline").count() >= 1
    assert page.locator(".legend-item").all_inner_texts()[0].startswith("河长制")
    assert page.locator(".legend-label").all_inner_texts() == ["河长制", "湖"]
    # The legend's samples differ in shape as well as colour.
    swatches = page.locator(".legend-item svg.swatch")
    assert swatches.nth(0).inner_html() != swatches.nth(1).inner_html()
    _save(page, tmp_path, "trend-seeds.png")

    # A point of the first series opens the results of that year: the same count.
    point = page.locator('svg.trend-chart a.point[data-series="0"]').first
    year, paragraphs = point.get_attribute("data-year"), point.get_attribute("data-paragraphs")
    point.click()
    page.wait_for_url(re.compile(r"year="))
    assert parse_qs(urlsplit(page.url).query) == {"q": ["河长制"], "year": [year]}
    assert page.inner_text(".total") == paragraphs
    assert all(m.startswith(f"{year}年") for m in page.locator(".hit-meta").all_inner_texts())

    # Back on the chart, the normalised view keeps the series in the URL.
    page.go_back()
    page.click(".per-toggle >> text=文件占比")
    page.wait_for_url(re.compile(r"per=share-of-documents"))
    assert page.locator("svg.trend-chart g.series").count() == 2
    assert "%" in page.locator("svg.trend-chart .ytick").first.text_content()
    assert page.problems == []


def test_region_facet_drills_down_from_province_to_district(page):
    page.goto("/?q=河长制")
    facet = page.locator("section.facet-region")
    assert facet.get_attribute("data-level") == "province"
    assert facet.locator("h2").inner_text() == "地区 · 省份"
    assert facet.locator("li").all_inner_texts() == ["广东省\n3"]
    facet.get_by_role("link", name="广东省").click()
    page.wait_for_url(re.compile(r"region="))
    assert parse_qs(urlsplit(page.url).query) == {"q": ["河长制"], "region": ["广东省"]}
    assert page.inner_text(".total") == "3"
    # One city (深圳市) is no choice, so its districts are offered next.
    facet = page.locator("section.facet-region")
    assert facet.get_attribute("data-level") == "county"
    assert facet.locator("li").all_inner_texts() == ["坪山区\n2", "龙岗区\n1"]
    facet.get_by_role("link", name="龙岗区").click()
    page.wait_for_url(re.compile(r"%E9%BE%99%E5%B2%97"))
    assert parse_qs(urlsplit(page.url).query)["region"] == ["广东省深圳市龙岗区"]
    assert page.inner_text(".total") == "1"
    assert page.locator(".chip").inner_text().startswith("地区：广东省深圳市龙岗区")
    # The document says where it sits, and that its region was inferred from its text.
    page.locator(".hit-title a").first.click()
    page.wait_for_url(re.compile(r"/doc/"))
    assert page.inner_text(".meta-region-path") == "广东省 › 深圳市 › 龙岗区 › XX街道 440307"
    assert page.inner_text(".meta-region .source.inferred") == "据开头"
    page.locator(".meta-region-path a", has_text="深圳市").click()
    page.wait_for_url(re.compile(r"region="))
    assert parse_qs(urlsplit(page.url).query) == {"region": ["广东省深圳市"]}
    assert page.problems == []


# -- the trend chart on a phone and on a wide screen ------------------------------------------

#: An index from 1954 on, with the three terms only from 2017: the issue's case.
SPAN_DOCS = {
    1954: "关于农业合作化的报告。",
    1980: "改革开放工作报告。",
    2000: "西部大开发工作意见。",
    2016: "生态环境保护工作。",
    2017: "全面推行河长制。\n落实河长制。",
    2018: "推行湖长制和河长制。",
    2020: "河长制工作总结。",
    2023: "河长制条例。\n河长制考核。\n河长制巡河。\n林长制。",
    2026: "河湖长制、湖长制和林长制。\n林长制工作。",
}
MEASURE_CHART = """() => {
  const svg = document.querySelector('svg.trend-chart');
  const scale = svg.getScreenCTM().a;
  const shown = [...svg.querySelectorAll('text')]
    .filter(t => getComputedStyle(t).display !== 'none');
  const box = el => {
    const r = el.getBoundingClientRect();
    return [r.left, r.right, r.width, r.height];
  };
  return {
    fonts: shown.map(t => parseFloat(getComputedStyle(t).fontSize) * scale),
    xticks: shown.filter(t => t.classList.contains('xtick')).map(t => [t.textContent, ...box(t)]),
    yticks: shown.filter(t => t.classList.contains('ytick')).map(box),
    points: [...svg.querySelectorAll('a.point')].map(a => [a.dataset.year, ...box(a)]),
    markers: [...svg.querySelectorAll('a.point use')].map(box),
    plot: box(svg),
    first: svg.dataset.firstYear, last: svg.dataset.lastYear,
    scrollWidth: document.documentElement.scrollWidth,
    tiles: [...document.querySelectorAll('svg.tile-map text')].map(
      t => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a),
  };
}"""


@pytest.fixture(scope="module")
def span_server(browser, tmp_path_factory):
    corpus = tmp_path_factory.mktemp("span-corpus")
    rows = []
    for year, text in SPAN_DOCS.items():
        (corpus / f"{year}.txt").write_text(text + "\n", "utf-8")
        rows.append({"file": f"{year}.txt", "year": year, "region": "广东省深圳市"})
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    (corpus / "manifest.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    index = tmp_path_factory.mktemp("span-index")
    build_index([corpus], index, manifest=corpus / "manifest.jsonl")
    with _serve(index, tmp_path_factory.mktemp("span-server") / "serve.log") as base:
        yield base


@pytest.mark.parametrize("width", [390, 1200])
def test_trend_chart_is_readable_and_tappable_at_every_width(browser, span_server, tmp_path, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, base_url=span_server)
    try:
        page = context.new_page()
        page.goto("/trend?q=" + quote("河长制\n湖长制\n林长制"))
        m = page.evaluate(MEASURE_CHART)
        _save(page, tmp_path, f"trend-{width}.png")
        # The axis spans the years with data and a year before: not 1954–2026.
        assert (m["first"], m["last"]) == ("2016", "2026")
        assert min(m["fonts"]) >= 12
        labels = [t[0] for t in m["xticks"]]
        assert labels == ([str(y) for y in range(2016, 2027, 2)] if width < 600 else
                          [str(y) for y in range(2016, 2027)])  # fmt: skip
        # Year labels do not overlap, and nothing sticks out of the screen.
        ends = [(left, right) for _year, left, right, _w, _h in m["xticks"]]
        assert all(a[1] < b[0] for a, b in zip(ends, ends[1:], strict=False))
        assert m["scrollWidth"] <= width
        assert all(left >= 0 for left, *_ in m["yticks"])
        # Every linked point is at least 24 pixels across, its marker at least 10.
        # 河长制 2017, 2018, 2020, 2023; 湖长制 2018, 2026; 林长制 2023, 2026.
        assert len(m["points"]) == 8
        assert all(w >= 24 and h >= 24 for _y, _l, _r, w, h in m["points"])
        assert all(w >= 10 and h >= 10 for _l, _r, w, h in m["markers"])
        # Years are spread over the plot: 2017 in its first fifth (it was at 87 % before).
        left, right = m["plot"][0], m["plot"][1]
        x2017 = next((a + b) / 2 for year, a, b, *_ in m["points"] if year == "2017")
        assert (x2017 - left) / (right - left) < 0.2
        assert min(m["tiles"]) >= 11
    finally:
        context.close()


def test_an_explicit_year_range_keeps_its_axis(browser, span_server):
    context = browser.new_context(viewport={"width": 390, "height": 900}, base_url=span_server)
    try:
        page = context.new_page()
        page.goto("/trend?q=" + quote("河长制") + "&year=2000..2026")
        m = page.evaluate(MEASURE_CHART)
        assert (m["first"], m["last"]) == ("2000", "2026")
        assert [t[0] for t in m["xticks"]] == ["2000", "2005", "2010", "2015", "2020", "2025"]
    finally:
        context.close()
