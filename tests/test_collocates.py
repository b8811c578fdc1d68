"""Collocates: counts equal a direct count over the matched paragraphs (whole-paragraph
segmentation, windows recomputed by hand), frequencies equal a count over the scope, counts
never exceed `search "TERM WORD" --count`, the measures follow their formulas, bad input."""

from __future__ import annotations

import math
import re
import sys
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from govsearch.indexer import GovsearchError, UsageError
from govsearch.indexer.analysis import (
    index_dictionary,
    is_word,
    segment_normalized,
    segmenter,
)
from govsearch.search import collocates, count, matching_pids, open_index
from govsearch.search.collocates import FUNCTION_WORDS, is_content
from govsearch.search.cooccur import _region, _segment, parse_window
from govsearch.search.patterns import query_spans
from govsearch.search.query import build_query

POOL = ["河长制", "湖长制", "污染", "黑臭水体", "乡村振兴", "营商环境", "改革", "十三五",
        "脱贫攻坚", "河长", "生态", "2018"]  # fmt: skip
WINDOWS = [1, 2, 3, 5, 8, "sentence", "paragraph"]
SENTENCE_END = "。!?;\n"


@pytest.fixture(scope="module")
def sample(sample_index):
    return open_index(sample_index)


@pytest.fixture(scope="module")
def seg(sample):
    return segmenter(index_dictionary(sample.reader().meta))


@pytest.fixture(scope="module")
def population(sample):
    """Every paragraph of the index, copies of near-duplicates left out (all originals are in)."""
    reader = sample.reader()
    copies, _originals = reader.dup_of()
    return sorted(set(reader.all_pids().tolist()) - set(copies.tolist()))


@pytest.fixture(scope="module")
def frequencies(sample, population):
    """f(w) by hand: word → paragraphs of the population whose words (search mode, as the
    index segments) include it; punctuation (one mark, or a run the segmenter keeps as one
    token, such as -- or ……) → paragraphs that contain it."""
    reader = sample.reader()
    words = index_dictionary(reader.meta)
    norms = [norm for _pid, norm in reader.iter_norms(population)]
    out = _Frequencies(norms)
    for norm in norms:
        out.update(set(segment_normalized(norm, words)))
    return out


class _Frequencies(Counter):
    """Word counts, with a punctuation token's counted (by substring) when first asked."""

    def __init__(self, norms: list[str]):
        super().__init__()
        self.norms = norms

    def __missing__(self, token: str) -> int:
        if not token or is_word(token[0]) or token.isspace():
            return 0
        self[token] = sum(token in norm for norm in self.norms)
        return self[token]


def _spans(norm: str, terms: list[str]) -> list[tuple[int, int]]:
    found = []
    for t in terms:
        i = norm.find(t)
        while i >= 0:
            found.append((i, i + len(t)))
            i = norm.find(t, i + 1)
    merged: list[tuple[int, int]] = []
    for s, e in sorted(found):
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def oracle_near(seg, norm: str, terms: list[str], window, keep_all: bool, spans=None) -> set[str]:
    """The words near a match, from the whole paragraph's segmentation, window by window
    (the matches: the terms' occurrences, or the `spans` given)."""
    spans = _spans(norm, terms) if spans is None else spans
    tokens = seg.words(norm)
    words = [t for t in tokens if is_word(t[0])]
    found = set()
    for s, e in spans:
        if window == "paragraph":
            lo, hi = 0, len(norm)
        elif window == "sentence":
            lo = max([i + 1 for i, ch in enumerate(norm[:s]) if ch in SENTENCE_END], default=0)
            hi = next((i for i in range(e, len(norm)) if norm[i] in SENTENCE_END), len(norm))
        else:
            left = [t for t in words if t[2] <= s][-window:]
            right = [t for t in words if t[1] >= e][:window]
            lo = left[0][1] if len(left) == window else 0
            hi = right[-1][2] if len(right) == window else len(norm)
        for w, ts, te in tokens:
            if ts < lo or te > hi or any(ms < te and ts < me for ms, me in spans):
                continue
            if w.isspace() or not (is_word(w) or keep_all):
                continue
            if keep_all or is_content(w):
                found.add(w)
    return found


def brute_collocates(sample, seg, term: str, window, keep_all: bool) -> dict[str, set[int]]:
    """word → the matching paragraphs (as search finds them) with the word near a match."""
    reader = sample.reader()
    out: dict[str, set[int]] = {}
    pids = matching_pids(sample, term).tolist()
    terms = term.split(" OR ")
    for pid, norm in zip(pids, reader.norms(pids), strict=True):
        for w in oracle_near(seg, norm, terms, window, keep_all):
            out.setdefault(w, set()).add(pid)
    return out


