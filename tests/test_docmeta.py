"""Tests for indexer.docmeta: 发文字号, 发文机关, 成文日期, 文种 and level rules."""

from __future__ import annotations

import json
import pathlib

import pytest

from govsearch.indexer.docmeta import (
    find_date,
    find_docno,
    find_issuer,
    infer_doc_type,
    infer_level,
    normalize_docno,
)

# ------------------------------------------------------------------------------------ 发文字号


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (
            "国务院关于印发《新时代基层治理行动方案》的通知\n国发〔2025〕11号\n各省、自治区、直辖市人民政府：",
            "国发〔2025〕11号",
        ),
        ("山东省人民政府办公厅\n鲁政办发〔2024〕3号\n各市人民政府：", "鲁政办发〔2024〕3号"),
        ("北京市人民政府\n　　京政发[2019]5号　\n各区人民政府：", "京政发[2019]5号"),
        ("国发（2025）11号", "国发（2025）11号"),
        ("国发【2025】11号", "国发【2025】11号"),
        ("国发〔２０２５〕１１号", "国发〔２０２５〕１１号"),
        ("国发﹝2025﹞11号", "国发﹝2025﹞11号"),
        ("国发〔2017〕35 号", "国发〔2017〕35 号"),
        (
            "教育部关于实施第二批试点工作的通知\n（教师函〔2021〕13号）\n各省教育厅：",
            "教师函〔2021〕13号",
        ),
        (
            "索引号：000014349/2025-00011\n发文字号：国办发〔2025〕7号　发布日期：2025-03-01",
            "国办发〔2025〕7号",
        ),
        (
            "山东省人民政府关于加强基层治理的意见（鲁政发〔2024〕5号）\n各市人民政府：",
            "鲁政发〔2024〕5号",
        ),
        ("国发〔2025〕11号　　签发人：李某", "国发〔2025〕11号"),
    ],
)
def test_find_docno(head: str, expected: str) -> None:
    assert find_docno(head) == expected


@pytest.mark.parametrize(
    "head",
    [
        "为贯彻落实《国务院关于开展营商环境创新试点工作的意见》（国发〔2021〕24号），制定本方案。",
        "一、政策依据\n《新一代人工智能发展规划》（国发〔2017〕35号）",
        "各位代表：\n现在，我代表国务院向大会报告政府工作。",
        "\n".join(["正文。"] * 20) + "\n国发〔2025〕11号",
        "",
    ],
)
def test_find_docno_ignores_citations_and_late_lines(head: str) -> None:
    assert find_docno(head) is None


@pytest.mark.parametrize(
    "written",
    [
        "国发〔2025〕11号",
        "国发[2025]11号",
        "国发（2025）11号",
        "国发(2025)11号",
        "国发【2025】11号",
        "国发［2025］11号",
        "国发﹝2025﹞11号",
        "国发〖2025〗11号",
        "国发〔２０２５〕１１号",
        " 国发 〔2025〕 11 号 ",
        "国发〔2025〕第11号",
        "国发〔2025〕011号",
        "（国发〔2025〕11号）",
    ],
)
def test_normalize_docno_forms(written: str) -> None:
    assert normalize_docno(written) == "国发〔2025〕11号"


def test_normalize_docno_other_issuers_and_idempotence() -> None:
    assert normalize_docno("京政发[2019]5号") == "京政发〔2019〕5号"
    assert normalize_docno("鲁政办发（2024）3号") == "鲁政办发〔2024〕3号"
    assert normalize_docno("国发〔2025〕10号") == "国发〔2025〕10号"
    assert normalize_docno(normalize_docno("国发【2025】11号")) == "国发〔2025〕11号"


# ------------------------------------------------------------------------------------ 发文机关


