"""Wildcards (?, *) and regular expressions (/…/): parsing, plans, exact matching against `re`
over the normalised texts, highlights at the original characters, ranking, limits."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from govsearch.indexer import QueryError, build_index
from govsearch.indexer.analysis import builtin_dictionary, segmenter
from govsearch.indexer.textnorm import merge_spans, to_source_spans
from govsearch.search import count, explain, open_index, search
from govsearch.search import patterns as patterns_module
from govsearch.search.patternplan import describe, regex_plan, translate, wildcard_plan
from govsearch.search.patterns import spans
from govsearch.search.query import And, Pattern, Term, parse_query

WORD = r"[^\W_]"


@pytest.fixture(scope="module")
def sample(sample_index):
    return open_index(sample_index)


def _keys(result) -> set[tuple[str, int]]:
    keys = {(h.path, h.line) for h in result.hits}
    keys.update((loc.path, loc.line) for h in result.hits for loc in h.also_in)
    return keys


# -- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "node"),
    [
        ("?长制", Pattern("?长制")),
        ("？长制", Pattern("?长制")),
        ("*长制", Pattern("*长制")),
        ("＊长制", Pattern("*长制")),
        ("营?环境", Pattern("营?环境")),
        ("数字??", Pattern("数字??")),
        ("/河.{0,3}制/", Pattern("河.{0,3}制", regex=True)),
        ("／河.{0,3}制／", Pattern("河.{0,3}制", regex=True)),
        ("/(河|湖) 长制/", Pattern("(河|湖) 长制", regex=True)),
        ('"?长制"', Term("?长制")),
        ('"*"', Term("*")),
        ('"/河长制/"', Term("/河长制/")),
        # One question mark ending a term is how a question is typed, not a wildcard.
        ("河长制？", Term("河长制?")),
        ("河长制?", Term("河长制?")),
        ("?长制?", Pattern("?长制?")),
        ("2015/2016", Term("2015/2016")),
        ("?长制 污染", And((Pattern("?长制"), Term("污染")))),
    ],
)
def test_pattern_syntax(query, node):
    assert parse_query(query) == node


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?", "'?' is only wildcards: add at least one character to look for, e.g. ?长制"),
        ("河长制 ** 污染",
         "'**' is only wildcards: add at least one character to look for, e.g. ?长制"),
        ("？？", "'??' is only wildcards: add at least one character to look for, e.g. ?长制"),
        ("/[河/", "/[河/ is not a valid regular expression: unterminated character set at "
         "position 0 (Python re syntax; a literal / inside is written \\/)"),
        ("/" + "河" * 201 + "/",
         "regular expression too long (201 characters; the limit is 200)"),
        ("/(河)\\1/", "/(河)\\1/: backreferences and conditionals (\\1, (?P=name), (?(1)…)) are "
         "not supported; write the repeated text out, or search for both parts"),
        ("/(河+)+制/", "/(河+)+制/: nested quantifiers such as (a+)+ can take exponential time "
         "(catastrophic backtracking); write the inner part once, e.g. (ab)+ or a+"),
        ("/河*/", "/河*/ can match an empty string, so it would match every paragraph; make it "
         "need at least one character (河+ instead of 河*)"),
        ("/\\b/", "/\\b/ can match an empty string, so it would match every paragraph; make it "
         "need at least one character (河+ instead of 河*)"),
    ],
)  # fmt: skip
def test_bad_patterns_are_one_line_errors(seed_index, query, message):
    with pytest.raises(QueryError) as err:
        search(seed_index, query)
    assert str(err.value) == message


def test_a_question_mark_typed_as_a_question_gets_the_punctuation_suggestion(seed_index):
    result = search(seed_index, "河长制？")
    assert result.total == 0
    suggested = [(s.query, s.total, s.terms) for s in result.suggestions]
    assert suggested == [("河长制", 3, ["河长制？"])]


def test_a_wildcard_is_never_offered_without_its_question_mark(seed_index):
    assert search(seed_index, "?长制 year:1999").suggestions == []


# -- plans: what a match must contain --------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "need", "exact"),
    [
        ("?长制", "长制", None),
        ("*长制", "长制", ["长制"]),
        ("营?环境", "(营 AND 环境)", None),
        ("数字??", "数字", None),
        ("河*制", "(河 AND 制)", None),
    ],
)
def test_wildcard_plans(pattern, need, exact):
    plan = wildcard_plan(pattern)
    assert describe(plan.need) == need
    assert (sorted(plan.exact) if plan.exact is not None else None) == exact


@pytest.mark.parametrize(
    ("source", "need"),
    [
        ("河长制|湖长制", "(河长制 OR 湖长制)"),
        ("[河湖林]长制", "(林长制 OR 河长制 OR 湖长制)"),
        ("河长制.*办公室", "(河长制 AND 办公室)"),
        (".是", "是"),
        ("\\d+年", "年"),
        ("第[一二]{1,9}次", "(第 AND (一 OR 二) AND (第一 OR 第二) AND 次 AND (一次 OR 二次))"),
        ("\\w+", "(nothing)"),
        ("(?=.*河长)湖", "(河长 AND 湖)"),
    ],
)  # fmt: skip
def test_regex_plans_follow_the_parse_tree(source, need):
    assert describe(regex_plan(source).need) == need


def test_regex_text_is_normalised_as_the_paragraphs_are():
    assert translate("河長制") == "河长制"
    assert translate("（一）") == "\\(一\\)"
    assert translate("[，。]GDP\\D") == "[,。]gdp\\D"
    assert translate("㈠") == "(?:\\(一\\))"


# -- the `*` rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "text", "matched"),
    [
        ("*长制", "全面落实河长制工作", ["河长制"]),
        ("*长制", "落实河湖长制", ["河湖长制"]),
        ("*长制", "建立健全链长制工作机制", ["链长制"]),
        ("*长制", "推行林长制和田长制", ["林长制", "田长制"]),
        ("*长制", "“长制”", ["长制"]),
        # 林草 and 长制 are two words to the segmenter: the star completes 长制's word only.
        ("*长制", "推行林草长制", ["长制"]),
        ("河长*", "河长制办公室", ["河长制"]),
        ("河长*", "河长或者河长制", ["河长", "河长制"]),
        ("一网*", "推进一网通办、一网统管", ["一网通办", "一网统管"]),
        ("?长制", "落实河湖长制", ["湖长制"]),
        ("河*制", "河长制和河道管理制度", ["河长制", "河道管理制"]),
    ],
)
def test_a_star_completes_the_word_it_stands_in(pattern, text, matched):
    node = parse_query(pattern)
    assert [text[s:e] for s, e in spans(None, [node], text)] == matched


def _oracle_star(seg, norm: str, pattern: str) -> list[tuple[int, int]]:
    """The documented rule, computed from the whole paragraph's segmentation."""
    plan = wildcard_plan(pattern)
    words = [(s, e) for _w, s, e in seg.tokenize(norm)]
    out: list[tuple[int, int]] = []
    for m in re.finditer(plan.expression, norm):
        s, e = m.span()
        if plan.lead_star:
            start = min([a for a, b in words if a <= s < b] or [s])
            start = max(start, s - 8, out[-1][1] if out else 0)
            while start < s and not norm[start:s].isalnum():
                start += 1
            s = start
        if plan.trail_star:
            end = max([b for a, b in words if a <= e - 1 < b] or [e])
            end = min(end, e + 8)
            while end > e and not norm[e:end].isalnum():
                end -= 1
            e = end
        if out and s < out[-1][1]:
            continue
        out.append((s, e))
    return out


