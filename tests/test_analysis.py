"""Segmentation, normalisation and literal grams."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govsearch.indexer import analysis
from govsearch.indexer.analysis import (
    PART_SEPARATOR,
    ChineseTokenizer,
    builtin_dictionary,
    indexed_value,
    literal_grams,
    query_grams,
    segmenter,
)
from govsearch.indexer.textnorm import find_all, merge_spans, normalize, offset_map, to_source_spans

from .conftest import CORPUS


def test_normalisation_folds_width_case_and_traditional():
    assert normalize("２０１８年（一）ＧＤＰ河長制") == "2018年(一)gdp河长制"
    assert normalize("乾坤") == "乾坤"  # also correct simplified text: left alone
    assert normalize("發展") == "发展"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_property_offsets_map_back_to_source_characters(text):
    norm = normalize(text)
    starts = offset_map(text)
    assert len(starts) == len(norm) + 1
    assert starts == sorted(starts)
    for i, ch in enumerate(norm):
        assert ch in normalize(text[starts[i]])


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="河長长制ＧgＤdｐP（(一)）２2 \u3000", min_size=1, max_size=30),
       st.text(alphabet="河长制gdp(一)2", min_size=1, max_size=3))  # fmt: skip
def test_property_source_spans_cover_what_normalises_to_the_needle(text, needle):
    norm = normalize(text)
    found = find_all(norm, needle)
    # Every occurrence, overlapping ones included, and nothing when the needle is absent.
    assert len(found) == sum(norm.startswith(needle, i) for i in range(len(norm)))
    spans = to_source_spans(text, found)
    assert len(spans) == len(found)
    # Each character of this alphabet normalises to one character: a span is exactly the needle.
    for s, e in spans:
        assert normalize(text[s:e]) == needle


def test_find_all_overlapping_and_merge():
    assert find_all("哈哈哈", "哈哈") == [(0, 2), (1, 3)]
    assert merge_spans([(1, 3), (0, 2), (5, 6), (6, 7)]) == [(0, 3), (5, 6), (6, 7)]


def test_tokenizer_positions_and_offsets():
    tok = ChineseTokenizer(builtin_dictionary())
    text = "全面推行河長制，黑臭水体治理"
    tokens = [(t.text, t.pos, t.startchar, t.endchar, t.boost)
              for t in tok(text, positions=True, chars=True)]  # fmt: skip
    assert [t[1] for t in tokens] == list(range(len(tokens)))
    norm = normalize(text)
    assert all(norm[s:e] == w for w, _p, s, e, _b in tokens)
    assert "河长制" in [t[0] for t in tokens]
    assert "，" not in [t[0] for t in tokens] and "," not in [t[0] for t in tokens]


def test_heading_and_title_words_carry_their_boost(monkeypatch):
    monkeypatch.setattr(analysis, "PART_BOOSTS", (1.0, 2.0, 1.5))
    tok = ChineseTokenizer(builtin_dictionary())
    value = indexed_value("推进治水", "一、河长制", "某市政府工作报告")
    assert value.count(PART_SEPARATOR) == 2
    boosts = {t.text: t.boost for t in tok(value)}
    assert boosts["治水"] == 1.0 and boosts["河长制"] == 2.0 and boosts["政府工作报告"] == 1.5


def test_a_part_weighed_zero_is_left_out(monkeypatch):
    monkeypatch.setattr(analysis, "PART_BOOSTS", (1.0, 0.0, 1.5))
    tok = ChineseTokenizer(builtin_dictionary())
    value = indexed_value("推进治水", "一、河长制", "某市政府工作报告")
    tokens = {t.text: (t.boost, t.startchar, t.endchar) for t in tok(value, chars=True)}
    assert "河长制" not in tokens and tokens["治水"][0] == 1.0
    boost, start, end = tokens["政府工作报告"]
    assert boost == 1.5 and value[start:end] == "政府工作报告"


@pytest.mark.parametrize("boosts", [(1.0, 0.0, 0.0), (1.0, 2.0, 1.5), (1.0, 0.0, 1.5)])
def test_a_pretokenized_value_gives_the_tokens_of_the_text(monkeypatch, boosts):
    """The build segments once and hands Whoosh the words: the same tokens, boosts, order."""
    monkeypatch.setattr(analysis, "PART_BOOSTS", boosts)
    words = builtin_dictionary()
    tok = ChineseTokenizer(words)
    parts = ("全面推行河長制，黑臭水体治理ＧＤＰ", "一、河长制", "某市政府工作报告")
    raw = [(t.text, t.boost) for t in tok(indexed_value(*parts))]
    value = analysis.pretokenized([analysis.part_words(p, words, i) for i, p in enumerate(parts)])
    assert [(t.text, t.boost) for t in tok(value)] == raw
    assert len(raw) > 5 and raw[0] == ("全面", 1.0)


def test_the_shipped_weights_rank_by_the_paragraphs_own_words():
    tok = ChineseTokenizer(builtin_dictionary())
    words = {t.text for t in tok(indexed_value("推进治水", "一、河长制", "某市政府工作报告"))}
    assert "治水" in words and not words & {"河长制", "政府工作报告"}


def test_policy_words_stay_whole_and_give_their_parts():
    seg = segmenter(builtin_dictionary())
    words = [w for w, _s, _e in seg.tokenize("省河长制办公室推进黑臭水体治理")]
    assert "河长制" in words and "河长" in words and "黑臭水体" in words


def test_rjieba_and_jieba_agree_on_the_corpus_with_the_policy_dictionary():
    """rjieba serves speed; jieba stays the reference (and the fallback without a wheel)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    reference = jieba.Tokenizer()
    for word, freq, tag in builtin_dictionary():
        reference.add_word(word, freq or None, tag)
    fast = segmenter(builtin_dictionary())
    assert fast.engine == "rjieba"
    rng = random.Random(7)
    files = sorted(CORPUS.glob("*.txt"))
    lines = [ln for f in rng.sample(files, 25) for ln in f.read_text("utf-8").split("\n")]
    checked = 0
    for line in rng.sample(lines, min(800, len(lines))):
        norm = normalize(line)
        # Known difference: rjieba also keeps codes such as WES-5.4.5 whole; compare Han text.
        if any(c.isascii() and c.isalnum() for c in norm):
            continue
        assert fast.tokenize(norm) == list(reference.tokenize(norm, mode="search")), line
        checked += 1
    assert checked > 300


