"""The web UI and JSON API through Flask's test client: pages, errors, escaping, paging, headers."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govsearch.indexer import GovsearchError, build_index
from govsearch.search import get_document, open_index, search, stats
from govsearch.web import SECURITY_HEADERS, create_app

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))

# A short paragraph with two matches, headings, and a long paragraph whose match sits in the
# middle (shown as an excerpt in the result list).
POLICY = """深府办〔2016〕12号
为全面推行河长制，落实河长制责任，现提出如下意见。
一、总体要求
（一）指导思想。坚持节水优先、空间均衡、系统治理，以河长制为抓手，统筹上下游、左右岸。
（二）基本原则。坚持生态优先、绿色发展。
二、主要任务
全市各区要建立区、街道、社区三级河长体系，明确各级河长职责，加强水资源保护，加强河湖水域岸线管理保护，\
加强水污染防治，加强水环境治理，加强水生态修复，加强执法监管，强化考核问责，建立健全河湖管理保护长效机制，\
确保到2017年底前全面建立河长制，并定期通报进展。各区要结合实际制定实施方案，细化工作任务，明确责任分工，\
建立工作台账，加强督促检查，及时研究解决工作中的重大问题，确保各项任务落到实处，切实维护河湖健康生命，\
实现河湖功能永续利用，为经济社会可持续发展提供有力支撑。各区应当每季度向市总河长办公室报送工作进展情况，\
年底前报送年度工作总结，市总河长办公室组织开展考核，考核结果纳入各区党政领导班子和领导干部综合考核评价体系，\
作为地方党政领导干部选拔任用、自然资源资产离任审计的重要依据。
"""
HOSTILE = """<script>alert(1)</script>恶意测试 河长制
<img src=x onerror=alert(1)>恶意测试
<a href="javascript:alert(1)">恶意测试链接</a>
</p></div><b>恶意测试 未闭合<i>标签
"引号" '单引号' & &amp; 恶意测试 <style>body{display:none}</style>
"""
PAGING = "".join(f"分页测试第{i}条：这是用于检验分页的段落。\n" for i in range(1, 46))
MANIFEST = [
    {"file": "policy.txt", "title": "关于全面推行河长制的实施意见", "year": 2016,
     "region": "深圳市", "level": "city"},
    {"file": "hostile.txt", "title": "<script>alert('标题')</script>恶意标题", "year": 2019,
     "region": "测试区<b>", "level": "district"},
    {"file": "paging.txt", "title": "分页测试文件", "year": 2017, "region": "深圳市",
     "level": "city"},
]  # fmt: skip

Q = quote("河长制")


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "policy.txt").write_text(POLICY, "utf-8")
    (folder / "hostile.txt").write_text(HOSTILE, "utf-8")
    (folder / "paging.txt").write_text(PAGING, "utf-8")
    lines = [json.dumps(row, ensure_ascii=False) for row in MANIFEST]
    (folder / "manifest.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    return folder


@pytest.fixture(scope="session")
def web_index(tmp_path_factory) -> Path:
    """The seeds plus a policy document, a hostile document and a 45-paragraph paging document."""
    corpus = write_corpus(tmp_path_factory.mktemp("web-corpus"))
    index_dir = tmp_path_factory.mktemp("web-index")
    build_index([corpus, *SEEDS], index_dir, manifest=corpus / "manifest.jsonl")
    return index_dir


@pytest.fixture(scope="session")
def ids(web_index) -> dict[str, str]:
    """doc_id by a short name."""
    idx = open_index(web_index)

    def one(query: str) -> str:
        return search(idx, query, limit=1).hits[0].doc_id

    return {
        "policy": one("title:实施意见"),
        "hostile": one("title:恶意标题"),
        "paging": one("title:分页测试文件"),
        "pingshan": one("region:坪山街道"),
    }


@pytest.fixture
def app(web_index):
    return create_app({"TESTING": True, "INDEX": str(web_index)})


@pytest.fixture
def client(app):
    return app.test_client()


def html_of(response) -> str:
    return response.get_data(as_text=True)


def hit_links(html: str) -> list[str]:
    return re.findall(r'<h3 class="hit-title"><a href="([^"]+)">', html)


def hit_texts(html: str) -> list[str]:
    return re.findall(r'<p class="hit-text">(.*?)</p>', html)


# -- the search page -----------------------------------------------------------------------


def test_home_shows_examples_and_stats(client, web_index):
    response = client.get("/")
    html = html_of(response)
    assert response.status_code == 200
    assert f'<a href="/?q={Q}"><code>河长制</code></a>' in html
    assert '<a href="/?q=%E6%B2%B3%E9%95%BF%E5%88%B6+OR+%E6%B9%96%E9%95%BF%E5%88%B6">' in html
    s = stats(web_index)
    assert (s.documents, s.paragraphs) == (5, 86)
    assert '<dd class="stat-documents">5</dd>' in html
    assert '<dd class="stat-paragraphs">86</dd>' in html
    assert "<dd>2016–2020</dd>" in html
    assert 'href="#syntax"' not in html and '<details class="syntax" id="syntax">' in html
    assert "<code>year:2015..2020</code>" in html and "<code>section:工作计划</code>" in html


def test_results_page(client, ids):
    html = html_of(client.get("/?q=河长制&group=none"))
    assert '共 <strong class="total">7</strong> 条结果' in html
    assert re.search(r"用时 \d+\.\d{3} 秒 · 第 1–7 条", html)
    assert 'value="河长制"' in html  # the query stays in the box
    links = [link.replace("&amp;group=none", "") for link in hit_links(html)]
    assert len(links) == 7
    assert links[0] == f"/doc/{ids['policy']}?q={Q}#p-2"
    assert f"/doc/{ids['pingshan']}?q={Q}#p-14" in links
    # Title · year · region · level, then the paragraph with every match marked.
    assert "关于全面推行河长制的实施意见</a></h3>" in html
    assert '<p class="hit-meta">2016年 · 深圳市 · 市级 · 意见</p>' in html
    assert '<p class="hit-section">一、总体要求 › （一）指导思想</p>' in html
    assert (
        hit_texts(html)[0]
        == "为全面推行<mark>河长制</mark>，落实<mark>河长制</mark>责任，现提出如下意见。"
    )
    assert '<span class="current" aria-current="true">按相关度排序</span>' in html
    assert f'<a href="/?q={Q}&amp;sort=year&amp;group=none">按年份排序</a>' in html


def test_long_paragraph_is_an_excerpt_with_its_marks(client, web_index, ids):
    html = html_of(client.get("/?q=河长制&group=none"))
    paragraph = get_document(web_index, ids["policy"]).paragraphs[6].text
    assert len(paragraph) > 300
    (shown,) = [t for t in hit_texts(html) if "三级河长体系" in t or "长效机制" in t]
    assert shown.startswith("…") and shown.endswith("…")
    plain = shown.replace("<mark>", "").replace("</mark>", "").strip("…")
    assert plain in paragraph and len(plain) == 240
    assert shown.count("<mark>河长制</mark>") == 1
    # The document page has the whole paragraph.
    doc = html_of(client.get(f"/doc/{ids['policy']}?q=河长制"))
    assert paragraph[-30:] in doc


def test_facets_link_to_narrowed_results(client):
    html = html_of(client.get("/?q=河长制"))
    facet = re.compile(
        r'<a class="facet-value" href="([^"]+)">([^<]+)</a><span class="n">(\d+)</span>'
    )
    found = {(label, int(n)): href for href, label, n in facet.findall(html)}
    assert found[("2016年", 3)] == f"/?q={Q}&amp;year=2016"
    assert found[("2018年", 2)] == f"/?q={Q}&amp;year=2018"
    # The region facet starts at the provinces: 深圳市 (manifest) and the two seeds are in 广东省;
    # 测试区<b> names no known place.
    assert found[("广东省", 6)] == f"/?q={Q}&amp;region=%E5%B9%BF%E4%B8%9C%E7%9C%81"
    region = html[html.index('<section class="facet facet-region"') :]
    region = region[: region.index("</section>")]
    assert "<h2>地区 · 省份</h2>" in region
    assert '<span class="facet-value unknown">未知</span><span class="n">1</span>' in region
    assert found[("市级", 3)] == f"/?q={Q}&amp;level=city"
    assert found[("街道乡镇", 3)] == f"/?q={Q}&amp;level=street"
    assert found[("意见", 3)] == f"/?q={Q}&amp;type=%E6%84%8F%E8%A7%81"
    # Documents without a type are counted but cannot be a filter.
    assert '<span class="facet-value unknown">未知</span><span class="n">4</span>' in html


def test_document_page_says_what_was_inferred(client, ids):
    html = html_of(client.get(f"/doc/{ids['pingshan']}"))
    inferred = '<span class="source inferred" title="从文件内容推断，可能有误">据开头</span>'
    assert f'<dd class="meta-year">2018年 {inferred}</dd>' in html
    assert f'<dd class="meta-region">坪山街道 {inferred}</dd>' in html
    assert f'<dd class="meta-level">街道乡镇 {inferred}</dd>' in html
    assert '<span class="adcode">440310001</span>' in html


def test_document_page_explains_a_placed_street_in_chinese(client, ids):
    xx = next(h for h in search(client.application.config["INDEX"], "河长制").hits
              if h.region == "XX街道")  # fmt: skip
    html = html_of(client.get(f"/doc/{xx.doc_id}"))
    assert (
        '<dt>说明</dt><dd class="meta-note">'
        "行政区划数据中没有“XX街道”；按正文提及的上级地名归属</dd>" in html
    )


def test_region_facet_drills_down_the_hierarchy(client):
    html = html_of(client.get("/?q=河长制&region=广东省"))
    region = html[html.index('<section class="facet facet-region"') :]
    region = region[: region.index("</section>")]
    # One city (深圳市) is no choice: the next level with one is offered, by each unit's name.
    assert 'data-level="county"' in region and "<h2>地区 · 区县</h2>" in region
    facet = r'<a class="facet-value" href="([^"]+)">([^<]+)</a><span class="n">(\d+)</span>'
    links = re.findall(facet, region)
    pingshan = quote("广东省深圳市坪山区")
    longgang = quote("广东省深圳市龙岗区")
    assert links == [
        (f"/?q={Q}&amp;region={pingshan}", "坪山区", "2"),
        (f"/?q={Q}&amp;region={longgang}", "龙岗区", "1"),
    ]
    narrowed = html_of(client.get(f"/?q={Q}&region={pingshan}"))
    assert '共 <strong class="total">2</strong> 条结果' in narrowed
    assert "地区：广东省深圳市坪山区" in narrowed


def test_filters_narrow_and_chips_remove_them(client):
    html = html_of(client.get("/?q=河长制&year=2018&level=street"))
    assert '共 <strong class="total">2</strong> 条结果' in html
    assert (
        f'<a class="chip" href="/?q={Q}&amp;level=street" title="移除这个筛选">年份：2018年' in html
    )
    assert (
        f'<a class="chip" href="/?q={Q}&amp;year=2018" title="移除这个筛选">层级：街道乡镇' in html
    )
    assert f'<a class="clear" href="/?q={Q}">清除全部筛选</a>' in html
    # Filters survive a new search from the box.
    assert '<input type="hidden" name="year" value="2018">' in html
    assert '<input type="hidden" name="level" value="street">' in html
    html = html_of(client.get("/?q=河长制&type=意见"))
    assert '共 <strong class="total">3</strong> 条结果' in html
    html = html_of(client.get("/?q=河长制&region=坪山"))
    assert '共 <strong class="total">2</strong> 条结果' in html


def test_filters_without_a_query_browse_the_index(client):
    html = html_of(client.get("/?year=2017"))
    assert '共 <strong class="total">45</strong> 条结果' in html
    assert "<mark>" not in html


def test_unknown_parameters_are_ignored(client):
    plain = html_of(client.get("/?q=河长制"))
    noisy = html_of(client.get("/?q=河长制&utm_source=x&colour=red&foo="))
    strip = re.compile(r"用时 [\d.]+ 秒")
    assert strip.sub("", plain) == strip.sub("", noisy)
    assert client.get("/api/search?q=河长制&bogus=1").get_json()["total"] == 7


def test_year_chart_bars_link_to_years(client):
    html = html_of(client.get("/?q=河长制"))
    bars = re.findall(
        r'<a class="year-bar" href="([^"]+)" aria-label="[^"]+"><title>([^<]+)</title>', html
    )
    assert bars == [
        (f"/?q={Q}&amp;year=2016", "2016年：3 条"),
        (f"/?q={Q}&amp;year=2018", "2018年：2 条"),
        (f"/?q={Q}&amp;year=2019", "2019年：1 条"),
        (f"/?q={Q}&amp;year=2020", "2020年：1 条"),
    ]
    assert '<g class="year-bar empty"><title>2017年：0 条</title>' in html
    # Heights are attributes, the tallest bar fills the plot.
    heights = re.findall(
        r'<rect class="bar" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"', html
    )
    assert heights == ["104.0", "0.0", "69.3", "34.7", "34.7"]
    # One year only: no chart.
    assert "<svg" not in html_of(client.get("/?q=河长制&year=2016"))


def test_sort_by_year(client):
    html = html_of(client.get("/?q=河长制&sort=year&group=none"))
    years = re.findall(r'<p class="hit-meta">(\d{4})年', html)
    assert years == ["2020", "2019", "2018", "2018", "2016", "2016", "2016"]
    html = html_of(client.get("/?q=河长制&sort=year"))
    years = re.findall(r'<p class="hit-meta">(\d{4})年', html)
    assert years == ["2020", "2019", "2018", "2018", "2016", "2016"]  # two per document
    assert '<span class="current" aria-current="true">按年份排序</span>' in html
    assert '<input type="hidden" name="sort" value="year">' in html


def test_pagination(client):
    q = quote("分页测试")
    html = html_of(client.get("/?q=分页测试&page=2&group=none"))
    assert '共 <strong class="total">45</strong> 条结果' in html
    assert "第 21–40 条" in html and '<ol class="hits" start="21">' in html
    assert len(hit_links(html)) == 20
    assert f'<a class="prev" rel="prev" href="/?q={q}&amp;group=none">‹ 上一页</a>' in html
    assert (
        f'<a class="next" rel="next" href="/?q={q}&amp;page=3&amp;group=none">下一页 ›</a>' in html
    )
    assert '<span class="current" aria-current="page">2</span>' in html
    assert f'<a href="/?q={q}&amp;page=3&amp;group=none">3</a>' in html
    html = html_of(client.get("/?q=分页测试&page=3&group=none"))
    assert len(hit_links(html)) == 5 and '<span class="next disabled">下一页 ›</span>' in html
    html = html_of(client.get("/?q=分页测试&group=none"))
    assert '<span class="prev disabled">‹ 上一页</span>' in html


def test_page_beyond_the_results(client):
    response = client.get("/?q=分页测试&page=99&group=none")
    assert response.status_code == 200
    html = html_of(response)
    assert hit_links(html) == []
    assert "第 99 页没有结果：共 3 页。" in html


@pytest.mark.parametrize(
    ("args", "message", "chinese"),
    [
        ("page=0", "page must be a whole number, 1 or more (got &#39;0&#39;)",
         "页码必须是不小于 1 的整数（收到的是 0）。"),
        ("page=-1", "page must be a whole number, 1 or more (got &#39;-1&#39;)",
         "页码必须是不小于 1 的整数（收到的是 -1）。"),
        ("page=abc", "page must be a whole number, 1 or more (got &#39;abc&#39;)",
         "页码必须是不小于 1 的整数（收到的是 abc）。"),
        ("page=1.5", "page must be a whole number, 1 or more (got &#39;1.5&#39;)",
         "页码必须是不小于 1 的整数（收到的是 1.5）。"),
        ("per_page=-5", "per_page must be a whole number, 1 or more (got &#39;-5&#39;)",
         "每页条数必须是不小于 1 的整数（收到的是 -5）。"),
        ("sort=date", "unknown sort &#39;date&#39;; use one of: relevance, year",
         "不支持的排序方式 date；可用：relevance, year。"),
        ("year=abc", "year:abc — a year is 4 digits, or a range like year:2015..2020",
         "“abc”不是有效的年份：年份是 4 位数字，或写成 2015..2020 这样的范围。"),
    ],
)  # fmt: skip
def test_bad_parameters_are_400_above_the_box(client, args, message, chinese):
    response = client.get(f"/?q=河长制&{args}")
    assert response.status_code == 400
    html = html_of(response)
    # The page speaks Chinese; the library's English message stays available beneath it.
    assert f'<span class="error-message">{chinese}</span>' in html
    assert f"<summary>英文原文</summary><code>{message}</code>" in html
    assert html.index("error-message") < html.index('name="q" value="河长制"')


def test_malformed_query_is_400_with_the_message(client):
    response = client.get("/?q=(河长制")
    assert response.status_code == 400
    html = html_of(response)
    assert "<strong>查询有误：</strong>" in html
    assert '<span class="error-message">括号不成对：请补上右括号“)”。</span>' in html
    assert "<code>unbalanced parenthesis: add the closing &#39;)&#39;</code>" in html
    assert 'value="(河长制"' in html
    assert "Traceback" not in html
    response = client.get('/?q="土地')
    assert response.status_code == 400
    assert "unbalanced quote: add the closing &#34; or remove the opening one" in html_of(response)


# -- the document page ---------------------------------------------------------------------


def test_document_page(client, ids):
    response = client.get(f"/doc/{ids['policy']}?q=河长制")
    html = html_of(response)
    assert response.status_code == 200
    assert "<title>关于全面推行河长制的实施意见 · 政府文件全文检索</title>" in html
    fact = '<span class="source fact" title="来自索引时提供的清单">清单</span>'
    for term, value in [("年份", f'<dd class="meta-year">2016年 {fact}</dd>'),
                        ("地区", f'<dd class="meta-region">深圳市 {fact}</dd>'),
                        ("层级", f'<dd class="meta-level">市级 {fact}</dd>'),
                        ("类型", f'<dd class="meta-type">意见 {fact}</dd>'),
                        ("文号", "<dd>深府办〔2016〕12号</dd>"),
                        ("段落", "<dd>7</dd>")]:  # fmt: skip
        assert f"<dt>{term}</dt>{value}" in html
    # The manifest's 深圳市 sits in the hierarchy; each level links to its documents.
    assert (
        '<dt>行政区划</dt><dd class="meta-region-path">'
        f'<a href="/?region={quote("广东省")}">广东省</a> › '
        f'<a href="/?region={quote("广东省深圳市")}">深圳市</a> '
        '<span class="adcode">440300</span></dd>'
    ) in html
    assert re.search(
        r'<code class="path">[^<]*policy\.txt</code> <span class="format">TXT</span>', html
    )
    # Every paragraph has an anchor and a link to itself.
    assert re.findall(r'<div class="para[^"]*" id="p-(\d+)">', html) == [
        str(n) for n in range(1, 8)
    ]
    assert (
        '<a class="pilcrow" href="#p-4" title="本段链接（点击复制）" '
        'aria-label="第 4 段的链接">¶4</a>' in html
    )
    # Headings: a heading paragraph is shown as one; a paragraph opening with its own heading
    # needs no label.
    assert '<h2 class="para-text">一、总体要求</h2>' in html
    assert '<h2 class="para-text">二、主要任务</h2>' in html
    assert '<p class="section-path">' not in html
    # Matches are numbered through the document, with navigation.
    assert (
        '<p class="para-text">为全面推行<mark id="m-1">河长制</mark>，'
        '落实<mark id="m-2">河长制</mark>责任' in html
    )
    assert '以<mark id="m-3">河长制</mark>为抓手' in html
    assert '全面建立<mark id="m-4">河长制</mark>' in html
    assert html.count("<mark") == 4
    assert "“河长制”：4 处匹配，3 个段落" in html
    assert '<a class="match-prev" href="#m-4" data-step="-1">‹ 上一处匹配</a>' in html
    assert '<a class="match-next" href="#m-1" data-step="1">下一处匹配 ›</a>' in html
    # Without JavaScript, each matching paragraph links to the next and previous one.
    assert '<a href="#p-4">↓ 下一个匹配段落</a>' in html
    assert '<a href="#p-2">↑ 上一个匹配段落</a><a href="#p-7">↓ 下一个匹配段落</a>' in html
    assert f'<a href="/?q={Q}">← 返回“河长制”的搜索结果</a>' in html
    assert '<script src="/static/document.js" defer></script>' in html


def test_section_path_shown_where_it_changes(client, ids):
    html = html_of(client.get(f"/doc/{ids['pingshan']}"))
    assert '<h2 class="para-text">一、2018年工作情况</h2>' in html
    assert '<h2 class="para-text">三、2019年工作计划</h2>' in html
    assert "<mark" not in html and 'id="match-nav"' not in html


def test_document_without_matches_for_the_query(client, ids):
    html = html_of(client.get(f"/doc/{ids['paging']}?q=河长制"))
    assert "本文没有“河长制”的匹配" in html and "<mark" not in html


def test_document_errors(client, ids):
    response = client.get("/doc/abcdef0123")
    assert response.status_code == 404
    html = html_of(response)
    assert "<h1>找不到该页面或文件</h1>" in html
    assert (
        '<p class="error-message">索引中没有编号为 abcdef0123 的文件：请先搜索找到它。</p>'
    ) in html
    assert "no document with id &#39;abcdef0123&#39; in this index; search for it first" in html
    assert '<a class="back-link" href="/">← 返回搜索首页</a>' in html
    for bad in ["ZZZ", "..", "a" * 65, "abc%00", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd"]:
        assert client.get(f"/doc/{bad}").status_code == 404, bad
        assert client.get(f"/api/doc/{bad}").status_code == 404, bad
    assert client.get("/doc/..%5Cwindows").status_code == 404


def test_unknown_page_and_method(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert '<p class="error-message">没有这个页面：/nothing-here</p>' in html_of(response)
    response = client.post("/")
    assert response.status_code == 405
    assert '<p class="error-message">此页面不支持 POST 请求。</p>' in html_of(response)
    assert "method POST is not allowed here" in html_of(response)


# -- JSON API ------------------------------------------------------------------------------


def test_api_search_is_the_library_result_plus_paging(client, web_index):
    response = client.get("/api/search?q=河长制")
    assert response.status_code == 200
    assert response.content_type == "application/json; charset=utf-8"
    assert "河长制".encode() in response.data  # Chinese is not \u-escaped
    expected = search(open_index(web_index), "河长制", limit=20).to_dict()
    for hit in expected["hits"]:  # every text is short here: sent whole
        hit.update(text_truncated=False, text_offset=0, text_length=len(hit["text"]))
    assert response.get_json() == {**expected, "page": 1, "per_page": 20, "pages": 1}
    assert list(response.get_json())[-3:] == ["page", "per_page", "pages"]
    # Pinned, not only passed through: the policy's opening paragraph leads.
    first = response.get_json()["hits"][0]
    assert (first["title"], first["year"], first["region"], first["level"], first["type"]) == (
        "关于全面推行河长制的实施意见", 2016, "深圳市", "city", "意见"
    )  # fmt: skip
    assert (first["paragraph"], first["line"], first["matches"]) == (2, 2, [[5, 8], [11, 14]])
    assert response.get_json()["facets"]["year"] == {"2020": 1, "2019": 1, "2018": 2, "2016": 3}


def test_api_search_paging(client):
    body = client.get("/api/search?q=分页测试&page=3&per_page=20").get_json()
    assert (body["total"], body["offset"], body["limit"], len(body["hits"])) == (45, 40, 20, 5)
    assert (body["page"], body["per_page"], body["pages"]) == (3, 20, 3)
    assert [h["paragraph"] for h in body["hits"]] == [41, 42, 43, 44, 45]
    body = client.get("/api/search?q=分页测试&per_page=1000").get_json()
    assert (body["per_page"], body["limit"], len(body["hits"]), body["pages"]) == (100, 100, 45, 1)
    body = client.get("/api/search?q=分页测试&per_page=7&page=999999999999").get_json()
    assert (body["total"], body["hits"], body["pages"]) == (45, [], 7)
    body = client.get("/api/search?q=河长制&year=2016..2018&sort=year").get_json()
    assert [h["year"] for h in body["hits"]] == [2018, 2018, 2016, 2016, 2016]
    assert body["facets"]["year"] == {"2018": 2, "2016": 3}
    body = client.get("/api/search?q=河长制&level=city&type=意见&region=深圳").get_json()
    assert body["total"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("q=河长制&page=-1", "page must be a whole number, 1 or more (got '-1')"),
        ("q=河长制&page=x", "page must be a whole number, 1 or more (got 'x')"),
        ("q=河长制&page=", None),
        ("q=河长制&per_page=0", "per_page must be a whole number, 1 or more (got '0')"),
        ("q=河长制&per_page=ten", "per_page must be a whole number, 1 or more (got 'ten')"),
        ("q=河长制&sort=newest", "unknown sort 'newest'; use one of: relevance, year"),
        ("q=河长制&year=20", "year:20 — a year is 4 digits, or a range like year:2015..2020"),
        ("q=", "empty query: type a word to search for, e.g. 河长制"),
        ("q=河长制 OR", "OR needs a term on both sides, e.g. 河长制 OR 湖长制"),
        ("q=foo:bar", "unknown field 'foo:'; known fields: year, region, title, section, level, "
                      'type, docno, date (to search for the text itself, put it in quotes: '
                      '"foo:bar")'),
    ],
)  # fmt: skip
def test_api_search_bad_parameters(client, args, message):
    response = client.get(f"/api/search?{args}")
    if message is None:  # an empty value means "the default"
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert response.get_json() == {"error": message}


def test_api_document(client, web_index, ids):
    body = client.get(f"/api/doc/{ids['policy']}").get_json()
    assert body == json.loads(json.dumps(get_document(web_index, ids["policy"]).to_dict()))
    assert body["title"] == "关于全面推行河长制的实施意见" and body["paragraph_count"] == 7
    body = client.get(f"/api/doc/{ids['policy']}?q=河长制").get_json()
    assert body["paragraphs"][1]["matches"] == [[5, 8], [11, 14]]
    response = client.get("/api/doc/0123abcd")
    assert response.status_code == 404
    assert response.get_json() == {
        "error": "no document with id '0123abcd' in this index; search for it first"
    }
    assert client.get("/api/nothing").get_json() == {"error": "no such page: /api/nothing"}


def test_api_stats(client, web_index):
    response = client.get("/api/stats")
    assert response.get_json() == json.loads(json.dumps(stats(web_index).to_dict()))
    body = response.get_json()
    # 29 seed paragraphs + 7 policy + 5 hostile + 45 paging.
    assert (body["documents"], body["paragraphs"]) == (5, 86)
    assert body["years"] == {"2020": 1, "2019": 1, "2018": 1, "2017": 1, "2016": 1}


# -- errors from the index -----------------------------------------------------------------


def test_missing_index_is_503(tmp_path):
    empty = tmp_path / "no-index"
    client = create_app({"TESTING": True, "INDEX": str(empty)}).test_client()
    message = f"no index at {empty}. Run: govsearch index PATH... --index {empty}"
    response = client.get("/api/search?q=河长制")
    assert response.status_code == 503
    assert response.get_json() == {"error": message}
    response = client.get("/?q=河长制")
    assert response.status_code == 503
    html = html_of(response)
    assert "<h1>索引暂不可用</h1>" in html
    chinese = f"{empty} 处还没有索引。管理员请运行：govsearch index PATH... --index {empty}"
    assert f'<p class="error-message">{chinese}</p>' in html
    assert f"<code>{message}</code>" in html
    assert client.get("/").status_code == 503
    # Once the index exists, the same app serves it.
    build_index(SEEDS, empty)
    assert client.get("/api/search?q=河长制").get_json()["total"] == 3


def test_no_index_configured_is_503(monkeypatch):
    monkeypatch.delenv("GOVSEARCH_INDEX", raising=False)
    response = create_app({"TESTING": True}).test_client().get("/api/stats")
    assert response.status_code == 503
    assert response.get_json() == {
        "error": "no index configured. Run: govsearch serve --index DIR (or set GOVSEARCH_INDEX)"
    }


def test_index_from_environment(monkeypatch, web_index, tmp_path):
    monkeypatch.setenv("GOVSEARCH_INDEX", str(web_index))
    assert create_app().test_client().get("/api/stats").get_json()["documents"] == 5
    # The mapping passed in wins over the environment.
    app = create_app({"INDEX": str(tmp_path / "elsewhere")})
    assert app.test_client().get("/api/stats").status_code == 503


def test_library_and_unexpected_errors_are_500_without_traceback(app, monkeypatch):
    from govsearch.web import views

    def corrupt(index):
        raise GovsearchError(
            "the index at X is damaged (bad CURRENT file). Run: govsearch index --rebuild"
        )

    monkeypatch.setattr(views, "stats", corrupt)
    client = app.test_client()
    response = client.get("/api/stats")
    assert response.status_code == 500
    assert response.get_json() == {
        "error": "the index at X is damaged (bad CURRENT file). Run: govsearch index --rebuild"
    }

    def boom(index):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "stats", boom)
    response = client.get("/")
    assert response.status_code == 500
    html = html_of(response)
    assert '<p class="error-message">服务器内部出错，详情已记录在服务器日志中。</p>' in html
    assert "secret internals" not in html and "Traceback" not in html
    assert (
        response.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]
    )
    response = client.get("/api/stats")
    assert response.get_json() == {"error": "internal error: the server log has the details"}


def test_rebuilt_index_is_seen_by_the_running_app(tmp_path):
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("第一版内容：重建测试。\n", "utf-8")
    second.write_text("第二版内容：重建测试，另有新增。\n另一段重建测试。\n", "utf-8")
    index_dir = tmp_path / "index"
    build_index([first], index_dir)
    client = create_app({"TESTING": True, "INDEX": str(index_dir)}).test_client()
    html = html_of(client.get("/?q=重建测试"))
    assert '共 <strong class="total">1</strong> 条结果' in html and "第一版内容" in html
    build_index([second], index_dir, rebuild=True)
    html = html_of(client.get("/?q=重建测试"))
    assert '共 <strong class="total">2</strong> 条结果' in html
    assert "第二版内容：<mark>重建测试</mark>，另有新增。" in html and "第一版内容" not in html
    assert client.get("/api/stats").get_json()["paragraphs"] == 2


# -- safety --------------------------------------------------------------------------------


def test_hostile_document_is_shown_as_text(client, ids):
    html = html_of(client.get("/?q=恶意测试&group=none"))
    assert '共 <strong class="total">5</strong> 条结果' in html
    texts = hit_texts(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>恶意测试</mark> 河长制" in texts
    assert "&lt;img src=x onerror=alert(1)&gt;<mark>恶意测试</mark>" in texts
    assert (
        "&lt;a href=&#34;javascript:alert(1)&#34;&gt;<mark>恶意测试</mark>链接&lt;/a&gt;" in texts
    )
    assert "&lt;/p&gt;&lt;/div&gt;&lt;b&gt;<mark>恶意测试</mark> 未闭合&lt;i&gt;标签" in texts
    assert (
        "&#34;引号&#34; &#39;单引号&#39; &amp; &amp;amp; <mark>恶意测试</mark> "
        "&lt;style&gt;body{display:none}&lt;/style&gt;"
    ) in texts
    assert "&lt;script&gt;alert(&#39;标题&#39;)&lt;/script&gt;恶意标题</a></h3>" in html
    doc = html_of(client.get(f"/doc/{ids['hostile']}?q=恶意测试"))
    assert (
        "<title>&lt;script&gt;alert(&#39;标题&#39;)&lt;/script&gt;恶意标题 · "
        "政府文件全文检索</title>" in doc
    )
    assert '<dt>地区</dt><dd class="meta-region">测试区&lt;b&gt; <span class="source fact"' in doc
    assert doc.count("<mark") == 5
    for page in (html, doc):
        assert_no_active_content(page)


def test_hostile_query_is_escaped_then_marked(client):
    q = "<script>alert(1)</script>"
    html = html_of(client.get("/", query_string={"q": q}))
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; · 搜索 · 政府文件全文检索</title>" in html
    # The query's three terms (`<script>alert`, `1`, `</script>`) are marked in the escaped text.
    assert hit_texts(html) == [
        "<mark>&lt;script&gt;alert</mark>(<mark>1</mark>)<mark>&lt;/script&gt;</mark>"
        "恶意测试 河长制"
    ]
    assert_no_active_content(html)
    response = client.get("/", query_string={"q": "year:<script>alert(1)</script>"})
    assert response.status_code == 400
    body = html_of(response)
    assert "year:&lt;script&gt;alert — a year is 4 digits, or a range like year:2015..2020" in body
    assert_no_active_content(body)
    response = client.get("/doc/<script>")
    assert response.status_code == 404
    assert_no_active_content(html_of(response))


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_bodies: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        if self.lasttag == "script" and data.strip():
            self.script_bodies.append(data)


def assert_no_active_content(html: str) -> None:
    """No script but our own file, no inline handlers or styles, no links off this server."""
    parser = _Tags()
    parser.feed(html)
    assert parser.script_bodies == []
    for tag, attrs in parser.tags:
        assert tag not in {"img", "iframe", "object", "embed", "style", "base"}, tag
        if tag == "script":
            assert attrs == {"src": "/static/document.js", "defer": None}
        for name, value in attrs.items():
            assert not name.startswith("on") and name != "style", (tag, name)
            if name in {"href", "src", "action"}:
                assert value.startswith(("/", "#")) and not value.startswith("//"), value


@pytest.mark.parametrize(
    "path", ["/", "/?q=河长制", "/?q=(", "/doc/zz", "/api/search?q=河长制", "/api/doc/zz",
             "/api/stats", "/static/style.css", "/static/document.js", "/nothing"],
)  # fmt: skip
def test_security_headers_on_every_response(client, path):
    with client.get(path) as response:
        headers = response.headers
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value
    assert headers["Content-Security-Policy"] == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


def test_pages_use_only_local_assets(client, ids):
    for path in ["/", "/?q=河长制", f"/doc/{ids['policy']}?q=河长制", "/doc/zz", "/?q=("]:
        assert_no_active_content(html_of(client.get(path)))
    with client.get("/static/style.css") as css:
        assert css.status_code == 200 and css.content_type.startswith("text/css")
        assert "http" not in css.get_data(as_text=True)
        assert "@import" not in css.get_data(as_text=True)
    with client.get("/static/document.js") as js:
        assert js.content_type.startswith("text/javascript")
        assert "http" not in js.get_data(as_text=True)


# -- display helpers -----------------------------------------------------------------------


def test_highlight_escapes_then_marks():
    from govsearch.web.display import highlight

    text = "a<b>&c"
    assert highlight(text, [(1, 4)]) == "a<mark>&lt;b&gt;</mark>&amp;c"
    # Overlapping, unsorted, empty and out-of-range spans are tidied, and ids count real marks.
    assert highlight(text, [(5, 99), (0, 2), (1, 3), (4, 4)], first_mark=7) == (
        '<mark id="m-7">a&lt;</mark><mark id="m-8">b</mark>&gt;&amp;<mark id="m-9">c</mark>'
    )


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="河长制<>&\"' ab\n", max_size=40),
    st.lists(st.tuples(st.integers(0, 45), st.integers(0, 45)), max_size=6),
)
def test_highlight_round_trips(text, spans):
    from govsearch.web.display import clean_spans, highlight

    out = str(highlight(text, spans))
    marked = re.findall(r"<mark>(.*?)</mark>", out, flags=re.S)
    assert [unescape(m) for m in marked] == [text[s:e] for s, e in clean_spans(text, spans)]
    # Independently of clean_spans: the marked characters are exactly those the spans cover.
    covered = {i for s, e in spans for i in range(max(0, s), min(len(text), e))}
    inside, at, in_mark = set(), 0, False
    for piece in re.split(r"(</?mark>)", out):
        if piece in ("<mark>", "</mark>"):
            in_mark = piece == "<mark>"
            continue
        plain = unescape(piece)
        if in_mark:
            inside.update(range(at, at + len(plain)))
        at += len(plain)
    assert inside == covered
    assert unescape(re.sub(r"</?mark>", "", out)) == text
    assert "<" not in re.sub(r"</?mark>", "", out)


def test_excerpt_windows():
    from govsearch.web.display import EXCERPT_CHARS, excerpt

    short = "河长制" * 10
    assert excerpt(short, [(0, 3)]) == "<mark>河长制</mark>" + "河长制" * 9
    body = "甲" * 100 + "。" + "乙" * 30 + "河长制" + "丙" * 400
    shown = str(excerpt(body, [(131, 134), (300, 303)]))
    # Starts at the sentence before the first match, keeps the later mark inside the window.
    assert shown.startswith("…乙乙") and shown.endswith("…")
    assert shown.count("<mark>") == 2
    assert len(shown.replace("<mark>", "").replace("</mark>", "")) == EXCERPT_CHARS + 2
    # A mark across the window's end is not cut: the window grows to hold it.
    long_mark = str(excerpt("丁" * 500, [(100, 103), (276, 290)]))
    assert long_mark.endswith("<mark>" + "丁" * 14 + "</mark>…")
    # A match near the end fills the window backwards.
    tail = str(excerpt("戊" * 500, [(495, 498)]))
    assert tail.startswith("…") and tail.endswith("<mark>戊戊戊</mark>戊戊")
    assert len(tail.replace("<mark>", "").replace("</mark>", "")) == EXCERPT_CHARS + 1
    # No match (a filter-only search): the paragraph's beginning.
    assert str(excerpt("己" * 500, [])) == "己" * EXCERPT_CHARS + "…"


def test_pager():
    from govsearch.web.display import pager

    assert pager(1, 1) == [1]
    assert pager(1, 3) == [1, 2, 3]
    assert pager(5, 10) == [1, None, 3, 4, 5, 6, 7, None, 10]
    assert pager(1, 10) == [1, 2, 3, None, 10]
    assert pager(12, 10) == [1, None, 10]


# -- first-hour fixes ------------------------------------------------------------------------


def _grouped(ids: list[str], per_doc: int = 2) -> list[str]:
    """The oracle for grouping: the flat ranked list, each document's first `per_doc` kept."""
    seen: dict[str, int] = {}
    out = []
    for pid in ids:
        doc = pid.split(":")[0]
        seen[doc] = seen.get(doc, 0) + 1
        if seen[doc] <= per_doc:
            out.append(pid)
    return out