def test_star_words_equal_the_whole_paragraphs_segmentation(sample_paragraphs):
    """Words cut from the window around a match are the ones the whole paragraph has."""
    seg = segmenter(builtin_dictionary())
    for pattern in ("*长制", "*发展", "改革*", "*工作*", "*2020*"):
        node = Pattern(pattern)
        for _p, _l, norm in sample_paragraphs:
            assert spans(None, [node], norm) == _oracle_star(seg, norm, pattern), (pattern, norm)


# -- exact matching against re over the normalised texts --------------------------------------


def _oracle(paragraphs, expression: str) -> set[tuple[str, int]]:
    rx = re.compile(expression)
    return {(p, ln) for p, ln, norm in paragraphs if rx.search(norm)}


def _check(sample, sample_paragraphs, query: str, expression: str) -> None:
    result = search(sample, query, limit=None, facets=False)
    assert _keys(result) == _oracle(sample_paragraphs, expression), query
    assert result.total == count(sample, query)
    rx = re.compile(expression)
    norms = {(p, ln): norm for p, ln, norm in sample_paragraphs}
    for hit in result.hits:
        norm = norms[(hit.path, hit.line)]
        expected = [m.span() for m in rx.finditer(norm)]
        if not query.startswith("/"):
            expected = spans(None, [parse_query(query)], norm)
        # Matches inside one source character (… is ... normalised) become one mark.
        assert hit.matches == merge_spans(to_source_spans(hit.text, expected, norm)), query


