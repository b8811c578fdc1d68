"""The query language as people type it: minus before anything, input-method quotes and minus,
mistakes that are errors, filter values that cannot match, and punctuation suggestions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govsearch.indexer import QueryError, build_index
from govsearch.indexer.textnorm import normalize
from govsearch.search import count, explain, get_document, open_index, parse_query, search
from govsearch.search.query import Not, Phrase, Term, punctuation_trims, tokenize


def _keys(result) -> set[tuple[str, int]]:
    keys = {(h.path, h.line) for h in result.hits}
    keys.update((loc.path, loc.line) for h in result.hits for loc in h.also_in)
    return keys


def _with(paragraphs, term: str) -> set[tuple[str, int]]:
    wanted = normalize(term)
    return {(p, ln) for p, ln, norm in paragraphs if wanted in norm}


def _all(paragraphs) -> set[tuple[str, int]]:
    return {(p, ln) for p, ln, _norm in paragraphs}


@pytest.fixture(scope="module")
def sample(sample_index):
    return open_index(sample_index)


def _run(index, query: str) -> set[tuple[str, int]]:
    return _keys(search(index, query, limit=None, facets=False))


# -- minus, quotes: the way a Chinese input method types them ------------------------------


def test_minus_before_a_phrase_excludes_it(sample, sample_paragraphs):
    without = _with(sample_paragraphs, "河长制") - _with(sample_paragraphs, "湖长制")
    assert without and without != _with(sample_paragraphs, "河长制")
    assert _run(sample, '河长制 -"湖长制"') == without
    assert _run(sample, '河长制 NOT "湖长制"') == without
    # A NOT on its own: every paragraph without the phrase.
    assert _run(sample, '-"河长制"') == _all(sample_paragraphs) - _with(sample_paragraphs, "河长制")
    assert _run(sample, "NOT 河长制") == _run(sample, '-"河长制"')


def test_minus_before_a_group_and_a_filter(sample, sample_paragraphs):
    either = _with(sample_paragraphs, "湖长制") | _with(sample_paragraphs, "污染")
    assert _run(sample, "河长制 -(湖长制 OR 污染)") == _with(sample_paragraphs, "河长制") - either
    in_2018 = search(sample, "河长制 year:2018", limit=None).hits
    assert in_2018
    rest = search(sample, "河长制 -year:2018", limit=None)
    assert rest.total == count(sample, "河长制") - len(in_2018)
    assert all(h.year != 2018 for h in rest.hits)


def test_not_inside_or(sample, sample_paragraphs):
    expected = _with(sample_paragraphs, "湖长制") | (
        _all(sample_paragraphs) - _with(sample_paragraphs, "河长制")
    )
    assert _run(sample, "湖长制 OR NOT 河长制") == expected


def test_full_width_minus_is_not(sample, sample_paragraphs):
    without = _with(sample_paragraphs, "河长制") - _with(sample_paragraphs, "湖长制")
    assert _run(sample, "河长制 －湖长制") == without
    assert _run(sample, "河长制 －“湖长制”") == without


@pytest.mark.parametrize("quoted", ["“乡村 振兴”", "‘乡村 振兴’", '"乡村 振兴"', "＂乡村 振兴＂"])
def test_curly_and_full_width_quotes_make_a_phrase(sample, quoted):
    assert parse_query(quoted) == Phrase(("乡村", "振兴"))
    expected = _run(sample, "乡村振兴")
    assert len(expected) == 28
    assert _run(sample, quoted) == expected


def test_curly_quotes_inside_a_term_stay_literal(seed_index):
    # Pasted from a document: 全面落实“河长制”工作 is searched as written.
    assert parse_query("落实“河长制”工作") == Term("落实“河长制”工作")
    hits = search(seed_index, "落实“河长制”工作").hits
    assert [h.text[s:e] for h in hits for s, e in h.matches] == ["落实“河长制”工作"]
    # An opening quote with no closing one is text too (and its suggestion says so, below).
    assert parse_query("“河长制") == Term("“河长制")
    assert parse_query('title:“政府工作报告”').value == "政府工作报告"  # fmt: skip


def test_dash_inside_a_word_is_text():
    assert parse_query("COVID-19") == Term("covid-19")
    assert parse_query("2015-2020") == Term("2015-2020")
    assert parse_query('"-"') == Term("-")
    assert parse_query("-2020") == Not(Term("2020"))


# -- mistakes are errors that say what to do ---------------------------------------------------

LONE_MINUS = (
    "a '-' on its own excludes nothing: write it right before a term (-扫黑), or put it in "
    'quotes to search for the dash: "-"'
)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("河长制 AND AND 污染",
         "AND AND: two operators in a row; remove one (terms side by side already mean AND)"),
        ("AND AND", "AND needs a term on both sides, e.g. 河长制 AND 污染"),
        ("河长制 OR OR 污染", "OR OR: two operators in a row; remove one"),
        ("河长制 AND OR 污染",
         "AND OR: two operators in a row; remove one (terms side by side already mean AND)"),
        ("NOT OR 污染", "NOT OR: two operators in a row; remove one"),
        ("-", LONE_MINUS),
        ("河长制 -", LONE_MINUS),
        ("河长制 - 湖长制", LONE_MINUS),
        ("--河长制",
         "'--河长制': one '-' excludes a term (-河长制); to search for the dashes themselves, "
         'put them in quotes: "--河长制"'),
        ("－－河长制",
         "'－－河长制': one '-' excludes a term (-河长制); to search for the dashes themselves, "
         'put them in quotes: "－－河长制"'),
        ("date:2024-13",
         "date:2024-13 — 2024-13 is not a date (months run 1–12, days as in the calendar)"),
        ("date:2024-02-30",
         "date:2024-02-30 — 2024-02-30 is not a date (months run 1–12, days as in the calendar)"),
        ("date:2024-06..2024-01",
         "date:2024-06..2024-01 — the range is empty; write it as low..high"),
    ],
)  # fmt: skip
def test_mistakes_are_errors(seed_index, query, message):
    with pytest.raises(QueryError) as info:
        search(seed_index, query)
    assert str(info.value) == message


def test_dates_keep_their_real_month_ends(seed_index):
    assert parse_query("date:2024-02").high == "2024-02-29"
    assert parse_query("date:2023-02").high == "2023-02-28"
    assert parse_query("date:2024").low == "2024-01-01"


def test_level_and_type_values_that_match_nothing_are_errors(sample):
    with pytest.raises(QueryError) as info:
        search(sample, "河长制 level:foo")
    assert str(info.value) == (
        "level:foo — not a level; use one of: national, provincial, city, district, street "
        "(or 省级, 市级, 区县 …); documents in this index: national 27, city 12, provincial 12, "
        "street 2, district 1"  # the manifest's levels, and the two seeds (street)
    )
    with pytest.raises(QueryError) as info:
        search(sample, "type:通函")
    message = str(info.value)
    assert message.startswith(
        "type:通函 — not a document type; documents in this index: 政府工作报告 "
    )
    assert "; other types: 工作总结, 工作计划, 要点, 通知, 意见," in message
    # Under a NOT, and given as a filter option, the same.
    with pytest.raises(QueryError, match=r"^level:county — not a level"):
        search(sample, "河长制 -level:county")
    with pytest.raises(QueryError, match=r"^type:zzz — not a document type"):
        search(sample, "河长制", filters=[("type", "zzz")])


def test_an_error_quotes_the_indexs_own_values_with_braces_as_they_are(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("推行河长制。\n", "utf-8")
    row = {"file": "a.txt", "level": "区{县}{f}"}
    (corpus / "m.jsonl").write_text(json.dumps(row, ensure_ascii=False) + "\n", "utf-8")
    build_index([corpus], tmp_path / "index", manifest=corpus / "m.jsonl")
    with pytest.raises(QueryError) as info:
        search(tmp_path / "index", "河长制 level:foo")
    assert str(info.value).endswith("documents in this index: 区{县}{f} 1")


def test_a_known_value_the_index_lacks_is_a_query_with_no_hits(sample):
    assert search(sample, "河长制 type:批复").total == 0
    assert search(sample, "level:street").total > 0


def test_level_accepts_its_chinese_names(sample):
    provincial = search(sample, "level:provincial", limit=None, facets=False)
    assert provincial.total > 0
    for name in ("省级", "省"):
        assert _keys(search(sample, f"level:{name}", limit=None, facets=False)) == _keys(provincial)


# -- punctuation typed with a term ------------------------------------------------------------


def test_trailing_punctuation_that_matches_nothing_gets_a_suggestion(sample, sample_paragraphs):
    result = search(sample, "河长制：")
    assert result.total == 0  # the literal contract: what was typed
    (suggestion,) = result.suggestions
    assert suggestion.query == "河长制"
    assert suggestion.total == count(sample, "河长制") > 50
    assert suggestion.terms == ["河长制："]
    assert result.to_dict()["suggestions"] == [
        {"query": "河长制", "total": suggestion.total, "terms": ["河长制："], "kind": "punctuation"}
    ]


@pytest.mark.parametrize(
    ("query", "suggested", "terms"),
    [
        ("《河长制》 污染", "河长制 污染", ["《河长制》"]),
        ('"河长制！"', '"河长制"', ["河长制！"]),
        ("【河长制】 OR 湖长制", "河长制 OR 湖长制", ["【河长制】"]),
        ("河长制 -湖长制！", "河长制 -湖长制", ["湖长制！"]),  # the NOT excluded nothing
        ('"河长制。"', None, None),  # found as typed: 全面推行河长制。
        ("河长制：　污染", "河长制 污染", ["河长制："]),
        ("河长制 ：", None, None),  # ： alone is in many paragraphs: nothing to fix
        ("“河长制", None, None),  # matches as typed (the text has “河长制”)
        ("河长制", None, None),
    ],
)
def test_suggestions(sample, query, suggested, terms):
    suggestions = search(sample, query).suggestions
    if suggested is None:
        assert suggestions == []
        return
    (s,) = suggestions
    assert (s.query, s.terms) == (suggested, terms)
    assert s.total == count(sample, suggested)


def test_suggestions_keep_the_filters(sample):
    (s,) = search(sample, "河长制：", year="2018").suggestions
    assert s.total == count(sample, "河长制", year="2018")
    assert 0 < s.total < count(sample, "河长制")


def test_explain_carries_the_suggestion(sample):
    e = explain(sample, "河长制：")
    assert e.total == 0
    assert [(s.query, s.total) for s in e.suggestions] == [("河长制", count(sample, "河长制"))]


def test_punctuation_trims_span_the_query():
    query = "河长制： -“湖长制。” (《条例》)"
    trims = punctuation_trims(query)
    assert [(t.typed, query[t.start : t.end], t.replacement) for t in trims] == [
        ("河长制：", "河长制：", "河长制"),
        ("湖长制。", "“湖长制。”", "“湖长制”"),
        ("《条例》", "《条例》", "条例"),
    ]
    (dropped,) = punctuation_trims("河长制 -。")
    assert (dropped.start, dropped.end, dropped.replacement) == (4, 6, "")  # the minus goes too
    assert punctuation_trims("(") == []  # a query that does not parse has nothing to offer


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["河长制", "-", "－", '"乡村 振兴"', "“乡村 振兴”", "OR", "(", ")", "：",
                         "year:2018", "title:“报告”", " ", "\u3000", "AND", "《条例》", "x"]),
        max_size=12,
    )
)  # fmt: skip
def test_tokens_are_spans_of_the_query(pieces):
    query = "".join(pieces)
    try:
        tokens = tokenize(query)
    except QueryError:
        return
    at = 0
    for t in tokens:
        assert t.start >= at and not query[at : t.start].strip()  # only spaces between tokens
        assert t.text in query[t.start : t.end] or t.kind == "field"
        at = t.end
    assert not query[at:].strip()


# -- years as people write them --------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("2015-2020", "2015..2020"),
        ("2015—2020", "2015..2020"),  # an input method's dash
        ("2015－2020", "2015..2020"),
        ("2015~2020", "2015..2020"),
        ("2015至2020", "2015..2020"),
        ("2015年-2020年", "2015..2020"),
        ("2015年..2020年", "2015..2020"),
        ("2015年..", "2015.."),
        ("2018年", "2018"),
    ],
)
def test_year_ranges_as_people_write_them(runner, sample, sample_index, typed, meant):
    expected = _run(sample, f"发展 year:{meant}")
    assert expected
    assert _run(sample, f"发展 year:{typed}") == expected
    assert _keys(search(sample, "发展", year=typed, limit=None, facets=False)) == expected
    from govsearch.cli import cli

    args = ["发展", "--count", "--index", str(sample_index)]
    by_option = runner.invoke(cli, ["search", *args, "--year", typed])
    assert by_option.stdout == runner.invoke(cli, ["search", *args, "--year", meant]).stdout
    assert by_option.stdout == f"{count(sample, f'发展 year:{meant}')}\n"


def test_a_backwards_dashed_year_range_is_an_empty_range(seed_index):
    with pytest.raises(QueryError, match="^year:2020-2015 — the range is empty; write it as"):
        search(seed_index, "year:2020-2015")


# -- contracts an audit found unguarded (issue 19) ---------------------------------------------


@pytest.mark.parametrize(
    ("full_width", "ascii_"),
    [
        ("year：2018 河长制", "year:2018 河长制"),
        ("region：深圳 河长制", "region:深圳 河长制"),
        ("region：深圳", "region:深圳"),
        ("河长制 -year：2018", "河长制 -year:2018"),
        ("title：“政府工作报告” 发展", 'title:"政府工作报告" 发展'),
    ],
)
def test_a_full_width_colon_searches_like_an_ascii_one(sample, full_width, ascii_):
    assert parse_query(full_width) == parse_query(ascii_)
    expected = _run(sample, ascii_)
    assert expected and expected != _run(sample, ascii_.split()[-1] if " " in ascii_ else "-zzz")
    assert _run(sample, full_width) == expected


def _oracle(paragraphs, query: str) -> set[tuple[str, int]]:
    """OR of AND groups (space-separated terms between ORs), by substring scan."""
    out: set[tuple[str, int]] = set()
    for group in query.split(" OR "):
        terms = [normalize(t) for t in group.split()]
        out |= {(p, ln) for p, ln, norm in paragraphs if all(t in norm for t in terms)}
    return out


PRECEDENCE_WORDS = ["河长制", "湖长制", "污染", "发展", "改革", "生态", "环境", "治理", "水"]


@settings(max_examples=40, deadline=None)
@given(
    groups=st.lists(
        st.lists(st.sampled_from(PRECEDENCE_WORDS), min_size=1, max_size=3), min_size=2,
        max_size=3,
    )
)  # fmt: skip
def test_and_binds_tighter_than_or(sample, sample_paragraphs, groups):
    query = " OR ".join(" ".join(g) for g in groups)
    assert _run(sample, query) == _oracle(sample_paragraphs, query)


def test_and_binds_tighter_than_or_fixed_cases(sample, sample_paragraphs, tmp_path):
    # On the sample, two terms on one side of OR read the other way give another answer.
    query = "发展 改革 OR 生态 环境"
    assert _run(sample, query) == _oracle(sample_paragraphs, query)
    assert _run(sample, query) != _run(sample, "发展 (改革 OR 生态) 环境")
    # The example, on paragraphs where the two readings differ: 湖长制 alone.
    lines = ["河长制 污染", "湖长制 工作", "河长制 湖长制", "污染 防治", "河长制 考核"]
    (tmp_path / "p.txt").write_text("\n".join(lines) + "\n", "utf-8")
    build_index([tmp_path / "p.txt"], tmp_path / "ix")
    hits = search(tmp_path / "ix", "河长制 污染 OR 湖长制", limit=None).hits
    assert sorted(h.line for h in hits) == [1, 2, 3]  # (河长制 AND 污染) OR 湖长制
    assert count(tmp_path / "ix", "河长制 (污染 OR 湖长制)") == 2
    assert count(tmp_path / "ix", "湖长制 OR 河长制 污染") == 3


def _dated(tmp_path, dates: dict[str, str]):
    """One short notice per name, each signed on its date (成文日期, read from the text)."""
    folder = tmp_path / "dated"
    folder.mkdir()
    for name, date in dates.items():
        (folder / f"{name}.txt").write_text(
            f"深圳市人民政府关于{name}工作的通知\n各区人民政府：\n做好{name}工作。\n"
            f"深圳市人民政府\n{date}\n",
            "utf-8",
        )
    build_index([folder], tmp_path / "ix")
    return tmp_path / "ix"


DATES = {"防汛": "2024年3月4日", "河长制": "2024年3月5日", "植树": "2024年3月5日",
         "消防": "2024年3月6日", "审计": "2024年4月5日", "统计": "2023年3月5日"}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("2024-03-05", {"河长制", "植树"}),
        ("2024-03-05..2024-03-05", {"河长制", "植树"}),
        ("2024-3-5", {"河长制", "植树"}),
        ("2024-03-04..2024-03-05", {"防汛", "河长制", "植树"}),
        ("2024-03-06..2024-03-06", {"消防"}),
        ("2024-03", {"防汛", "河长制", "植树", "消防"}),
    ],
)
def test_a_single_day_is_exactly_that_days_documents(tmp_path, value, names):
    ix = _dated(tmp_path, DATES)
    hits = search(ix, f"date:{value}", limit=None, collapse=False).hits
    assert {get_document(ix, h.doc_id).meta["date"] for h in hits} <= {
        f"2024-03-0{d}" for d in (4, 5, 6)
    }
    assert {Path(h.path).stem for h in hits} == names
