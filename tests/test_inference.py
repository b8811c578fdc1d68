"""A document's year, region, level and title read from its own text (indexer.inference)."""

from __future__ import annotations

import pytest

from govsearch.indexer.inference import describe, find_title, npc_session_year

from .conftest import SEEDS


def doc(*paragraphs: str, filename: str = "a.txt", row: dict | None = None) -> dict:
    return describe(list(paragraphs), filename, None, row)


def fields(d: dict) -> tuple:
    return d["year"], d["region"], d["level"], d["meta"]["sources"]


# -- years ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraphs", "filename", "year", "source"),
    [
        (["2025年上海市政府工作报告", "各位代表："], "a.txt", 2025, "title"),
        # Never a plan period, a target year or a vision
        (["山东省“十四五”数字经济发展规划（2021—2025年）", "到2030年，全面建成。"], "a.txt",
         None, None),
        (["关于印发国土空间规划（2021-2035年）的通知"], "a.txt", None, None),
        (["北京城市总体规划", "到2035年远景目标"], "a.txt", None, None),
        (["没有年份的一段话。"], "2003年国务院政府工作报告.txt", 2003, "file name"),
        (["没有年份的一段话。"], "0093_fc516365bb9e6d29.txt", None, None),
        # The date line under the issuer
        (["各有关单位：", "现将有关事项通知如下。", "教育部办公厅", "2022年7月25日"], "a.txt", 2022,
         "date line"),
        # A regulation's adoption and amendment lines: the latest
        (["北京市机动车停车条例",
          "2018年3月30日 北京市第十五届人民代表大会常务委员会第三次会议通过",
          "2024年3月29日 北京市第十六届人民代表大会常务委员会第九次会议通过", "第一章 总 则"],
         "a.txt", 2024, "date line"),
        (["殡葬管理条例", "（1997年7月21日中华人民共和国国务院令第225号发布 根据2012年11月9日"
          "《国务院关于修改和废止部分行政法规的决定》修正）", "第一条 为了加强殡葬管理。"], "a.txt",
         2012, "date line"),
        # The document's own number
        (["关于做好教师工作的通知", "（教师函〔2021〕13号）", "各省、自治区教育厅："], "a.txt",
         2021, "document number"),
        # The NPC session it was delivered at, not one it looks back on
        (["各位代表：", "我代表国务院向第一届全国人民代表大会第二次会议提出报告。"], "a.txt", 1955,
         "opening lines"),
        (["各位代表：", "第十届全国人民代表大会第一次会议以来的五年，是不平凡的五年。"],
         "a.txt", None, None),
        # A news item opens with its date; a summary with its year
        (["2019年9月6日，大会在宁波举行。"], "a.txt", 2019, "opening lines"),
        (["2018年,坪山街道坚持以习近平新时代中国特色社会主义思想为指导。"], "a.txt", 2018,
         "opening lines"),
        # A government work report's headings: 2013年工作回顾 / 2014年工作总体部署
        (["各位代表：", "现在，我代表国务院，向大会作政府工作报告，请予审议。",
          "一、2013年工作回顾", "二、2014年工作总体部署"], "a.txt", 2014, "text"),
        (["各位代表：", "现在，我代表国务院，向大会作政府工作报告。", "一、2013年工作回顾",
          "二、2015年工作总体部署"], "a.txt", None, None),
    ],
)  # fmt: skip
def test_year(paragraphs, filename, year, source):
    d = doc(*paragraphs, filename=filename)
    assert d["year"] == year
    assert d["meta"]["sources"].get("year") == source


@pytest.mark.parametrize(
    ("line", "year"),
    [
        ("第十一届全国人民代表大会第一次会议关于政府工作报告的决议", 2008),
        ("（2020年5月28日第十三届全国人民代表大会第三次会议通过）", 2020),
        ("在第二届全国人民代表大会第三次会议上", 1962),
        ("第五届全国人民代表大会第二次会议，号召全国各族人民", None),
    ],
)
def test_npc_session_year(line, year):
    assert npc_session_year(line) == year


