"""Level names on the web UI: Chinese on every page, the stable English values in the API."""

from __future__ import annotations

import json
import re

import pytest

from govsearch.indexer import build_index
from govsearch.search import count, search
from govsearch.search.query import LEVEL_ALIASES
from govsearch.web import create_app
from govsearch.web.labels import LEVEL_LABELS

LEVELS = {
    "national": ("国务院关于全面推行河长制的意见", "全国"),
    "provincial": ("广东省河长制实施方案", "广东省"),
    "city": ("深圳市河长制工作方案", "广东省深圳市"),
    "district": ("坪山区河长制工作要点", "广东省深圳市坪山区"),
    "street": ("坪山街道河长制工作总结", "广东省深圳市坪山区坪山街道"),
}
CHINESE = ["国家级", "省级", "市级", "区县级", "街道乡镇"]
ENGLISH = re.compile(r"\b(national|provincial|city|district|street)\b")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """One document at each level, 河长制 in its title and its body."""
    corpus = tmp_path_factory.mktemp("levels")
    rows = []
    for i, (level, (title, region)) in enumerate(LEVELS.items()):
        name = f"{i}.txt"
        (corpus / name).write_text(f"{title}\n全面推行河长制，第{i + 1}项。\n", "utf-8")
        rows.append({"file": name, "title": title, "year": 2018 + i, "region": region,
                     "level": level})  # fmt: skip
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    (corpus / "m.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    index = tmp_path_factory.mktemp("levels-index")
    build_index([corpus], index, manifest=corpus / "m.jsonl")
    return create_app({"TESTING": True, "INDEX": str(index)}).test_client()


def visible(html: str) -> str:
    """The text a reader sees: no tags, no attributes, no English original of an error."""
    html = re.sub(r'<details class="error-detail">.*?</details>', "", html, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_every_level_label_is_accepted_back_by_level():
    assert list(LEVEL_LABELS.values()) == CHINESE
    for level, label in LEVEL_LABELS.items():
        assert LEVEL_ALIASES[label] == level


def test_pages_name_levels_in_chinese(client):
    index = client.application.config["INDEX"]
    results = client.get("/?q=河长制&group=none").get_data(as_text=True)
    facet = results[results.index('<section class="facet facet-level"') :]
    facet = facet[: facet.index("</section>")]
    labels = re.findall(r'<a class="facet-value" href="[^"]*level=(\w+)[^"]*">([^<]+)</a>', facet)
    assert sorted(labels) == sorted(LEVEL_LABELS.items())
    metas = re.findall(r'<p class="hit-meta">([^<]*)</p>', results)
    # Year · region · level (· type); two hits a document, its title line and its body.
    shown = sorted(" · ".join(m.split(" · ")[:3]) for m in metas)
    assert shown == sorted(2 * [
        "2018年 · 全国 · 国家级", "2019年 · 广东省 · 省级", "2020年 · 广东省深圳市 · 市级",
        "2021年 · 广东省深圳市坪山区 · 区县级", "2022年 · 广东省深圳市坪山区坪山街道 · 街道乡镇",
    ])  # fmt: skip
    home = client.get("/").get_data(as_text=True)
    assert "市级 1 份 · 区县级 1 份 · 国家级 1 份 · 省级 1 份 · 街道乡镇 1 份" in home
    assert "<code>level:市级</code></td><td>层级：国家级 · 省级 · 市级 · 区县级 · 街道乡镇" in home
    pages = [results, home]
    for level, label in LEVEL_LABELS.items():
        chip = client.get(f"/?q=河长制&level={level}").get_data(as_text=True)
        assert f'title="移除这个筛选">层级：{label} ' in chip
        doc_id = search(index, f"河长制 level:{level}").hits[0].doc_id
        doc = client.get(f"/doc/{doc_id}").get_data(as_text=True)
        assert f'<dd class="meta-level">{label} ' in doc
        pages += [chip, doc]
    bad = client.get("/?q=河长制&level=foo")
    assert bad.status_code == 400
    message = re.search(r'<span class="error-message">([^<]*)</span>', bad.get_data(as_text=True))
    assert message.group(1) == (
        "“foo”不是有效的层级；可用：国家级、省级、市级、区县级、街道乡镇；"
        "本索引中的文件：市级 1、区县级 1、国家级 1、省级 1、街道乡镇 1。"
    )
    pages.append(bad.get_data(as_text=True))
    for html in pages:
        assert ENGLISH.search(visible(html)) is None, ENGLISH.search(visible(html))


@pytest.mark.parametrize("level", list(LEVELS))
def test_chinese_level_names_filter_as_the_english_ones(client, level):
    index = client.application.config["INDEX"]
    label = LEVEL_LABELS[level]
    assert count(index, f"河长制 level:{label}") == count(index, f"河长制 level:{level}") == 2
    html = client.get(f"/?q=河长制 level:{label}").get_data(as_text=True)
    assert '共 <strong class="total">2</strong> 条结果' in html


def test_the_api_keeps_the_english_values(client):
    body = client.get("/api/search?q=河长制").get_json()
    assert set(body["facets"]["level"]) == set(LEVELS)
    assert sorted(h["level"] for h in body["hits"]) == sorted(2 * list(LEVELS))
    assert client.get("/api/stats").get_json()["levels"] == {level: 1 for level in sorted(LEVELS)}
    trend = client.get("/api/trend?q=河长制&by=level").get_json()
    assert [b["level"] for b in trend["buckets"]] == sorted(LEVELS)
    assert [r["level"] for r in trend["series"][0]["rows"]] == sorted(LEVELS)
    doc_id = body["hits"][0]["doc_id"]
    assert client.get(f"/api/doc/{doc_id}").get_json()["level"] in LEVELS
    bad = client.get("/api/search?q=河长制&level=foo").get_json()
    assert bad["error"].startswith("level:foo — not a level; use one of: national, provincial")
