"""/collocates, /api/collocates and the results page's collocates panel (Flask test client)."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

import pytest

from govsearch.indexer import UsageError
from govsearch.search import collocates
from govsearch.web import create_app
from govsearch.web.messages import is_known, to_chinese


@pytest.fixture(scope="module")
def client(colloc_index):
    return create_app({"TESTING": True, "INDEX": str(colloc_index)}).test_client()


def page(response) -> str:
    """The page's text with entities and URL escapes decoded (links read as typed)."""
    return unquote(html.unescape(response.get_data(as_text=True)))


def rows(text: str) -> list[str]:
    """The table's rows as text, cells joined by |."""
    body = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    out = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        out.append("|".join(re.sub(r"<[^>]+>|\s+", " ", c).split()[0] if c.strip() else ""
                            for c in cells))  # fmt: skip
    return out


def test_the_page_lists_the_collocates_with_links(client, colloc_index):
    response = client.get("/collocates?q=河长制&window=sentence&min_count=3")
    assert response.status_code == 200
    text = page(response)
    assert rows(text) == ["河湖|3|3.00|13.26|0.0|0.00|4", "管理|3|3.00|13.26|0.0|0.00|4",
                          "保护|3|3.75|13.13|-2.3|-0.32|5"]  # fmt: skip
    # The word leads to the search for both; the count opens the paragraphs it counts.
    assert 'href="/?q=河长制+河湖"' in text
    (c,) = [c for c in collocates(colloc_index, "河长制", window="sentence").collocates
            if c.word == "河湖"]  # fmt: skip
    for pid in c.ids:
        doc_id, number = pid.split(":")
        assert f'href="/doc/{doc_id}?q=河长制#p-{number}">{pid}</a>' in text
    assert "6 个段落包含“河长制”（共 8 段）" in text


def test_compare_on_the_page(client):
    text = page(client.get("/collocates?q=河长制&window=sentence&min_count=1&top=3&first=2016"
                           "&second=2018.."))  # fmt: skip
    assert rows(text) == ["工作|1|1|13.00|13.00|+0.00", "河湖|2|1|13.68|12.68|-1.00",
                          "管理|2|1|13.68|12.68|-1.00", "保护|2|1|13.68|12.41|-1.26",
                          "全面|0|1|–|13.00|新出现", "完善|0|1|–|13.00|新出现"]  # fmt: skip
    assert 'href="/?q=河长制+河湖&year=2016"' in text


def test_the_api_is_the_library_result(client, colloc_index):
    data = client.get("/api/collocates?q=河长制&window=2&min_count=1&top=4").get_json()
    expected = collocates(colloc_index, "河长制", window=2, min_count=1, top=4).to_dict()
    assert data == expected


def test_the_help_page_and_no_hits(client):
    text = page(client.get("/collocates"))
    assert "输入一个词语" in text and 'href="/collocates?q=河长制"' in text
    assert "没有找到包含“不存在的词”的段落" in page(client.get("/collocates?q=不存在的词"))


@pytest.mark.parametrize(
    ("url", "chinese"),
    [
        ("/collocates?q=河长制&window=x", "不支持的范围 x：请填写前后各几个词（1–50），或 sentence"
         "（同一句）、paragraph（同一段）。"),
        ("/collocates?q=河长制&measure=t", "不支持的排序方式 t；可用：log_dice, g2, mi, count。"),
        ("/collocates?q=河长制&first=2016..2018&second=2018", "对比的两个时段 2016..2018 与 2018 "
         "有重叠：请给出不重叠的年份范围，例如 2011..2017 与 2018..2024。"),
        ("/collocates?q=河长制&first=2016&second=2018&year=2016", "年份筛选和时段对比不能同时使用："
         "对比的两个时段已经给出了年份。"),
        ("/collocates?q=河长制&first=2016", "对比需要两个时段：请把两个都填上，例如 2011..2017 与 "
         "2018..2024。"),
        ("/collocates?q=河长制&top=900", "显示个数必须是 1 到 500 之间的整数（收到的是 900）。"),
        ("/collocates?q=河长制&min_count=0", "最少段落数必须是不小于 1 的整数（收到的是 0）。"),
        ("/collocates?q=year:2018", "year:2018 中没有可以查看搭配的词语：请输入一个词或短语，"
         "例如 河长制。"),
        ("/collocates?q=??", "“??”只有通配符：请至少写一个要找的字，例如 ?长制。"),
    ],
)  # fmt: skip
def test_errors_reshow_the_form_in_chinese(client, url, chinese):
    response = client.get(url)
    assert response.status_code == 400
    text = page(response)
    assert f'<span class="error-message">{chinese}</span>' in text
    assert '<form class="colloc-form"' in text
    api = client.get(url.replace("/collocates", "/api/collocates"))
    assert api.status_code == 400 and to_chinese(api.get_json()["error"]) == chinese


@pytest.mark.parametrize(
    "kwargs",
    [{"window": "x"}, {"measure": "t"}, {"compare": ("2016..", "2016")}, {"min_count": 0},
     {"top": 0}, {"compare": ("2016", "2018"), "year": "2016"}],
)  # fmt: skip
def test_every_collocates_error_has_a_chinese_wording(colloc_index, kwargs):
    with pytest.raises(UsageError) as err:
        collocates(colloc_index, "河长制", **kwargs)
    message = str(err.value)
    assert is_known(message), message
    chinese = to_chinese(message)
    assert not re.search(r"\b(?:the|is|a|to|must|needs|give|use|one)\b", chinese), chinese


def test_the_results_page_has_a_collocates_panel(client):
    text = page(client.get("/?q=河长制"))
    panel = text.split('<section class="facet collocates-panel">', 1)[1].split("</section>")[0]
    words = re.findall(r'<a class="facet-value" href="([^"]+)"[^>]*>([^<]+)</a>'
                       r'<span class="n"[^>]*>(\d+)</span>', panel)  # fmt: skip
    assert words == [("/?q=河长制+河湖", "河湖", "4"), ("/?q=河长制+管理", "管理", "3")]
    assert 'href="/collocates?q=河长制">更多搭配词 →</a>' in panel
    # Filters carry over to the words' searches and to the full page.
    text = page(client.get("/?q=河长制&year=2016..2019"))
    panel = text.split('<section class="facet collocates-panel">', 1)[1].split("</section>")[0]
    assert 'href="/?q=河长制+河湖&year=2016..2019"' in panel
    assert 'href="/collocates?q=河长制&year=2016..2019">更多搭配词 →</a>' in panel


def test_no_panel_without_a_term_or_hits_and_a_link_when_too_many(client, monkeypatch):
    assert "collocates-panel" not in page(client.get("/?q=不存在的词"))
    assert "collocates-panel" not in page(client.get("/?year=2016"))
    monkeypatch.setattr("govsearch.web.collocates.PANEL_PARAGRAPHS", 5)
    text = page(client.get("/?q=河长制"))
    assert '匹配段落较多，<a href="/collocates?q=河长制">单独查看搭配词</a>' in text