@pytest.mark.parametrize(
    ("query", "expression"),
    [
        ("?长制", f"{WORD}长制"),
        ("*长制", "长制"),
        ("营?环境", f"营{WORD}环境"),
        ("数字??", f"数字{WORD}{WORD}"),
        ("河*制", f"河{WORD}{{0,8}}?制"),
        ("/河长制|湖长制/", "河长制|湖长制"),
        ("/[一二三四五六七八九十]是/", "[一二三四五六七八九十]是"),
        ("/.是/", ".是"),
        ("/第.{1,3}次全国/", "第.{1,3}次全国"),
        ("/\\d{4}年/", "\\d{4}年"),
        ("/(?<=落实)[^,。]{2,6}/", "(?<=落实)[^,。]{2,6}"),
        ("/^[一二三四五六七八九十]+、/", "^[一二三四五六七八九十]+、"),
        ("/gdp/", "gdp"),
        ("/GDP/", "gdp"),
        ("/(?i)GDP|河长/", "(?i)gdp|河长"),
        ("/(?x) 河 长 制  # 注释/", "(?x) 河 长 制  # 注释"),
    ],
)
def test_patterns_match_exactly_what_re_finds(sample, sample_paragraphs, query, expression):
    _check(sample, sample_paragraphs, query, expression)


_PIECES = st.sampled_from(
    ["河", "长", "制", "湖", "发展", "经济", "的", "是", "一", "二", "年", "2018", "工作", "建设"]
)


