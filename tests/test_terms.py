"""`terms --compare`: exact counts, the statistic against its textbook formula, new terms,
stop words and numbers left out, bad input."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import openpyxl
import pytest

from govsearch.cli import cli
from govsearch.indexer import UsageError, build_index
from govsearch.search import count
from govsearch.search.terms import compare_terms, is_candidate, log_likelihood, log_ratio

# 2019: one mention of 河长制 (so it is not new in 2021). 2020: 12 paragraphs on the
# environment and 2 on 河长制. 2021: 12 on 河长制 and 林长制 (new), 2 on the environment.
DOCS = {
    "old.txt": (2019, "全面推行河长制。\n"),
    "a.txt": (2020, "加强环境保护，改善空气质量。\n" * 12 + "全面推行河长制。\n" * 2),
    "b.txt": (2021, "全面推行河长制，落实林长制。\n" * 12 + "加强环境保护。\n" * 2),
}


@pytest.fixture(scope="module")
def terms_index(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("terms-corpus")
    rows = []
    for name, (year, text) in DOCS.items():
        (corpus / name).write_text(text, "utf-8")
        rows.append({"file": name, "title": f"{year}年工作报告", "year": year, "region": "甲市"})
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    (corpus / "manifest.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    index_dir = tmp_path_factory.mktemp("terms-index")
    build_index([corpus], index_dir, manifest=corpus / "manifest.jsonl")
    return index_dir


def g2(k1: int, n1: int, k2: int, n2: int) -> float:
    """Dunning's G² from the expected counts of the 2×2 table, signed by the direction."""
    table = [[k1, n1 - k1], [k2, n2 - k2]]
    total = n1 + n2
    cols = [k1 + k2, total - k1 - k2]
    rows = [n1, n2]
    value = 2 * sum(
        table[i][j] * math.log(table[i][j] / (rows[i] * cols[j] / total))
        for i in range(2)
        for j in range(2)
        if table[i][j]
    )
    return value if k2 / n2 >= k1 / n1 else -value


def test_rising_falling_and_new_with_exact_counts(terms_index):
    c = compare_terms(terms_index, "2020", "2021", top=10, min_count=2)
    assert (c.paragraphs_first, c.paragraphs_second) == (14, 14)
    rising = [(t.term, t.first, t.second) for t in c.rising]
    falling = [(t.term, t.first, t.second) for t in c.falling]
    # 河长, 林长 and 推行 only occur inside 河长制, 林长制 and 全面推行 (same counts): left out.
    assert rising == [("林长制", 0, 12), ("落实", 0, 12), ("全面推行", 2, 12), ("河长制", 2, 12)]
    assert falling == [("改善", 12, 0), ("空气质量", 12, 0), ("环境保护", 12, 2)]
    assert [(t.term, t.first, t.second) for t in c.new] == [("林长制", 0, 12), ("落实", 0, 12)]
    for t in c.rising + c.falling:
        assert t.first == count(terms_index, t.term, year="2020")
        assert t.second == count(terms_index, t.term, year="2021")
        assert t.log_likelihood == round(g2(t.first, 14, t.second, 14), 2)
        assert t.log_ratio == round(math.log2(((t.second + 0.5) / 14) / ((t.first + 0.5) / 14)), 3)
        assert t.per_10k_first == round(t.first * 10_000 / 14, 2)
    assert [t.log_likelihood for t in c.rising] == sorted(
        (t.log_likelihood for t in c.rising), reverse=True
    )


def test_statistic_helpers():
    assert log_likelihood(10, 100, 10, 100) == 0
    assert log_likelihood(0, 100, 10, 100) == pytest.approx(g2(0, 100, 10, 100))
    assert log_likelihood(30, 1000, 5, 2000) == pytest.approx(g2(30, 1000, 5, 2000))
    assert log_likelihood(30, 1000, 5, 2000) < 0
    assert log_ratio(0, 10, 0, 10) == 0
    assert log_ratio(1, 10, 3, 10) == pytest.approx(math.log2(3.5 / 1.5))


@pytest.mark.parametrize(
    ("word", "kept"),
    [("河长制", True), ("林长制", True), ("我们", False), ("进一步", False), ("2024年", False),
     ("二〇二四年", False), ("十四五", False), ("百分之", True), ("第一", False), ("的", False),
     ("gdp", True), ("a", False), ("3.5%", False), ("，", False), ("ppp", True)],
)  # fmt: skip
def test_candidates_leave_out_stop_words_and_numbers(word, kept):
    assert is_candidate(word) is kept


