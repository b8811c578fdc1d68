"""Visual lines re-joined into paragraphs (indexer.formats.layout): what must stay apart."""

from __future__ import annotations

import pytest

from govsearch.indexer.formats.layout import Line, paragraphs, standalone_lines

PAGE_H = 842.0


def line(text: str, x0: float, x1: float, top: float, size: float = 14.6) -> Line:
    return Line(text, x0, x1, top, top - size - 3, size, 1, PAGE_H)


# A notice as OCR read it from a tightly set scan (a 公文 with no space around its number and
# signature, and no first-line indents): the geometry alone would join the number to the title,
# the addressee to the body and the signature to the last sentence.
TITLE = ["鼓楼区人民政府办公室关于印发鼓楼区", "老旧小区改造实施方案的通知"]
DOCNO = "鼓政办发〔2021〕8号"
ADDRESSEE = [
    "各街道办事处，区政府各部门、各直属机构，各人民团体，各",
    "国有企业，各有关单位，驻区各单位，各社区、业主委员会：",
]
BODY = [
    "《鼓楼区老旧小区改造实施方案》已经区政府同意，现印发给",
    "你们，请认真组织实施，遇到的问题请径向区住建局反映。",
]
SIGNATURE, DATE = "鼓楼区人民政府办公室", "2021年3月5日"
TIGHT_PAGE = [
    line(TITLE[0], 162.4, 432.2, 733.4),
    line(TITLE[1], 194.1, 401.3, 709.6),
    line(DOCNO, 218.6, 375.5, 687.6),
    line(ADDRESSEE[0], 76.1, 505.4, 661.2),
    line(ADDRESSEE[1], 76.1, 496.1, 635.8),
    line(BODY[0], 82.9, 505.4, 610.7),
    line(BODY[1], 76.1, 480.0, 585.7),
    line(SIGNATURE, 75.7, 235.6, 560.2),
    line(DATE, 75.7, 175.1, 535.2),
]


def test_number_addressee_and_signature_stay_apart_on_a_tight_page():
    assert [b.text for b in paragraphs(TIGHT_PAGE)] == [
        "".join(TITLE), DOCNO, "".join(ADDRESSEE), "".join(BODY), SIGNATURE, DATE,
    ]  # fmt: skip


def test_a_wide_first_line_of_a_large_title_joins_the_rest():
    # Set in 22 pt over 16 pt body text: the first line runs almost to the margins.
    page = [
        line(TITLE[0], 109.5, 485.5, 732.5, size=20.0),
        line(TITLE[1], 153.1, 442.4, 699.4, size=20.0),
        line(DOCNO, 219.1, 375.5, 657.0),
        line("各街道办事处，区政府各部门、各直属机构：", 76.5, 384.0, 604.8),
        line("《鼓楼区老旧小区改造实施方案》已经区政府同意，现印", 115.0, 504.9, 580.2),
        line("发给你们，请认真组织实施。", 76.1, 273.6, 554.3),
        line(SIGNATURE, 296.5, 455.9, 503.4),
        line(DATE, 355.2, 455.5, 478.7),
    ]
    assert [b.text for b in paragraphs(page)] == [
        "".join(TITLE), DOCNO, "各街道办事处，区政府各部门、各直属机构：",
        "《鼓楼区老旧小区改造实施方案》已经区政府同意，现印发给你们，请认真组织实施。",
        SIGNATURE, DATE,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("texts", "starts"),
    [
        # A number, with or without its 签发人, and the line after it
        (["关于印发方案的通知", "鼓政办发〔2021〕8号", "各街道："], {1, 2, 3}),
        (["穗府办函〔２０２０〕３号　　签发人：张三", "正文"], {0, 1}),
        # After an addressee or an introducing sentence
        (["各区人民政府，市政府各部门：", "现将有关事项通知如下："], {1, 2}),
        # A joint signature: each agency above the date, the date, what follows it
        (["请认真贯彻执行。", "工业和信息化部", "国家标准化管理委员会", "2015年12月29日",
          "（此件公开发布）"], {1, 2, 3, 4}),
        (["特此通知。", "鼓楼区人民政府办公室", "二〇二一年三月五日"], {1, 2, 3}),
        # Ordinary wrapped lines: nothing is forced
        (["为深入贯彻落实党中央、国务院关于基层治理的决策部署，进一步提升",
          "基层治理体系和治理能力现代化水平，结合本市实际，制定本实施意见。"], set()),
        # A date inside a sentence, a number cited in a sentence
        (["会议于2021年3月5日召开，", "根据《通知》（国发〔2014〕64号）要求"], set()),
    ],
)  # fmt: skip
def test_standalone_lines(texts, starts):
    assert standalone_lines(texts) == starts
