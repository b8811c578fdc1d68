"""Tests for indexer.formats: HTML, DOCX and PDF extraction on fixtures built in the test."""

from __future__ import annotations

import io
import pathlib

import pytest

from govsearch.indexer.formats import (
    SUPPORTED_SUFFIXES,
    Block,
    Extracted,
    ExtractionError,
    UnsupportedFormat,
    extract,
    extract_docx,
    extract_html,
    extract_pdf,
)

# ------------------------------------------------------------------------------------------ HTML

GOV_CN_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>国务院关于印发《新时代基层治理行动方案》的通知_政策文件_中国政府网</title>
<meta name="ArticleTitle" content="国务院关于印发《新时代基层治理行动方案》的通知">
<meta name="PubDate" content="2025-03-20 10:00">
<script>var _hmt = _hmt || []; document.write("广告");</script>
<style>.nav{color:red}</style>
</head>
<body>
<div class="header"><h1 class="logo">中国政府网</h1>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zhengce/">政策</a></li>
<li><a href="/hudong/">互动</a></li><li><a href="/fuwu/">服务</a></li></ul></div>
<div class="search"><input type="text" placeholder="请输入关键词"><button>搜索</button></div></div>
<div class="BreadcrumbNav">当前位置：<a href="/">首页</a> &gt;
<a href="/zhengce/">政策</a> &gt; 政策文件</div>
<div class="article oneColumn pub_border">
  <h1>国务院关于印发《新时代基层治理行动方案》的通知</h1>
  <div class="pages-date">2025-03-20 10:00 <span class="font">来源： 中国政府网</span>
    <span class="font">字号：<a>默认</a> <a>大</a> <a>超大</a></span>
    <span class="share">分享到：<a>微信</a><a>微博</a></span>
    <span><a href="javascript:window.print()">打印本页</a></span></div>
  <div class="pages_content" id="UCAP-CONTENT">
    <p style="text-align:center">国发〔2025〕11号</p>
    <p>各省、自治区、直辖市人民政府，国务院各部委、各直属机构：</p>
    <p>&nbsp;&nbsp;&nbsp;&nbsp;现将《新时代基层治理行动方案》印发给你们，
    请认真贯彻执行。</p>
    <p style="text-align:right">国务院</p>
    <p style="text-align:right">2025年3月15日</p>
    <p>　　（此件公开发布）</p>
    <!-- 正文开始 -->
    <h2>新时代基层治理行动方案</h2>
    <p>　　<b>一、总体要求</b></p>
    <p>　　坚持以人民为中心，推动<a href="#">治理重心</a>下移、资源下沉。
    中共中央 国务院有关部署要落实到位。</p>
    <p><br></p>
    <p>　　二、重点任务</p>
    <table border="1"><tr><th>任务</th><th>牵头单位</th><th>完成时限</th></tr>
    <tr><td>网格化管理</td><td><p>民政部</p><p>公安部</p></td><td>2025年底</td></tr></table>
    <p>　　附件：<a href="/fj.docx">重点任务分工表</a></p>
  </div>
  <div class="editor">【我要纠错】 责任编辑：王某</div>
  <div class="share-box">分享到：<a>微信</a> <a>微博</a> <a>QQ空间</a> 打印本页 关闭窗口</div>
