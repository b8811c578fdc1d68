"""Resolving region names to China's administrative hierarchy (indexer.regions, gazetteer)."""

from __future__ import annotations

import json

import pytest

from govsearch.indexer.gazetteer import data_version, gazetteer, short_forms
from govsearch.indexer.regions import note_text, resolve

from .conftest import CORPUS, SEEDS

SEED_2020 = SEEDS[0].read_text("utf-8")  # 000_…: XX街道, mentions 龙岗区 seven times
SEED_2018 = SEEDS[1].read_text("utf-8")  # 003_…: 坪山街道


def path_of(name: str, text: str = "") -> tuple:
    res = resolve(name, text)
    return res.path, res.adcode, res.level


# (name, text the document gives, expected path, adcode, level)
CASES = [
    # Streets, with and without the text's support
    ("坪山街道", "", ("广东省", "深圳市", "坪山区", "坪山街道"), "440310001", "street"),
    ("坪山街道办事处", "", ("广东省", "深圳市", "坪山区", "坪山街道"), "440310001", "street"),
    ("深圳市坪山区坪山街道", "", ("广东省", "深圳市", "坪山区", "坪山街道"), "440310001", "street"),
    ("XX街道", SEED_2020, ("广东省", "深圳市", "龙岗区", "XX街道"), "440307", "street"),
    ("XX街道", "", ("XX街道",), None, "street"),
    ("深圳市龙岗区XX街道", "", ("广东省", "深圳市", "龙岗区", "XX街道"), "440307", "street"),
    # Same-named streets in two provinces: the text decides, or the path stays empty
    (
        "三里屯街道",
        "北京市朝阳区三里屯街道工作总结",
        ("北京市", "朝阳区", "三里屯街道"),
        None,
        "street",
    ),
    (
        "三里屯街道",
        "石家庄市正定县",
        ("河北省", "石家庄市", "正定县", "三里屯街道"),
        None,
        "street",
    ),
    ("三里屯街道", "", (), None, "street"),
    # Same-named districts in four cities
    ("鼓楼区", "", (), None, "district"),
    ("鼓楼区", "南京市鼓楼区人民政府", ("江苏省", "南京市", "鼓楼区"), "320106", "district"),
    ("鼓楼区", "福州的鼓楼区", ("福建省", "福州市", "鼓楼区"), "350102", "district"),
    # Provinces, short forms, autonomous regions
    ("广东省", "", ("广东省",), "440000", "provincial"),
    ("广东", "", ("广东省",), "440000", "provincial"),
    ("内蒙古", "", ("内蒙古自治区",), "150000", "provincial"),
    ("广西壮族自治区", "", ("广西壮族自治区",), "450000", "provincial"),
    ("宁夏", "", ("宁夏回族自治区",), "640000", "provincial"),
    # Cities, short forms, 自治州 / 盟 / 地区
    ("深圳", "", ("广东省", "深圳市"), "440300", "city"),
    ("山东省青岛市", "", ("山东省", "青岛市"), "370200", "city"),
    ("恩施州", "", ("湖北省", "恩施土家族苗族自治州"), "422800", "city"),
    ("西双版纳", "", ("云南省", "西双版纳傣族自治州"), "532800", "city"),
    ("锡林郭勒盟", "", ("内蒙古自治区", "锡林郭勒盟"), "152500", "city"),
    ("和田地区", "", ("新疆维吾尔自治区", "和田地区"), "653200", "city"),
    # Municipalities: their districts and counties sit right under them (no city level)
    ("北京市", "", ("北京市",), "110000", "provincial"),
    ("北京市海淀区", "", ("北京市", "海淀区"), "110108", "district"),
    ("浦东新区", "", ("上海市", "浦东新区"), "310115", "district"),
    ("重庆市彭水苗族土家族自治县", "", ("重庆市", "彭水苗族土家族自治县"), "500243", "district"),
    # County-level units directly under a province (省直辖县级行政单位)
    ("仙桃市", "", ("湖北省", "仙桃市"), "429004", "district"),
    ("济源市", "", ("河南省", "济源市"), "419001", "district"),
    ("五指山市", "", ("海南省", "五指山市"), "469001", "district"),
    # Autonomous counties under their city
    ("景宁畲族自治县", "", ("浙江省", "丽水市", "景宁畲族自治县"), "331127", "district"),
    # Former names: renamed cities, 撤县设区, 撤地设市, and an abolished city
    ("襄樊市", "", ("湖北省", "襄阳市"), "420600", "city"),
    ("湖北省襄樊市", "", ("湖北省", "襄阳市"), "420600", "city"),
    ("郫县", "", ("四川省", "成都市", "郫都区"), "510117", "district"),
    ("宝安县", "", ("广东省", "深圳市", "宝安区"), "440306", "district"),
    ("徽州地区", "", ("安徽省", "黄山市"), "341000", "city"),
    ("山东省莱芜市", "", ("山东省", "莱芜市"), "371200", "city"),
    # Governments and congresses name their region
    ("深圳市坪山区人民政府", "", ("广东省", "深圳市", "坪山区"), "440310", "district"),
    ("青岛市人民政府办公厅", "", ("山东省", "青岛市"), "370200", "city"),
    # Nation
    ("全国", "", (), None, "national"),
    ("中华人民共和国", "", (), None, "national"),
]


