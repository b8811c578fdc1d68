"""`variants`, pattern series in `trend`, and the web's 匹配到的词 facet: counts against the search
each variant links to, and against re over the normalised texts."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govsearch.cli import cli
from govsearch.indexer import UsageError
from govsearch.search import count, open_index, search, trend
from govsearch.search.occurrences import counter
from govsearch.search.query import Pattern, Term
from govsearch.search.variants import literal_query, variants
from govsearch.web import create_app

WORD = r"[^\W_]"


@pytest.fixture(scope="module")
def sample(sample_index):
    return open_index(sample_index)


def _expected_row(sample, text: str) -> dict:
    """What a search for the variant finds: the row `variants` must give."""
    result = search(sample, literal_query(text), limit=None)
    years = [h.year for h in result.hits if h.year is not None]
    provinces = [p for p in result.facets["province"] if p not in ("全国", "unknown")]
    return {
        "text": text,
        "paragraphs": result.total,
        "documents": len({h.doc_id for h in result.hits}),
        "occurrences": sum(h.text.count(text) for h in result.hits),
        "first_year": min(years, default=None),
        "last_year": max(years, default=None),
        "provinces": len(provinces),
    }


@pytest.mark.parametrize(
    ("pattern", "expression"),
    [("?长制", f"{WORD}长制"), ("/[一二三四五六七八九十]是/", "[一二三四五六七八九十]是"),
     ("营?环境", f"营{WORD}环境")],
)  # fmt: skip
def test_variants_are_the_matched_strings_with_their_searches_counts(
    sample, sample_paragraphs, pattern, expression
):
    found = variants(sample, pattern)
    strings = Counter()
    for _p, _l, norm in sample_paragraphs:
        strings.update({m.group() for m in re.finditer(expression, norm)})
    assert {v.text for v in found.variants} == set(strings)
    assert found.distinct == len(strings)
    rows = [_expected_row(sample, v.text) for v in found.variants]
    assert found.to_dict()["variants"] == rows
    for v in found.variants:
        assert v.paragraphs == count(sample, v.query)


def test_variants_are_ordered_by_paragraphs_then_text(sample):
    rows = variants(sample, "?长制").variants
    assert [(v.text, v.paragraphs) for v in rows] == sorted(
        ((v.text, v.paragraphs) for v in rows), key=lambda r: (-r[1], r[0])
    )
    assert rows[0].text == "河长制"


def test_min_count_top_and_filters(sample):
    every = variants(sample, "?长制").variants
    assert [v.text for v in variants(sample, "?长制", top=2).variants] == [
        v.text for v in every[:2]
    ]
    kept = [v.text for v in every if v.paragraphs >= 2]
    assert [v.text for v in variants(sample, "?长制", min_count=2).variants] == kept
    in_2018 = variants(sample, "?长制", year="2018").variants
    assert in_2018 and all(v.first_year == v.last_year == 2018 for v in in_2018)
    for v in in_2018:
        assert v.paragraphs == count(sample, v.text, year="2018")
        assert v.query == v.text


def test_a_pattern_among_other_terms_counts_the_whole_query(seed_index):
    rows = variants(seed_index, "?长制 污染").variants
    assert [(v.text, v.query, v.paragraphs) for v in rows] == [
        ("河长制", "河长制 污染", count(seed_index, "河长制 污染")),
        ("湖长制", "湖长制 污染", count(seed_index, "湖长制 污染")),
    ]


def test_variants_need_exactly_one_pattern(seed_index):
    with pytest.raises(UsageError) as err:
        variants(seed_index, "河长制")
    assert str(err.value) == (
        "no wildcard or regular expression to list the variants of: give one, e.g. "
        "govsearch variants '?长制' or '/[河湖林]长制/'"
    )
    with pytest.raises(UsageError) as err:
        variants(seed_index, "?长制 营?环境")
    assert str(err.value) == "the query holds 2 patterns (?长制, 营?环境); give one"


@pytest.mark.parametrize(
    ("text", "query"),
    [("河长制", "河长制"), ("河长 制", '"河长 制"'), ("-1", '"-1"'), ("a:b", '"a:b"'),
     ("长?", '"长?"'), ('"x"', "“\"x\"”"), ("/a/", '"/a/"')],
)  # fmt: skip
def test_literal_query_searches_for_the_string_itself(text, query):
    assert literal_query(text) == query


# -- the command ------------------------------------------------------------------------------


def test_cli_variants_text_and_json(runner, seed_index):
    result = runner.invoke(cli, ["variants", "?长制", "--index", str(seed_index)])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "variant  paragraphs  documents  occurrences  years      provinces",
        "河长制            3          2            4  2018–2020          1",
        "湖长制            1          1            1  2018               1",
        "(2 of 2 distinct strings; counts as search VARIANT --count)",
    ]
    result = runner.invoke(
        cli, ["variants", "?长制", "--format", "json", "--index", str(seed_index)]
    )
    assert json.loads(result.output) == {
        "schema_version": 1,
        "pattern": "?长制",
        "variants": [
            {"text": "河长制", "paragraphs": 3, "documents": 2, "occurrences": 4,
             "first_year": 2018, "last_year": 2020, "provinces": 1},
            {"text": "湖长制", "paragraphs": 1, "documents": 1, "occurrences": 1,
             "first_year": 2018, "last_year": 2018, "provinces": 1},
        ],
    }  # fmt: skip


def test_cli_variants_csv_and_exit_codes(runner, seed_index, tmp_path):
    ix = ["--index", str(seed_index)]
    result = runner.invoke(cli, ["variants", "/[一二]是/", "--format", "csv", *ix])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "\ufefftext,paragraphs,documents,occurrences,first_year,last_year,provinces",
        "一是,7,1,7,2018,2018,1",
        "二是,7,1,7,2018,2018,1",
    ]
    result = runner.invoke(cli, ["variants", "x?z", *ix])
    assert (result.exit_code, result.output) == (1, "no variant of 'x?z'\n")
    result = runner.invoke(cli, ["variants", "/(河+)+/", *ix])
    assert result.exit_code == 2
    assert result.output == (
        "Error: /(河+)+/: nested quantifiers such as (a+)+ can take exponential time "
        "(catastrophic backtracking); write the inner part once, e.g. (ab)+ or a+\n"
    )
    result = runner.invoke(cli, ["variants", "?", *ix])
    assert result.exit_code == 2
    assert result.output == (
        "Error: '?' is only wildcards: add at least one character to look for, e.g. ?长制\n"
    )
    out = tmp_path / "v.xlsx"
    result = runner.invoke(cli, ["variants", "?长制", "--format", "xlsx", "-o", str(out), *ix])
    assert result.exit_code == 0
    import openpyxl

    sheet = openpyxl.load_workbook(out).active
    assert [c.value for c in sheet[2]] == ["河长制", 3, 2, 4, 2018, 2020, 1]


def test_cli_search_and_count_take_patterns(runner, seed_index):
    ix = ["--index", str(seed_index)]
    result = runner.invoke(cli, ["search", "?长制", "--count", *ix])
    assert (result.exit_code, result.output) == (0, "3\n")
    result = runner.invoke(cli, ["search", "/(a|aa/", *ix])
    assert result.exit_code == 2
    assert result.output == (
        "Error: /(a|aa/ is not a valid regular expression: missing ), unterminated subpattern "
        "at position 0 (Python re syntax; a literal / inside is written \\/)\n"
    )


# -- trend -------------------------------------------------------------------------------------


def test_trend_counts_a_pattern_as_search_does(sample):
    result = trend(sample, ["?长制"])
    s = result.series[0]
    assert s.paragraphs == count(sample, "?长制")
    hits = search(sample, "?长制", limit=None).hits
    assert s.occurrences == sum(len(h.matches) for h in hits)


def test_trend_counts_a_pattern_without_occurrences(sample):
    """occurrences=False (the /trend page) leaves a pattern series' occurrences out, nothing
    else."""
    queries = ["?长制", "?长制 OR 污染", "/[河湖]长制/ -污染"]
    full = trend(sample, queries, by=["year"])
    bare = trend(sample, queries, by=["year"], occurrences=False)
    assert [s.occurrences for s in bare.series] == [None, None, None]
    assert {r.occurrences for r in bare.rows} == {None}
    for a, b in zip(full.series, bare.series, strict=True):
        assert a.occurrences is not None
        assert [(r.bucket, r.paragraphs, r.documents) for r in a.rows] == [
            (r.bucket, r.paragraphs, r.documents) for r in b.rows
        ]
        assert a.paragraphs == count(sample, a.query)


def _brute_mixed(norm: str, pattern: str, terms: list[str]) -> int:
    """Left to right: at each place the longest of the terms and the pattern's own matches
    (re.finditer's, as highlights mark them) that starts there; never overlapping."""
    marked = [m.span() for m in re.finditer(pattern, norm)]
    n, i = 0, 0
    while i < len(norm):
        ends = [i + len(t) for t in terms if norm.startswith(t, i)]
        ends += [e for s, e in marked if s == i]
        if ends:
            n, i = n + 1, max(ends)
        else:
            i += 1
    return n


def test_a_series_of_terms_and_a_pattern_counts_what_a_skipped_match_hid():
    # ?长 takes 河长; 长制 (hidden behind it) is not counted, 制度 after it is.
    count_ = counter(None, [Pattern("?长"), Term("长制"), Term("制度")])
    assert count_(["河长制度"]) == 2
    assert count_(["河长制度", "长制", "湖"]) == 3


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(
        st.lists(
            st.sampled_from(["河", "长", "制", "度", " ", "长制度", "湖长制"]), max_size=8
        ).map("".join),
        min_size=1,
        max_size=3,
    ),
    terms=st.lists(st.sampled_from(["长制", "制度", "河长", "长", "度 ", "湖长制"]), max_size=3),
)
def test_a_series_with_a_pattern_counts_as_the_brute_force(texts, terms):
    count_ = counter(None, [Pattern("?长"), *map(Term, terms)])
    assert count_(texts) == sum(_brute_mixed(t, rf"{WORD}长", terms) for t in texts)