@st.composite
def _regex(draw) -> str:
    """Small expressions over characters of the corpus."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["lit", "lit", "dot", "class", "alt", "rep", "word"]))
        lit = draw(_PIECES)
        if kind == "lit":
            parts.append(lit)
        elif kind == "dot":
            parts.append(draw(st.sampled_from([".", ".{0,2}", ".{1,3}?"])))
        elif kind == "class":
            parts.append("[" + lit + draw(_PIECES) + "]")
        elif kind == "alt":
            parts.append(f"(?:{lit}|{draw(_PIECES)})")
        elif kind == "word":
            parts.append(draw(st.sampled_from(["\\w", "\\d+", "[^,。]"])))
        else:
            parts.append(f"(?:{lit}){draw(st.sampled_from(['+', '?', '{1,2}', '*']))}")
    return "".join(parts)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(source=_regex())
def test_property_regex_matches_re_over_normalised_texts(sample, sample_paragraphs, source):
    try:
        regex_plan(source)
    except QueryError:
        assume(False)
    _check(sample, sample_paragraphs, f"/{source}/", source)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10**9), stars=st.sampled_from(["?", "??", "*", "?*"]))
def test_property_wildcards_around_real_substrings(sample, sample_paragraphs, seed, stars):
    rng = random.Random(seed)
    _p, _l, norm = rng.choice(sample_paragraphs)
    start = rng.randrange(0, max(1, len(norm) - 2))
    piece = norm[start : start + rng.choice([1, 2, 3])]
    assume(piece and piece.isalnum())
    where = rng.choice(["before", "after", "inside"])
    if where == "before":
        text = stars + piece
    elif where == "after":
        text = piece + stars
    else:
        assume(len(piece) >= 2)
        text = piece[0] + stars + piece[1:]
    assume(not (text.endswith("?") and text.count("?") == 1 and "*" not in text))
    core = text.strip("*") if "*" in (text[0], text[-1]) else text
    expression = "".join(
        WORD if ch == "?" else f"{WORD}{{0,8}}?" if ch == "*" else re.escape(ch) for ch in core
    )
    _check(sample, sample_paragraphs, text, expression)


def test_highlights_land_on_the_original_characters(tmp_path):
    doc = tmp_path / "t.txt"
    doc.write_text("全面落實河長制，推行ＧＤＰ考核（一）\n", encoding="utf-8")
    build_index([doc], tmp_path / "ix")
    for query, marked in [
        ("?长制", ["河長制"]),
        ("*长制", ["河長制"]),
        ("/g.p/", ["ＧＤＰ"]),
        ("/（[一二]）/", ["（一）"]),
        ("/河長制|gdp/", ["河長制", "ＧＤＰ"]),
    ]:
        hit = search(tmp_path / "ix", query).hits[0]
        assert [hit.text[s:e] for s, e in hit.matches] == marked, query


def test_matches_inside_one_source_character_are_one_mark(tmp_path):
    # Found by the regex property test: … normalises to "...", and /./ matches each dot.
    doc = tmp_path / "t.txt"
    doc.write_text("等等…以及⑵项\n", encoding="utf-8")
    build_index([doc], tmp_path / "ix")
    hit = search(tmp_path / "ix", "/\\./").hits[0]
    assert hit.matches == [(2, 3)]
    hit = search(tmp_path / "ix", "/\\d\\)/").hits[0]
    assert [hit.text[s:e] for s, e in hit.matches] == ["⑵"]


def test_matches_are_leftmost_and_do_not_overlap(tmp_path):
    doc = tmp_path / "t.txt"
    doc.write_text("河长长长制度\n", encoding="utf-8")
    build_index([doc], tmp_path / "ix")
    hit = search(tmp_path / "ix", "/长.?/").hits[0]
    assert [hit.text[s:e] for s, e in hit.matches] == ["长长", "长制"]


# -- ranking -----------------------------------------------------------------------------------


def test_a_pattern_ranks_as_the_strings_it_matched(sample):
    typed = search(sample, "河长制", limit=None, facets=False)
    matched = search(sample, "/河长制/", limit=None, facets=False)
    assert [(h.id, h.score) for h in matched.hits] == [(h.id, h.score) for h in typed.hits]
    hits = search(sample, "?长制", limit=5).hits
    assert hits[0].score > 0


# -- explain, limits -------------------------------------------------------------------------


def test_explain_says_how_a_pattern_was_answered(seed_index):
    clauses = explain(seed_index, "?长制").clauses
    assert [(c.kind, c.text, c.paragraphs) for c in clauses] == [("pattern", "?长制", 3)]
    assert clauses[0].plan == "paragraphs holding 长制: 3 read and matched, 3 match"
    assert clauses[0].words == ["河长制", "湖长制"]
    plan = explain(seed_index, "/.是/").clauses[0].plan
    assert plan.startswith("no required pair gram; paragraphs holding 是: ")
    plan = explain(seed_index, "/\\w{3}/").clauses[0].plan
    assert plan == (
        "no required character: all 29 paragraphs read and matched (a bounded scan, under "
        "the time limit)"
    )
    plan = explain(seed_index, "*长制").clauses[0].plan
    assert plan == "matches exactly the paragraphs holding 长制: no text read"


@pytest.fixture(scope="module")
def slow_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("slow")
    doc = folder / "slow.txt"
    doc.write_text("ab " + "a" * 40 + "c\n正常段落。\n", encoding="utf-8")
    build_index([doc], folder / "ix")
    return folder / "ix"


def test_catastrophic_backtracking_is_stopped_by_the_time_limit(slow_index, monkeypatch):
    monkeypatch.setattr(patterns_module, "TIME_LIMIT", 0.3)
    with pytest.raises(QueryError) as err:
        search(slow_index, "/(a|aa)+b/")
    assert str(err.value) == (
        "/(a|aa)+b/ took longer than 0.3 s to match on this index (catastrophic backtracking, "
        "or too little to look for): make it more specific, e.g. add the characters around it"
    )