</div>
<div class="related"><h3>相关链接</h3>
<ul><li><a href="/1">国务院办公厅关于加强基层治理的意见</a></li>
<li><a href="/2">民政部解读：新时代基层治理</a></li></ul></div>
<div class="footer"><p>主办单位：国务院办公厅　运行维护单位：中国政府网运行中心</p>
<p>版权所有：中国政府网　中文域名：中国政府网.政务</p>
<p>网站标识码bm01000001　京ICP备05070218号　京公网安备11010202000001号</p></div>
</body></html>
"""

GOV_CN_BLOCKS = [
    Block("国发〔2025〕11号"),
    Block("各省、自治区、直辖市人民政府，国务院各部委、各直属机构："),
    Block("现将《新时代基层治理行动方案》印发给你们，请认真贯彻执行。"),
    Block("国务院"),
    Block("2025年3月15日"),
    Block("（此件公开发布）"),
    Block("新时代基层治理行动方案", heading_level=2),
    Block("一、总体要求"),
    Block("坚持以人民为中心，推动治理重心下移、资源下沉。中共中央 国务院有关部署要落实到位。"),
    Block("二、重点任务"),
    Block("任务 | 牵头单位 | 完成时限"),
    Block("网格化管理 | 民政部公安部 | 2025年底"),
    Block("附件：重点任务分工表"),
]

# A municipal page in GB2312 whose article is one <div> of <br>-separated lines.
BR_RUNS_PAGE = """<html><head><meta charset="gb2312">
<title>关于做好2024年春耕生产工作的通知_青岛市人民政府</title></head>
<body><div id="menu"><a>首页</a> | <a>政务公开</a> | <a>政民互动</a></div>
<div class="position">您现在的位置：首页 &gt; 政务公开 &gt; 通知公告</div>
<div class="TRS_Editor"><div style="font-size:16px">青政办字〔2024〕5号<br>各区、市人民政府：<br>
　　为切实抓好春耕生产，现就有关事项通知如下：<br><br>　　一、加强农资供应保障<br>
　　各地要提前谋划，确保化肥、种子供应充足。<br>　　二、强化技术服务<br>
　　组织农技人员下乡指导。<br><br>青岛市人民政府办公厅<br>2024年3月1日</div></div>
<div class="xglj">相关文件：<a>关于春耕的意见</a></div>
<div class="bottom">版权所有：青岛市人民政府办公厅 网站标识码：3702000001 鲁ICP备05010101号</div>
</body></html>
"""

BR_RUNS_BLOCKS = [
    Block("青政办字〔2024〕5号"),
    Block("各区、市人民政府："),
    Block("为切实抓好春耕生产，现就有关事项通知如下："),
    Block("一、加强农资供应保障"),
    Block("各地要提前谋划，确保化肥、种子供应充足。"),
    Block("二、强化技术服务"),
    Block("组织农技人员下乡指导。"),
    Block("青岛市人民政府办公厅"),
    Block("2024年3月1日"),
]

# No known content class: the article sits in a layout table next to a link menu.
LAYOUT_TABLE_PAGE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>某县人民政府关于开展安全生产大检查的通知 - 某县人民政府门户网站</title></head>
<body><div id="top"><h1 class="logo">某县人民政府门户网站</h1></div>
<ul class="mainmenu"><li><a>首页</a></li><li><a>信息公开</a></li><li><a>办事服务</a></li></ul>
<table width="1000"><tr><td width="200">
<ul><li><a>领导之窗</a></li><li><a>机构设置</a></li></ul></td>
<td><div class="wz_title">某县人民政府关于开展安全生产大检查的通知</div>
<div class="wz">
<p>各乡镇人民政府，县直各部门：</p>
<p>　　为深刻吸取近期事故教训，县政府决定在全县范围内开展安全生产大检查。现将有关事项通知如下。</p>
<p>　　一、检查范围</p>
<p>　　全县所有生产经营单位，重点是危险化学品、道路交通和建筑施工领域。</p>
<p>相关文件：</p><ul><li><a>省安委会关于开展大检查的通知</a></li></ul>
</div></td></tr></table>
<div class="foot">Copyright 某县人民政府 版权所有 网站标识码：1234567890</div>
</body></html>
"""


def test_html_gov_cn_page_keeps_article_only() -> None:
    result = extract_html(GOV_CN_PAGE.encode("utf-8"))
    assert result == Extracted(GOV_CN_BLOCKS, "国务院关于印发《新时代基层治理行动方案》的通知")


def test_html_br_runs_in_gb2312_page() -> None:
    result = extract_html(BR_RUNS_PAGE.encode("gb2312"))
    assert result == Extracted(BR_RUNS_BLOCKS, "关于做好2024年春耕生产工作的通知")