def test_region_scope_and_bad_periods(terms_index):
    with pytest.raises(UsageError) as err:
        compare_terms(terms_index, "2020", "2030")
    assert str(err.value) == (
        "no paragraph of year 2030: nothing to compare (govsearch stats lists the years the "
        "index holds)"
    )
    with pytest.raises(UsageError) as err:
        compare_terms(terms_index, "2020", "2021", region="乙省")
    assert str(err.value).startswith("no paragraph of year 2020 in regions matching '乙省'")
    with pytest.raises(UsageError) as err:
        compare_terms(terms_index, "20x", "2021")
    assert str(err.value) == "year:20x — a year is 4 digits, or a range like year:2015..2020"


def test_cli_text_csv_and_xlsx(runner, terms_index, tmp_path):
    args = ["terms", "--compare", "2020", "2021", "--min-count", "2", "--index", str(terms_index)]
    text = runner.invoke(cli, args, catch_exceptions=False)
    assert text.exit_code == 0
    lines = text.stdout.splitlines()
    assert lines[0].startswith("2020 → 2021 · 14 vs 14 paragraphs · ")
    assert lines[2] == "rising (paragraphs first → second, per 10,000 paragraphs, G², log2 ratio)"
    expected = g2(0, 14, 12, 14)
    assert lines[3] == f"  林长制        0 → 12         0.0 → 8571.4   G² {expected:>8.1f}  +4.64"
    assert "new in 2021 (no paragraph of the scope before it)" in lines
    out = runner.invoke(cli, [*args, "--format", "csv"], catch_exceptions=False)
    rows = list(csv.reader(io.StringIO(out.stdout_bytes.decode("utf-8-sig"))))
    assert rows[0] == ["list", "term", "first", "second", "per_10k_first", "per_10k_second",
                       "log_ratio", "log_likelihood"]  # fmt: skip
    assert rows[1][:4] == ["rising", "林长制", "0", "12"]
    assert ["new", "林长制", "0", "12"] in [r[:4] for r in rows]
    book = tmp_path / "t.xlsx"
    assert runner.invoke(cli, [*args, "--format", "xlsx", "-o", str(book)]).exit_code == 0
    sheet = openpyxl.load_workbook(book)["词语"]
    cells = [[c.value for c in r] for r in sheet.iter_rows()]
    assert cells[1][:4] == ["rising", "林长制", 0, 12]
    assert len(cells) == len(rows)
    missing = runner.invoke(cli, ["terms", "--index", str(terms_index)])
    assert missing.exit_code == 2
    assert "Missing option '--compare'" in missing.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--compare", "abc", "2021"],
         "Error: --compare abc — a year is 4 digits, or a range like 2015..2020"),
        (["--compare", "2020", "2021", "--region", ""],
         "Error: --region '' — needs a value, e.g. 坪山"),
    ],
)  # fmt: skip
def test_cli_bad_options_name_the_option(runner, terms_index, extra, message):
    result = runner.invoke(cli, ["terms", *extra, "--index", str(terms_index)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [message]


def test_new_terms_do_not_depend_on_top(tmp_path):
    # Five words rise from nothing in 2020 to five paragraphs in 2021 but were already in 2019:
    # not new. 林长制 (three paragraphs) is. The new list is searched until it is full, not cut
    # to the first 3 × --top candidates.
    corpus = tmp_path / "c"
    corpus.mkdir()
    older = "保护生态环境。推进乡村振兴。加快城市更新。\n"
    texts = {"a.txt": (2019, older), "b.txt": (2020, "其他内容。\n" * 3),
             "c.txt": (2021, older * 5 + "林长制。\n" * 3)}  # fmt: skip
    rows = []
    for name, (year, text) in texts.items():
        (corpus / name).write_text(text, "utf-8")
        rows.append(json.dumps({"file": name, "title": f"{year}年报告", "year": year}))
    (corpus / "manifest.jsonl").write_text("\n".join(rows) + "\n", "utf-8")
    build_index([corpus], tmp_path / "i", manifest=corpus / "manifest.jsonl")
    one = compare_terms(tmp_path / "i", "2020", "2021", top=1, min_count=2)
    assert [(t.term, t.first, t.second) for t in one.new] == [("林长制", 0, 3)]