def _pid_ids(reader, pids) -> set[str]:
    out = set()
    for pid in pids:
        d = reader.doc_of(pid)
        (paragraph,) = reader.fetch([pid], "paragraph")[pid]
        out.add(f"{d.doc_id}:{paragraph}")
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    terms=st.lists(st.sampled_from(POOL), min_size=1, max_size=2, unique=True),
    window=st.sampled_from(WINDOWS),
    keep_all=st.booleans(),
)
@example(terms=["河长制"], window=5, keep_all=False)
@example(terms=["河长制", "河长"], window=1, keep_all=True)
def test_counts_equal_a_direct_count_over_the_matched_paragraphs(
    sample, seg, population, frequencies, terms, window, keep_all
):
    term = " OR ".join(terms)
    result = collocates(sample, term, window=window, min_count=1, top=10**9, keep_all=keep_all)
    expected = brute_collocates(sample, seg, term, window, keep_all)
    got = {c.word: c for c in result.collocates}
    assert {w: c.count for w, c in got.items()} == {w: len(p) for w, p in expected.items()}
    (period,) = result.periods
    assert period.paragraphs == count(sample, term)
    assert period.scope_paragraphs == len(population)
    reader = sample.reader()
    for w, c in got.items():
        assert set(c.ids) == _pid_ids(reader, expected[w])
        assert c.frequency == frequencies[w], w
        assert c.count <= c.frequency


def _pattern_oracle(sample, seg, query: str, spans_of, window) -> dict[str, set[int]]:
    reader = sample.reader()
    out: dict[str, set[int]] = {}
    pids = matching_pids(sample, query).tolist()
    for pid, norm in zip(pids, reader.norms(pids), strict=True):
        for w in oracle_near(seg, norm, [], window, False, spans=spans_of(norm)):
            out.setdefault(w, set()).add(pid)
    return out


@pytest.mark.parametrize(
    ("query", "expression"),
    [("?长制", r"[^\W_]长制"), ("/[河湖林]长制/", "[河湖林]长制"), ("营?环境", r"营[^\W_]环境")],
)
@pytest.mark.parametrize("window", [1, 5, "sentence"])
def test_a_pattern_s_collocates_stand_near_its_matches(
    sample, seg, frequencies, query, expression, window
):
    """The matches are re's over the normalised text (leftmost, non-overlapping), as search
    highlights them; words inside a match are not its collocates."""
    result = collocates(sample, query, window=window, min_count=1, top=10**9)
    spans_of = lambda norm: [m.span() for m in re.finditer(expression, norm)]  # noqa: E731
    expected = _pattern_oracle(sample, seg, query, spans_of, window)
    got = {c.word: c for c in result.collocates}
    assert got and {w: c.count for w, c in got.items()} == {w: len(p) for w, p in expected.items()}
    assert result.periods[0].paragraphs == count(sample, query)
    for w, c in got.items():
        assert c.frequency == frequencies[w], w
        assert c.query == (f"{query} {w}" if w.isalnum() else f'{query} "{w}"')
        assert c.count <= count(sample, c.query), c.query


def test_a_star_pattern_s_collocates_stand_near_its_highlights(sample, seg):
    """`*长制` ends its matches where the index's segmenter ends the word (patterns.py)."""
    reader = sample.reader()
    node = build_query("*长制")
    result = collocates(sample, "*长制", window=3, min_count=1, top=10**9)
    spans_of = lambda norm: query_spans(reader, node, norm)  # noqa: E731
    expected = _pattern_oracle(sample, seg, "*长制", spans_of, 3)
    assert {c.word: c.count for c in result.collocates} == {w: len(p) for w, p in expected.items()}
    assert "河长制" not in expected and "湖长制" not in expected  # matches, never collocates
    assert result.collocates


def test_copies_that_match_without_their_original_join_the_population(sample, population):
    """0085 repeats 0042 (the 2010 report); excluding 0042 by title, 0085's copies match."""
    reader = sample.reader()
    words = index_dictionary(reader.meta)
    query = "改革 -title:中华人民共和国"
    copies = set(reader.dup_of()[0].tolist())
    matched = set(matching_pids(sample, query).tolist())
    assert matched & copies
    counted = sorted(set(population) | matched)
    result = collocates(sample, query, window="paragraph", min_count=2, top=10**9)
    assert result.periods[0].scope_paragraphs == len(counted)
    held = Counter()
    for _pid, norm in reader.iter_norms(counted):
        held.update(set(segment_normalized(norm, words)))
    assert result.collocates
    for c in result.collocates:
        assert c.frequency == held[c.word], c.word