def test_html_layout_table_page_without_known_content_area() -> None:
    result = extract_html(LAYOUT_TABLE_PAGE.encode("gbk"))
    assert result.title == "某县人民政府关于开展安全生产大检查的通知"
    assert [b.text for b in result.blocks] == [
        "各乡镇人民政府，县直各部门：",
        "为深刻吸取近期事故教训，县政府决定在全县范围内开展安全生产大检查。现将有关事项通知如下。",
        "一、检查范围",
        "全县所有生产经营单位，重点是危险化学品、道路交通和建筑施工领域。",
    ]


SIMPLE_PAGE = (
    "<html><head>{meta}<title>镕基同志讲话 - 某某网</title></head>"
    "<body><div class='TRS_Editor'><p>朱镕基：“——坚持改革。”</p></div></body></html>"
)


@pytest.mark.parametrize(
    ("meta", "encoding", "bom"),
    [
        ("", "utf-8", b""),
        ("", "utf-8", b"\xef\xbb\xbf"),
        ('<meta charset="utf-8">', "gb18030", b""),  # mislabelled: the bytes are GBK
        ("", "gb18030", b""),  # no declaration at all
        ('<meta charset="GB2312">', "gbk", b""),  # 镕 is outside GB2312: decode as GB18030
    ],
)
def test_html_decoding(meta: str, encoding: str, bom: bytes) -> None:
    data = bom + SIMPLE_PAGE.format(meta=meta).encode(encoding)
    assert extract_html(data) == Extracted([Block("朱镕基：“——坚持改革。”")], "镕基同志讲话")


def test_html_h1_title_when_no_meta_and_xml_declaration() -> None:
    page = (
        '<?xml version="1.0" encoding="utf-8"?>\n<html><head><title>市政府网站</title></head><body>'
        "<div class='header'><h1>市政府网站</h1></div><div class='article'><h1>关于开展\n"
        "专项行动的通知</h1><p>各有关单位：</p></div></body></html>"
    )
    assert extract_html(page.encode("utf-8")) == Extracted(
        [Block("关于开展专项行动的通知", heading_level=1), Block("各有关单位：")],
        "关于开展专项行动的通知",
    )


# The older gov.cn policy-library layout: a metadata table, then the text in td#UCAP-CONTENT.
POLICY_LIBRARY_PAGE = """<html><head><meta charset="utf-8">
<title>国务院办公厅关于加强基层治理的意见_政府信息公开专栏</title></head><body>
<table class="bd1"><tr><td>索 引 号：</td><td>000014349/2025-00011</td>
<td>主题分类：</td><td>民政</td></tr>
<tr><td>发文机关：</td><td>国务院办公厅</td><td>成文日期：</td><td>2025年03月01日</td></tr>
<tr><td>发文字号：</td><td>国办发〔2025〕7号</td><td>发布日期：</td><td>2025年03月05日</td></tr></table>
<table><tr><td class="b12c" id="UCAP-CONTENT">
<p align="center"><strong>国务院办公厅关于加强基层治理的意见</strong></p>
<p align="center">国办发〔2025〕7号</p><p>各省、自治区、直辖市人民政府：</p>
<p>　　基层治理是国家治理的基石。</p></td></tr></table>
<div id="pagination"><a>上一页</a><a>下一页</a></div>
<div class="jiedu-blk"><a>【图解】加强基层治理</a></div></body></html>
"""


def test_html_policy_library_layout() -> None:
    assert extract_html(POLICY_LIBRARY_PAGE.encode("utf-8")) == Extracted(
        [
            Block("国务院办公厅关于加强基层治理的意见"),
            Block("国办发〔2025〕7号"),
            Block("各省、自治区、直辖市人民政府："),
            Block("基层治理是国家治理的基石。"),
        ],
        "国务院办公厅关于加强基层治理的意见",
    )


def test_html_without_title_returns_none() -> None:
    result = extract_html("<html><body><p>正文</p></body></html>".encode())
    assert result == Extracted([Block("正文")], None)


def test_html_empty_document_raises() -> None:
    with pytest.raises(ExtractionError, match="^HTML document is empty$"):
        extract_html(b"  \n")


