"""OCR of scans: images (PNG, multi-page TIFF), image-only and mixed PDFs, rendered at test time
from ../shared/corpus paragraphs with a CJK font, then indexed and searched like any document."""

from __future__ import annotations

import json
import re
import shutil
import socket
import unicodedata
from pathlib import Path

import pytest

from bench.pages import SERIF, char_accuracy, corpus_paragraphs, render_pages, save_pdf, save_tiff
from govsearch.cli import cli
from govsearch.cli.common import display_path
from govsearch.indexer import build_index, ocrcache
from govsearch.indexer.formats import ocr
from govsearch.search import get_document, search

from .conftest import CORPUS, say


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


@pytest.fixture(scope="session")
def scans(tmp_path_factory) -> dict:
    """Scanned documents rendered from corpus paragraphs, and what each should read."""
    if not SERIF.is_file():
        pytest.fail(f"OCR tests render pages with {SERIF}: apt-get install fonts-noto-cjk")
    if not ocr.available():
        pytest.fail("the OCR extra is not installed: run make install (pip install -e '.[test]')")
    folder = tmp_path_factory.mktemp("scans")
    paras = corpus_paragraphs(CORPUS, 12, seed=7, max_len=70)
    png = render_pages(paras[:3], lines_per_page=8, page_number=True)[:1]
    png[0].image.save(folder / "扫描件.png", dpi=(200, 200))
    tiff = render_pages(paras[3:6], lines_per_page=4, page_number=True)[:2]
    save_tiff(tiff, folder / "多页.tif")
    pdf = render_pages(paras[6:9], lines_per_page=2, page_number=True)[:2]
    assert (len(png), len(tiff), len(pdf)) == (1, 2, 2)
    save_pdf(pdf, folder / "红头文件扫描.pdf")
    truth = {
        "扫描件.png": [ln for p in png for ln in p.lines],
        "多页.tif": [ln for p in tiff for ln in p.lines],
        "红头文件扫描.pdf": [ln for p in pdf for ln in p.lines],
    }
    return {"folder": folder, "truth": truth, "paragraphs": paras}


@pytest.fixture(scope="session")
def scan_index(tmp_path_factory, scans) -> tuple[Path, object]:
    index_dir = tmp_path_factory.mktemp("scan-index")
    events = []
    report = build_index([scans["folder"]], index_dir, progress=events.append)
    ocr_events = [(e.pages_done, e.pages_total) for e in events if e.stage == "ocr"]
    # Five pages (PNG 1, TIFF 2, PDF 2), reported one by one before the files are read.
    assert ocr_events == [(n, 5) for n in range(1, 6)]
    assert events.index(next(e for e in events if e.stage != "ocr")) == 5
    return index_dir, report


def test_scans_are_indexed_with_accurate_text(scan_index, scans, request):
    index_dir, report = scan_index
    assert report.files_indexed == 3 and report.skipped == []
    accuracies = []
    for name, lines in scans["truth"].items():
        hits = search(index_dir, f'title:"{Path(name).stem}" OR -zzzzzz', limit=None).hits
        doc = get_document(index_dir, next(h.doc_id for h in hits if Path(h.path).name == name))
        got = "".join(p.text for p in doc.paragraphs)
        # Compared as the index sees text: NFKC folds ； and ; (OCR cannot tell them apart).
        accuracies.append(char_accuracy(nfkc("".join(lines)), nfkc(got)))
        assert all(p.ocr and 0.5 < p.ocr_confidence <= 1 for p in doc.paragraphs)
        # Page numbers (— 1 —) are page furniture, not text.
        assert not any(p.text.startswith("—") for p in doc.paragraphs)
    say(request, f"OCR character accuracy on clean renders: {min(accuracies):.4f} (worst file)")
    assert min(accuracies) >= 0.95


def test_four_character_queries_find_ocr_paragraphs(scan_index, scans):
    index_dir, _ = scan_index
    lines = [ln for lines in scans["truth"].values() for ln in lines]
    queries = sorted({q for ln in lines for q in re.findall("[\u4e00-\u9fff]{4}", ln)})
    assert len(queries) >= 30
    missed = [q for q in queries if not any(h.ocr for h in search(index_dir, q, limit=None).hits)]
    # At 95 % character accuracy a 4-character query survives 81 % of the time; we expect more.
    assert len(missed) <= len(queries) // 10, missed


def test_ocr_hits_carry_the_flag_in_json_and_a_marker_in_text(scan_index, scans, runner):
    index_dir, _ = scan_index
    word = scans["paragraphs"][0][2:6]
    out = runner.invoke(cli, ["search", word, "--index", str(index_dir), "--format", "jsonl"])
    assert out.exit_code == 0, out.output
    hit = json.loads(out.output.splitlines()[0])
    assert hit["ocr"] is True and 0.5 < hit["ocr_confidence"] <= 1
    assert hit["format"] == "image" and hit["page"] == 1
    text = runner.invoke(cli, ["search", word, "--index", str(index_dir), "--no-color"])
    assert f"[OCR {hit['ocr_confidence']:.0%}]" in text.output


