"""The concordance: its lines are search's matches, contexts cut from the original text, sorts
by position and by context, pages, and bad input."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govsearch.indexer import QueryError, build_index
from govsearch.indexer.textnorm import find_all, merge_spans, normalize
from govsearch.search import kwic, open_index, search

POOL = ["河长制", "湖长制", "长制", "黑臭水体", "发展 改革", '"生态 环境"', "河长制 OR 湖长制",
        "河长制 -湖长制", "污染 year:2015..2020", "哈哈", "一一", "GDP", "2018", "的 region:广东",
        "zzzz不存在", "?长制", "*长制", "营?环境 -污染", "/[河湖林]长制/",
        "?长制 OR 发展"]  # fmt: skip


@pytest.fixture(scope="module")
def sample(sample_index):
    return open_index(sample_index)


def search_lines(index, query: str, width: int) -> list[tuple]:
    """The concordance built by hand from search's hits: every highlighted span in context."""
    result = search(index, query, limit=None, facets=False, sort="year")
    out = []
    for h in result.hits:
        for s, e in h.matches:
            left, right = h.text[max(0, s - width) : s], h.text[e : e + width]
            out.append((h.id, h.doc_id, h.title, h.year, h.region, left, h.text[s:e], right, s, e))
    return out


def as_tuples(result) -> list[tuple]:
    return [tuple(line.to_dict().values()) for line in result.lines]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.sampled_from(POOL), width=st.sampled_from([0, 1, 5, 20]))
def test_lines_are_the_matches_search_highlights(sample, query, width):
    result = kwic(sample, query, width=width, limit=None)
    assert sorted(as_tuples(result)) == sorted(search_lines(sample, query, width))
    assert result.total == len(result.lines)
    assert result.paragraphs == search(sample, query, limit=0).total


@pytest.mark.parametrize("term", ["河长制", "长制", "发展", "哈哈", "一一", "2018"])
def test_each_line_is_an_occurrence_in_the_source_paragraphs(sample, sample_paragraphs, term):
    """Brute force over the files: per paragraph, the overlapping occurrences merged."""
    reader = sample.reader()
    by_path = {d.path: d for d in reader.docs}
    expected: dict[tuple[str, int], int] = {}
    for path, line, norm in sample_paragraphs:
        spans = merge_spans(find_all(norm, term))
        if spans:
            expected[(path, line)] = len(spans)
    result = kwic(sample, term, limit=None, collapse=False)
    got: dict[tuple[str, int], int] = {}
    lines = {pid: line for pid, line in reader.scan_paragraphs("line")}
    for x in result.lines:
        d = reader.by_id[x.doc_id]
        pid = d.pid_start + int(x.id.split(":")[1]) - 1
        got[(d.path, lines[pid])] = got.get((d.path, lines[pid]), 0) + 1
        assert normalize(x.match) == term
    assert got == expected
    assert set(by_path) >= {path for path, _line in got}


def document_order(reader, line) -> tuple:
    """The document's path (by code point), the paragraph number, the match's offset: never
    the order the files were indexed in (tests/test_segments.py checks that part)."""
    d = reader.by_id[line.doc_id]
    return (d.path, int(line.id.split(":")[1]), line.start)


@pytest.mark.parametrize("query", ["河长制", "发展", "河长制 OR 湖长制", "的"])
def test_sorts(sample, query):
    reader = sample.reader()
    position = kwic(sample, query, limit=None).lines
    assert position == sorted(position, key=lambda x: document_order(reader, x))
    left = kwic(sample, query, sort="left", limit=None).lines
    assert left == sorted(
        position, key=lambda x: (normalize(x.left)[::-1], document_order(reader, x))
    )
    right = kwic(sample, query, sort="right", limit=None).lines
    assert right == sorted(position, key=lambda x: (normalize(x.right), document_order(reader, x)))


@pytest.mark.parametrize("sort", ["position", "left", "right"])
@pytest.mark.parametrize(("offset", "limit"), [(0, 0), (0, 1), (3, 7), (40, 25), (0, 78),
                                               (0, 79), (0, 80), (70, 100), (500, 10)])  # fmt: skip
def test_pages_are_slices_of_the_whole(sample, sort, offset, limit):
    whole = kwic(sample, "河长制", sort=sort, limit=None)
    assert whole.total == 79  # the sample holds 79 matches of 河长制
    page = kwic(sample, "河长制", sort=sort, offset=offset, limit=limit)
    assert page.lines == whole.lines[offset : offset + limit]
    assert page.paragraphs == whole.paragraphs
    if sort == "position" and offset + limit < whole.total:
        assert page.total is None  # a page in document order stops reading early
        assert not page.complete
    else:
        assert page.total == whole.total


def test_worked_example_on_the_seeds(seed_index):
    result = kwic(seed_index, "河长制", width=6)
    got = [(x.year, x.region, x.left, x.match, x.right, x.start, x.end) for x in result.lines]
    assert got == [
        (2020, "XX街道", ";全面落实“", "河长制", "”工作,推动", 73, 76),
        (2020, "XX街道", "工作经验获省", "河长制", "办公室专文刊", 98, 101),
        (2018, "坪山街道", "务。全面落实", "河长制", ",坚持每日一", 399, 402),
        (2018, "坪山街道", ",严格落实“", "河长制", "”、“湖长制", 268, 271),
    ]
    assert [x.id.split(":")[1] for x in result.lines] == ["8", "8", "4", "14"]
    assert (result.total, result.paragraphs, result.sort) == (4, 3, "position")
    assert json.loads(json.dumps(result.to_dict()))["lines"][0] == {
        "id": result.lines[0].id, "doc_id": result.lines[0].doc_id,
        "title": result.lines[0].title, "year": 2020, "region": "XX街道", "left": ";全面落实“",
        "match": "河长制", "right": "”工作,推动", "start": 73, "end": 76,
    }  # fmt: skip