# -- regions and levels -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraphs", "region", "level", "source"),
    [
        (["2025年上海市政府工作报告", "各位代表："], "上海市", "provincial", "title"),
        (["2025年广西政府工作报告"], "广西", "provincial", "title"),
        (["潍坊市城市绿化条例", "第一条 为了加强城市绿化。"], "潍坊市", "city", "title"),
        (["景宁畲族自治县民族民间文化保护条例"], "景宁畲族自治县", "district", "title"),
        (["国务院关于加强管理的通知"], "全国", "national", "title"),
        (["中华人民共和国国境卫生检疫法实施细则"], "全国", "national", "title"),
        (["山东省青岛市人民政府关于印发方案的通知"], "山东省青岛市", "city", "title"),
        (["各位代表：", "现在，我代表国务院，向大会作政府工作报告。"], "全国", "national",
         "opening lines"),
        (["2025年政府工作报告", "——2025年1月14日在北京市第十六届人民代表大会第三次会议上"],
         "北京市", "provincial", "opening lines"),
        (["各省、自治区、直辖市住房和城乡建设厅：", "为推进工作，现通知如下。"], "全国", "national",
         "opening lines"),
        (["各有关单位：", *["现将有关事项通知如下。"] * 6, "山东省人民政府", "2019年5月17日"],
         "山东省", "provincial", "issuer"),
        (["各有关单位：", *["现将有关事项通知如下。"] * 6, "水利部办公厅", "2022年6月14日"], "全国",
         "national", "issuer"),
        # Words that only look like places are never regions
        (["五年来，多快好省地建设社会主义。"], None, None, None),
        (["根据省里的部署，数字强省建设加快。"], None, None, None),
        (["2021年某區政府工作報告"], None, None, None),
    ],
)  # fmt: skip
def test_region_and_level(paragraphs, region, level, source):
    d = doc(*paragraphs)
    assert (d["region"], d["level"]) == (region, level)
    assert d["meta"]["sources"].get("region") == source


def test_a_province_speaks_for_itself_in_the_text():
    text = ["各市人民政府，各县（市、区）人民政府，省政府各部门：", "为加快我省山东数字经济发展。"]
    body = ["全省推进山东半岛城市群建设，我省要走在前列，山东各地积极行动。"] * 2
    d = doc(*text, *body)
    assert fields(d) == (
        None, "山东省", "provincial", {"region": "text", "level": "text"}
    )  # fmt: skip


def test_seeds_keep_their_metadata():
    xx = describe(SEEDS[0].read_text("utf-8").split("\n"), SEEDS[0].name, None, None)
    pingshan = describe(SEEDS[1].read_text("utf-8").split("\n"), SEEDS[1].name, None, None)
    assert (pingshan["year"], pingshan["region"], pingshan["level"]) == (2018, "坪山街道", "street")
    assert pingshan["region_path"] == [
        ["广东省", "province"], ["深圳市", "city"], ["坪山区", "county"], ["坪山街道", "street"]
    ]  # fmt: skip
    assert pingshan["adcode"] == "440310001"
    assert (xx["year"], xx["region"], xx["level"]) == (2020, "XX街道", "street")
    assert [name for name, _kind in xx["region_path"]] == ["广东省", "深圳市", "龙岗区", "XX街道"]
    assert xx["meta"]["region_notes"] == [["placed_by_text", "XX街道"]]


# -- titles and the manifest ------------------------------------------------------------------


def test_title_in_traditional_characters_is_a_title_and_gives_the_type():
    assert find_title(["2021年某區政府工作報告", "各位代表："]) == "2021年某區政府工作報告"
    d = doc("2021年某區政府工作報告", "各位代表：")
    assert (d["title"], d["year"], d["meta"]["type"]) == (
        "2021年某區政府工作報告",
        2021,
        "政府工作报告",
    )
    assert d["meta"]["sources"]["type"] == "title line"


def test_title_after_page_furniture():
    assert find_title(["下载", "打印", "全屏", "2026年江西省政府工作报告", "各位代表："]) == (
        "2026年江西省政府工作报告"
    )
    assert find_title(["五年来，我们坚持稳中求进。", "2026年江西省政府工作报告"]) is None


def test_english_manifest_title_gives_way_to_the_chinese_title_line():
    row = {"file": "a.txt", "title": "Notice on Supporting AI Scenarios", "year": 2022}
    d = doc("关于支持建设新一代人工智能示范应用场景的通知", "各省、自治区、直辖市科技厅：", row=row)
    assert d["title"] == "关于支持建设新一代人工智能示范应用场景的通知"
    assert d["meta"]["manifest_title"] == "Notice on Supporting AI Scenarios"
    assert d["meta"]["type"] == "通知"
    assert d["meta"]["sources"] == {
        "title": "title line", "type": "title line", "year": "manifest", "region": "opening lines",
        "level": "opening lines",
    }  # fmt: skip


def test_manifest_values_are_facts_and_say_so():
    row = {"file": "a.txt", "title": "2018年坪山街道工作总结", "year": 2018, "region": "坪山街道",
           "level": "street"}  # fmt: skip
    d = doc("2019年,坪山街道坚持……", row=row)
    assert fields(d) == (
        2018, "坪山街道", "street",
        {"title": "manifest", "type": "manifest", "year": "manifest", "region": "manifest",
         "level": "manifest"},
    )  # fmt: skip
    assert d["adcode"] == "440310001"


def test_a_manifest_region_that_names_no_place_is_kept_with_a_warning():
    d = doc("正文。", row={"file": "a.txt", "region": "火星省", "level": "provincial"})
    assert (d["region"], d["level"], d["region_path"], d["adcode"]) == (
        "火星省", "provincial", [], None
    )  # fmt: skip
    assert d["warnings"] == ["region '火星省' names no known place"]