def test_results_are_grouped_by_document(client, ids):
    flat = [h["id"] for h in client.get("/api/search?q=河长制").get_json()["hits"]]
    assert len(flat) == 7 and sum(i.startswith(ids["policy"]) for i in flat) == 3
    html = html_of(client.get("/?q=河长制"))
    assert '共 <strong class="total">7</strong> 条结果' in html
    assert re.search(r"用时 \d+\.\d{3} 秒 · 第 1–6 条", html)
    shown = [re.search(r"/doc/(\w+)\?q=\S+#p-(\d+)", link).groups() for link in hit_links(html)]
    assert [f"{d}:{p}" for d, p in shown] == _grouped(flat)
    more = re.findall(r'<p class="more-in-doc"><a href="([^"]+)">([^<]+)</a></p>', html)
    assert more == [(f"/doc/{ids['policy']}?q={Q}", "本文档另有 1 处匹配段落，在文件中查看 →")]
    # The note follows the document's last listed hit.
    last_policy = max(i for i, (d, _p) in enumerate(shown) if d == ids["policy"])
    after = html.split('<li class="hit">')[last_policy + 1]
    assert '<p class="more-in-doc">' in after.split("</li>")[0]
    assert (
        '<p class="grouping muted small">同一文件只列出前两处，其余在文件页中查看 · '
        f'<a href="/?q={Q}&amp;group=none">逐条列出全部 7 条</a></p>'
    ) in html
    flat_page = html_of(client.get("/?q=河长制&group=none"))
    assert len(hit_links(flat_page)) == 7 and "more-in-doc" not in flat_page
    assert f'<a href="/?q={Q}">按文件归并</a>' in flat_page


