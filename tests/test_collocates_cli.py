"""`govsearch collocates`: exact output on a small index checked by hand, every format, exit
codes and the one-line errors that name their option."""

from __future__ import annotations

import json

import pytest

from govsearch.cli import cli


def run(runner, index, *args):
    return runner.invoke(cli, ["collocates", *args, "--index", str(index)], catch_exceptions=False)


def test_text_output_two_words_either_side(runner, colloc_index):
    # 6 paragraphs hold 河长制, of 8. Within two words: a1 全面推行 落实 责任 (the second
    # 河长制 is a match, not a word); a2 建立 工作 机制; a3 保护 重点 (是, 的: function
    # words); b2 湖长制 (和); c1 工作 考核办法; c2 保护 完善 考核 — across the 。.
    # 工作: 2 of the 2 paragraphs that hold it: expected 6·2/8 = 1.5, logDice 14 + log2(4/8).
    result = run(runner, colloc_index, "河长制", "--window", "2", "--min-count", "1", "--top", "5")
    assert result.exit_code == 0
    assert result.output == (
        "河长制 · 2 words either side · by log_dice\n"
        "6 matching paragraphs of 8 · 12 words near the term in 1+ paragraphs\n"
        "word       count   expected  log_dice         g2      mi  frequency\n"
        "工作           2       1.50     13.00       1.36    0.41          2\n"
        "保护           2       3.75     12.54      -7.34   -0.91          5\n"
        "全面推行       1       0.75     12.19       0.62    0.41          1\n"
        "完善           1       0.75     12.19       0.62    0.41          1\n"
        "机制           1       0.75     12.19       0.62    0.41          1\n"
    )


def test_the_sentence_window_stops_at_the_full_stop(runner, colloc_index):
    # c2's first sentence (加强河湖管理保护) is not in 河长制's sentence: 3 paragraphs, not 4.
    result = run(runner, colloc_index, "河长制", "-w", "sentence", "--min-count", "3")
    assert result.output == (
        "河长制 · same sentence · by log_dice\n"
        "6 matching paragraphs of 8 · 3 words near the term in 3+ paragraphs\n"
        "word   count   expected  log_dice         g2      mi  frequency\n"
        "河湖       3       3.00     13.26       0.00    0.00          4\n"
        "管理       3       3.00     13.26       0.00    0.00          4\n"
        "保护       3       3.75     13.13      -2.27   -0.32          5\n"
    )
    paragraph = run(runner, colloc_index, "河长制", "-w", "paragraph", "--min-count", "4")
    assert "河湖       4" in paragraph.output


def test_compare_shows_both_periods(runner, colloc_index):
    result = run(runner, colloc_index, "河长制", "-w", "sentence", "--min-count", "1", "--top",
                 "3", "--compare", "2016", "2018..")  # fmt: skip
    assert result.exit_code == 0
    assert result.output == (
        "河长制 · same sentence · by log_dice\n"
        "2016: 3 matching paragraphs of 3 · 2018..: 3 of 5\n"
        "word          count           log_dice   change\n"
        "工作      1 → 1        13.00 → 13.00      +0.00\n"
        "河湖      2 → 1        13.68 → 12.68      -1.00\n"
        "管理      2 → 1        13.68 → 12.68      -1.00\n"
        "保护      2 → 1        13.68 → 12.41      -1.26\n"
        "全面      0 → 1            – → 13.00             new\n"
        "完善      0 → 1            – → 13.00             new\n"
    )


