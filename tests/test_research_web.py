"""The 语境 (KWIC) and 扩散 (diffusion) pages and their API: the library's answers, links to
each paragraph and first document, the tile map and its legend, errors in Chinese."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from govsearch.search import diffusion, kwic
from govsearch.web import create_app, research
from govsearch.web.messages import is_known, to_chinese
from govsearch.web.tiles import VIRIDIS, year_classes


@pytest.fixture(scope="module")
def client(tiny_index):
    return create_app({"TESTING": True, "INDEX": str(tiny_index)}).test_client()


@pytest.fixture(scope="module")
def places(places_index):
    return create_app({"TESTING": True, "INDEX": str(places_index)}).test_client()


def html_of(response) -> str:
    return response.get_data(as_text=True)


ROW = re.compile(
    r'<td class="kwic-source"><a href="([^"]+)"[^>]*>[^<]*</a></td>\s*'
    r'<td class="kwic-left"><span dir="ltr">([^<]*)</span></td>\s*'
    r'<td class="kwic-match"><mark>([^<]*)</mark></td>\s*<td class="kwic-right">([^<]*)</td>'
)


def kwic_rows(html: str) -> list[tuple[str, str, str, str]]:
    return [tuple(unescape(x) for x in m) for m in ROW.findall(html)]


@pytest.mark.parametrize("order", ["position", "left", "right"])
def test_kwic_page_lists_the_librarys_lines(client, tiny_index, order):
    response = client.get(f"/kwic?q=河长制&order={order}&width=3")
    assert response.status_code == 200
    rows = kwic_rows(html_of(response))
    lines = kwic(tiny_index, "河长制", sort=order, width=3).lines
    assert [(r[1], r[2], r[3]) for r in rows] == [(x.left, x.match, x.right) for x in lines]
    for (href, *_rest), line in zip(rows, lines, strict=True):
        doc, paragraph = line.id.split(":")
        url = urlsplit(href)
        assert (url.path, url.fragment) == (f"/doc/{doc}", f"p-{paragraph}")
        assert parse_qs(url.query) == {"q": ["河长制"]}
        # The anchor is there: the paragraph holds the match.
        page = html_of(client.get(href))
        assert f'id="p-{paragraph}"' in page


def test_kwic_page_of_a_pattern_lists_its_matches(client, tiny_index):
    rows = kwic_rows(html_of(client.get("/kwic?q=?长制&width=3")))
    lines = kwic(tiny_index, "?长制", width=3).lines
    assert rows and [(r[1], r[2], r[3]) for r in rows] == [
        (x.left, x.match, x.right) for x in lines
    ]
    assert {r[2] for r in rows} >= {"河长制"}


def test_kwic_page_keeps_the_searchs_filters_and_pages(client, monkeypatch):
    monkeypatch.setattr(research, "LINES_PER_PAGE", 2)
    html = html_of(client.get("/kwic?q=河长制&region=甲市&sort=year&group=doc"))
    assert len(kwic_rows(html)) == 2  # 甲市 holds three of the four lines
    (after,) = re.findall(r'<a class="next" rel="next" href="([^"]+)"', html)
    url = urlsplit(unescape(after))
    # The search's own sort and grouping are dropped; its filters stay.
    assert (url.path, parse_qs(url.query)) == ("/kwic", {"q": ["河长制"], "region": ["甲市"],
                                                         "page": ["2"]})  # fmt: skip
    second = kwic_rows(html_of(client.get("/kwic?q=河长制&region=甲市&page=2")))
    assert len(second) == 1
    assert "返回检索结果" in html and "/?q=%E6%B2%B3%E9%95%BF%E5%88%B6&amp;region=" in html


def test_results_page_links_to_kwic_and_diffusion(client):
    html = html_of(client.get("/?q=河长制&year=2016&sort=year"))
    assert 'class="to-kwic" href="/kwic?q=%E6%B2%B3%E9%95%BF%E5%88%B6&amp;year=2016"' in html
    assert (
        'class="to-diffusion" href="/diffusion?q=%E6%B2%B3%E9%95%BF%E5%88%B6&amp;year=2016"' in html
    )


def test_kwic_api_is_the_librarys_json(client, tiny_index):
    data = client.get("/api/kwic?q=河长制&order=right").get_json()
    assert data == kwic(tiny_index, "河长制", sort="right", limit=100).to_dict()


@pytest.mark.parametrize(
    ("url", "chinese"),
    [
        ("/kwic?q=河长制&order=middle", "不支持的排序方式 middle；可用：position, left, right。"),
        ("/kwic?q=year:2016", "year:2016 中没有可显示语境的词语：请加上一个词，例如 河长制。"),
        ("/kwic?q=河长制&width=300", "语境宽度必须是 0 到 200 之间的整数（收到的是 300）。"),
        ("/diffusion?q=河长制&by=street",
         "不支持的地区层级 street；可用：province, city, county。"),
        ("/kwic?q=??", "“??”只有通配符：请至少写一个要找的字，例如 ?长制。"),
        ("/diffusion?q=/(a%2B)%2B/", "/(a+)+/：嵌套的重复（如 (a+)+）可能耗时极长（灾难性回溯）；"
         "请只在一层上重复，例如 (ab)+ 或 a+。"),
    ],
)  # fmt: skip
def test_bad_input_is_a_chinese_error(client, url, chinese):
    response = client.get(url)
    assert response.status_code == 400
    assert chinese in html_of(response)
    api = client.get("/api" + url)
    assert api.status_code == 400
    message = api.get_json()["error"]
    assert is_known(message) and to_chinese(message) == chinese


def test_a_sort_by_context_over_too_many_paragraphs_is_refused(client, monkeypatch):
    monkeypatch.setattr(research, "WEB_MAX_SORTED", 2)
    response = client.get("/kwic?q=河长制&order=left")
    assert response.status_code == 400
    assert "按语境排序需要读取全部匹配：共 3 个段落，超过了上限 2 个。" in html_of(response)
    assert client.get("/kwic?q=河长制").status_code == 200  # index order reads one page


#: A row of the diffusion table that the adoption curve links to: (id year, first year, region).
ANCHORED_ROW = r'<tr id="adopted-(\d+)">\s*<td>(\d+)</td>\s*<th scope="row"[^>]*>(\S+)</th>'


def test_diffusion_page_tiles_legend_curve_and_table(places, places_index):
    html = html_of(places.get("/diffusion?q=河长制"))
    result = diffusion(places_index, "河长制")
    tile = (
        r'<a class="tile" href="([^"]+)"><title>([^<]+)</title><rect[^>]+fill="'
        r'(#[0-9a-f]{6})"/><text[^>]*>([^<]+)</text><text class="v"[^>]*>(\d+)</text>'
    )
    tiles = re.findall(tile, html)
    shown = {short: (href, fill, int(year)) for href, _title, fill, short, year in tiles}
    assert {s: y for s, (_h, _f, y) in shown.items()} == {"广东": 2017, "北京": 2019, "江苏": 2020,
                                                          "福建": 2021}  # fmt: skip
    # Earliest darkest: 2017 is the palette's first colour, 2021 its last.
    assert (shown["广东"][1], shown["福建"][1]) == (VIRIDIS[0], VIRIDIS[-1])
    gd = next(r for r in result.regions if r.region == "广东省")
    href = unescape(shown["广东"][0])
    assert href == f"/doc/{gd.first_doc_id}?q=%E6%B2%B3%E9%95%BF%E5%88%B6#p-1"
    # 浙江 has only an undated document: a tile without a year or a link.
    assert '<g class="tile"><title>浙江省：1 份文件，1 段（均无年份）</title>' in html
    legend = re.findall(r'<li><svg class="swatch"[^>]*><rect[^>]*fill="(#[0-9a-f]{6})"/></svg> '
                        r"([0-9–]+)</li>", html)  # fmt: skip
    assert legend == [(c.fill, c.label) for c in year_classes(2017, 2021)]
    assert [label for _f, label in legend] == ["2017", "2018", "2019", "2020", "2021"]
    # 2017–2021 on the curve; a year with new provinces links to the first of them in the
    # table, 2018 (none new) is a point without a link.
    points = re.findall(r'<a class="point" href="#adopted-(\d+)" data-year="(\d+)" '
                        r'data-new-regions="(\d+)"', html)  # fmt: skip
    assert points == [(y, y, "1") for y in ("2017", "2019", "2020", "2021")]
    assert re.findall(r'<g class="point zero" data-year="(\d+)">', html) == ["2018"]
    anchors = re.findall(ANCHORED_ROW, html)
    assert anchors == [("2017", "2017", "广东省"), ("2019", "2019", "北京市"),
                       ("2020", "2020", "江苏省"), ("2021", "2021", "福建省")]  # fmt: skip
    assert "<title>2019年：新增 1 个，累计 2 个</title>" in html
    assert re.search(r'<tr class="national">\s*<td>2016</td>\s*<th scope="row" title="">全国</th>',
                     html)  # fmt: skip
    assert "1 份匹配的文件没有年份" in html


def test_diffusion_by_county_keeps_the_province_map(places, places_index):
    html = html_of(places.get("/diffusion?q=河长制&by=county"))
    assert "按区县" in html and html.count('<a class="tile"') == 4  # the map is by province
    rows = re.findall(r'<th scope="row" title="([^"]*)">([^<]+)</th>', html)
    assert rows == [
        ("", "全国"),
        ("北京市 › 朝阳区", "朝阳区"),
        ("广东省 › 深圳市 › 坪山区", "坪山区"),
        ("江苏省 › 南京市 › 鼓楼区", "鼓楼区"),
        ("福建省 › 福州市 › 鼓楼区", "鼓楼区"),
    ]
    assert "4 份匹配的文件没有区县一级的地区" in html
    # Two counties are new in 2019: the curve's 2019 point leads to the first of them.
    anchors = re.findall(ANCHORED_ROW, html)
    assert anchors == [("2019", "2019", "朝阳区"), ("2020", "2020", "鼓楼区"),
                       ("2021", "2021", "鼓楼区")]  # fmt: skip
    assert re.findall(r'data-year="2019" data-new-regions="(\d+)"', html) == ["2"]
    data = places.get("/api/diffusion?q=河长制&by=county").get_json()
    assert data == diffusion(places_index, "河长制", by="county").to_dict()


def test_the_tile_map_has_no_empty_column(places):
    # The grid's columns are those that hold a province: on a phone no width is given to
    # a blank one (新疆 and 西藏 stand in the first column, 黑龙江 and 吉林 in the last).
    html = html_of(places.get("/diffusion?q=河长制"))
    (box,) = re.findall(r'<svg class="tile-map" viewBox="0 0 (\d+) (\d+)"', html)
    assert box == ("500", "500")
    xs = {
        name: int(x)
        for x, name in re.findall(
            r'<rect x="(\d+)" y="\d+" width="58"[^>]*/><text[^>]*>([^<]+)</text>', html
        )
    }
    assert (xs["新疆"], xs["西藏"], xs["黑龙江"], xs["吉林"]) == (2, 2, 436, 436)
    assert len(xs) == 34 and min(xs.values()) == 2 and max(xs.values()) + 58 + 6 == 500


def test_year_classes_cover_every_year_once():
    for low, high in [(2017, 2017), (2010, 2013), (1954, 2026)]:
        classes = year_classes(low, high)
        years = [y for c in classes for y in range(c.low, c.high + 1)]
        assert years == list(range(low, high + 1))
        assert len(classes) <= len(VIRIDIS) and len({c.fill for c in classes}) == len(classes)


def test_empty_pages_invite_a_query(client):
    assert "例如：" in html_of(client.get("/kwic"))
    assert "例如：" in html_of(client.get("/diffusion"))