def test_one_long_document_does_not_flood_the_pages(client, ids):
    html = html_of(client.get("/?q=分页测试"))
    assert '共 <strong class="total">45</strong> 条结果' in html
    assert len(hit_links(html)) == 2 and 'class="pager"' not in html
    assert "本文档另有 43 处匹配段落，在文件中查看 →" in html


def test_api_stays_flat_and_groups_on_request(client, ids):
    flat = client.get("/api/search?q=河长制").get_json()
    assert "listed" not in flat and "folded" not in flat and len(flat["hits"]) == 7
    grouped = client.get("/api/search?q=河长制&group=doc&per_page=4").get_json()
    assert [h["id"] for h in grouped["hits"]] == _grouped([h["id"] for h in flat["hits"]])[:4]
    assert (grouped["group"], grouped["listed"], grouped["total"], grouped["pages"]) == (
        "doc", 6, 7, 2
    )  # fmt: skip
    on_page = {h["doc_id"] for h in grouped["hits"]}
    assert grouped["folded"] == ({ids["policy"]: 1} if ids["policy"] in on_page else {})
    second = client.get("/api/search?q=河长制&group=doc&per_page=4&page=2").get_json()
    assert [h["id"] for h in second["hits"]] == _grouped([h["id"] for h in flat["hits"]])[4:]
    bad = client.get("/api/search?q=河长制&group=site")
    assert bad.status_code == 400
    assert bad.get_json() == {"error": "group must be one of: doc, none (got 'site')"}