def test_show_names_the_page_and_the_ocr_confidence_of_each_paragraph(scan_index, runner):
    # `show DOC_ID` is the whole document; a PDF's paragraphs have pages, no lines.
    index_dir, _ = scan_index
    hits = search(index_dir, "-zzzzzz", limit=None).hits
    pdf = next(h for h in hits if h.path.endswith("红头文件扫描.pdf"))
    args = ["show", pdf.doc_id, "--index", str(index_dir)]
    data = json.loads(runner.invoke(cli, [*args, "--format", "json"]).output)
    paragraphs = data["paragraphs"]
    assert all(p["page"] in (1, 2) and p["ocr"] and p["line"] is None for p in paragraphs)
    text = runner.invoke(cli, [*args, "--no-color"])
    assert text.exit_code == 0
    heads = [ln for ln in text.output.splitlines() if ln.startswith("  [")]
    assert heads == [
        f"  [{p['paragraph']}] {display_path(pdf.path)} (page {p['page']})  "
        f"[OCR {p['ocr_confidence']:.0%}]" + (f"  {p['section']}" if p["section"] else "")
        for p in paragraphs
    ]


def test_reindexing_reads_ocr_from_the_cache(scan_index, scans, tmp_path, monkeypatch):
    index_dir, _ = scan_index
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)

    def no_ocr(*args):
        raise AssertionError("a cached page was recognised again")

    monkeypatch.setattr(ocr, "ocr_page", no_ocr)
    monkeypatch.setattr(ocrcache, "run_jobs", lambda cache, jobs, *a, **k: jobs and no_ocr())
    report = build_index([scans["folder"]], copy, rebuild=True)
    assert report.files_indexed == 3 and report.skipped == []


def test_the_ocr_stage_opens_only_files_the_run_will_read(scan_index, scans, tmp_path, monkeypatch):
    """An incremental run plans scans only for new or changed files: a folder of thousands of
    unchanged files is not opened file by file before the lock (it was, to sniff each one)."""
    index_dir, _ = scan_index
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    folder = tmp_path / "scans"
    shutil.copytree(scans["folder"], folder)
    report = build_index([folder], copy)  # the copied files: new paths, read once
    assert report.files_indexed == 3
    opened: list[str] = []
    detect = ocrcache.detect
    monkeypatch.setattr(ocrcache, "detect", lambda path: opened.append(path.name) or detect(path))
    (folder / "new.txt").write_text("新增的一份通知。\n", encoding="utf-8")
    report = build_index([folder], copy)
    assert report.files_indexed == 1
    assert opened == ["new.txt"]
    # Nothing is taken on trust: with --rebuild every file is planned again.
    opened.clear()
    build_index([folder], copy, rebuild=True)
    assert sorted(opened) == sorted(p.name for p in folder.iterdir())


