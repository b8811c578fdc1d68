"""Reading sources: encodings, paragraphs, metadata heuristics, mixed folders, doc numbers."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from govsearch.indexer import build_index
from govsearch.indexer.decoding import NotText, decode_bytes
from govsearch.indexer.formats.text import text_paragraphs
from govsearch.indexer.ingest import read_document
from govsearch.indexer.metadata import SectionTracker, heading_of
from govsearch.search import count, get_document, search

from .conftest import CORPUS as SHARED_CORPUS
from .conftest import RAW_ENCODINGS, SEEDS
from .test_formats import GOV_CN_PAGE, _make_docx, _multipage_pdf

# -- encodings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("河长制".encode(), "utf-8"),
        (codecs.BOM_UTF8 + "河长制".encode(), "utf-8-sig"),
        ("河长制".encode("utf-16"), "utf-16"),
        ("河长制".encode("utf-16-be").join([codecs.BOM_UTF16_BE, b""]), "utf-16"),
        ("河长制，推进黑臭水体治理".encode("gbk"), "gb18030"),
        ("朱镕基总理代表国务院作政府工作报告".encode("gb18030"), "gb18030"),
    ],
)
def test_decoding_is_detected_not_guessed(data, encoding):
    text, enc, warnings = decode_bytes(data)
    assert enc == encoding and warnings == []
    assert text.startswith(("河长制", "朱镕基"))


def test_real_gbk_and_gb2312_reports_decode_to_the_corpus_text():
    info = json.loads((RAW_ENCODINGS / "raw_files.json").read_text("utf-8"))
    corpus = RAW_ENCODINGS.parent / "corpus"
    for entry in info:
        doc = read_document(RAW_ENCODINGS / entry["file"])
        assert doc.encoding == "gb18030"
        expected = (corpus / entry["utf8_corpus_file"]).read_text("utf-8").split("\n")
        assert [p.text for p in doc.paragraphs] == expected
    # The dash A1AA is U+2014 in GB18030 (U+2015 in Python's gb2312 codec).
    doc = read_document(RAW_ENCODINGS / "2010_national_gwr_gb2312.txt")
    assert any("\u2014\u2014" in p.text for p in doc.paragraphs)


# One text in simplified characters, and its traditional form for Big5 (every character of both
# exists in the codec it is written in).
SIMPLIFIED = (
    "2021年某区政府工作报告。全面落实河长制，推进黑臭水体治理，加快推进经济社会高质量发展。"
)
TRADITIONAL = (
    "2021年某區政府工作報告。全面落實河長制，推進黑臭水體治理，加快推進經濟社會高質量發展。"
)


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        (SIMPLIFIED.encode("gbk"), SIMPLIFIED, "gb18030"),
        (SIMPLIFIED.encode("gb2312"), SIMPLIFIED, "gb18030"),
        (SIMPLIFIED.encode("gb18030"), SIMPLIFIED, "gb18030"),
        # Traditional characters written in GBK stay GBK, not Big5.
        (TRADITIONAL.encode("gbk"), TRADITIONAL, "gb18030"),
        (TRADITIONAL.encode("big5"), TRADITIONAL, "cp950"),
        ("報告".encode("big5"), "報告", "cp950"),
    ],
)
def test_gb_and_big5_are_told_apart_by_evidence(data, text, encoding):
    # Big5 bytes decode as GB18030 without an error: only the characters tell them apart.
    assert data.decode("gb18030", errors="replace") != text or encoding == "gb18030"
    assert decode_bytes(data) == (text, encoding, [])


def test_a_corpus_paragraph_in_big5_and_gbk():
    from opencc import OpenCC

    lines = next(iter(sorted((SHARED_CORPUS).glob("0050_*.txt")))).read_text("utf-8").split("\n")
    paragraph = lines[5]
    assert decode_bytes(paragraph.encode("gbk")) == (paragraph, "gb18030", [])
    traditional = OpenCC("s2t").convert(paragraph)
    data = traditional.encode("big5", errors="ignore")
    text, encoding, warnings = decode_bytes(data)
    assert (encoding, warnings) == ("cp950", [])
    assert text == data.decode("cp950")


def test_two_characters_are_too_few_to_tell_gb_from_big5():
    # 镕基 in GBK reads as 噷價 in Big5: one common character each way.
    text, encoding, warnings = decode_bytes("镕基".encode("gb18030"))
    assert (text, encoding) == ("镕基", "gb18030")
    assert warnings == [
        "the encoding is uncertain (read as GB18030 or Big5; 50% common characters): check the "
        "text, or save the file as UTF-8"
    ]


def test_a_doubtful_decode_is_indexed_with_a_warning(tmp_path):
    # Rare characters only (not valid Big5): the one reading left is not convincing either.
    data = "龘靐齉爩麤".encode("gb18030") * 3
    text, encoding, warnings = decode_bytes(data)
    assert encoding == "gb18030" and text == "龘靐齉爩麤" * 3
    assert warnings == [
        "the encoding is uncertain (read as GB18030; 0% common characters): check the text, or "
        "save the file as UTF-8"
    ]
    (tmp_path / "doubt.txt").write_bytes(data)
    report = build_index([tmp_path / "doubt.txt"], tmp_path / "index")
    assert report.files_indexed == 1
    assert report.warnings == [f"{tmp_path / 'doubt.txt'}: {warnings[0]}"]


def test_utf8_with_a_few_bad_bytes_is_indexed_with_a_warning():
    data = ("第一行河长制\n" * 30).encode() + b"bad \xff\xfe byte\n" + "最后一行".encode()
    text, enc, warnings = decode_bytes(data)
    assert enc == "utf-8"
    assert warnings == ["invalid UTF-8 bytes replaced with U+FFFD on line 31"]
    assert text.endswith("最后一行")


def test_binary_is_refused():
    with pytest.raises(NotText) as err:
        decode_bytes(b"PK\x03\x04\x00\x00binary zip")
    assert str(err.value) == "binary file (contains NUL bytes), not text"


def test_paragraphs_trim_ideographic_space_and_keep_source_lines():
    paras = text_paragraphs("\u3000\u3000第一段 \r\n\r\n  \n第二段\u3000\n")
    assert [(p.text, p.line, p.column) for p in paras] == [("第一段", 1, 6), ("第二段", 4, 0)]


def test_markdown_syntax_is_stripped():
    paras = text_paragraphs(
        "# 某市条例\n\n## 第一章 总则\n- **第一条** 为了[规范](http://x)管理\n", True
    )
    assert [(p.text, p.heading_level) for p in paras] == [
        ("某市条例", 1), ("第一章 总则", 2), ("第一条 为了规范管理", None),
    ]  # fmt: skip


# -- metadata heuristics ---------------------------------------------------------------------


def test_seed_metadata(seed_index):
    by_name = {Path(h.path).name: h for h in search(seed_index, "街道", limit=None).hits}
    pingshan = by_name["003_03ea490201493e06.txt"]
    xx = by_name["000_d17093189e6c1fbb.txt"]
    assert (pingshan.title, pingshan.year, pingshan.region, pingshan.level) == (
        None, 2018, "坪山街道", "street",
    )  # fmt: skip
    assert (xx.title, xx.year, xx.region, xx.level) == (None, 2020, "XX街道", "street")


def test_section_path_of_a_heading_that_opens_a_paragraph(seed_index):
    hit = [
        h
        for h in search(seed_index, "河长制", limit=None).hits
        if h.path.endswith("003_03ea490201493e06.txt") and h.line == 14
    ][0]  # noqa: E501
    assert hit.section == "三、2019年工作计划 › (二)聚焦宜居环境,着力提升现代城区品质"
    assert hit.paragraph == 14


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("一、2018年工作情况", (20, "一、2018年工作情况")),
        ("（二）聚焦宜居环境，着力提升品质。一是推进", (30, "（二）聚焦宜居环境，着力提升品质")),
        ("第一章　总则", (10, "第一章　总则")),
        ("第三条　为了规范管理，制定本条例。", (60, "第三条")),
        ("1. 加强组织领导", (40, "1. 加强组织领导")),
        ("（1）明确责任。", (50, "（1）明确责任")),
        ("1.5万平方米的改造任务已经完成", None),
        ("一是全力推进道路交通建设", None),
    ],
)
def test_heading_patterns(text, expected):
    assert heading_of(text) == expected


def test_section_tracker_nests_and_pops():
    t = SectionTracker()
    path = [t.feed(x) for x in ["前言", "第一章 总则", "第一条 目的", "正文", "第二章 职责",
                                "第五条 分工"]]  # fmt: skip
    assert path == [None, "第一章 总则", "第一章 总则 › 第一条", "第一章 总则 › 第一条",
                    "第二章 职责", "第二章 职责 › 第五条"]  # fmt: skip


def test_numbered_items_inside_an_article_are_not_headings():
    t = SectionTracker()
    lines = ["第三章 工作职责", "第九条 河长办公室履行下列职责：", "（一）拟订河长制相关制度；",
             "（二）组织协调；", "第十条 其他"]  # fmt: skip
    path = [t.feed(x) for x in lines]
    assert path == ["第三章 工作职责", "第三章 工作职责 › 第九条", "第三章 工作职责 › 第九条",
                    "第三章 工作职责 › 第九条", "第三章 工作职责 › 第十条"]  # fmt: skip


# -- mixed folders and document metadata -----------------------------------------------------


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    root = tmp_path_factory.mktemp("mixed")
    (root / "utf8.txt").write_text("某县2019年工作总结\n全面推行河长制\n", encoding="utf-8")
    (root / "gbk.txt").write_bytes("某镇工作计划\n落实河长制，治理黑臭水体\n".encode("gbk"))
    (root / "notes.md").write_text("# 某区2020年工作要点\n\n- 推进河长制\n", encoding="utf-8")
    (root / "page.html").write_text(GOV_CN_PAGE, encoding="utf-8")
    _make_docx(root / "方案.docx")
    _multipage_pdf(root / "意见.pdf")
    (root / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    (root / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(256))
    index_dir = root / ".index"
    report = build_index([root], index_dir)
    return root, index_dir, report


def test_mixed_folder_counts(mixed):
    root, _ix, report = mixed
    assert (report.files_indexed, report.files_skipped) == (6, 2)
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(reasons) == {"old.doc", "photo.jpg"}
    assert reasons["old.doc"] == (
        "old.doc is a damaged Word 97–2003 or WPS file; get the file again from where it came "
        "from, or open it in Word or WPS and save it as .docx"
    )
    assert reasons["photo.jpg"] == (
        "photo.jpg is a damaged image; get the file again from where it came from, or open it "
        "in an image viewer and save it again"
    )


def test_mixed_folder_is_searchable_in_every_format(mixed):
    _root, ix, _report = mixed
    formats = {h.format for h in search(ix, "-zzzzzz", limit=None).hits}
    assert formats == {"txt", "md", "html", "docx", "pdf"}
    assert count(ix, "河长制") == 3
    pdf_hits = search(ix, "基层治理现代化", limit=None).hits
    assert pdf_hits and all(h.format == "pdf" and h.line is None and h.page for h in pdf_hits)


def test_docno_is_normalised_for_every_way_users_type_it(mixed):
    _root, ix, _report = mixed
    for typed in ["某政发〔2025〕3号", "某政发[2025]3号", "某政发（2025）3号", "某政发【2025】3号",
                  "某政发〔２０２５〕３号"]:  # fmt: skip
        hits = search(ix, f"docno:{typed}", limit=None).hits
        assert hits and {h.docno for h in hits} == {"某政发〔2025〕3号"}, typed
        assert {h.format for h in hits} == {"docx", "pdf"}


def test_type_level_and_date_filters(mixed):
    _root, ix, _report = mixed
    hits = search(ix, "type:通知", limit=None).hits
    assert hits and {h.doc_type for h in hits} == {"通知"}
    pdf = [h for h in search(ix, "基层治理", limit=None).hits if h.format == "pdf"][0]
    doc = get_document(ix, pdf.doc_id)
    assert doc.meta.get("date") == "2025-03-15"
    assert doc.year == 2025  # no year in the title: the document date gives it
    march = {h.doc_id for h in search(ix, "date:2025-03", limit=None).hits}
    assert pdf.doc_id in march
    assert all(get_document(ix, d).meta["date"].startswith("2025-03") for d in march)
    assert search(ix, "date:2024-01..2024-12", limit=None).total == 0
    result = search(ix, "河长制", limit=None)
    assert result.facets["type"] == {"工作总结": 1, "工作计划": 1, "要点": 1}


def test_vimgrep_lists_text_sources_only(mixed, runner):
    from govsearch.cli import cli

    _root, ix, _report = mixed
    out = runner.invoke(cli, ["search", "某", "--all", "--format", "vimgrep", "--index", str(ix)])
    paths = {line.split(":")[0] for line in out.stdout.splitlines()}
    assert {Path(p).suffix for p in paths} == {".txt", ".md"}


def test_seeds_are_the_bundled_default_corpus():
    assert [p.name for p in SEEDS] == ["000_d17093189e6c1fbb.txt", "003_03ea490201493e06.txt"]
    shared = Path(__file__).resolve().parents[2] / "shared" / "seeds"
    for p in SEEDS:
        assert p.read_bytes() == (shared / p.name).read_bytes()
