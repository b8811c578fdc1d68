"""`govsearch kwic` and `govsearch diffusion` through the CLI: exact text, the other formats,
exit codes and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import pytest

from govsearch.cli import cli
from govsearch.cli.common import display_width
from govsearch.search import open_index


def run(runner, command, index_dir, *args):
    return runner.invoke(cli, [command, *args, "--index", str(index_dir)])


def doc_ids(index_dir) -> dict[str, str]:
    """Title → document id (ids come from each file's absolute path)."""
    return {d.title: d.doc_id for d in open_index(index_dir).reader().docs}


def test_kwic_text_aligns_the_matches(runner, tiny_index):
    result = run(runner, "kwic", tiny_index, "河长制", "--width", "4", "--no-color")
    assert result.exit_code == 0, result.output
    a, b = doc_ids(tiny_index)["甲市2016年报告"], doc_ids(tiny_index)["乙省2018年报告"]
    assert result.stdout == (
        f"{a}:1  全面推行【河长制】。\n"
        f"{a}:2      落实【河长制】，河长制\n"
        f"{a}:2  河长制，【河长制】办公室。\n"
        f"{b}:2          【河长制】和湖长制\n"
    )
    # The matches stand in one column on a terminal (CJK characters are two columns wide).
    starts = {display_width(line.split("【")[0]) for line in result.stdout.splitlines()}
    assert len(starts) == 1
    assert re.fullmatch(r"4 lines in 3 paragraphs, in document order \(\d+ ms\)\n", result.stderr)


def test_kwic_sorts_and_pages(runner, tiny_index):
    result = run(runner, "kwic", tiny_index, "河长制", "-w", "2", "--sort", "right", "--no-color")
    # Right contexts compared in normalised text: "，" is ",", before "。", 办 and 和.
    assert [line[len("0123456789ab:1  ") :] for line in result.stdout.splitlines()] == [
        "落实【河长制】，河", "推行【河长制】。", "制，【河长制】办公", "    【河长制】和湖",
    ]  # fmt: skip
    result = run(runner, "kwic", tiny_index, "河长制", "--limit", "1", "--offset", "1")
    assert len(result.stdout.splitlines()) == 1
    assert re.fullmatch(
        r"showing lines 2–2 in document order; 3 paragraphs match \(--all shows every line\) "
        r"\(\d+ ms\)\n",
        result.stderr,
    )
    result = run(runner, "kwic", tiny_index, "河长制", "--sort", "left", "--limit", "2")
    assert re.fullmatch(
        r"4 lines in 3 paragraphs; showing 1–2 sorted by left context \(\d+ ms\)\n", result.stderr
    )


def test_kwic_colour_marks_the_match(runner, tiny_index):
    result = run(runner, "kwic", tiny_index, "湖长制", "-w", "2", "--color")
    b = doc_ids(tiny_index)["乙省2018年报告"]
    assert result.stdout == (
        f"{b}:1  推行\x1b[31m\x1b[1m 湖长制 \x1b[0m。\n"
        f"{b}:2  制和\x1b[31m\x1b[1m 湖长制 \x1b[0m。\n"
    )


def test_kwic_jsonl_json_csv_and_xlsx(runner, tiny_index, tmp_path):
    a = doc_ids(tiny_index)["甲市2016年报告"]
    result = run(runner, "kwic", tiny_index, "河长制", "-w", "3", "--format", "jsonl")
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert lines[1] == {
        "id": f"{a}:2", "doc_id": a, "title": "甲市2016年报告", "year": 2016, "region": "甲市",
        "left": "落实", "match": "河长制", "right": "，河长", "start": 2, "end": 5,
    }  # fmt: skip
    assert len(lines) == 4 and result.stderr == ""
    data = json.loads(run(runner, "kwic", tiny_index, "河长制", "--format", "json").stdout)
    summary = (data["total"], data["paragraphs"], data["sort"], len(data["lines"]))
    assert summary == (4, 3, "position", 4)
    # csv and xlsx list every line unless --limit is given.
    result = run(runner, "kwic", tiny_index, "河长制", "-w", "3", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert rows[0] == ["id", "doc_id", "title", "year", "region", "left", "match", "right",
                       "start", "end"]  # fmt: skip
    assert rows[2] == [f"{a}:2", a, "甲市2016年报告", "2016", "甲市", "落实", "河长制", "，河长",
                       "2", "5"]  # fmt: skip
    assert len(rows) == 5
    out = tmp_path / "kwic.xlsx"
    result = run(runner, "kwic", tiny_index, "河长制", "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 0 and result.stderr == f"wrote {out}\n"
    sheet = openpyxl.load_workbook(out).active
    assert sheet.title == "语境" and sheet.max_row == 5
    assert [c.value for c in sheet[1]][5:8] == ["left", "match", "right"]
    limited = run(runner, "kwic", tiny_index, "河长制", "--format", "csv", "--limit", "1")
    assert len(limited.stdout.strip().splitlines()) == 2


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["zzzz不存在"], "no paragraph contains 'zzzz不存在'\n", 1),
        (["year:2018"], "Error: 'year:2018' has no text to show in context: add a term, e.g. "
                        "河长制 year:2018\n", 2),
        (["河长制", "--year", "20x"], "Error: --year 20x — a year is 4 digits, or a range like "
                                     "2015..2020\n", 2),
        (["河长制 AND AND 湖长制"], None, 2),
        (["河长制", "--format", "xlsx"], None, 2),
        (["河长制", "--width", "1001"], None, 2),
    ],
)  # fmt: skip
def test_kwic_bad_input_and_no_hits(runner, tiny_index, args, message, code):
    result = run(runner, "kwic", tiny_index, *args)
    assert result.exit_code == code, result.output
    if message is not None:
        assert result.stderr == message
    assert "Traceback" not in result.output