def test_a_count_is_never_more_than_the_search_for_term_and_word(sample):
    for term, window in (("河长制", "paragraph"), ("污染 OR 生态", 3), ('"黑臭 水体"', "sentence")):
        result = collocates(sample, term, window=window, min_count=1, top=200, keep_all=True)
        assert result.collocates
        for c in result.collocates:
            assert c.count <= count(sample, c.query), (term, c.word, c.query)


def test_measures_follow_their_formulas(sample):
    result = collocates(sample, "河长制", window="paragraph", min_count=1, top=10**9)
    (p,) = result.periods
    n, f_term = p.scope_paragraphs, p.paragraphs
    for c in result.collocates:
        o11, f_word = c.count, c.frequency
        expected = f_term * f_word / n
        assert c.expected == round(expected, 4)
        assert c.log_dice == round(14 + math.log2(2 * o11 / (f_term + f_word)), 4)
        assert c.mi == round(math.log2(o11 / expected), 4)
        table = [[o11, f_term - o11], [f_word - o11, n - f_term - f_word + o11]]
        rows, cols = [sum(r) for r in table], [sum(c) for c in zip(*table, strict=True)]
        g2 = 2 * sum(
            table[i][j] * math.log(table[i][j] * n / (rows[i] * cols[j]))
            for i in range(2)
            for j in range(2)
            if table[i][j] > 0
        )
        assert c.g2 == round(g2 if o11 > expected else -g2, 4)


@pytest.mark.parametrize("measure", ["log_dice", "g2", "mi", "count"])
def test_sorted_by_the_measure_then_count_then_word(sample, measure):
    result = collocates(sample, "污染", measure=measure, min_count=2, top=15)
    rows = result.collocates
    assert len(rows) == 15
    assert rows == sorted(rows, key=lambda c: (-c.measure(measure), -c.count, c.word))
    every = collocates(sample, "污染", measure=measure, min_count=2, top=10**9).collocates
    assert rows == every[:15]
    assert all(c.count >= 2 for c in every)
    assert result.periods[0].candidates == len(every)


def test_function_words_numbers_and_punctuation_are_left_out_unless_keep_all(sample):
    default = {c.word for c in collocates(sample, "污染", min_count=1, top=10**9).collocates}
    every = {c.word for c in collocates(sample, "污染", min_count=1, top=10**9,
                                        keep_all=True).collocates}  # fmt: skip
    assert default < every
    left_out = every - default
    number = re.compile(r"[0-9][0-9.,%]*")
    assert {"的", "和", ","} <= left_out and any(number.fullmatch(w) for w in left_out)
    assert not default & FUNCTION_WORDS and not any(number.fullmatch(w) for w in default)
    assert all(w in FUNCTION_WORDS or re.fullmatch(r"[0-9.,%]+", w) or not is_word(w)
               for w in left_out)  # fmt: skip


def test_scope_filters_narrow_the_matches_and_the_population(sample, population):
    reader = sample.reader()
    result = collocates(sample, "污染", year="2016..2020", min_count=1, top=10**9)
    (p,) = result.periods
    assert p.paragraphs == count(sample, "污染", year="2016..2020")
    years = np.array([d.year or 0 for d in reader.docs])[reader.doc_numbers()[population]]
    assert p.scope_paragraphs == int(((years >= 2016) & (years <= 2020)).sum())
    for c in p.collocates:
        assert c.count <= count(sample, c.query, year="2016..2020")


def test_compare_lists_each_word_of_either_top_list_with_both_periods(sample):
    a, b = "..2017", "2018.."
    result = collocates(sample, "污染", compare=(a, b), top=10, min_count=2)
    first = collocates(sample, "污染", year=a, top=10, min_count=2)
    second = collocates(sample, "污染", year=b, top=10, min_count=2)
    assert [p.collocates for p in result.periods] == [first.collocates, second.collocates]
    words = {c.word for c in first.collocates} | {c.word for c in second.collocates}
    assert {c.word for c in result.changes} == words
    every = [collocates(sample, "污染", year=y, top=10**9, min_count=1).collocates for y in (a, b)]
    for c in result.changes:
        sides = [next((x for x in e if x.word == c.word), None) for e in every]
        assert [c.first, c.second] == sides
        if c.status == "both":
            assert c.change == round(c.second.log_dice - c.first.log_dice, 4)
        else:
            assert c.change is None
    statuses = [c.status for c in result.changes]
    assert statuses == sorted(statuses, key=["both", "new", "gone"].index)
    both = [c.change for c in result.changes if c.status == "both"]
    assert both == sorted(both, reverse=True)