@pytest.fixture
def long_client(long_index):
    return create_app({"TESTING": True, "INDEX": str(long_index)}).test_client()


def test_api_hit_text_is_capped_around_the_matches(long_client, long_doc):
    giant = long_doc.read_text("utf-8").split("\n")[2]
    body = long_client.get("/api/search?q=河长制&per_page=10").get_json()
    (hit,) = [h for h in body["hits"] if h["paragraph"] == 3]
    assert hit["text_truncated"] is True and hit["text_length"] == len(giant) == 30011
    start = hit["text_offset"]
    assert (
        1990 <= len(hit["text"]) <= 2010 and hit["text"] == giant[start : start + len(hit["text"])]
    )
    first = giant.index("河长制")
    assert start <= first < start + len(hit["text"])
    assert hit["matches"] and all(hit["text"][s:e] == "河长制" for s, e in hit["matches"])
    assert len(hit["matches"]) == hit["text"].count("河长制")
    short = next(h for h in body["hits"] if h["paragraph"] == 2)
    assert (short["text"], short["text_truncated"], short["text_offset"]) == (
        "第一段，推行河长制。", False, 0
    )  # fmt: skip
    whole = long_client.get(f"/api/doc/{hit['doc_id']}?q=河长制").get_json()
    assert whole["paragraphs"][2]["text"] == giant  # the whole text is one request away
    assert len(whole["paragraphs"][2]["matches"]) == 34