# ------------------------------------------------------------------------------------------ DOCX


def _make_docx(path: pathlib.Path, core_title: str = "") -> None:
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    document.core_properties.title = core_title
    document.add_paragraph("某某市人民政府关于印发《数字政府建设方案》的通知", style="Title")
    document.add_paragraph("")
    document.add_paragraph("某政发〔2025〕3号")
    document.add_heading("一、总体要求", level=1)
    document.add_paragraph("　　坚持系统观念，统筹推进数字政府建设。　")
    document.add_paragraph("   ")
    table = document.add_table(rows=3, cols=3)
    for row, values in zip(
        table.rows,
        [("指标", "2024年", "2025年"), ("政务服务事项网办率", "90%", "95%"), ("", "", "")],
        strict=True,
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    table.rows[2].cells[0].merge(table.rows[2].cells[1])
    table.rows[2].cells[0].text = "备注：数据来源于市大数据局"
    document.add_paragraph("表后第一段。")
    chinese = document.styles.add_style("标题 2", WD_STYLE_TYPE.PARAGRAPH)
    chinese.base_style = document.styles["Normal"]
    document.add_paragraph("（一）加强组织领导", style="标题 2")
    derived = document.styles.add_style("方案三级标题", WD_STYLE_TYPE.PARAGRAPH)
    derived.base_style = document.styles["Heading 3"]
    document.add_paragraph("1. 明确责任分工", style="方案三级标题")
    broken = document.add_paragraph("第一行")
    broken.add_run().add_break()
    broken.add_run("第二行")
    document.add_paragraph("附件\t重点任务清单")
    outline = document.add_paragraph("二、WPS大纲级别标题")
    outline._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="1"/>'))
    tracked = document.add_paragraph("保留")
    ns = nsdecls("w")
    tracked._p.append(parse_xml(f'<w:ins {ns} w:id="1"><w:r><w:t>新增</w:t></w:r></w:ins>'))
    tracked._p.append(
        parse_xml(f'<w:del {ns} w:id="2"><w:r><w:delText>删除</w:delText></w:r></w:del>')
    )
    control = parse_xml(
        f"<w:sdt {nsdecls('w')}><w:sdtContent><w:p><w:r><w:t>内容控件中的段落</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"
    )
    document.element.body.insert(len(document.element.body) - 1, control)
    document.save(str(path))


DOCX_BLOCKS = [
    Block("某某市人民政府关于印发《数字政府建设方案》的通知"),
    Block("某政发〔2025〕3号"),
    Block("一、总体要求", heading_level=1),
    Block("坚持系统观念，统筹推进数字政府建设。"),
    Block("指标 | 2024年 | 2025年"),
    Block("政务服务事项网办率 | 90% | 95%"),
    Block("备注：数据来源于市大数据局"),
    Block("表后第一段。"),
    Block("（一）加强组织领导", heading_level=2),
    Block("1. 明确责任分工", heading_level=3),
    Block("第一行"),
    Block("第二行"),
    Block("附件 重点任务清单"),
    Block("二、WPS大纲级别标题", heading_level=2),
    Block("保留新增"),
    Block("内容控件中的段落"),
]


def test_docx_blocks_in_body_order_with_headings_and_table(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "方案.docx"
    _make_docx(path)
    assert extract_docx(path) == Extracted(
        DOCX_BLOCKS, "某某市人民政府关于印发《数字政府建设方案》的通知"
    )


def test_docx_core_properties_title_wins(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "a.docx"
    _make_docx(path, core_title=" 数字政府建设方案 ")
    assert extract(path).title == "数字政府建设方案"


def test_docx_not_a_zip(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"not a zip file")
    with pytest.raises(ExtractionError) as info:
        extract_docx(path)
    assert str(info.value) == (
        "broken.docx is not a Word .docx file (its content is text); rename it to .txt if it is "
        "a document"
    )


def test_docx_that_is_really_an_old_doc(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "old.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    with pytest.raises(ExtractionError) as info:
        extract_docx(path)
    assert str(info.value) == "old.docx is an old Word .doc file named .docx; save it as .docx"


# ------------------------------------------------------------------------------------------- PDF

PAGE_W, PAGE_H = 595.0, 842.0
LEFT, SIZE, PITCH, CHARS_PER_LINE = 72.0, 12.0, 20.0, 36


def _canvas(path: pathlib.Path, title: str | None = None):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), invariant=1)
    if title is not None:
        c.setTitle(title)
    return c


def _wrap(text: str, first_indent: int = 0) -> list[str]:
    """Cut text into full lines of CHARS_PER_LINE columns, the first line indented by spaces."""
    text = "\u3000" * first_indent + text
    return [text[i : i + CHARS_PER_LINE] for i in range(0, len(text), CHARS_PER_LINE)]


def test_pdf_chinese_text_comes_back_exactly(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "exact.pdf"
    line = "国发〔2025〕11号：推进“放管服”改革，ＧＤＰ增长５％；《条例》第三条（一）——完成。"
    c = _canvas(path, title="国务院关于推进改革的通知")
    c.setFont("STSong-Light", SIZE)
    c.drawString(LEFT, 700, line)
    c.showPage()
    c.save()
    assert extract_pdf(path) == Extracted([Block(line, page=1)], "国务院关于推进改革的通知")


P1 = (
    "为深入贯彻落实党中央、国务院关于基层治理的决策部署，"
    "进一步提升基层治理体系和治理能力现代化水平，结合本市实际，制定本实施意见。"
)
# P2 (after a two-space indent) and P3 (after a two-column x-offset) fill their last line
# exactly, so only the next line's heading number or the vertical gap can end them.
P2 = (
    "坚持党建引领，坚持以人民为中心，坚持问题导向和目标导向，推动治理重心下移、"
    "资源下沉、权力下放，打造共建共治共享的社会治理格局，让群众有获得感"
)
P3 = (
    "到二〇二七年，基层治理体系基本完善，网格化管理全面覆盖，数字化平台实现市、区、"
    "街道三级贯通，群众满意度持续提升，基层治理现代化水平明显提高。"
)
P4 = (
    "各区要建立健全工作机制，明确责任分工，加强督促检查，确保各项任务落到实处，"
    "并于每年十二月底前向市政府报告工作进展情况。"
)
LATIN = [
    "The Digital Government Strategy aims to improve the quality and efficiency of public services",
    "for residents and enterprises in every district.",
]


def _multipage_pdf(path: pathlib.Path) -> None:
    assert (len(P2) + 2) % CHARS_PER_LINE == 0 and (len(P3) + 2) % CHARS_PER_LINE == 0
    c = _canvas(path)

    def chrome(page: int) -> None:
        c.setFont("STSong-Light", 9)
        c.drawString(230, 810, f"某某市人民政府公报 2025年第{page + 2}期")
        c.setFont("STSong-Light", 10)
        c.drawCentredString(PAGE_W / 2, 40, f"- {page} -")
        c.setFont("STSong-Light", SIZE)

    chrome(1)
    c.setFont("STSong-Light", 18)
    c.drawCentredString(PAGE_W / 2, 740, "某某市人民政府关于推进")
    c.drawCentredString(PAGE_W / 2, 716, "基层治理现代化的实施意见")
    c.setFont("STSong-Light", SIZE)
    c.drawCentredString(PAGE_W / 2, 690, "某政发〔2025〕3号")
    y = 660.0
    lines = ["各区人民政府，市政府各部门："] + _wrap(P1, first_indent=2)
    lines += ["一、总体要求"] + _wrap(P2, first_indent=2) + ["（一）工作目标"]
    for text in lines:
        c.drawString(LEFT, y, text)
        y -= PITCH
    first = CHARS_PER_LINE - 2
    c.drawString(LEFT + 2 * SIZE, y, P3[:first])
    y -= PITCH
    for text in _wrap(P3[first:]):
        c.drawString(LEFT, y, text)
        y -= PITCH
    y -= PITCH
    c.drawString(LEFT, y, P4[:CHARS_PER_LINE])
    c.showPage()
    chrome(2)
    y = 760.0
    for text in _wrap(P4[CHARS_PER_LINE:]):
        c.drawString(LEFT, y, text)
        y -= PITCH
    y -= PITCH
    c.drawString(LEFT, y, LATIN[0])
    c.drawString(LEFT, y - PITCH, LATIN[1])
    c.showPage()
    chrome(3)
    c.drawString(LEFT, 760, "第一条　本意见自印发之日起施行。")
    c.drawRightString(PAGE_W - LEFT, 700, "某某市人民政府")
    c.drawRightString(PAGE_W - LEFT, 680, "2025年3月15日")
    c.showPage()
    c.save()


def test_pdf_paragraphs_headers_and_page_numbers(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "意见.pdf"
    _multipage_pdf(path)
    result = extract_pdf(path)
    assert result.title is None  # reportlab's placeholder "untitled" is no title
    assert result.blocks == [
        Block("某某市人民政府关于推进基层治理现代化的实施意见", page=1),
        Block("某政发〔2025〕3号", page=1),
        Block("各区人民政府，市政府各部门：", page=1),
        Block(P1, page=1),
        Block("一、总体要求", page=1),
        Block(P2, page=1),
        Block("（一）工作目标", page=1),
        Block(P3, page=1),
        Block(P4, page=1),
        Block(" ".join(LATIN), page=2),
        Block("第一条　本意见自印发之日起施行。", page=3),
        Block("某某市人民政府", page=3),
        Block("2025年3月15日", page=3),
    ]


REPEATED_TOP = "序号 | 重点任务 | 牵头单位 | 完成时限"
REPEATED_BOTTOM = "各责任单位要按季度报送工作进展情况。"


@pytest.mark.parametrize("pages", [2, 4])
def test_pdf_body_lines_repeated_at_one_place_are_kept(tmp_path: pathlib.Path, pages: int) -> None:
    """Issue 13: only lines apart from the body (another size, a wider gap) on most pages are
    running headers; body lines that repeat at the top or bottom of some pages stay."""
    path = tmp_path / "repeat.pdf"
    c = _canvas(path)
    expected = []
    for page in range(1, pages + 1):
        c.setFont("STSong-Light", 9)
        c.drawString(230, 810, "某某市人民政府公报")
        c.setFont("STSong-Light", 10)
        c.drawCentredString(PAGE_W / 2, 40, f"- {page} -")
        c.setFont("STSong-Light", SIZE)
        # The table's header row opens pages 1 and 2 only; the reminder closes them.
        body = [REPEATED_TOP] if page <= 2 else []
        body += [
            f"{page}{i} | 第{page}页第{i}项任务 | 市发展改革委 | 2025年底" for i in range(1, 31)
        ]
        body += [REPEATED_BOTTOM] if page <= 2 else []
        y = 760.0
        for text in body:
            indent = "" if text.startswith("（") else "\u3000\u3000"
            c.drawString(LEFT, y, indent + text)
            y -= PITCH
        expected += [Block(text, page=page) for text in body]
        c.showPage()
    c.save()
    assert extract_pdf(path).blocks == expected


@pytest.mark.parametrize(
    "number", ["- 1 -", "—1—", "1", "第 1 页", "第1页 共1页", "1/1", "Page 1 of 1"]
)
def test_pdf_single_page_number_is_dropped(tmp_path: pathlib.Path, number: str) -> None:
    path = tmp_path / "one.pdf"
    c = _canvas(path)
    c.setFont("STSong-Light", SIZE)
    c.drawString(LEFT, 760, "本办法自2025年1月1日起施行。")
    c.drawString(LEFT, 400, "2025")  # a number in the body stays
    c.setFont("STSong-Light", 10)
    c.drawCentredString(PAGE_W / 2, 40, number)
    c.showPage()
    c.save()
    assert [b.text for b in extract_pdf(path).blocks] == ["本办法自2025年1月1日起施行。", "2025"]


def _line_scan_pdf(path: pathlib.Path) -> None:
    """A PDF whose only page is an image of a short rule: a scan with nothing to read."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    image = Image.new("RGB", (60, 80), "white")
    for x in range(10, 50):
        image.putpixel((x, 40), (0, 0, 0))
    c = _canvas(path)
    c.drawImage(ImageReader(image), 72, 500, width=300, height=400)
    c.showPage()
    c.save()


def test_scanned_pdf_without_the_ocr_extra_names_it(tmp_path: pathlib.Path, monkeypatch) -> None:
    from govsearch.indexer.formats import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)
    path = tmp_path / "scan.pdf"
    _line_scan_pdf(path)
    with pytest.raises(ExtractionError) as info:
        extract_pdf(path)
    assert str(info.value) == (
        "scan.pdf is a scanned PDF (no text layer); "
        "install OCR support: pip install 'govsearch[ocr]'"
    )


def test_pdf_without_text_or_images_raises(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "blank.pdf"
    c = _canvas(path)
    c.line(72, 500, 300, 500)
    c.showPage()
    c.save()
    with pytest.raises(ExtractionError) as info:
        extract_pdf(path)
    assert str(info.value) == "blank.pdf has no text layer and no scanned pages"


def test_pdf_with_password_raises(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "locked.pdf"
    c = _canvas(path)
    c.setEncrypt("secret")
    c.setFont("STSong-Light", SIZE)
    c.drawString(LEFT, 700, "内部资料")
    c.showPage()
    c.save()
    with pytest.raises(ExtractionError) as info:
        extract_pdf(path)
    assert str(info.value) == "locked.pdf is password-protected; remove the password and try again"


def test_pdf_garbage_raises(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(b"%PDF-1.4\nnot really a pdf\n")
    with pytest.raises(ExtractionError, match=r"^bad\.pdf "):
        extract_pdf(path)


# -------------------------------------------------------------------------------------- dispatch


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == frozenset(
        {".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf", ".png", ".jpg", ".jpeg"}
        | {".tif", ".tiff", ".doc", ".wps", ".ofd"}
    )


@pytest.mark.parametrize("name", ["page.HTM", "page.html"])
def test_extract_dispatches_html_by_suffix(tmp_path: pathlib.Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(BR_RUNS_PAGE.encode("gb18030"))
    assert extract(path).blocks == BR_RUNS_BLOCKS


ALL = (
    ".doc, .docx, .htm, .html, .jpeg, .jpg, .markdown, .md, .ofd, .pdf, .png, .tif, .tiff, .txt, "
    ".wps"
)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a.rtf", "RTF format is not supported; save it as .docx"),
        ("a.odt", "OpenDocument .odt format is not supported; save it as .docx"),
        ("a.xls", "Excel .xls format is not supported; export the sheet as .html or .pdf"),
        ("a.xlsx", "Excel .xlsx format is not supported; export the sheet as .html or .pdf"),
        ("a.et", "WPS Spreadsheets .et format is not supported; export the sheet as .html or .pdf"),
        ("a.ppt", "PowerPoint .ppt format is not supported; export it as .pdf"),
        ("a.pptx", "PowerPoint .pptx format is not supported; export it as .pdf"),
        ("a.dps", "WPS Presentation .dps format is not supported; export it as .pdf"),
        ("a.caj", "CAJ format is not supported; export it as .pdf"),
        ("a.zip", ".zip format is not supported; supported: " + ALL),
        ("README", "files without a suffix are not supported; supported: " + ALL),
    ],
)
def test_extract_unsupported_suffix(tmp_path: pathlib.Path, name: str, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(UnsupportedFormat) as info:
        extract(path)
    assert str(info.value) == message


def test_blocks_are_trimmed_and_non_empty(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "a.docx"
    _make_docx(path)
    for result in (
        extract(path),
        extract_html(GOV_CN_PAGE.encode()),
        extract_html(io.BytesIO(BR_RUNS_PAGE.encode("gbk")).read()),
    ):
        for block in result.blocks:
            assert block.text and block.text == block.text.strip()
