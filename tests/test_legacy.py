"""Word 97 (.doc) and WPS files through converters, OFD, content sniffing, and hostile files:
encrypted, corrupt, zip bombs, giant images, a converter that hangs. Each bad file is one
warning; the run goes on and nothing indexed before is lost."""

from __future__ import annotations

import os
import shutil
import stat
import struct
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from govsearch.indexer import build_index
from govsearch.indexer.formats import Block, ExtractionError, extract
from govsearch.search import count, search

# -- .doc and .wps ---------------------------------------------------------------------------

WORD_BLOCKS = [
    Block("某某市人民政府关于加强河长制工作的通知"),
    Block("某政发〔2024〕7号"),
    Block("一、工作目标", heading_level=1),
    Block("全面推行河长制，到2025年底基本消除黑臭水体。"),
    Block("河道 | 河长 | 完成时限"),
    Block("东河 | 张三 | 2025年"),
    Block("（一）压实责任", heading_level=2),
    Block("各镇街要逐级落实河长巡河制度。"),
]


def _word_docx(path: Path) -> None:
    import docx
    from docx.enum.style import WD_STYLE_TYPE

    document = docx.Document()
    document.add_paragraph(WORD_BLOCKS[0].text, style="Title")
    document.add_paragraph(WORD_BLOCKS[1].text)
    document.add_heading(WORD_BLOCKS[2].text, level=1)
    document.add_paragraph(WORD_BLOCKS[3].text)
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(
        table.rows, [("河道", "河长", "完成时限"), ("东河", "张三", "2025年")], strict=True
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    chinese = document.styles.add_style("标题 2", WD_STYLE_TYPE.PARAGRAPH)
    chinese.base_style = document.styles["Normal"]
    document.add_paragraph(WORD_BLOCKS[6].text, style="标题 2")
    document.add_paragraph(WORD_BLOCKS[7].text)
    document.save(str(path))


@pytest.fixture(scope="session")
def word_files(tmp_path_factory) -> dict[str, Path]:
    """A .doc made by LibreOffice from a DOCX (CI installs libreoffice-writer-nogui), and the
    same bytes as .wps: WPS Writer saves its .wps files in the Word 97 binary format."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail(
            "these tests make .doc files with LibreOffice: apt-get install libreoffice-writer-nogui"
        )
    folder = tmp_path_factory.mktemp("word")
    _word_docx(folder / "通知.docx")
    subprocess.run(
        [soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
         "--convert-to", "doc", "--outdir", str(folder), str(folder / "通知.docx")],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    shutil.copyfile(folder / "通知.doc", folder / "通知.wps")
    return {"doc": folder / "通知.doc", "wps": folder / "通知.wps"}


def _hide(monkeypatch, *programs: str) -> None:
    real = shutil.which
    monkeypatch.setattr(
        shutil, "which", lambda name, *a, **k: None if name in programs else real(name, *a, **k)
    )


@pytest.mark.parametrize("kind", ["doc", "wps"])
def test_word_97_and_wps_through_libreoffice_keep_headings(word_files, kind):
    result = extract(word_files[kind])
    assert result.format == kind
    assert result.blocks == WORD_BLOCKS
    assert result.title == WORD_BLOCKS[0].text


@pytest.mark.parametrize("program", ["antiword", "catdoc"])
def test_doc_through_antiword_or_catdoc_when_libreoffice_is_missing(
    word_files, monkeypatch, program
):
    _hide(monkeypatch, "soffice", "libreoffice", *(["antiword"] if program == "catdoc" else []))
    texts = [b.text for b in extract(word_files["doc"]).blocks]
    # Plain text: headings become ordinary paragraphs; catdoc separates table cells by spaces.
    expected = [b.text for b in WORD_BLOCKS]
    if program == "catdoc":
        expected[4:6] = ["河道 河长 完成时限", "东河 张三 2025年"]
    assert texts == expected


def test_no_converter_names_what_to_install(word_files, monkeypatch):
    _hide(monkeypatch, "soffice", "libreoffice", "antiword", "catdoc")
    with pytest.raises(ExtractionError) as info:
        extract(word_files["doc"])
    assert str(info.value) == (
        "通知.doc is a Word .doc file and no converter is installed; install LibreOffice "
        "(soffice), or antiword or catdoc for .doc (Debian/Ubuntu: apt install "
        "libreoffice-writer-nogui)"
    )
    with pytest.raises(ExtractionError) as info:
        extract(word_files["wps"])
    assert str(info.value).startswith("通知.wps is a WPS file and no converter is installed; ")


def test_a_hanging_converter_is_killed_with_its_children(word_files, tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pid_file = tmp_path / "child.pid"
    fake = bin_dir / "soffice"
    # Like LibreOffice, the fake starts a child (soffice.bin) and waits for it.
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {pid_file}\nwait\n", encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("GOVSEARCH_CONVERT_TIMEOUT", "1")
    started = time.monotonic()
    with pytest.raises(ExtractionError) as info:
        extract(word_files["doc"])
    assert str(info.value) == (
        "LibreOffice did not convert 通知.doc within 1 s (GOVSEARCH_CONVERT_TIMEOUT)"
    )
    assert time.monotonic() - started < 60
    child = int(pid_file.read_text())
    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the converter's child process survived the timeout")


def test_encrypted_doc_is_refused_with_a_message(word_files, tmp_path):
    import olefile

    locked = tmp_path / "加密.doc"
    shutil.copyfile(word_files["doc"], locked)
    with olefile.OleFileIO(str(locked), write_mode=True) as ole:
        stream = bytearray(ole.openstream("WordDocument").read())
        flags = struct.unpack_from("<H", stream, 10)[0] | 0x0100  # FIB fEncrypted
        struct.pack_into("<H", stream, 10, flags)
        ole.write_stream("WordDocument", bytes(stream))
    with pytest.raises(ExtractionError) as info:
        extract(locked)
    assert str(info.value) == "加密.doc is password-protected; remove the password and try again"


def test_a_doc_that_is_really_html_is_read_as_html(tmp_path):
    path = tmp_path / "下载的通知.doc"
    path.write_text(
        "<html><head><meta charset='utf-8'><title>关于做好防汛工作的通知</title></head>"
        "<body><div id='zoom'><p>各镇街：</p><p>请全面落实河长制，做好防汛准备。</p></div>"
        "</body></html>",
        encoding="utf-8",
    )
    result = extract(path)
    assert result.format == "html"
    assert [b.text for b in result.blocks] == ["各镇街：", "请全面落实河长制，做好防汛准备。"]
    assert result.title == "关于做好防汛工作的通知"


def test_a_pdf_named_txt_is_read_as_pdf(tmp_path):
    from .test_formats import _multipage_pdf

    path = tmp_path / "意见.txt"
    _multipage_pdf(path)
    result = extract(path)
    assert result.format == "pdf" and result.blocks[0].page == 1


# -- OFD ---------------------------------------------------------------------------------------

OFD_NS = "http://www.ofdspec.org/2016"


def _text_object(obj_id: int, x: float, y: float, size: float, text: str) -> str:
    """A TextObject whose Boundary starts at (x, y - size) mm, one TextCode on its baseline."""
    deltas = f"g {len(text) - 1} {size}" if len(text) > 1 else ""
    return (
        f'<ofd:TextObject ID="{obj_id}" Boundary="{x} {y - size} {len(text) * size + 1} '
        f'{size * 1.4}" Font="2" Size="{size}"><ofd:TextCode X="0" Y="{size}" '
        f'DeltaX="{deltas}">{text}</ofd:TextCode></ofd:TextObject>'
    )


def make_ofd(path: Path, pages: list[list[tuple[float, float, float, str]]], title: str) -> None:
    """An OFD package as GB/T 33190 lays it out: OFD.xml → Doc_0/Document.xml → page Content.

    Each page is a list of (x mm, baseline y mm, size mm, text); y grows downwards.
    """
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "OFD.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.0" '
            f'DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:DocID>6c1f9a</ofd:DocID>'
            f"<ofd:Title>{title}</ofd:Title><ofd:Creator>测试</ofd:Creator></ofd:DocInfo>"
            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        )
        page_refs = "".join(
            f'<ofd:Page ID="{10 + i}" BaseLoc="Pages/Page_{i}/Content.xml"/>'
            for i in range(len(pages))
        )
        z.writestr(
            "Doc_0/Document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{OFD_NS}">'
            "<ofd:CommonData><ofd:MaxUnitID>999</ofd:MaxUnitID><ofd:PageArea>"
            "<ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>"
            "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
            f"<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>",
        )
        z.writestr(
            "Doc_0/PublicRes.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{OFD_NS}" BaseLoc="Res">'
            '<ofd:Fonts><ofd:Font ID="2" FontName="仿宋" FamilyName="仿宋"/></ofd:Fonts></ofd:Res>',
        )
        for i, runs in enumerate(pages):
            objects = "".join(
                _text_object(100 * (i + 1) + n, x, y, size, text)
                for n, (x, y, size, text) in enumerate(runs)
            )
            z.writestr(
                f"Doc_0/Pages/Page_{i}/Content.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{OFD_NS}">'
                f'<ofd:Content><ofd:Layer ID="{50 + i}">{objects}</ofd:Layer></ofd:Content>'
                "</ofd:Page>",
            )


BODY = 5.6  # 三号 (16 pt) in millimetres
OFD_P1 = "为全面推行河长制，切实加强河湖管理保护，现就有关事项通知如下。"
OFD_P2 = "各区县要在2025年6月底前建立区、镇、村三级河长体系，做到每条河流都有河长。"


def _ofd_pages() -> list[list[tuple[float, float, float, str]]]:
    header = (80.0, 15.0, 3.2, "某某市人民政府办公室文件")
    chars = 28  # characters per line in the 156 mm type area

    def wrapped(text: str, y: float) -> list[tuple[float, float, float, str]]:
        text = "\u3000\u3000" + text
        lines = [text[i : i + chars] for i in range(0, len(text), chars)]
        return [(27.0 + (2 * BODY if n == 0 else 0), y + n * 10, BODY, ln.lstrip("\u3000"))
                for n, ln in enumerate(lines)]  # fmt: skip

    page1 = [
        header,
        (55.0, 60.0, 7.7, "某某市人民政府关于全面推行河长制的通知"),
        (82.0, 75.0, BODY, "某政发〔2025〕9号"),
        (27.0, 90.0, BODY, "各区县人民政府，市政府各部门："),
        *wrapped(OFD_P1, 100.0),
        (100.0, 285.0, 3.5, "— 1 —"),
    ]
    page2 = [header, *wrapped(OFD_P2, 40.0), (100.0, 285.0, 3.5, "— 2 —")]
    return [page1, page2]


def test_ofd_paragraphs_pages_and_title(tmp_path):
    path = tmp_path / "通知.ofd"
    make_ofd(path, _ofd_pages(), "某某市人民政府关于全面推行河长制的通知")
    result = extract(path)
    assert result.format == "ofd"
    assert result.title == "某某市人民政府关于全面推行河长制的通知"
    assert result.blocks == [
        Block("某某市人民政府关于全面推行河长制的通知", page=1),
        Block("某政发〔2025〕9号", page=1),
        Block("各区县人民政府，市政府各部门：", page=1),
        Block(OFD_P1, page=1),
        Block(OFD_P2, page=2),
    ]


def test_ofd_is_indexed_with_its_document_number(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    make_ofd(folder / "通知.ofd", _ofd_pages(), "某某市人民政府关于全面推行河长制的通知")
    build_index([folder], tmp_path / "ix")
    hits = search(tmp_path / "ix", "三级河长体系", limit=None).hits
    assert [(h.format, h.page, h.docno) for h in hits] == [("ofd", 2, "某政发〔2025〕9号")]


# -- hostile files -----------------------------------------------------------------------------


def _zip_bomb(path: Path) -> None:
    """A small OFD whose directory declares a 3 GB member, as a zip bomb does."""
    make_ofd(path, [[(27.0, 40.0, BODY, "正文")]], "炸弹")
    data = bytearray(path.read_bytes())
    at = data.index(b"PK\x01\x02")  # first central directory entry: uncompressed size at +24
    struct.pack_into("<I", data, at + 24, 3_000_000_000)
    path.write_bytes(bytes(data))


def _giant_png(path: Path) -> None:
    """A PNG whose header says 20,000 × 20,000 pixels (decoding it would take 400 MB)."""
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, word_files):
    from .test_formats import _canvas

    folder = tmp_path_factory.mktemp("hostile")
    (folder / "good.txt").write_text("全面推行河长制\n", encoding="utf-8")
    index_dir = folder.parent / (folder.name + "-index")
    first = build_index([folder], index_dir)
    assert first.files_indexed == 1
    truncated = folder / "损坏.ofd"
    make_ofd(truncated, _ofd_pages(), "损坏")
    truncated.write_bytes(truncated.read_bytes()[:300])
    _zip_bomb(folder / "炸弹.ofd")
    _giant_png(folder / "巨幅.png")
    locked = folder / "加密.pdf"
    c = _canvas(locked)
    c.setEncrypt("secret")
    c.drawString(72, 700, "x")
    c.showPage()
    c.save()
    (folder / "假文档.doc").write_bytes(b"this is not a word file at all, just text\n")
    (folder / "表格.xls").write_bytes(word_files["doc"].read_bytes())
    report = build_index([folder], index_dir)
    return index_dir, report


def test_hostile_files_are_skipped_with_one_warning_each(hostile):
    index_dir, report = hostile
    reasons = {Path(s.path).name: s.reason for s in report.skipped}
    assert reasons["损坏.ofd"] == (
        "损坏.ofd is a damaged OFD file (its zip container is broken or incomplete); get the file "
        "again from where it came from, or open it in an OFD reader and export it as PDF"
    )
    assert reasons["炸弹.ofd"] == (
        "炸弹.ofd would unpack to 2,861 MB (limit 512 MB in all, 128 MB per part); "
        "a zip bomb or a damaged file"
    )
    assert reasons["巨幅.png"] == (
        "巨幅.png is 400 megapixels, over the 64 megapixel limit for OCR; scale it down"
    )
    assert (
        reasons["加密.pdf"] == "加密.pdf is password-protected; remove the password and try again"
    )
    assert reasons["假文档.doc"] == (
        "假文档.doc is not a Word 97–2003 or WPS file (its content is text); rename it to .txt if "
        "it is a document"
    )
    assert (
        reasons["表格.xls"]
        == "Excel .xls format is not supported; export the sheet as .html or .pdf"
    )
    assert len(report.skipped) == len(reasons) == 6


def test_nothing_indexed_before_is_lost(hostile):
    index_dir, report = hostile
    assert report.documents_total == 1 and count(index_dir, "河长制") == 1