def test_long_paragraphs_are_streamed_in_slices(long_client, long_index, long_doc):
    giant = long_doc.read_text("utf-8").split("\n")[2]
    doc_id = search(long_index, "河长制").hits[0].doc_id
    response = long_client.get(f"/doc/{doc_id}?q=河长制")
    assert response.is_streamed
    html = html_of(response)
    body = re.search(r'id="p-3">.*?<p class="para-text">(.*?)</p>', html, re.S)
    slices = re.findall(r'<span class="slice">(.*?)</span>', body.group(1))
    assert len(slices) == 8
    plain = [re.sub(r"<mark[^>]*>|</mark>", "", s) for s in slices]
    assert "".join(plain) == giant
    assert all(len(p) <= 4000 and p.endswith("。") for p in plain)
    numbers = [int(n) for n in re.findall(r'<mark id="m-(\d+)">', html)]
    assert numbers == list(range(1, 37))  # 1 before, 34 inside, 1 after: in order, none split
    assert "“河长制”：36 处匹配，3 个段落" in html


def test_a_malformed_query_still_shows_the_document(client, ids):
    response = client.get(f"/doc/{ids['policy']}?q=(河长制")
    assert response.status_code == 200
    html = html_of(response)
    assert (
        '<p class="notice" role="status">查询“(河长制”有误，未标记匹配：'
        '<span class="notice-message">括号不成对：请补上右括号“)”。</span></p>'
    ) in html
    assert "<code>unbalanced parenthesis: add the closing &#39;)&#39;</code>" in html
    assert "<mark" not in html and 'id="match-nav"' not in html
    assert "为全面推行河长制，落实河长制责任，现提出如下意见。" in html


