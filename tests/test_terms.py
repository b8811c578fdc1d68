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
from govsearch.search.terms import (
    TermChange,
    compare_terms,
    contained_terms,
    is_candidate,
    log_likelihood,
    log_ratio,
)

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


# -- fragments and codes are left out -------------------------------------------------------

FRAGMENTS = {
    "a.txt": (2020, "加强环境保护。\n" * 30),
    "b.txt": (2021, "发展人工智能。\n" * 9 + "降低人工成本。\n" + "设立有限公司。\n" * 7
              + "资源有限。\n" * 2 + "执行GB/T 50171。\n" * 6 + "GDP增长。\n" * 6
              + "通过ISO 9001认证。\n" * 2 + "国际组织ISO。\n" * 3 + "AI 2.0时代。\n"
              + "AI应用。\n" * 3),
}  # fmt: skip


def test_fragments_and_standard_codes_are_left_out(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    rows = []
    for name, (year, text) in FRAGMENTS.items():
        (corpus / name).write_text(text, "utf-8")
        rows.append(json.dumps({"file": name, "year": year}))
    (corpus / "m.jsonl").write_text("\n".join(rows) + "\n", "utf-8")
    build_index([corpus], tmp_path / "i", manifest=corpus / "m.jsonl")
    c = compare_terms(tmp_path / "i", "2020", "2021", top=30)
    # 人工 (10 paragraphs) is in 人工智能 (9, exactly 90 %): left out, and so are 智能 (9 of 9)
    # and 环境, 保护 (inside 环境保护). 有限 (9) beside 有限公司 (7, 78 %) stays.
    # gb is followed by a number every time (GB/T 50171), iso 2 times in 5: codes, left out;
    # ai once in 4 (AI 2.0) and gdp never: words.
    rising = [
        ("人工智能", 0, 9), ("发展", 0, 9), ("有限", 0, 9), ("有限公司", 0, 7), ("设立", 0, 7),
        ("gdp", 0, 6), ("增长", 0, 6), ("执行", 0, 6), ("ai", 0, 4),
    ]  # fmt: skip
    assert [(t.term, t.first, t.second) for t in c.rising] == rising
    assert [(t.term, t.first, t.second) for t in c.falling] == [("环境保护", 30, 0)]
    new = rising + [("国际", 0, 3), ("应用", 0, 3), ("组织", 0, 3)]
    assert [(t.term, t.first, t.second) for t in c.new] == new
    assert count(tmp_path / "i", "人工", year="2021") == 10  # left out, not miscounted
    assert count(tmp_path / "i", "iso", year="2021") == 5


def test_contained_terms_rule():
    def change(term: str, first: int, second: int) -> TermChange:
        return TermChange(term, first, second, 0.0, 0.0, 0.0, 0.0)

    listed = [change("人工", 3, 7), change("人工智能", 2, 7), change("有限", 4, 6),
              change("有限公司", 1, 7), change("三中", 0, 5), change("三中全会", 0, 5),
              change("全会", 5, 5)]  # fmt: skip
    # 9 of 10 (90 %) and 5 of 5 are left out; 8 of 10, and 5 of 10 (全会), stay.
    assert contained_terms(listed) == {"人工", "三中"}


def test_every_cell_of_the_terms_table_belongs_to_its_header(runner, terms_index, tmp_path):
    """Whole rows against values computed here from `count` and the textbook formulas: two
    columns swapped (log_ratio and log_likelihood once were) cannot pass."""
    n1 = n2 = 14

    def expected(name: str, term: str) -> dict:
        k1 = count(terms_index, term, year="2020")
        k2 = count(terms_index, term, year="2021")
        return {
            "list": name,
            "term": term,
            "first": k1,
            "second": k2,
            "per_10k_first": round(k1 * 10_000 / n1, 2),
            "per_10k_second": round(k2 * 10_000 / n2, 2),
            "log_ratio": round(math.log2(((k2 + 0.5) / n2) / ((k1 + 0.5) / n1)), 3),
            "log_likelihood": round(g2(k1, n1, k2, n2), 2),
        }

    listed = [("rising", "林长制"), ("rising", "落实"), ("rising", "全面推行"),
              ("rising", "河长制"), ("falling", "改善"), ("falling", "空气质量"),
              ("falling", "环境保护"), ("new", "林长制"), ("new", "落实")]  # fmt: skip
    want = [expected(name, term) for name, term in listed]
    args = ["terms", "--compare", "2020", "2021", "--min-count", "2", "--index", str(terms_index)]
    out = runner.invoke(cli, [*args, "--format", "csv"], catch_exceptions=False)
    header, *rows = csv.reader(io.StringIO(out.stdout_bytes.decode("utf-8-sig"), newline=""))
    as_text = [{k: str(v) for k, v in row.items()} for row in want]
    assert [dict(zip(header, row, strict=True)) for row in rows] == as_text
    book = tmp_path / "t.xlsx"
    assert runner.invoke(cli, [*args, "--format", "xlsx", "-o", str(book)]).exit_code == 0
    header, *rows = ([c.value for c in r] for r in openpyxl.load_workbook(book)["词语"].iter_rows())
    assert [dict(zip(header, row, strict=True)) for row in rows] == want
    as_json = json.loads(runner.invoke(cli, [*args, "--format", "json"]).stdout)
    got = [{"list": name, **row} for name in ("rising", "falling", "new") for row in as_json[name]]
    assert got == want
