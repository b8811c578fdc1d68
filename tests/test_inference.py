"""A document's year, region, level and title read from its own text (indexer.inference)."""

from __future__ import annotations

from pathlib import Path

import pytest

from govsearch.indexer.inference import describe, find_title, npc_session_year

from .conftest import CORPUS, SEEDS


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
        (["各位代表:", "现在，我代表国务院，向第十届全国人民代表大会第一次会议报告过去五年的工作"],
         "a.txt", 2003, "opening lines"),
        # ... but five years since the first session of a term is the next term's first report
        # (issue 19: this gave None before), and last year's session is last year's.
        (["各位代表：", "第十届全国人民代表大会第一次会议以来的五年，是不平凡的五年。"],
         "a.txt", 2008, "text"),
        (["各位代表：", "从第七届全国人民代表大会第一次会议，到这次大会的召开，已经整整过去了五年"],
         "a.txt", 1993, "text"),
        (["各位代表：", "从去年９月第五届全国人民代表大会第三次会议到现在，已经过去了一年。"],
         "a.txt", 1981, "text"),
        (["第十届全国人民代表大会第二次会议以来的五年"], "a.txt", None, None),
        # A news item opens with its date; a summary with its year
        (["2019年9月6日，大会在宁波举行。"], "a.txt", 2019, "opening lines"),
        (["2018年,坪山街道坚持以习近平新时代中国特色社会主义思想为指导。"], "a.txt", 2018,
         "opening lines"),
        # A government work report's headings: 2013年工作回顾 / 2014年工作总体部署
        (["各位代表：", "现在，我代表国务院，向大会作政府工作报告，请予审议。",
          "一、2013年工作回顾", "二、2014年工作总体部署"], "a.txt", 2014, "text"),
        (["各位代表：", "现在，我代表国务院，向大会作政府工作报告。", "一、2013年工作回顾",
          "二、2015年工作总体部署"], "a.txt", None, None),
        # What a report looks back on is the year before its own
        (["各位代表：", "现在，我代表国务院向大会作政府工作报告，请予审议。",
          "一、1999年国内工作回顾", "二、坚持实行扩大内需的方针"], "a.txt", 2000, "text"),
        (["各位代表：", "现在，我代表国务院向大会作政府工作报告，请予审议。",
          "一、１９９３年国内工作的回顾和１９９４年工作的基本方针"], "a.txt", 1994, "text"),
        (["各位代表：", "现在，我代表国务院向大会作政府工作报告，请予审议。",
          "首先报告２００１年的工作"], "a.txt", 2002, "text"),
        (["各位代表：", "刚刚过去的１９８４年，是我国各族人民取得伟大成就的一年。"], "a.txt", 1985,
         "text"),
        # A speech that only addresses 各位代表 may be about next year's plan: no headings
        (["各位代表：", "我受国务院的委托，现在向大会提出关于1980、1981年国民经济计划安排的报告。",
          "二、1981年国民经济计划的任务和主要指标"], "a.txt", None, None),
        # A dated signature before the attachments
        (["各有关单位：", *[f"{i}.第{i}项要求，认真落实。" for i in range(1, 25)],
          "市场监管总局办公厅", "工业和信息化部办公厅", "2022年4月13日", "附件1",
          *[f"第{i}项内容。" for i in range(30)]], "a.txt", 2022, "date line"),
        # An action plan's period starts the year it is issued (a 规划's need not, see above)
        (["山东省推动智能传感器产业发展行动计划（2021-2023年）", "正文。"], "a.txt", 2021, "title"),
        (["智慧健康养老产业发展行动计划", "（2021-2025 年）", "正文。"], "a.txt", 2021, "title"),
        (["智慧健康养老产业发展行动计划", "正文（2021-2025年）。"], "a.txt", None, None),
        # A call for this year's applications; a year in a cited title is not this one
        (["各省科技厅：", "现将“智能机器人”等重点专项2019年度项目申报指南予以公布。"], "a.txt",
         2019, "opening lines"),
        (["各省粮食局：", "现落实《2016年度“粮安工程”专项资金重点绩效评价工作方案》要求。"],
         "a.txt", None, None),
        (["一、科学目标", "三、2023年度资助研究方向", "（一）培育项目。"], "a.txt", 2023, "text"),
        # A deadline for replies
        (["各省住房和城乡建设厅：", "请于2022年7月31日前报送我部。"], "a.txt", 2022, "text"),
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


