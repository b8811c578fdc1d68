"""Files that cannot be read are reported in the user's words (indexer.formats.problems), and
page furniture that repeats on every page of a PDF is not indexed."""

from __future__ import annotations

import io
import random
import zipfile

import pytest

from govsearch.indexer.formats import ExtractionError, extract, extract_pdf

from .test_formats import LEFT, PAGE_W, PITCH, SIZE, _canvas

AGAIN = "get the file again from where it came from"
RANDOM = random.Random(5).randbytes(3000)


def _pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, invariant=1)
    c.drawString(72, 700, "A short page.")
    c.showPage()
    c.save()
    return buffer.getvalue()


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (200, 100), 255).save(buffer, "PNG")
    return buffer.getvalue()


def _docx() -> bytes:
    import docx

    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("推行河长制")
    document.save(buffer)
    return buffer.getvalue()


DAMAGED_PDF = "open it in a PDF reader and save a new copy"
DAMAGED_DOCX = "open it in Word or WPS and save it again as .docx"
CUT_SHORT = "it ends early, as an interrupted download or copy does"
NOT_A = "if it should be one, it is damaged: " + AGAIN


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        # Content that is not what the name says
        ("随机.pdf", lambda: RANDOM,
         f"随机.pdf is not a PDF (its content is binary data of no known kind); {NOT_A}"),
        ("文本.pdf", lambda: "这只是一个文本文件。\n".encode(),
         "文本.pdf is not a PDF (its content is text); rename it to .txt if it is a document"),
        ("压缩包.pdf", lambda: _zip({"a.txt": "x"}),
         "压缩包.pdf is not a PDF (its content is a zip archive); unpack it and index the files "
         "inside"),
        ("随机.docx", lambda: RANDOM,
         f"随机.docx is not a Word .docx file (its content is binary data of no known kind); "
         f"{NOT_A}"),
        ("随机.ofd", lambda: RANDOM,
         f"随机.ofd is not an OFD file (its content is binary data of no known kind); {NOT_A}"),
        ("随机.png", lambda: RANDOM,
         f"随机.png is not an image (its content is binary data of no known kind); {NOT_A}"),
        ("随机.jpg", lambda: b"",  f"随机.jpg is empty (0 bytes); {AGAIN}"),
        ("随机.wps", lambda: RANDOM,
         "随机.wps is not a Word 97–2003 or WPS file (its content is binary data of no known "
         f"kind); {NOT_A}"),
        ("随机.html", lambda: RANDOM,
         f"随机.html is not an HTML page (its content is binary data of no known kind); {NOT_A}"),
        ("空.pdf", lambda: b"", f"空.pdf is empty (0 bytes); {AGAIN}"),
        ("空.docx", lambda: b"", f"空.docx is empty (0 bytes); {AGAIN}"),
        ("无内容.ofd", lambda: _zip({"readme.txt": "x"}),
         "无内容.ofd is not an OFD file (its content is a zip archive); unpack it and index the "
         "files inside"),
        # The right kind, but broken
        ("截断.pdf", lambda: _pdf()[: len(_pdf()) // 2],
         f"截断.pdf is a damaged PDF ({CUT_SHORT}); {AGAIN}, or {DAMAGED_PDF}"),
        ("只有开头.pdf", lambda: b"%PDF-1.4\n",
         f"只有开头.pdf is a damaged PDF (its internal structure is missing or broken); {AGAIN}, "
         f"or {DAMAGED_PDF}"),
        ("截断.docx", lambda: _docx()[: len(_docx()) // 2],
         f"截断.docx is a damaged Word .docx file (its zip container is broken or incomplete); "
         f"{AGAIN}, or {DAMAGED_DOCX}"),
        ("缺部件.docx", lambda: _zip({"word/document.xml": "<w:document/>"}),
         f"缺部件.docx is a damaged Word .docx file (parts of it are missing); {AGAIN}, or "
         f"{DAMAGED_DOCX}"),
        ("坏XML.ofd", lambda: _zip({"OFD.xml": "<not xml"}),
         f"坏XML.ofd is a damaged OFD file (its XML is broken); {AGAIN}, or open it in an OFD "
         "reader and export it as PDF"),
        ("截断.png", lambda: _png()[: len(_png()) // 2],
         f"截断.png is a damaged image ({CUT_SHORT}); {AGAIN}, or open it in an image viewer and "
         "save it again"),
    ],
)  # fmt: skip
def test_bad_files_are_reported_in_the_users_words(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content())
    with pytest.raises(ExtractionError) as info:
        extract(path)
    assert str(info.value) == message


def test_random_bytes_named_pdf_never_reach_the_pdf_library(tmp_path, monkeypatch):
    import pdfminer.high_level

    def refuse(*args, **kwargs):
        raise AssertionError("the PDF library was handed a file that is no PDF")

    monkeypatch.setattr(pdfminer.high_level, "extract_pages", refuse)
    path = tmp_path / "随机.pdf"
    path.write_bytes(RANDOM)
    with pytest.raises(ExtractionError, match=r"^随机\.pdf is not a PDF \(its content is binary"):
        extract(path)


def test_the_index_command_warns_in_the_users_words(tmp_path, runner):
    from govsearch.cli import cli

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "好.txt").write_text("推行河长制\n", encoding="utf-8")
    (docs / "随机.pdf").write_bytes(RANDOM)
    result = runner.invoke(cli, ["index", str(docs), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0, result.output
    assert (
        f"warning: skipped {docs / '随机.pdf'}: 随机.pdf is not a PDF (its content is binary data "
        f"of no known kind); {NOT_A}\n"
    ) in result.stderr
    assert "Is this really a PDF" not in result.stderr


# -- a running footer -----------------------------------------------------------------------------

FOOTER = "某某市人民政府办公室  电话：0571-87654321"
CLAUSES = [
    "各区要建立健全工作机制", "明确责任分工", "加强督促检查", "确保各项任务落到实处",
    "推进基层治理现代化", "完善网格化管理", "提升群众满意度", "加快数字化平台建设",
    "强化资金保障", "做好宣传引导", "健全考核评价", "推动治理重心下移",
]  # fmt: skip


@pytest.mark.parametrize("pages", [2, 3, 5])
def test_a_running_footer_on_every_page_is_not_indexed(tmp_path, pages):
    path = tmp_path / "footer.pdf"
    c = _canvas(path)
    expected = []
    for page in range(1, pages + 1):
        c.setFont("STSong-Light", SIZE)
        y = 760.0
        for i in range(30):
            text = "，".join(CLAUSES[(page * 31 + i * k) % len(CLAUSES)] for k in (1, 5, 7)) + "。"
            c.drawString(LEFT, y, "\u3000\u3000" + text)
            expected.append(text)
            y -= PITCH
        # The office's name and telephone at the foot of every page, in the body's size.
        c.drawCentredString(PAGE_W / 2, 50, FOOTER)
        c.showPage()
    c.save()
    assert [b.text for b in extract_pdf(path).blocks] == expected
