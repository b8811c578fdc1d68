"""Query assistance (search/suggest.py, search/homophones.py): a term with a list separator
inside, lower-case operators, and words that sound like a term that matches nothing. Each
suggestion is counted as `count` counts it, with the query's filters; the query itself is
still answered as typed."""

from __future__ import annotations

import json
from functools import cache

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from govsearch.cli import cli
from govsearch.search import count, explain, open_index, search, wordscores
from govsearch.search.evaluate import Evaluator
from govsearch.search.homophones import MAX_RESULTS, max_changes, sound_alikes
from govsearch.search.index import reader_of


@pytest.fixture(scope="module")
def sample(sample_index):
    return open_index(sample_index)


def offered(index, query: str, **filters) -> list[tuple[str, str, int, list[str]]]:
    result = search(index, query, limit=0, **filters)
    return [(s.kind, s.query, s.total, s.terms) for s in result.suggestions]


# -- a list separator inside a term -----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "both", "either"),
    [
        ("河长制，湖长制", "河长制 湖长制", "河长制 OR 湖长制"),
        ("河长制;湖长制", "河长制 湖长制", "河长制 OR 湖长制"),
        ("河长制,湖长制。", "河长制 湖长制", "河长制 OR 湖长制"),
        ("河长制，湖长制，林长制", "河长制 湖长制 林长制", "河长制 OR 湖长制 OR 林长制"),
        ("落实 河长制，湖长制", "落实 河长制 湖长制", "落实 (河长制 OR 湖长制)"),
        ("落实 -河长制；湖长制", "落实 -(河长制 湖长制)", "落实 -(河长制 OR 湖长制)"),
    ],
)
def test_a_term_with_a_list_separator_offers_its_parts(sample, query, both, either):
    assert search(sample, query, limit=0).total == count(sample, query)
    terms = [next(w for w in query.split() if w.strip("-") not in ("落实",)).lstrip("-")]
    # A reading that finds nothing is not offered (河长制 湖长制 林长制 together: none).
    assert offered(sample, query) == [
        ("separator", q, count(sample, q), terms) for q in (both, either) if count(sample, q)
    ]
    assert count(sample, either) not in (0, count(sample, both))  # two different answers


def test_separator_suggestions_keep_the_filters_and_skip_what_matches(sample):
    typed = ["河长制，湖长制"]
    assert offered(sample, "河长制，湖长制", year="2018") == [
        ("separator", q, count(sample, q, year="2018"), typed)
        for q in ("河长制 湖长制", "河长制 OR 湖长制")
    ]
    assert count(sample, "河长制 OR 湖长制", year="2018") < count(sample, "河长制 OR 湖长制")
    # 河长制、湖长制 is in the sample's text as typed: the literal answer stands alone.
    assert count(sample, "河长制、湖长制") > 0
    assert offered(sample, "河长制、湖长制") == []
    assert offered(sample, '"河长制，湖长制"') == []  # a quoted phrase is meant as typed


# -- lower-case operators ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "meant", "terms"),
    [
        ("河长制 or 湖长制", "河长制 OR 湖长制", ["or"]),
        ("河长制 Or 湖长制", "河长制 OR 湖长制", ["Or"]),
        ("河长制 and 污染", "河长制 AND 污染", ["and"]),
        ("河长制 not 污染", "河长制 NOT 污染", ["not"]),
        ("not 污染 河长制", "NOT 污染 河长制", ["not"]),
        ("(河长制 or 湖长制) and 污染", "(河长制 OR 湖长制) AND 污染", ["or", "and"]),
    ],
)
def test_lower_case_operators_offer_the_operator_reading(sample, query, meant, terms):
    assert search(sample, query, limit=0).total == count(sample, query) == 0
    assert offered(sample, query) == [("operator", meant, count(sample, meant), terms)]
    assert count(sample, meant) > 0


@pytest.mark.parametrize("query", ["河长制 OR 湖长制", "or", "河长制 or", "河长制"])
def test_no_operator_reading_where_there_is_none(sample, query):
    assert [s for s in offered(sample, query) if s[0] == "operator"] == []


# -- words that sound the same -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("河常制", ["河长制"]),  # 长 reads chang and zhang
        ("河长至", ["河长制"]),
        ("黑臭水题", ["黑臭水体"]),
        ("政府工作报高", ["政府工作报告"]),
        ("国内生产总直", ["国内生产总值"]),
        ("坪山街到", ["坪山街道"]),  # 坪山 + 街道: a run of the index's words
        ("和长制", ["河长制", "湖长制"]),  # 和 also reads hu; the more frequent first
        ("营商环竟", ["营商环境"]),
    ],
)
def test_a_term_that_matches_nothing_offers_words_that_sound_the_same(sample, typed, meant):
    assert count(sample, typed) == 0
    assert offered(sample, typed) == [
        ("homophone", word, count(sample, word), [typed]) for word in meant
    ]
    assert offered(sample, f"落实 {typed}", year="2019") == [
        ("homophone", f"落实 {word}", count(sample, f"落实 {word}", year="2019"), [typed])
        for word in meant
        if count(sample, f"落实 {word}", year="2019")
    ]