@pytest.mark.parametrize(
    ("text", "grams"),
    [("河长制", {"河", "长", "制", "河长", "长制"}), ("a b", {"a", "b"}), ("的", {"的"})],
)
def test_literal_grams(text, grams):
    assert literal_grams(text) == grams


def test_query_grams():
    assert query_grams("河") == ["河"]
    assert query_grams("河长制河长") == ["河长", "长制", "制河"]


def test_no_character_normalises_to_nothing():
    # to_source_spans relies on it: equal lengths then mean one character for one. normalize
    # is NFKC, lower case, then a one-for-one character table, character by character, so it
    # is enough that NFKC + lower never empties a character and the table maps to one.
    import unicodedata

    from govsearch.indexer.textnorm import _t2s

    empty = [
        cp
        for cp in range(0x110000)
        if not 0xD800 <= cp <= 0xDFFF and not unicodedata.normalize("NFKC", chr(cp)).lower()
    ]
    assert empty == []
    assert all(len(v) == 1 for v in _t2s().values())
    assert normalize("ﬁ㍿") == "fi株式会社"  # expansions exist; deletions do not


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="河長长制ＧgＤdｐP（(一)）２2 \u3000ﬁ㍿Ⅻ", min_size=1, max_size=30))
def test_source_spans_agree_with_the_offset_map(text):
    norm = normalize(text)
    starts = offset_map(text)
    spans = [(i, j) for i in range(len(norm)) for j in range(i + 1, min(len(norm), i + 3) + 1)]
    assert to_source_spans(text, spans) == [(starts[s], starts[e - 1] + 1) for s, e in spans]