def test_json_csv_and_xlsx(runner, colloc_index, tmp_path):
    args = ["河长制", "-w", "1", "--min-count", "2"]
    data = json.loads(run(runner, colloc_index, *args, "--format", "json").output)
    assert data["term"] == "河长制" and data["window"] == 1
    assert [c["word"] for c in data["collocates"]] == ["工作"]
    (c,) = data["collocates"]
    assert c == {"word": "工作", "count": 2, "expected": 1.5, "log_dice": 13.0, "g2": 1.3592,
                 "mi": 0.415, "frequency": 2, "query": "河长制 工作", "ids": c["ids"]}  # fmt: skip
    assert [i.split(":")[1] for i in c["ids"]] == ["2", "1"]
    csv = run(runner, colloc_index, *args, "--format", "csv").output
    assert (
        csv.splitlines()[0] == "\ufeffrank,word,count,expected,log_dice,g2,mi,frequency,query,ids"
    )
    assert (
        csv.splitlines()[1] == f"1,工作,2,1.5,13.0,1.3592,0.415,2,河长制 工作,{' '.join(c['ids'])}"
    )
    out = tmp_path / "搭配.xlsx"
    result = run(runner, colloc_index, *args, "--format", "xlsx", "-o", str(out))
    assert result.exit_code == 0
    import openpyxl

    rows = list(openpyxl.load_workbook(out).active.values)
    assert rows[0] == ("rank", "word", "count", "expected", "log_dice", "g2", "mi", "frequency",
                       "query", "ids")  # fmt: skip
    assert rows[1][:3] == (1, "工作", 2)
    compared = tmp_path / "变化.xlsx"
    run(runner, colloc_index, *args, "--compare", "2016", "2018..", "--format", "xlsx", "-o",
        str(compared))  # fmt: skip
    book = openpyxl.load_workbook(compared)
    assert book.sheetnames == ["搭配变化", "搭配词 2016", "搭配词 2018.."]
    data = json.loads(run(runner, colloc_index, "河长制", "-w", "sentence", "--min-count", "1",
                          "--top", "3", "--compare", "2016", "2018..", "--format",
                          "json").output)  # fmt: skip
    assert data["compare"] == ["2016", "2018.."]
    assert [(p["year"], p["paragraphs"], p["scope_paragraphs"]) for p in data["periods"]] == [
        ("2016", 3, 3), ("2018..", 3, 5)
    ]  # fmt: skip
    assert [(c["word"], c["status"], c["change"]) for c in data["collocates"]] == [
        ("工作", "both", 0.0), ("河湖", "both", -1.0), ("管理", "both", -1.0),
        ("保护", "both", -1.2631), ("全面", "new", None), ("完善", "new", None),
    ]  # fmt: skip
    assert data["collocates"][4]["first"] is None
    assert data["collocates"][4]["second"]["count"] == 1


def test_no_hits_and_no_collocates_exit_1(runner, colloc_index):
    result = run(runner, colloc_index, "不存在的词")
    assert (result.exit_code, result.output) == (1, "no paragraph matches 不存在的词\n")
    result = run(runner, colloc_index, "湖长制", "--min-count", "3")
    assert result.exit_code == 1
    assert result.output.endswith(
        "(no word is near the term in 3 or more paragraphs; try --min-count 1 or a wider "
        "--window)\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--window", "0"], "--window: unknown window '0': give a number of words either side "
         "(1 to 50), sentence or paragraph"),
        (["--window", "line"], "--window: unknown window 'line': give a number of words either "
         "side (1 to 50), sentence or paragraph"),
        (["--measure", "tscore"], "--measure: unknown measure 'tscore'; use one of: log_dice, "
         "g2, mi, count"),
        (["--compare", "2015..2018", "2017"], "--compare 2015..2018 2017: the two ranges "
         "overlap; give ranges that share no year, e.g. 2011..2017 2018..2024"),
        (["--compare", "2015", "20x"], "--compare 20x — a year is 4 digits, or a range like "
         "2015..2020"),
        (["--compare", "2015", "2016", "--year", "2015"], "--year and --compare do not go "
         "together: --compare gives the years"),
        (["--year", "18"], "--year 18 — a year is 4 digits, or a range like 2015..2020"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_naming_the_option(runner, colloc_index, args, message):
    result = run(runner, colloc_index, "河长制", *args)
    assert (result.exit_code, result.output) == (2, f"Error: {message}\n")


def test_a_filter_alone_is_refused(runner, colloc_index):
    result = run(runner, colloc_index, "year:2018")
    assert (result.exit_code, result.output) == (
        2, "Error: 'year:2018' has no term to look around: give a word or phrase, e.g. 河长制\n"
    )  # fmt: skip