def test_a_term_with_no_hits_is_an_empty_result(sample):
    result = collocates(sample, "zzzz不存在")
    assert result.paragraphs == 0 and result.collocates == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window": 0}, "unknown window '0': give a number of words either side (1 to 50), "
         "sentence or paragraph"),
        ({"window": "line"}, "unknown window 'line': give a number of words either side "
         "(1 to 50), sentence or paragraph"),
        ({"measure": "t-score"}, "unknown measure 't-score'; use one of: log_dice, g2, mi, count"),
        ({"min_count": 0}, "--min-count must be 1 or more"),
        ({"top": 0}, "--top must be 1 or more"),
        ({"compare": ("2015..2018", "2018..2020")}, "--compare 2015..2018 2018..2020: the two "
         "ranges overlap; give ranges that share no year, e.g. 2011..2017 2018..2024"),
        ({"compare": ("2016..", "..2016")}, "--compare 2016.. ..2016: the two ranges overlap; "
         "give ranges that share no year, e.g. 2011..2017 2018..2024"),
        ({"compare": ("2015", "2016"), "year": "2015"}, "--year and --compare do not go "
         "together: --compare gives the years"),
    ],
)  # fmt: skip
def test_bad_input(sample, kwargs, message):
    with pytest.raises(UsageError) as err:
        collocates(sample, "河长制", **kwargs)
    assert str(err.value) == message


def test_a_query_of_filters_only_has_nothing_to_look_around(sample):
    with pytest.raises(UsageError) as err:
        collocates(sample, "year:2018 -河长制")
    assert str(err.value) == (
        "'year:2018 -河长制' has no term to look around: give a word or phrase, e.g. 河长制"
    )


def test_the_documented_function_words_are_the_ones_left_out():
    from .conftest import ROOT

    doc = (ROOT / "docs" / "collocates.md").read_text("utf-8")
    block = doc.split("```text\n", 1)[1].split("```", 1)[0]
    assert set(block.split()) == FUNCTION_WORDS
    assert len(block.split()) == len(FUNCTION_WORDS)


def test_windows_parse():
    assert [parse_window(w) for w in (5, "5", " 12 ", "Sentence", "paragraph")] == [
        5, 5, 12, "sentence", "paragraph"
    ]  # fmt: skip
    for bad in ("51", "-1", "1.5", "５", ""):
        with pytest.raises(UsageError):
            parse_window(bad)


# -- cutting the text where jieba cuts it ---------------------------------------------------

PIECES = ["河长制", "全面推行", "，", "。", "c++", "3.5%", "covid-19", " ", "——", "…", "a_b",
          "2018年", "中华人民共和国", "水污染防治法", "&", "#", "(", ")", "《", "》", "、",
          "x.y", "-", "——", "\u3000", "é", "𠀀", "ω"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(st.sampled_from(PIECES), min_size=1, max_size=30),
    low=st.integers(min_value=-5, max_value=80),
    size=st.integers(min_value=0, max_value=40),
)
def test_a_region_is_segmented_as_the_whole_text(seg, parts, low, size):
    norm = "".join(parts)
    a, b = _region(norm, low, low + size)
    assert 0 <= a <= max(low, 0) and min(low + size, len(norm)) <= b <= len(norm)
    whole = [t for t in seg.words(norm) if a <= t[1] and t[2] <= b]
    assert _segment(seg, norm, [(a, b)]) == whole


def test_a_region_of_corpus_text_is_segmented_as_the_whole_text(sample, seg):
    reader = sample.reader()
    pids = reader.all_pids()[::37].tolist()
    for norm in reader.norms(pids):
        for low in range(0, len(norm), 29):
            a, b = _region(norm, low, low + 11)
            whole = [t for t in seg.words(norm) if a <= t[1] and t[2] <= b]
            assert _segment(seg, norm, [(a, b)]) == whole


# -- pandas -------------------------------------------------------------------------------


def test_to_pandas(sample):
    pd = pytest.importorskip("pandas")
    result = collocates(sample, "河长制", top=5)
    frame = result.to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["word", "count", "expected", "log_dice", "g2", "mi",
                                   "frequency", "query", "ids"]  # fmt: skip
    assert frame["word"].tolist() == [c.word for c in result.collocates]
    assert frame["count"].tolist() == [c.count for c in result.collocates]
    assert frame["ids"].tolist() == [list(c.ids) for c in result.collocates]
    compared = collocates(sample, "污染", compare=("..2017", "2018.."), top=5).to_pandas()
    assert list(compared.columns[:5]) == ["word", "status", "change", "count_first",
                                          "count_second"]  # fmt: skip


def test_to_pandas_without_pandas_says_how_to_install_it(sample, monkeypatch):
    result = collocates(sample, "河长制", top=5)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(GovsearchError) as err:
        result.to_pandas()
    assert str(err.value) == (
        "to_pandas() needs pandas, which is not installed; run: pip install 'govsearch[pandas]'"
    )


def test_importing_search_does_not_import_pandas():
    import subprocess

    code = "import sys, govsearch.search; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout == "False\n"