def test_back_to_results_keeps_filters_and_page(client):
    results = "/?q=分页测试&page=2&per_page=10&sort=year&year=2017&group=none"
    html = html_of(client.get(results))
    link = hit_links(html)[0].replace("&amp;", "&")
    assert link.startswith("/doc/") and "page=2" in link and "year=2017" in link
    doc = html_of(client.get(link))
    back = re.search(r'<p class="back"><a href="([^"]+)">([^<]+)</a></p>', doc)
    assert back.group(2) == "← 返回“分页测试”的搜索结果"
    back_url = back.group(1).replace("&amp;", "&")
    assert dict(parse_qsl(back_url.split("?", 1)[1])) == dict(parse_qsl(results.split("?", 1)[1]))
    assert '<input type="hidden" name="year" value="2017">' in doc  # a new search keeps them
    bare = html_of(client.get(link.split("?")[0]))
    assert '<p class="back"><a href="/">← 返回搜索</a></p>' in bare


def test_suggestion_on_the_results_page(client):
    html = html_of(client.get("/?q=河长制：&year=2016"))
    assert '共 <strong class="total">0</strong> 条结果' in html
    assert (
        '<p class="suggestion" role="status">“河长制：”按原样（连同标点）没有匹配。去掉标点试试：'
        f'<a href="/?q={Q}&amp;year=2016">河长制</a>（3 条结果）</p>'
    ) in html
    body = client.get("/api/search?q=河长制：").get_json()
    assert body["suggestions"] == [
        {"query": "河长制", "total": 7, "terms": ["河长制："], "kind": "punctuation"}
    ]