@pytest.mark.parametrize(
    ("head", "title", "expected"),
    [
        ("", "国务院关于印发《新时代基层治理行动方案》的通知", "国务院"),
        (
            "",
            "山东省人民政府办公厅关于印发山东省数字政府建设实施方案的通知",
            "山东省人民政府办公厅",
        ),
        ("", "国务院办公厅转发国家发展改革委关于促进民间投资若干意见的通知", "国务院办公厅"),
        ("", "中共中央 国务院关于深化改革的意见", "中共中央 国务院"),
        ("", "教育部 财政部关于实施高校基础研究珠峰计划的意见", "教育部 财政部"),
        (
            "青岛市人民政府办公厅文件\n青政办字〔2024〕5号",
            "关于做好春耕生产工作的通知",
            "青岛市人民政府办公厅",
        ),
        (
            "发文机关：国务院办公厅\n成文日期：2025年03月01日",
            "关于加强基层治理的意见",
            "国务院办公厅",
        ),
        ("各省、自治区、直辖市人民政府：\n现印发给你们。\n国务院\n2025年3月15日", None, "国务院"),
        (
            "现印发给你们。\n工业和信息化部\n国家标准化管理委员会\n2015年12月29日",
            None,
            "工业和信息化部 国家标准化管理委员会",
        ),
        (
            "正文。\n青岛市工业和信息化局\n二〇一九年四月十七日",
            "关于申报人工智能领军企业的通知",
            "青岛市工业和信息化局",
        ),
    ],
)
def test_find_issuer(head: str, title: str | None, expected: str) -> None:
    assert find_issuer(head, title) == expected


@pytest.mark.parametrize(
    ("head", "title"),
    [
        ("各位代表：\n现在，我代表省人民政府向大会报告政府工作。", "2024年山东省政府工作报告"),
        ("", "山东省村务公开条例"),
        ("", "关于印发XX实施方案的通知"),
        ("", "Notice from the Ministry of Education"),
        ("", None),
        ("会议于2024年3月15日召开。", None),
    ],
)
def test_find_issuer_none_when_not_stated(head: str, title: str | None) -> None:
    assert find_issuer(head, title) is None


# ------------------------------------------------------------------------------------ 成文日期


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("现印发给你们，请认真贯彻执行。\n山东省人民政府\n2024年3月15日", "2024-03-15"),
        ("请遵照执行。\n国务院\n二〇二四年三月十五日", "2024-03-15"),
        ("请遵照执行。\n二○二四年十二月三十一日", "2024-12-31"),
        ("请遵照执行。\n二零二三年十月二十日", "2023-10-20"),
        ("请遵照执行。\n二Ｏ二二年一月九日", "2022-01-09"),
        ("请遵照执行。\n２０２４年３月５日", "2024-03-05"),
        ("请遵照执行。\n2024 年 3 月 5 日", "2024-03-05"),
        ("请遵照执行。\n（2024年3月15日）\n（此件公开发布）", "2024-03-15"),
        ("某某市统计局\n2024年3月", "2024-03"),
        ("二〇二四年十月", "2024-10"),
        (
            "2024年山东省政府工作报告\n——2024年1月23日在山东省第十四届人民代表大会第二次会议上\n各位代表：",
            "2024-01-23",
        ),
        (
            "山东省村务公开条例\n（2023年11月30日山东省第十四届人民代表大会常务委员会第六次会议通过）",
            "2023-11-30",
        ),
        # The signature block's date wins over a later date line in an attachment.
        ("请遵照执行。\n国务院\n2025年3月15日\n附件\n重点任务清单\n2025年4月1日", "2025-03-15"),
    ],
)
def test_find_date(text: str, expected: str) -> None:
    assert find_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2024年3月15日，国务院召开常务会议，研究部署相关工作。",
        "到2025年底，基本建成数字政府。",
        "请遵照执行。\n2024年2月30日",
        "请遵照执行。\n2024年13月1日",
        "没有日期",
        "",
    ],
)
def test_find_date_none_when_not_stated(text: str) -> None:
    assert find_date(text) is None


