"""/trend, /api/trend, the downloads, and Chinese messages on pages (Flask test client)."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from html import unescape
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest

from govsearch.indexer import QueryError
from govsearch.search import count, parse_query, search, trend
from govsearch.search.export import HIT_COLUMNS
from govsearch.web import create_app
from govsearch.web.chart import province_tiles, style
from govsearch.web.messages import is_known, to_chinese
from govsearch.web.trends import MAX_WEB_SERIES, TrendParams, search_href

from .test_reports import EXPECTED_CSV


@pytest.fixture(scope="module")
def app(tiny_index):
    return create_app({"TESTING": True, "INDEX": str(tiny_index)})


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def html_of(response) -> str:
    return response.get_data(as_text=True)


def points(html: str) -> list[dict]:
    """Every linked point of the chart: series, year, paragraphs, link."""
    out = []
    for m in re.finditer(
        r'<a class="point" href="([^"]+)" data-series="(\d+)" data-year="(\d+)" '
        r'data-paragraphs="(\d+)"',
        html,
    ):
        out.append({"href": unescape(m.group(1)), "series": int(m.group(2)),
                    "year": int(m.group(3)), "paragraphs": int(m.group(4))})  # fmt: skip
    return out


def test_trend_page_draws_each_series_and_links_each_point(client, tiny_index):
    response = client.get("/trend?q=河长制%0A湖=湖长制")
    assert response.status_code == 200
    html = html_of(response)
    assert html.count('<g class="series"') == 2
    assert html.count('<li class="legend-item"') == 2
    assert html.count("<polyline") == 2  # 2016 | gap (2017: no document) | 2018–2019
    # Two series are told apart without colour: marker and dash differ.
    assert style(0).shape != style(1).shape and style(0).dash != style(1).dash
    found = points(html)
    assert [(p["series"], p["year"], p["paragraphs"]) for p in found] == [
        (0, 2016, 2), (0, 2018, 1), (1, 2018, 2),
    ]  # fmt: skip
    for p in found:
        query = parse_qs(urlsplit(p["href"]).query)
        assert query["year"] == [str(p["year"])]
        assert count(tiny_index, query["q"][0], year=str(p["year"])) == p["paragraphs"]
        page = html_of(client.get(p["href"]))
        assert f'<strong class="total">{p["paragraphs"]}</strong>' in page
    # The table lists years that have documents, with the bucket totals.
    assert '<th scope="row">2017</th>' not in html
    assert re.search(r'<th scope="row">2019</th>\s*<td>0</td>\s*<td>0</td>', html)


def test_toggle_keeps_the_state_in_the_url(client):
    html = html_of(client.get("/trend?q=河长制&year=2016..2019"))
    links = re.findall(r'<nav class="per-toggle".*?</nav>', html, re.S)[0]
    hrefs = [unescape(h) for h in re.findall(r'href="([^"]+)"', links)]
    assert [parse_qs(urlsplit(h).query) for h in hrefs] == [
        {"q": ["河长制"], "year": ["2016..2019"], "per": ["10k-paragraphs"]},
        {"q": ["河长制"], "year": ["2016..2019"], "per": ["share-of-documents"]},
    ]
    shares = html_of(client.get(hrefs[1]))
    assert '<span class="current" aria-current="true">文件占比</span>' in shares
    assert "<td><a href=" in shares and ">100.0%</a></td>" in shares


def test_downloads_are_the_cli_tables(client):
    response = client.get("/trend.csv?q=河长制%0A河湖=河长制 OR 湖长制")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"govsearch.csv\"; filename*=UTF-8''"
        "%E8%B6%8B%E5%8A%BF-%E6%B2%B3%E9%95%BF%E5%88%B6-%E6%B2%B3%E6%B9%96.csv"
    )
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig")))) == EXPECTED_CSV
    book = client.get("/trend.xlsx?q=河长制")
    assert book.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(book.get_data()))["趋势"]
    assert [c.value for c in next(sheet.iter_rows())] == EXPECTED_CSV[0]


def test_search_export_holds_every_hit_not_only_the_page(client, tiny_index):
    page = html_of(client.get("/?q=河长制&per_page=1"))
    assert page.count('<li class="hit">') == 1
    link = unescape(re.search(r'<a class="export-csv" href="([^"]+)"', page).group(1))
    assert parse_qs(urlsplit(link).query) == {"q": ["河长制"], "per_page": ["1"]}
    rows = list(csv.reader(io.StringIO(client.get(link).get_data().decode("utf-8-sig"))))
    assert rows[0] == list(HIT_COLUMNS)
    expected = search(tiny_index, "河长制", limit=None).hits
    assert [r[1] for r in rows[1:]] == [h.id for h in expected]
    doc_id, para = rows[1][1].split(":")
    assert rows[1][-1] == f"http://localhost/doc/{doc_id}?q=%E6%B2%B3%E9%95%BF%E5%88%B6#p-{para}"
    xlsx = unescape(re.search(r'<a class="export-xlsx" href="([^"]+)"', page).group(1))
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(xlsx).get_data()))["结果"]
    assert [r[1].value for r in sheet.iter_rows(min_row=2)] == [h.id for h in expected]
    assert '<a class="to-trend" href="/trend?q=%E6%B2%B3%E9%95%BF%E5%88%B6">看趋势</a>' in page


def test_api_trend_keeps_english_errors(client, tiny_index):
    d = client.get("/api/trend?q=河长制&by=region").get_json()
    assert d == trend(tiny_index, ["河长制"], by=["region"]).to_dict()
    assert [r["paragraphs"] for r in d["series"][0]["rows"]] == [1, 2]  # 乙省, 甲市
    bad = client.get("/api/trend?q=(河长制")
    assert bad.status_code == 400
    assert bad.get_json() == {
        "error": "series '(河长制': unbalanced parenthesis: add the closing ')'"
    }
    many = "%0A".join(f"t{i}" for i in range(MAX_WEB_SERIES + 1))
    assert client.get(f"/api/trend?q={many}").get_json() == {
        "error": f"{MAX_WEB_SERIES + 1} series; the limit is {MAX_WEB_SERIES} per run: "
        "split them into several runs"
    }


@pytest.mark.parametrize(
    ("url", "chinese"),
    [
        ("/trend?q=(河长制", "系列“(河长制”：括号不成对：请补上右括号“)”。"),
        ("/trend?q=河长制&per=abc",
         "不支持的显示方式 abc；可用：none, 10k-paragraphs, share-of-documents。"),
        ("/trend?q=水=河长制%0A水=湖长制",
         "有两个系列都叫“水”：请给每个系列起不同的名字，例如 河湖=河长制 OR 湖长制。"),
        ("/trend?q=河长制&year=20x",
         "“20x”不是有效的年份：年份是 4 位数字，或写成 2015..2020 这样的范围。"),
    ],
)  # fmt: skip
def test_trend_errors_reshow_the_form_in_chinese(client, url, chinese):
    response = client.get(url)
    assert response.status_code == 400
    html = html_of(response)
    assert f'<span class="error-message">{chinese}</span>' in html
    assert '<form class="trend-form"' in html


def test_no_series_is_a_help_page(client):
    html = html_of(client.get("/trend"))
    assert "输入一个或多个词语" in html and "河长制 / 湖长制 / 林长制" in html


BAD_QUERIES = ['"河长制', "(河长制", "河长制)", "year:abc", "year:2020..2010", "date:2024-x",
               "date:abc", "foo:bar", "title:", "OR 河长制", "河长制 OR", "AND 河长制",
               "河长制 AND", "NOT", '""', "x" * 1001, "a\x00b", "(" * 40 + "河" + ")" * 40,
               "\u3000", "\udcff", ")", "河长制 )", "date:2024-13", "河长制 AND OR 污染",
               "--扫黑", "-", "date:2024-02-30"]  # fmt: skip


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_every_query_error_has_a_chinese_wording(query):
    with pytest.raises(QueryError) as err:
        parse_query(query)
    message = str(err.value)
    assert is_known(message), message
    chinese = to_chinese(message)
    assert re.search(r"[\u4e00-\u9fff]", chinese)
    # No English sentence left: at most field names, values and commands in ASCII.
    assert not re.search(r"\b(?:the|is|a|to|must|needs|add|remove)\b", chinese), chinese


def test_unknown_message_falls_back_to_its_kind():
    assert not is_known("something new went wrong")
    assert to_chinese("something new went wrong", 400) == "请求有误，请检查输入后重试。"
    assert to_chinese("something new went wrong", 503) == "索引暂时不可用。"
    assert to_chinese("something new went wrong", 500) == "服务器出错，请稍后再试。"


def test_province_tiles_shade_and_link(app):
    from govsearch.search import Bucket, SeriesTrend, Trend, TrendRow

    def row(name, paragraphs, documents, bucket_documents):
        share = documents / bucket_documents
        return TrendRow("河长制", "河长制", (name,), paragraphs, documents, paragraphs, 10,
                        bucket_documents, paragraphs * 1000.0, share)  # fmt: skip

    rows = [row("山东省", 4, 2, 4), row("浙江省", 1, 1, 4), row("广西壮族自治区", 0, 0, 2)]
    t = Trend(
        by=("province",), columns=("province",),
        buckets=[Bucket(r.bucket, 10, r.bucket_documents) for r in rows],
        series=[SeriesTrend("河长制", "河长制", 5, 3, 5, 2018, 2020, rows)],
    )  # fmt: skip
    with app.test_request_context():
        href = search_href(TrendParams(series=("河长制",)), "province")
        svg = str(province_tiles(t, "share-of-documents", href))
    assert svg.count('<a class="tile"') == 2  # 广西 has no hit: not a link
    assert 'href="/?q=%E6%B2%B3%E9%95%BF%E5%88%B6&amp;region=%E5%B1%B1%E4%B8%9C%E7%9C%81"' in svg
    assert "<title>山东省：4 段，2/4 份文件</title>" in svg
    assert '<g class="tile empty"><title>北京：无文件</title>' in svg
    assert ">50.0%</text>" in svg and ">25.0%</text>" in svg and ">0.0%</text>" in svg
    # The darkest blue goes to the largest share.
    assert re.search(r'fill="#08519c"/><text[^>]*>山东</text>', svg)
    # No province known (the index predates region metadata): no grid at all.
    blank = Trend(by=("province",), columns=("province",), buckets=[], series=[
        SeriesTrend("河长制", "河长制", 0, 0, 0, None, None, [row(None, 1, 1, 1)])])  # fmt: skip
    assert str(province_tiles(blank, "none", lambda s, r: "")) == ""


@pytest.mark.parametrize("query", ["河长制 level:foo", "河长制 type:不存在的文种"])
def test_filter_values_no_document_has_are_worded_in_chinese(client, query):
    api = client.get("/api/search", query_string={"q": query})
    assert api.status_code == 400
    message = api.get_json()["error"]
    assert is_known(message), message
    page = html_of(client.get("/", query_string={"q": query}))
    assert f'<span class="error-message">{to_chinese(message)}</span>' in page
    assert re.search(r"[\u4e00-\u9fff]", to_chinese(message))


def test_a_public_server_exports_file_names_not_server_paths(tiny_index):
    client = create_app({"TESTING": True, "INDEX": str(tiny_index), "PUBLIC": True}).test_client()
    raw = client.get("/export.csv?q=河长制").get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw)))
    assert rows and str(tiny_index.parent) not in raw
    assert {r["path"] for r in rows} == {"a.txt", "b.txt"}
    assert {r["location"] for r in rows} == {"a.txt:1", "a.txt:2", "b.txt:2"}


def test_document_page_words_a_bad_query_in_chinese(client, tiny_index):
    doc_id = search(tiny_index, "河长制").hits[0].doc_id
    html = html_of(client.get(f"/doc/{doc_id}?q=(河长制"))
    assert '<span class="notice-message">括号不成对：请补上右括号“)”。</span>' in html
    assert "<code>unbalanced parenthesis: add the closing &#39;)&#39;</code>" in html


def test_each_province_tile_lands_on_as_many_results(sample_index):
    client = create_app({"TESTING": True, "INDEX": str(sample_index)}).test_client()
    html = html_of(client.get("/trend?q=河长制 OR 发展"))
    tiles = re.findall(r'<a class="tile" href="([^"]+)"><title>[^：]+：(\d+) 段', html)
    assert len(tiles) >= 3
    for href, paragraphs in tiles:
        page = html_of(client.get(unescape(href)))
        assert f'<strong class="total">{paragraphs}</strong>' in page, href


def test_the_export_keeps_the_pages_filters_and_order(sample_index):
    client = create_app({"TESTING": True, "INDEX": str(sample_index)}).test_client()
    args = {"q": "发展", "year": "2015..2020", "level": "provincial", "sort": "year"}
    raw = client.get("/export.csv", query_string=args).get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(raw)))
    assert rows and {r["level"] for r in rows} == {"provincial"}
    years = [int(r["year"]) for r in rows]
    assert years == sorted(years, reverse=True) and 2015 <= years[-1] <= years[0] <= 2020
    api = client.get("/api/search", query_string={**args, "per_page": 100}).get_json()
    assert api["total"] == len(rows) <= 100
    assert [r["id"] for r in rows] == [h["id"] for h in api["hits"]]


@pytest.mark.parametrize("path", ["/trend.xlsx?q=河长制", "/export.xlsx?q=河长制"])
@pytest.mark.parametrize("method", ["get", "head"])
def test_a_workbook_download_leaves_no_temporary_file(client, monkeypatch, tmp_path, path, method):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    response = getattr(client, method)(path)
    assert response.status_code == 200
    if method == "get":
        assert response.get_data()[:2] == b"PK"  # a zip: the workbook was sent before removal
    response.close()
    assert list(tmp_path.iterdir()) == []


def test_a_trend_over_centuries_draws_its_axis(client):
    response = client.get("/trend?q=河长制&year=1301..2025")
    assert response.status_code == 200
    ticks = re.findall(r'<text class="xtick[^"]*"[^>]*>(\d+)</text>', html_of(response))
    assert ticks and all(int(t) % 100 == 0 for t in ticks)


def test_the_trend_page_never_counts_occurrences(client, monkeypatch):
    from govsearch.indexer.textfile import TextFile

    # (Matching still confirms a long term on the text; counting would read it again.)
    for name in ("count", "norms"):
        monkeypatch.setattr(TextFile, name, lambda *a: pytest.fail("occurrences were counted"))
    assert client.get("/trend?q=河长制%0A湖长制").status_code == 200
    api = client.get("/api/trend?q=河长制&occurrences=0").get_json()
    assert api["series"][0]["occurrences"] is None
    assert {r["occurrences"] for r in api["series"][0]["rows"]} == {None}


def test_the_api_counts_occurrences_by_default(client):
    api = client.get("/api/trend?q=河长制").get_json()
    assert api["series"][0]["occurrences"] == 4  # 全面推行河长制 / 落实河长制，河长制 / 河长制和