# -- traditional characters and full-width forms ---------------------------------------------

SIMPLIFIED = [
    "广州市天河区人民政府办公室关于印发天河区老旧小区改造工作方案的通知",
    "穗天府〔2020〕3号",
    "各街道办事处，区政府各部门、各直属机构：",
    "现将《天河区老旧小区改造工作方案》印发给你们，请认真贯彻执行。",
    "广州市天河区人民政府办公室",
    "2020年3月5日",
]
# The same notice as a Hong Kong or Taiwan copy has it: traditional characters, and full-width
# digits in the number and the date.
TRADITIONAL = [
    "廣州市天河區人民政府辦公室關於印發天河區老舊小區改造工作方案的通知",
    "穗天府〔２０２０〕３號",
    "各街道辦事處，區政府各部門、各直屬機構：",
    "現將《天河區老舊小區改造工作方案》印發給你們，請認真貫徹執行。",
    "廣州市天河區人民政府辦公室",
    "２０２０年３月５日",
]
EXPECTED_META = {
    "year": 2020,
    "region": "广州市天河区",
    "level": "district",
    "docno": "穗天府〔2020〕3号",
    "issuer": "广州市天河区人民政府办公室",
    "date": "2020-03-05",
    "type": "通知",
}


def _meta(d: dict) -> dict:
    m = d["meta"]
    return {
        "year": d["year"], "region": d["region"], "level": d["level"], "docno": m.get("docno"),
        "issuer": m.get("issuer"), "date": m.get("date"), "type": m.get("type"),
    }  # fmt: skip


@pytest.mark.parametrize("paragraphs", [SIMPLIFIED, TRADITIONAL], ids=["simplified", "traditional"])
def test_traditional_and_full_width_text_gives_the_same_metadata(paragraphs):
    d = doc(*paragraphs)
    assert _meta(d) == EXPECTED_META
    assert d["title"] == paragraphs[0]  # shown as written
    assert d["region_path"] == [["广东省", "province"], ["广州市", "city"], ["天河区", "county"]]
    assert d["meta"]["sources"] == {
        "title": "title line", "type": "title line", "year": "date line", "region": "title",
        "level": "title",
    }  # fmt: skip


def test_a_traditional_file_name_names_the_region():
    d = doc("現將有關事項通知如下。", filename="2020年廣州市天河區工作總結.txt")
    assert (d["year"], d["region"], d["level"]) == (2020, "广州市天河区", "district")
    assert d["meta"]["sources"] == {"year": "file name", "region": "file name",
                                    "level": "file name"}  # fmt: skip


def test_a_traditional_copy_is_found_by_its_region(tmp_path):
    from govsearch.indexer import IndexReader, build_index
    from govsearch.search import search

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "simplified.txt").write_text("\n".join(SIMPLIFIED) + "\n", encoding="utf-8")
    (docs / "traditional.txt").write_text("\n".join(TRADITIONAL) + "\n", encoding="utf-8")
    (docs / "big5.txt").write_bytes(("\n".join(TRADITIONAL) + "\n").encode("big5"))
    ix = tmp_path / "ix"
    build_index([docs], ix)
    reader = IndexReader(ix)
    try:
        got = {
            Path(d.path).name: (d.title, d.year, d.region, d.level, d.region_path,
                                d.meta.get("docno"), d.meta.get("issuer"), d.meta.get("date"),
                                d.meta.get("type"))
            for d in reader.docs
        }  # fmt: skip
        encodings = {Path(d.path).name: d.meta.get("encoding") for d in reader.docs}
    finally:
        reader.close()
    assert encodings["big5.txt"] == "cp950"
    same = (2020, "广州市天河区", "district", ("广东省", "广州市", "天河区"), "穗天府〔2020〕3号",
            "广州市天河区人民政府办公室", "2020-03-05", "通知")  # fmt: skip
    assert got == {
        "simplified.txt": (SIMPLIFIED[0], *same),
        "traditional.txt": (TRADITIONAL[0], *same),
        "big5.txt": (TRADITIONAL[0], *same),
    }
    hits = search(ix, "region:天河", limit=None, collapse=False).hits
    assert sorted({Path(h.path).name for h in hits}) == ["big5.txt", "simplified.txt",
                                                          "traditional.txt"]  # fmt: skip