# ------------------------------------------------------------------------------------- 文种


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("国务院关于印发《新时代基层治理行动方案》的通知", "通知"),
        ("关于印发XX实施方案的通知", "通知"),
        ("2024年政府工作报告", "政府工作报告"),
        ("2025年四川省政府工作报告", "政府工作报告"),
        ("1964年中华人民共和国国务院政府工作报告（摘要）", "政府工作报告"),
        ("政府工作报告——2024年1月23日在山东省第十四届人民代表大会第二次会议上", "政府工作报告"),
        ("第十四届全国人民代表大会第二次会议关于政府工作报告的决议", "决议"),
        ("山东省村务公开条例", "条例"),
        ("《重大行政决策程序暂行条例》", "条例"),
        ("山东省人民政府关于加快数字经济发展的意见", "意见"),
        ("青岛市国土空间总体规划（2021—2035年）", "规划"),
        ("济南市智能网联汽车道路测试管理办法（试行）", "办法"),
        ("青岛市人工智能产业园专项资金管理实施细则", "细则"),
        ("国务院关于修改部分行政法规的决定", "决定"),
        ("淄博市油区管理若干规定", "规定"),
        ("关于公开征求意见的公告", "公告"),
        ("关于2023年安全生产检查情况的通报", "通报"),
        ("国务院关于同意设立XX新区的批复", "批复"),
        ("山东省国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要", "纲要"),
        ("关于2023年度法治政府建设情况的报告", "报告"),
        ("2023年工作总结", "工作总结"),
        ("某某街道2024年工作计划", "工作计划"),
        ("山东省数字经济三年行动计划（2024—2026年）", "计划"),
        ("青岛市公共数据开放行动方案", "方案"),
        ("关于商请支持XX工作的函", "函"),
        ("2024年政务公开工作要点", "要点"),
    ],
)
def test_infer_doc_type(title: str, expected: str) -> None:
    assert infer_doc_type(title) == expected


@pytest.mark.parametrize(
    "title", [None, "", "Notice on the Action Plan for Intelligent Manufacturing", "各位代表"]
)
def test_infer_doc_type_unknown(title: str | None) -> None:
    assert infer_doc_type(title) is None


# ------------------------------------------------------------------------------------- level


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("全国", "national"),
        ("中华人民共和国", "national"),
        ("山东省", "provincial"),
        ("北京市", "provincial"),
        ("重庆市", "provincial"),
        ("广西壮族自治区", "provincial"),
        ("新疆维吾尔自治区", "provincial"),
        ("山东", "provincial"),
        ("山东省青岛市", "city"),
        ("青岛市", "city"),
        ("吉林省吉林市", "city"),
        ("吉林市", "city"),
        ("延边朝鲜族自治州", "city"),
        ("锡林郭勒盟", "city"),
        ("重庆市彭水苗族土家族自治县", "district"),
        ("浙江省景宁畲族自治县", "district"),
        ("北京市海淀区", "district"),
        ("山东省青岛市市南区", "district"),
        ("山东省青岛市胶州市", "district"),
        ("湖北省神农架林区", "district"),
        ("坪山街道", "street"),
        ("XX街道", "street"),
        ("广东省深圳市坪山区坪山街道", "street"),
        ("某县某镇", "street"),
    ],
)
def test_infer_level(region: str, expected: str) -> None:
    assert infer_level(region) == expected


@pytest.mark.parametrize("region", [None, "", "国务院", "abc", "管委会"])
def test_infer_level_unknown(region: str | None) -> None:
    assert infer_level(region) is None


_MANIFEST = pathlib.Path(__file__).resolve().parents[2] / "shared" / "corpus" / "manifest.jsonl"


def test_infer_level_agrees_with_corpus_manifest() -> None:
    # conftest refuses to run without the corpus, so this never skips silently.
    rows = [json.loads(line) for line in _MANIFEST.read_text(encoding="utf-8").splitlines() if line]
    disagreements = [
        (r["region"], r["level"]) for r in rows if infer_level(r["region"]) != r["level"]
    ]
    assert disagreements == []