def test_filter_values_that_cannot_match_are_400(client):
    page = client.get("/?q=河长制&level=foo")
    assert page.status_code == 400
    assert "level:foo — not a level; use one of: national, provincial, city, district" in html_of(
        page
    )
    api = client.get("/api/search?q=河长制&type=zzz")
    assert api.status_code == 400
    assert api.get_json()["error"].startswith("type:zzz — not a document type; documents in this")
    assert client.get("/api/search?q=date:2024-13").status_code == 400


@pytest.fixture
def public_client(web_index):
    return create_app({"TESTING": True, "INDEX": str(web_index), "PUBLIC": True}).test_client()


def test_public_server_shows_no_server_paths(public_client, client, web_index, ids):
    corpus = str(Path(search(web_index, "title:实施意见").hits[0].path).parent)
    seeds = str(SEEDS[0].parent)
    pages = [
        "/?q=河长制",
        f"/doc/{ids['policy']}?q=河长制",
        "/api/search?q=河长制",
        f"/api/doc/{ids['policy']}",
        "/api/stats",
    ]
    for url in pages:
        shown = html_of(public_client.get(url))
        assert str(web_index) not in shown and corpus not in shown and seeds not in shown, url
        assert corpus in html_of(client.get(url)) or url in ("/?q=河长制", "/api/stats"), url
    hits = public_client.get("/api/search?q=河长制").get_json()["hits"]
    assert {h["path"] for h in hits} == {"policy.txt", "hostile.txt", SEEDS[0].name, SEEDS[1].name}
    assert public_client.get("/api/stats").get_json()["index_dir"] is None
    doc = html_of(public_client.get(f"/doc/{ids['policy']}"))
    assert '<code class="path">policy.txt</code>' in doc