# -- what is not a title -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "paragraphs",
    [
        # An addressee line, even one that names 计划单列市 or 意见
        ["各省、自治区、直辖市、计划单列市及新疆生产建设兵团商务主管部门：", "现将方案印发。"],
        ["各區人民政府，市政府各部門：", "現就有關事項通知如下。"],
        ["各位代表：", "现在，我代表国务院，向大会报告政府工作，请审议，并请政协委员提出意见"],
        # An opening sentence that introduces what follows
        ["为贯彻落实党的十八大精神，经省政府同意，现就开展试点工作提出以下意见：", "一、总体要求"],
        ["根据工作安排，现将有关事项通知如下:", "一、工作目标"],
        ["为深入贯彻有关精神，全面落实会议部署，结合工作实际，制定如下措施", "一、强化统筹"],
    ],
)  # fmt: skip
def test_addressee_lines_and_opening_sentences_are_no_titles(paragraphs):
    assert find_title(paragraphs) is None
    assert doc(*paragraphs)["title"] is None


@pytest.mark.parametrize(
    ("paragraphs", "title"),
    [
        (["关于进一步加强河湖管理保护工作的意见", "各区人民政府：", "现提出如下意见："],
         "关于进一步加强河湖管理保护工作的意见"),
        # A title with one comma, and one with a colon inside
        (["关于促进消费扩容提质，加快形成强大国内市场的实施意见", "各市人民政府："],
         "关于促进消费扩容提质，加快形成强大国内市场的实施意见"),
        (["数字山东：2021年行动方案", "为加快建设数字强省。"], "数字山东：2021年行动方案"),
        (["首页 > 政务公开", "2026年江西省政府工作报告", "各位代表："], "2026年江西省政府工作报告"),
        # Furniture that ends in a colon is still furniture
        (["分享:", "陕西省2026年政府工作报告"], "陕西省2026年政府工作报告"),
        (["下载", "【字号：", "加大", "】", "2026年上海市政府工作报告"],
         "2026年上海市政府工作报告"),
    ],
)  # fmt: skip
def test_titles_that_look_a_little_like_sentences_are_still_titles(paragraphs, title):
    assert find_title(paragraphs) == title


# Corpus documents with no title line of their own: an addressee or an opening sentence first.
UNTITLED = ("0044", "0166", "0172", "0194", "0198", "0212", "0213", "0216", "0260")


def test_corpus_documents_without_a_title_line_are_not_titled_by_their_first_line():
    import json

    from govsearch.indexer import formats

    rows = {
        r["file"][:4]: r
        for r in map(json.loads, (CORPUS / "manifest.jsonl").read_text("utf-8").splitlines())
    }
    for number in UNTITLED:
        row = rows[number]
        extracted = formats.extract(CORPUS / row["file"])
        texts = [b.text for b in extracted.blocks]
        assert texts[0].endswith("：") or "，" in texts[0], number
        alone = describe(texts, row["file"], extracted.title, None)
        assert alone["title"] is None, number
        assert "title" not in alone["meta"]["sources"], number
        with_row = describe(texts, row["file"], extracted.title, row)
        assert (with_row["title"], with_row["meta"]["sources"]["title"]) == (
            row["title"], "manifest"
        ), number  # fmt: skip