def test_diffusion_text(runner, places_index):
    result = run(runner, "diffusion", places_index, "河长制")
    assert result.exit_code == 0, result.output
    ids = {title: f"{doc_id}:1" for title, doc_id in doc_ids(places_index).items()}
    assert result.stdout == (
        "河长制 by province · 4 provinces, first 2017–2021 · 9 documents, 9 paragraphs\n"
        "\n"
        "first  province  docs  paras  first document\n"
        f"2016   全国         1      1  {ids['n']}  n\n"
        f"2017   广东省       4      4  {ids['gd']}  gd\n"
        f"2019   北京市       1      1  {ids['bj']}  bj\n"
        f"2020   江苏省       1      1  {ids['nj']}  nj\n"
        f"2021   福建省       1      1  {ids['fz']}  fz\n"
        "–      浙江省       1      1  (undated only)\n"
        "\n"
        "adoption (regions new that year, so far)\n"
        f"2017    1     1  {'█' * 10}\n"
        f"2018    0     1  {'█' * 10}\n"
        f"2019    1     2  {'█' * 20}\n"
        f"2020    1     3  {'█' * 30}\n"
        f"2021    1     4  {'█' * 40}\n"
        "note: 1 matching documents have no year\n"
    )


def test_diffusion_formats(runner, places_index, tmp_path):
    data = json.loads(run(runner, "diffusion", places_index, "河长制", "--by", "county",
                          "--format", "json").stdout)  # fmt: skip
    regions = [r["region"] for r in data["regions"]]
    assert regions == ["全国", "朝阳区", "坪山区", "鼓楼区", "鼓楼区"]
    assert (data["by"], data["undated"], data["unplaced"]) == ("county", 1, 4)
    result = run(runner, "diffusion", places_index, "河长制", "--by", "city", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert rows[0] == ["region", "path", "province", "first_year", "first_doc_id", "first_title",
                       "first_id", "documents", "paragraphs"]  # fmt: skip
    assert rows[2][:4] == ["广州市", "广东省 › 广州市", "广东省", "2018"]
    out = tmp_path / "d.xlsx"
    assert run(runner, "diffusion", places_index, "河长制", "--format", "xlsx", "-o",
               str(out)).exit_code == 0  # fmt: skip
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["扩散", "采纳曲线"]
    assert [c.value for c in book["采纳曲线"][2]] == [2017, 1, 1]


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["zzzz不存在"], None, 1),
        (["河长制", "--by", "street"], None, 2),
        (["河长制", "--region", ""], None, 2),
    ],
)
def test_diffusion_bad_input_and_no_hits(runner, places_index, args, message, code):
    result = run(runner, "diffusion", places_index, *args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    if code == 1:
        assert result.stdout == "no paragraph contains 'zzzz不存在'\n"


def test_display_width_counts_terminal_columns():
    assert display_width("河长制") == 6
    assert display_width("GDP 2018") == 8
    assert display_width("，（）") == 6  # full-width punctuation
    assert display_width("e\u0301") == 1  # a combining accent takes no column
    assert display_width("a\u200bb") == 2  # nor does a zero-width space
    assert display_width("“”") == 2  # ambiguous width: one column, as wcwidth says