def test_nothing_is_fetched_from_the_network(tmp_path, monkeypatch, scans):
    """RapidOCR 3.x downloads models it cannot find: ours are passed by path and must be used."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access during OCR")

    from PIL import Image

    strip = tmp_path / "strip.png"
    with Image.open(scans["folder"] / "扫描件.png") as image:
        image.crop((0, 250, image.width, 420)).save(strip)  # the first lines: quick to read
    monkeypatch.setattr(socket.socket, "connect", refuse)
    ocr._engine.cache_clear()
    try:
        page = ocr.ocr_page(strip, "image", 1)
    finally:
        ocr._engine.cache_clear()
    assert page.lines


def test_web_pages_show_an_ocr_badge(scan_index, scans, tmp_path):
    from govsearch.web import create_app

    index_dir, _ = scan_index
    client = create_app({"TESTING": True, "INDEX": str(index_dir)}).test_client()
    word = scans["paragraphs"][0][2:6]
    hit = client.get("/api/search", query_string={"q": word}).get_json()["hits"][0]
    badge = f"OCR 识别 · 置信度 {hit['ocr_confidence'] * 100:.0f}%"
    page = client.get("/", query_string={"q": word}).get_data(as_text=True)
    assert page.count('class="ocr-badge"') >= 1 and badge in page
    doc = client.get(f"/doc/{hit['doc_id']}").get_data(as_text=True)
    assert doc.count('class="ocr-badge"') == len(get_document(index_dir, hit["doc_id"]).paragraphs)
    (tmp_path / "a.txt").write_text(f"{word}在文本层中。\n", encoding="utf-8")
    build_index([tmp_path / "a.txt"], tmp_path / "ix")
    plain = create_app({"TESTING": True, "INDEX": str(tmp_path / "ix")}).test_client()
    assert plain.get("/api/search", query_string={"q": word}).get_json()["hits"][0]["ocr"] is False
    assert "ocr-badge" not in plain.get("/", query_string={"q": word}).get_data(as_text=True)


@pytest.fixture(scope="module")
def mixed_pdf(tmp_path_factory) -> tuple[Path, list[str]]:
    """Page 1 has a text layer; page 2 is a scan of a rendered page."""
    from reportlab.lib.utils import ImageReader

    from .test_formats import LEFT, PAGE_H, PAGE_W, SIZE, _canvas

    path = tmp_path_factory.mktemp("mixed") / "混合.pdf"
    page = render_pages(corpus_paragraphs(CORPUS, 1, seed=3, max_len=60), lines_per_page=3)[0]
    c = _canvas(path)
    c.setFont("STSong-Light", SIZE)
    c.drawString(LEFT, 700, "第一页是文字层：全面推行河长制。")
    c.showPage()
    c.drawImage(ImageReader(page.image), 0, 0, width=PAGE_W, height=PAGE_H)
    c.showPage()
    c.save()
    return path, page.lines


def test_a_pdf_with_text_and_scanned_pages_gets_both(mixed_pdf):
    from govsearch.indexer.formats import extract_pdf

    path, lines = mixed_pdf
    blocks = extract_pdf(path).blocks
    assert blocks[0].text == "第一页是文字层：全面推行河长制。"
    assert (blocks[0].page, blocks[0].ocr_confidence) == (1, None)
    scanned = [b for b in blocks if b.page == 2]
    assert scanned and all(b.ocr_confidence is not None for b in scanned)
    assert char_accuracy(nfkc("".join(lines)), nfkc("".join(b.text for b in scanned))) >= 0.95


def test_without_the_extra_a_mixed_pdf_keeps_its_text_pages(mixed_pdf, monkeypatch):
    from govsearch.indexer.formats import extract

    monkeypatch.setattr(ocr, "available", lambda: False)
    result = extract(mixed_pdf[0])
    assert [b.text for b in result.blocks] == ["第一页是文字层：全面推行河长制。"]
    assert result.warnings == [
        "page 2 is a scan without a text layer and was not indexed; "
        "install OCR support: pip install 'govsearch[ocr]'"
    ]


def test_csv_export_carries_the_ocr_confidence(scan_index, scans, runner):
    import csv
    import io

    index_dir, _ = scan_index
    word = scans["paragraphs"][0][2:6]
    out = runner.invoke(cli, ["search", word, "--index", str(index_dir), "--format", "csv"])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.stdout_bytes.decode("utf-8-sig"), newline="")))
    hit = search(index_dir, word, limit=1).hits[0]
    assert rows and rows[0]["ocr_confidence"] == str(hit.ocr_confidence)


def _tight_notice(path: Path) -> None:
    """A 公文 first page set tightly, without first-line indents, as a scan shows it."""
    from PIL import Image, ImageDraw, ImageFont

    from bench.pages import MM_PER_INCH, SC_FACE

    from .test_layout import ADDRESSEE, BODY, DATE, DOCNO, SIGNATURE, TITLE

    dpi = 200
    px = dpi / MM_PER_INCH
    width, height, left, top = round(210 * px), round(297 * px), round(27 * px), round(37 * px)
    face = ImageFont.truetype(str(SERIF), round(16 / 72 * dpi), index=SC_FACE)
    pitch = round(face.size * 1.6)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    for n, text in enumerate([*TITLE, DOCNO]):  # centred
        draw.text(((width - face.getlength(text)) / 2, top + n * pitch), text, font=face, fill=0)
    for n, text in enumerate([*ADDRESSEE, *BODY, SIGNATURE, DATE], 3):
        draw.text((left, top + n * pitch), text, font=face, fill=0)
    image.save(path, dpi=(dpi, dpi))


def test_a_scanned_notice_keeps_its_number_addressee_and_signature_apart(tmp_path):
    from govsearch.indexer.formats import extract
    from govsearch.indexer.inference import describe

    from .test_layout import ADDRESSEE, BODY, DATE, DOCNO, SIGNATURE, TITLE

    path = tmp_path / "通知.png"
    _tight_notice(path)
    result = extract(path)
    # OCR may read a space into 〔2021〕 8号; the lines are what is tested here.
    texts = [re.sub(r"\s", "", nfkc(b.text)) for b in result.blocks]
    assert texts == [
        nfkc(t) for t in ("".join(TITLE), DOCNO, "".join(ADDRESSEE), "".join(BODY), SIGNATURE, DATE)
    ]
    meta = describe([b.text for b in result.blocks], path.name, result.title, None)["meta"]
    assert (meta["docno_key"], meta["issuer"], meta["date"], meta["type"]) == (
        DOCNO, SIGNATURE, "2021-03-05", "通知"
    )  # fmt: skip