def test_trend_variants_expands_a_pattern_into_its_largest_variants(sample):
    top = variants(sample, "?长制", top=3).variants
    result = trend(sample, ["?长制", "污染"], variants=3)
    assert [s.label for s in result.series] == [v.text for v in top] + ["污染"]
    for s, v in zip(result.series, top, strict=False):
        assert (s.query, s.paragraphs) == (v.query, v.paragraphs)
        assert s.rows == trend(sample, [v.text]).series[0].rows


def test_cli_trend_variants(runner, seed_index):
    result = runner.invoke(
        cli, ["trend", "?长制", "--variants", "8", "--format", "json", "--index", str(seed_index)]
    )
    assert result.exit_code == 0
    assert [s["series"] for s in json.loads(result.output)["series"]] == ["河长制", "湖长制"]


# -- web ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(seed_index):
    return create_app({"TESTING": True, "INDEX": str(seed_index)}).test_client()


def test_web_pattern_search_shows_the_matched_words(client):
    page = client.get("/?q=%3F长制").get_data(as_text=True)
    facet = page[page.index("匹配到的词") : page.index("</section>", page.index("匹配到的词"))]
    assert re.findall(r'href="([^"]+)"[^>]*>([^<]+)</a><span class="n">(\d+)</span>', facet) == [
        ("/?q=%E6%B2%B3%E9%95%BF%E5%88%B6", "河长制", "3"),
        ("/?q=%E6%B9%96%E9%95%BF%E5%88%B6", "湖长制", "1"),
    ]
    assert "匹配到的词" not in client.get("/?q=河长制").get_data(as_text=True)
    answer = client.get("/api/search?q=%3F长制").get_json()
    assert [(v["text"], v["paragraphs"]) for v in answer["variants"]] == [
        ("河长制", 3),
        ("湖长制", 1),
    ]


def test_web_bad_patterns_are_400_in_chinese(client):
    response = client.get("/?q=/(a%2B)%2B/")
    assert response.status_code == 400
    assert "嵌套的重复（如 (a+)+）可能耗时极长（灾难性回溯）" in response.get_data(as_text=True)
    response = client.get("/api/search?q=%3F%3F")
    assert response.status_code == 400
    assert response.get_json() == {
        "error": "'??' is only wildcards: add at least one character to look for, e.g. ?长制"
    }
    response = client.get("/trend?q=%3F长制&variants=0")
    assert response.status_code == 400
    assert "变体数必须是不小于 1 的整数。" in response.get_data(as_text=True)


def test_web_trend_variants(client):
    answer = client.get("/api/trend?q=%3F长制&variants=8").get_json()
    assert [s["series"] for s in answer["series"]] == ["河长制", "湖长制"]
    page = client.get("/trend?q=%3F长制&variants=8").get_data(as_text=True)
    assert page.count('class="legend-label"') == 2