@pytest.mark.parametrize("query", ["河长制", "zzzz", "的的的的", "扶贫 OR 脱坚", "河长制职责"])
def test_no_sound_alike_where_none_fits(sample, query):
    # 脱坚: every indexed sound-alike changes both characters (推荐, 税前): another word.
    assert [s for s in offered(sample, query) if s[0] == "homophone"] == []


@cache
def _same_sound_by_pypinyin() -> dict[str, set[str]]:
    """The oracle's reverse table, built with pypinyin's own API (not search/homophones.py)."""
    from pypinyin import Style, pinyin
    from pypinyin.pinyin_dict import pinyin_dict

    by_reading: dict[str, set[str]] = {}
    for code in pinyin_dict:
        for reading in pinyin(chr(code), style=Style.NORMAL, heteronym=True)[0]:
            by_reading.setdefault(reading, set()).add(chr(code))
    return by_reading


def _brute_force(index, term: str) -> list[tuple[str, int]]:
    """Every string one or two characters away (as max_changes allows) whose changed
    characters sound the same, that the index holds and that is a run of its words."""
    from pypinyin import Style, pinyin

    reader = reader_of(index)
    table = _same_sound_by_pypinyin()
    alikes = [
        sorted(set().union(*(table[r] for r in pinyin(ch, style=Style.NORMAL, heteronym=True)[0])))
        for ch in term
    ]
    candidates = {term}
    for _ in range(max_changes(term)):
        candidates |= {
            c[:i] + a + c[i + 1 :] for c in candidates for i in range(len(term)) for a in alikes[i]
        }
    found = []
    for cand in sorted(candidates - {term}):
        n = count(index, cand, collapse=False)
        if n and _run_of_words(reader, cand):
            found.append((cand, n))
    return sorted(found, key=lambda x: (-x[1], x[0]))[:MAX_RESULTS]


def _run_of_words(reader, text: str) -> bool:
    if not text:
        return True
    return any(
        wordscores.has_words(reader, [text[:j]])[0] and _run_of_words(reader, text[j:])
        for j in range(1, len(text) + 1)
    )


WORDS = ["河长制", "黑臭水体", "营商环境", "乡村振兴", "放管服", "生态环境", "城市更新", "社会保障",
         "基础设施", "安全生产", "污染防治", "公共服务", "科技创新", "民营经济"]  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(word=st.sampled_from(WORDS), at=st.integers(0, 3), pick=st.integers(0, 10_000))
@example(word="河长制", at=1, pick=0)
def test_sound_alikes_are_every_indexed_sound_alike_the_brute_force_finds(sample, word, at, pick):
    # A typo of a word the sample holds: one character swapped for one that sounds the same.
    from pypinyin import Style, pinyin

    at = at % len(word)
    table = _same_sound_by_pypinyin()
    readings = pinyin(word[at], style=Style.NORMAL, heteronym=True)[0]
    options = sorted(set().union(*(table[r] for r in readings)) - {word[at]})
    typo = word[:at] + options[pick % len(options)] + word[at + 1 :]
    if count(sample, typo, collapse=False):
        return  # not a typo here: the sample holds it as typed
    reader = reader_of(sample)
    assert sound_alikes(reader, Evaluator(reader), typo) == _brute_force(sample, typo)


# -- every front end shows them ---------------------------------------------------------------


def test_text_json_explain_and_web_show_each_kind(runner, sample, sample_index):
    args = ["--index", str(sample_index)]
    lines = {
        "河长制，湖长制": [
            f"suggestion: 河长制 湖长制 — {count(sample, '河长制 湖长制')} paragraphs match "
            "reading '河长制，湖长制' as separate terms",
            f"suggestion: 河长制 OR 湖长制 — {count(sample, '河长制 OR 湖长制')} paragraphs "
            "match reading '河长制，湖长制' as separate terms",
        ],
        "河长制 or 湖长制": [
            f"suggestion: 河长制 OR 湖长制 — {count(sample, '河长制 OR 湖长制')} paragraphs "
            "match reading 'or' as OR"
        ],
        "河常制": [
            f"suggestion: 河长制 — {count(sample, '河长制')} paragraphs match with a word that "
            "sounds like '河常制'"
        ],
    }
    for query, expected in lines.items():
        text = runner.invoke(cli, ["search", query, *args])
        assert (text.exit_code, text.stdout) == (1, "")
        assert text.stderr.splitlines()[1:] == expected
        explained = runner.invoke(cli, ["search", query, "--explain", *args])
        assert explained.exit_code == 1
        assert explained.stdout.splitlines()[-len(expected) :] == expected
        data = json.loads(runner.invoke(cli, ["search", query, "--format", "json", *args]).stdout)
        assert data["suggestions"] == [s.to_dict() for s in search(sample, query).suggestions]
        assert [s.to_dict() for s in explain(sample, query).suggestions] == data["suggestions"]

    from govsearch.web import create_app

    client = create_app({"TESTING": True, "INDEX": str(sample_index)}).test_client()
    page = client.get("/?q=河常制").get_data(as_text=True)
    assert "“河常制”没有匹配。读音相同的词：<a href=" in page
    page = client.get("/?q=河长制，湖长制").get_data(as_text=True)
    assert page.count("“河长制，湖长制”按原样（一个词）没有匹配。分开搜索试试：<a href=") == 2
    page = client.get("/?q=河长制 or 湖长制").get_data(as_text=True)
    assert "“or”按原样是普通文字。作为运算符（大写）试试：<a href=" in page