@pytest.mark.parametrize(("name", "text", "path", "adcode", "level"), CASES)
def test_resolution(name, text, path, adcode, level):
    res = resolve(name, text)
    assert (res.path, res.level) == (path, level)
    if adcode is not None or not path:
        assert res.adcode == adcode
    assert res.warnings == ()


def test_same_named_streets_keep_their_own_codes():
    beijing = resolve("三里屯街道", "北京市朝阳区")
    hebei = resolve("三里屯街道", "正定县")
    assert beijing.adcode[:6] == "110105" and hebei.adcode[:6] == "130123"
    assert beijing.kinds == ("province", "county", "street")


def test_evidence_is_noted():
    assert resolve("鼓楼区").notes == (
        ("ambiguous", "鼓楼区",
         ["江苏省南京市鼓楼区", "江苏省徐州市鼓楼区", "河南省开封市鼓楼区", "福建省福州市鼓楼区"]),
    )  # fmt: skip
    assert tuple(map(note_text, resolve("鼓楼区").notes)) == (
        "鼓楼区 could be 江苏省南京市鼓楼区、江苏省徐州市鼓楼区、"
        "河南省开封市鼓楼区、福建省福州市鼓楼区: kept at the level all share",
    )
    assert resolve("襄樊市").notes == (("former_name", "襄樊市", "襄阳市", "2010"),)
    assert note_text(resolve("襄樊市").notes[0]) == "襄樊市 is the former name of 襄阳市 (2010)"
    assert [note_text(n) for n in resolve("XX街道", SEED_2020).notes] == [
        "XX街道 is not in the gazetteer; placed by the text's mentions",
    ]
    assert [note_text(n) for n in resolve("山东省莱芜市").notes] == [
        "莱芜市 was abolished in 2018; its area is now in 山东省济南市莱芜区",
    ]
    assert [note_text(n) for n in resolve("深圳市龙岗区XX街道").notes] == [
        "XX街道 is not in the gazetteer; kept under 龙岗区"
    ]


def test_an_ambiguous_short_form_stays_at_the_certain_level():
    # 吉林 is the province and one of its cities: only the province is certain.
    res = resolve("吉林")
    assert (res.path, res.level) == (("吉林省",), "provincial")


@pytest.mark.parametrize(
    ("name", "warning"),
    [
        ("abc", "region 'abc' is not a Chinese place name"),
        ("多快好省", "region '多快好省' names no known place"),
        ("火星省", "region '火星省' names no known place"),
        ("根据省", "region '根据省' names no known place"),
        (
            "广东省广西壮族自治区",
            "region '广东省广西壮族自治区' names two places (广东省, 广西壮族自治区) that do not "
            "contain each other; only what both share is kept",
        ),
        (
            "深" * 200,
            "region 深深深深深深深深深深深深深深深深深深深深… is too long to be a place name",
        ),
    ],
)
def test_bad_region_names_warn_and_resolve_to_nothing(name, warning):
    res = resolve(name)
    assert (res.path, res.adcode, res.level, res.warnings) == ((), None, None, (warning,))


@pytest.mark.parametrize("name", ["", "   ", None])
def test_empty_region_is_nothing(name):
    assert resolve(name) == resolve(None)
    assert resolve(name).path == () and resolve(name).warnings == ()


def test_a_text_naming_thirty_places_places_nothing():
    g = gazetteer()
    counties = [g.rows[c][0] for c in sorted(g.rows) if len(c) == 6][:30]
    text = "。".join(f"{name}工作" for name in counties) * 3
    res = resolve("XX街道", text)
    assert (res.path, res.level, res.adcode) == (("XX街道",), "street", None)


def test_every_manifest_region_of_the_corpus_resolves_to_the_path_it_names():
    rows = [json.loads(x) for x in (CORPUS / "manifest.jsonl").read_text("utf-8").splitlines()]
    wrong = []
    for region, level in sorted({(r["region"], r["level"]) for r in rows}):
        res = resolve(region)
        named = "".join(name for name in res.path if name in region)
        if res.warnings or res.level != level or (level != "national" and named != region):
            wrong.append((region, level, res))
    assert wrong == []


def test_short_forms():
    assert short_forms("深圳市") == ["深圳"]
    assert short_forms("恩施土家族苗族自治州") == ["恩施", "恩施州"]
    assert short_forms("景宁畲族自治县") == ["景宁"]
    assert short_forms("广西壮族自治区") == ["广西"]
    assert short_forms("城区") == []  # one character left: a word, not a name
    assert short_forms("坪山街道办事处") == ["坪山街道"]


def test_gazetteer_version_is_the_digest_of_its_data():
    assert data_version() == gazetteer().version
    assert len(data_version()) == 12