@pytest.fixture(scope="module")
def odd_index(tmp_path_factory):
    """Traditional characters, full-width text and characters that normalise to two."""
    folder = tmp_path_factory.mktemp("kwic-odd")
    lines = [
        "全面推行河長制，落實ＡＢＣ河长制。",  # same length normalised (a P patch)
        "ﬁ河长制ﬁ河長制㍻河长制。",  # ﬁ → fi and ㍻ → 平成: longer normalised (a T patch)
        "没有匹配的段落。",
        "河长制",
    ]
    (folder / "odd.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    build_index([folder], folder / "index")
    return open_index(folder / "index")


def test_offsets_and_contexts_are_in_the_original_text(odd_index):
    result = kwic(odd_index, "河长制", width=3, limit=None)
    got = [(x.id.split(":")[1], x.left, x.match, x.right, x.start, x.end) for x in result.lines]
    assert got == [
        ("1", "面推行", "河長制", "，落實", 4, 7),
        ("1", "ＡＢＣ", "河长制", "。", 13, 16),
        ("2", "ﬁ", "河长制", "ﬁ河長", 1, 4),
        ("2", "长制ﬁ", "河長制", "㍻河长", 5, 8),
        ("2", "長制㍻", "河长制", "。", 9, 12),
        ("4", "", "河长制", "", 0, 3),
    ]
    # Context sorts compare the normalised text: ㍻ sorts as 平成, ＡＢＣ as abc.
    left = [x.left for x in kwic(odd_index, "河长制", width=3, sort="left", limit=None).lines]
    assert left == ["", "ＡＢＣ", "ﬁ", "长制ﬁ", "長制㍻", "面推行"]


def test_a_pattern_s_lines_are_its_highlights(sample, odd_index):
    for index in (sample, odd_index):
        result = kwic(index, "?长制", width=4, limit=None)
        assert as_tuples(result) == search_lines_in_order(index, "?长制", 4)
        assert result.total == sum(len(h.matches) for h in search(index, "?长制", limit=None).hits)
    # Every 长制 there follows 河 or 河長: the pattern's lines are the term's, original text and
    # offsets included (traditional, full-width and ligature characters around them).
    assert as_tuples(kwic(odd_index, "?长制", width=3, limit=None)) == as_tuples(
        kwic(odd_index, "河长制", width=3, limit=None)
    )


def search_lines_in_order(index, query: str, width: int) -> list[tuple]:
    """search_lines in document order (kwic's position sort): path, paragraph, offset."""
    lines = search_lines(index, query, width)
    paths = {d.doc_id: d.path for d in index.reader().docs}
    return sorted(lines, key=lambda x: (paths[x[1]], int(x[0].split(":")[1]), x[8]))


def test_a_star_completes_words_as_the_index_cuts_them(tmp_path):
    """`*长制` takes the word the index's own segmenter (its --dict words too) cuts there."""
    (tmp_path / "a.txt").write_text("全面落实河长制工作，推进湖长制。\n", encoding="utf-8")
    (tmp_path / "dict.txt").write_text("落实河长制 50000 n\n", encoding="utf-8")
    build_index([tmp_path / "a.txt"], tmp_path / "index", user_dict=tmp_path / "dict.txt")
    index = open_index(tmp_path / "index")
    assert [x.match for x in kwic(index, "*长制").lines] == ["落实河长制", "湖长制"]
    assert as_tuples(kwic(index, "*长制", width=2)) == search_lines(index, "*长制", 2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sort": "middle"}, "unknown sort 'middle'; use one of: position, left, right"),
        ({"width": -1}, "width must be 0 to 1000 characters (got -1)"),
        ({"width": 1001}, "width must be 0 to 1000 characters (got 1001)"),
        ({"offset": -1}, "offset must be 0 or more"),
        ({"limit": -5}, "limit must be 0 or more"),
    ],
)
def test_bad_options_are_one_clear_error(seed_index, kwargs, message):
    with pytest.raises(QueryError) as err:
        kwic(seed_index, "河长制", **kwargs)
    assert str(err.value) == message


def test_a_query_without_text_has_no_context(seed_index):
    with pytest.raises(QueryError) as err:
        kwic(seed_index, "year:2018")
    assert str(err.value) == (
        "'year:2018' has no text to show in context: add a term, e.g. 河长制 year:2018"
    )
    with pytest.raises(QueryError) as err:
        kwic(seed_index, "-河长制")
    assert str(err.value).startswith("'-河长制' has no text to show in context")


def test_a_sort_by_context_can_be_capped(sample):
    with pytest.raises(QueryError) as err:
        kwic(sample, "河长制", sort="left", max_sorted=10)
    assert str(err.value) == (
        "sorting by context reads every line: 53 paragraphs match and the limit here is 10; "
        "narrow the query (a year or a region), or sort by position"
    )
    assert kwic(sample, "河长制", max_sorted=10).lines  # index order reads only a page
    assert kwic(sample, "河长制", sort="left", max_sorted=53).total == 79


def test_no_match_is_an_empty_concordance(seed_index):
    result = kwic(seed_index, "zzzz不存在")
    assert (result.lines, result.total, result.paragraphs) == ([], 0, 0)