def test_public_server_errors_name_no_paths(tmp_path):
    missing = tmp_path / "gone"
    app = create_app({"TESTING": True, "INDEX": str(missing), "PUBLIC": True})
    api = app.test_client().get("/api/search?q=河长制")
    assert api.status_code == 503
    assert api.get_json() == {
        "error": "the search index is not available right now; the server's log has the details"
    }
    page = html_of(app.test_client().get("/?q=河长制"))
    assert "检索服务暂时不可用，详细原因记录在服务器日志中。" in page and str(missing) not in page


def test_access_log_one_line_per_request(web_index, caplog):
    app = create_app({"TESTING": True, "INDEX": str(web_index), "ACCESS_LOG": True})
    client = app.test_client()
    with caplog.at_level("INFO", logger="govsearch.access"):
        client.get("/api/search?q=河长制")
        client.get("/nothing?q=%0Aforged 200")
    lines = [r.getMessage() for r in caplog.records if r.name == "govsearch.access"]
    assert len(lines) == 2
    pattern = (
        r"127\.0\.0\.1 - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "
        r'"GET (.+) HTTP/1\.1" (\d{3}) (\d+|-) \d+ms'
    )
    first, second = (re.fullmatch(pattern, line) for line in lines)
    assert first.groups()[:2] == ("/api/search?q=河长制", "200")
    assert second.groups()[:2] == ("/nothing?q=\\nforged 200", "404")  # no forged second line
    caplog.clear()
    create_app({"TESTING": True, "INDEX": str(web_index)}).test_client().get("/api/stats")
    assert not [r for r in caplog.records if r.name == "govsearch.access"]


def test_cap_text_windows_deep_matches():
    from govsearch.web.payload import cap_text

    text = "甲" * 10_000 + "河长制" + "乙" * 1_795 + "河长制" + "丙" * 10_000
    first, second = 10_000, 11_798
    capped = cap_text(text, [[first, first + 3], [second, second + 3]])
    assert capped["text_truncated"] and capped["text_offset"] == first - 200
    assert capped["text_length"] == len(text)
    # The second match straddles the 2,000-character mark: the window grows to keep it whole.
    assert capped["matches"] == [[200, 203], [1998, 2001]]
    assert [capped["text"][s:e] for s, e in capped["matches"]] == ["河长制", "河长制"]
    assert capped["text"] == text[first - 200 : second + 3]
    tail = cap_text(text, [[len(text) - 3, len(text)]])
    assert tail["text_offset"] == len(text) - 2000 and tail["text"] == text[-2000:]
    assert tail["matches"] == [[1997, 2000]]


def example_links(client) -> list[str]:
    """The example searches the home page links to."""
    home = html_of(client.get("/"))
    section = home[home.index('<ul class="example-list">') :]
    return [
        unescape(h)
        for h in re.findall(r'<li><a href="([^"]+)">', section[: section.index("</ul>")])
    ]


def test_every_home_example_finds_something_in_the_seeds(seed_index):
    client = create_app({"TESTING": True, "INDEX": str(seed_index)}).test_client()
    links = example_links(client)
    assert len(links) == 8
    for link in links:
        html = html_of(client.get(link))
        total = int(re.search(r'<strong class="total">(\d+)</strong>', html).group(1))
        assert total >= 1, link


def test_every_home_example_finds_something_in_the_corpus(sample_index):
    # The sample holds corpus documents and the seeds: a hit must come from the corpus.
    client = create_app({"TESTING": True, "INDEX": str(sample_index)}).test_client()
    seeds = {str(p) for p in SEEDS}
    for link in example_links(client):
        q = dict(parse_qsl(link.split("?", 1)[1]))["q"]
        paths = {h.path for h in search(sample_index, q, limit=1000).hits}
        assert paths - seeds, q


def test_export_is_offered_only_when_there_is_something_to_export(client):
    for url in ("/?q=zzzz不存在", "/?q=河长制&year=2017", "/?year=1999"):
        html = html_of(client.get(url))
        assert '共 <strong class="total">0</strong> 条结果' in html, url
        assert "导出" not in html and "/export." not in html, url
    html = html_of(client.get("/?q=zzzz不存在"))
    assert '<p class="result-tools"><a class="to-trend" href="/trend?q=zzzz' in html
    assert html_of(client.get("/?year=1999")).count('class="result-tools"') == 0
    many = html_of(client.get("/?q=河长制"))
    assert (
        '<a class="to-collocates" href="/collocates?q=%E6%B2%B3%E9%95%BF%E5%88%B6">搭配词</a>'
        ' · 导出全部 7 条：<a class="export-csv" href="/export.csv?q='
    ) in many
    beyond = html_of(client.get("/?q=河长制&page=9"))  # no hit on this page, 7 in all
    assert "导出全部 7 条" in beyond
