"""`govsearch trend` (and `terms`) through the CLI: exact text, CSV, JSON and XLSX output,
exit codes and one-line errors."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from govsearch.cli import cli
from govsearch.indexer import build_index


def run(runner, index_dir, *args):
    return runner.invoke(cli, ["trend", *args, "--index", str(index_dir)])


def test_text_output_draws_a_sparkline_per_series(runner, tiny_index):
    result = run(runner, tiny_index, "河长制", "湖=湖长制")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "by year · matching paragraphs (near-duplicate copies counted once)\n"
        "河长制  █ ▄·\n"
        "湖      · █·\n"
        "(one column per year, one scale for every series: █ = 2)\n"
        "\n"
        "河长制  3 paragraphs · 2 documents · 4 occurrences · 2016–2018 · peak 2016: 2\n"
        "湖      2 paragraphs · 1 document · 2 occurrences · 2018 · peak 2018: 2  (湖长制)\n"
    )


def test_text_output_by_region_with_shares(runner, tiny_index):
    result = run(runner, tiny_index, "河长制", "--by", "region", "--per", "share-of-documents")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "by region · share of the bucket's documents that mention the series "
        "(near-duplicate copies counted once)\n"
        "\n"
        "河长制  3 paragraphs · 2 documents · 4 occurrences · 2016–2018\n"
        "  甲市  ██████████████████████████████ 100.0%\n"
        "  乙省  ███████████████ 50.0%\n"
    )


def test_text_output_says_which_buckets_it_leaves_out(runner, tiny_index):
    result = run(runner, tiny_index, "湖长制", "--by", "region")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "by region · matching paragraphs (near-duplicate copies counted once)\n"
        "\n"
        "湖长制  2 paragraphs · 1 document · 2 occurrences · 2018\n"
        "  乙省  ██████████████████████████████ 2\n"
        "  (1 buckets with 0 not shown; --format csv lists every row)\n"
    )


EXPECTED_CSV = [
    ["series", "query", "year", "paragraphs", "documents", "occurrences", "bucket_paragraphs",
     "bucket_documents", "per_10k_paragraphs", "share_of_documents"],
    ["河长制", "河长制", "2016", "2", "1", "3", "3", "1", "6666.6667", "1.0"],
    ["河长制", "河长制", "2017", "0", "0", "0", "0", "0", "", ""],
    ["河长制", "河长制", "2018", "1", "1", "1", "2", "1", "5000.0", "1.0"],
    ["河长制", "河长制", "2019", "0", "0", "0", "1", "1", "0.0", "0.0"],
    ["河湖", "河长制 OR 湖长制", "2016", "2", "1", "3", "3", "1", "6666.6667", "1.0"],
    ["河湖", "河长制 OR 湖长制", "2017", "0", "0", "0", "0", "0", "", ""],
    ["河湖", "河长制 OR 湖长制", "2018", "2", "1", "3", "2", "1", "10000.0", "1.0"],
    ["河湖", "河长制 OR 湖长制", "2019", "0", "0", "0", "1", "1", "0.0", "0.0"],
]  # fmt: skip


def test_csv_is_the_tidy_table(runner, tiny_index):
    result = run(runner, tiny_index, "河长制", "河湖=河长制 OR 湖长制", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"), newline="")))
    assert rows == EXPECTED_CSV


def test_xlsx_has_the_table_and_the_series_sheet(runner, tiny_index, tmp_path):
    out = tmp_path / "trend.xlsx"
    args = ["河长制", "河湖=河长制 OR 湖长制", "--format", "xlsx", "-o", str(out)]
    assert run(runner, tiny_index, *args).exit_code == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["趋势", "系列"]
    table = [[c.value for c in r] for r in book["趋势"].iter_rows()]

    def typed(cell: str):
        if cell == "":
            return None
        for kind in (int, float):
            try:
                return kind(cell)
            except ValueError:
                pass
        return cell

    assert table == [EXPECTED_CSV[0]] + [[typed(c) for c in r] for r in EXPECTED_CSV[1:]]
    assert [[c.value for c in r] for r in book["系列"].iter_rows()] == [
        ["series", "query", "paragraphs", "documents", "occurrences", "first_year", "last_year"],
        ["河长制", "河长制", 3, 2, 4, 2016, 2018],
        ["河湖", "河长制 OR 湖长制", 4, 2, 6, 2016, 2018],
    ]


def test_json_has_first_and_last_year(runner, tiny_index):
    result = run(runner, tiny_index, "河长制", "--format", "json", "--by", "doc")
    d = json.loads(result.stdout)
    (s,) = d["series"]
    assert (s["first_year"], s["last_year"], s["paragraphs"]) == (2016, 2018, 3)
    assert [b["title"] for b in d["buckets"]] == ["甲市2016年报告", "乙省2018年报告",
                                                  "乙省2019年报告"]  # fmt: skip
    assert [r["paragraphs"] for r in s["rows"]] == [2, 1, 0]


def test_terms_file_duplicates_and_no_hits(runner, tiny_index, tmp_path):
    terms = tmp_path / "terms.txt"
    terms.write_text("河长制\n# 注释\n河长制\n没有这个词\n", "utf-8")
    result = run(runner, tiny_index, "-f", str(terms), "--format", "csv")
    assert result.exit_code == 0
    assert result.stderr == (
        "note: series '河长制' is given more than once; counted once\n"
        "note: series '没有这个词' matches no paragraph\n"
    )
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["河长制"] * 4 + ["没有这个词"] * 4
    nothing = run(runner, tiny_index, "没有这个词")
    assert nothing.exit_code == 1


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        ([], "Error: give one or more queries, or --terms-file FILE", 2),
        (["河长制", "--by", "colour"],
         "Error: Invalid value for '--by': 'colour' is not one of 'year', 'region', 'province', "
         "'city', 'county', 'level', 'type', 'doc'.", 2),
        (["(河长制"], "Error: series '(河长制': unbalanced parenthesis: add the closing ')'", 2),
        (["河长制", "--format", "xlsx"],
         "Error: --format xlsx writes a file: add --output FILE.xlsx", 2),
        (["河长制", "--year", "20x"],
         "Error: --year 20x — a year is 4 digits, or a range like 2015..2020", 2),
        (["河长制 level:foo"],
         "Error: series '河长制 level:foo': level:foo — not a level; use one of: national, "
         "provincial, city, district, street (or 省级, 市级, 区县 …); documents in this index: "
         "city 3", 2),
        (["-f", "{tmp}/empty.txt"],
         "Error: {tmp}/empty.txt holds no series: write one query per line, e.g. 河长制", 2),
        (["-f", "{tmp}/many.txt"],
         "Error: 10000 series; the limit is 1000 per run: split them into several runs", 2),
        (["河长制", "-o", "{tmp}/exists.csv", "--format", "csv"],
         "Error: {tmp}/exists.csv already exists; add --force to replace it", 2),
        (["河长制", "-o", "{tmp}/nowhere/t.csv", "--format", "csv"],
         "Error: cannot write {tmp}/nowhere/t.csv: No such file or directory", 2),
    ],
)  # fmt: skip
def test_bad_input(runner, tiny_index, tmp_path, args, message, code):
    (tmp_path / "empty.txt").write_text("\n# 只有注释\n", "utf-8")
    (tmp_path / "many.txt").write_text("".join(f"词{i}\n" for i in range(10_000)), "utf-8")
    (tmp_path / "exists.csv").write_text("keep", "utf-8")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = run(runner, tiny_index, *args)
    assert result.exit_code == code
    assert result.stderr.strip().splitlines()[-1] == message.replace("{tmp}", str(tmp_path))
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.txt", "exists.csv", "many.txt"]
    assert (tmp_path / "exists.csv").read_text("utf-8") == "keep"


def test_output_file_for_text_and_force(runner, tiny_index, tmp_path):
    out = tmp_path / "t.txt"
    assert run(runner, tiny_index, "河长制", "-o", str(out)).exit_code == 0
    first = out.read_text("utf-8")
    assert first.startswith("by year · matching paragraphs") and "河长制  █ ▄·\n" in first
    assert run(runner, tiny_index, "湖长制", "-o", str(out)).exit_code == 2
    assert out.read_text("utf-8") == first
    assert run(runner, tiny_index, "湖长制", "-o", str(out), "--force").exit_code == 0
    assert "湖长制  · █·\n" in out.read_text("utf-8")


# -- national documents are 全国, as facets and stats call them ------------------------------

PLACES = {
    "a.txt": ({"year": 2017, "region": "全国", "level": "national"},
              "国务院关于河长制的意见\n全面推行河长制。\n"),
    "b.txt": ({"year": 2018, "region": "广东省深圳市", "level": "city"},
              "深圳市河长制方案\n河长制落实，河长制考核。\n"),
    "c.txt": ({"year": 2018}, "某单位工作总结\n今年落实河长制。\n"),
}  # fmt: skip


@pytest.fixture(scope="module")
def places_index(tmp_path_factory):
    """A national document, a city one, and one without any region."""
    corpus = tmp_path_factory.mktemp("places-corpus")
    lines = []
    for name, (row, text) in PLACES.items():
        (corpus / name).write_text(text, "utf-8")
        lines.append(json.dumps({"file": name, **row}, ensure_ascii=False))
    (corpus / "m.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    index_dir = tmp_path_factory.mktemp("places-index")
    build_index([corpus], index_dir, manifest=corpus / "m.jsonl")
    return index_dir


@pytest.mark.parametrize(
    ("by", "keys", "counts"),
    [("province", ["全国", "广东省", ""], [2, 2, 1]), ("city", ["全国", "深圳市", ""], [2, 2, 1]),
     ("county", ["全国", ""], [2, 3])],
)  # fmt: skip
def test_national_documents_are_quanguo_in_every_format(
    runner, places_index, tmp_path, by, keys, counts
):
    csv_out = run(runner, places_index, "河长制", "--by", by, "--format", "csv")
    assert csv_out.exit_code == 0, csv_out.output
    rows = list(csv.reader(io.StringIO(csv_out.stdout_bytes.decode("utf-8-sig"), newline="")))
    assert [r[2] for r in rows[1:]] == keys
    assert rows[1] == ["河长制", "河长制", "全国", "2", "1", "2", "2", "1", "10000.0", "1.0"]

    as_json = json.loads(run(runner, places_index, "河长制", "--by", by, "--format", "json").stdout)
    assert [b[by] for b in as_json["buckets"]] == [k or None for k in keys]
    assert [r[by] for r in as_json["series"][0]["rows"]] == [k or None for k in keys]

    out = tmp_path / "t.xlsx"
    xlsx = run(runner, places_index, "河长制", "--by", by, "--format", "xlsx", "-o", str(out))
    assert xlsx.exit_code == 0
    sheet = openpyxl.load_workbook(out)["趋势"]
    assert [r[2].value for r in sheet.iter_rows(min_row=2)] == [k or None for k in keys]

    text = run(runner, places_index, "河长制", "--by", by).stdout.splitlines()
    bars = {line.split()[0]: int(line.split()[2]) for line in text[3:]}
    assert bars == {k or "unknown": n for k, n in zip(keys, counts, strict=True)}


def test_trend_province_labels_match_stats(runner, places_index):
    stats = json.loads(
        runner.invoke(cli, ["stats", "--index", str(places_index), "--format", "json"]).stdout
    )
    trend = json.loads(
        run(runner, places_index, "河长制", "--by", "province", "--format", "json").stdout
    )
    named = {b["province"] for b in trend["buckets"] if b["province"]}
    assert named == set(stats["provinces"]) - {"unknown"} == {"全国", "广东省"}


def test_year_range_lists_every_year_up_to_its_end_in_csv(runner, tiny_index):
    # The index's documents are of 2016, 2018 and 2019: 2015 and 2020–2021 hold none.
    result = run(runner, tiny_index, "河长制", "--year", "2015..2021", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"), newline="")))
    assert [(r[2], r[3], r[7]) for r in rows[1:]] == [
        ("2015", "0", "0"), ("2016", "2", "1"), ("2017", "0", "0"), ("2018", "1", "1"),
        ("2019", "0", "1"), ("2020", "0", "0"), ("2021", "0", "0"),
    ]  # fmt: skip
