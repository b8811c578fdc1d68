"""Retrieval internals against brute force: set algebra, word scores, top-k order, facets, caches,
and the public matching-set functions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govsearch.indexer import build_index
from govsearch.indexer.textnorm import normalize
from govsearch.search import (
    documents,
    matching_pids,
    open_index,
    paragraph_doc_numbers,
    parse_query,
    pidsets,
    search,
)

id_sets = st.sets(st.integers(0, 3000), max_size=400)


def _arr(values: set[int]) -> np.ndarray:
    return np.array(sorted(values), dtype=pidsets.PID)


@settings(max_examples=300, deadline=None)
@given(a=id_sets, b=id_sets, dense=st.booleans())
def test_set_algebra_equals_python_sets(a, b, dense):
    if dense:  # exercise the mask paths as well as the binary-search paths
        a = a | set(range(0, 3000, 2))
    x, y = _arr(a), _arr(b)
    for got, want in (
        (pidsets.intersect(x, y), a & b),
        (pidsets.union(x, y), a | b),
        (pidsets.difference(x, y), a - b),
        (pidsets.difference(y, x), b - a),
    ):
        assert got.tolist() == sorted(want)
        assert got.dtype == pidsets.PID
    assert pidsets.contains(x, _arr(b)).tolist() == [v in a for v in sorted(b)]


@pytest.fixture(scope="module")
def sample(sample_index):
    return open_index(sample_index)


def _brute_order(sample, query: str) -> list[tuple]:
    """Every match with its score, fully sorted: score desc, year newest first, the document's
    path, the paragraph's number, then the first RERANK_DEPTH re-sorted by ranking.rerank's
    scores (the ranking contract). The pid is last in each row (it never decides)."""
    reader = sample.reader()
    from govsearch.search import ranking
    from govsearch.search.evaluate import Evaluator
    from govsearch.search.query import positive_terms
    from govsearch.search.rank import Ranker

    node = parse_query(query)
    terms = positive_terms(node)
    matched = Evaluator(reader).eval(node)
    ranker = Ranker(reader, terms, matched)
    scores = ranker.base()
    number = {pid: p for pid, (p,) in reader.fetch(matched.tolist(), "paragraph").items()}
    rows = []
    for pid, score in zip(matched.tolist(), scores.tolist(), strict=True):
        d = reader.doc_of(pid)
        year = -d.year if d.year is not None else 10**6
        rows.append((-score, year, d.path, number[pid], pid))
    rows.sort()
    if not ranking.reorders(terms):
        return rows
    head, rest = rows[: ranking.RERANK_DEPTH], rows[ranking.RERANK_DEPTH :]
    norms = reader.norms(row[-1] for row in head)
    final = ranking.rerank(
        terms,
        [ranking.Candidate(row[-1], -row[0], n) for row, n in zip(head, norms, strict=True)],
    )
    return sorted((-final[row[-1]], *row[1:]) for row in head) + rest


@pytest.mark.parametrize("query", ["发展", "的", "河长制", "水", "经济 发展", "长制", "环境 -污染"])
@pytest.mark.parametrize("k", [1, 7, 10, 100, 250])
def test_top_k_is_the_head_of_a_full_sort(sample, query, k):
    full = _brute_order(sample, query)
    result = search(sample, query, limit=k, facets=False, collapse=False)
    pid_of = {f"{d.doc_id}:{p}": pid for pid, d, p in _pid_ids(sample)}
    assert [pid_of[h.id] for h in result.hits] == [row[-1] for row in full[:k]]
    assert result.total == len(full)


def _pid_ids(sample):
    reader = sample.reader()
    rows = reader.scan_paragraphs("paragraph")
    return [(pid, reader.doc_of(pid), paragraph) for pid, paragraph in rows]


def _whoosh_scores(reader, words: list[str]) -> dict[str, dict[int, float]]:
    """Whoosh's own BM25F score of every paragraph holding each word (pid → score)."""
    from whoosh import query as wq

    out = {}
    with reader.searcher() as searcher:
        doc_of = searcher.reader().column_reader("doc_id")
        para_of = searcher.reader().column_reader("para")
        for word in words:
            hits = searcher.search(wq.Term("words", word), limit=None)
            out[word] = {
                reader.pid_of(doc_of[h.docnum], int(para_of[h.docnum])): h.score for h in hits
            }
    return out


def _assert_scores_equal(reader, words: list[str]) -> None:
    from govsearch.search.wordscores import word_scores

    whoosh = _whoosh_scores(reader, words)
    for word in words:
        pids, scores = word_scores(reader, word)
        ours = dict(zip(pids.tolist(), scores.tolist(), strict=True))
        assert ours.keys() == whoosh[word].keys(), word
        assert all(abs(ours[p] - whoosh[word][p]) < 1e-9 for p in ours), word


def test_word_scores_equal_whooshs_own(sample):
    """The flat word postings hold Whoosh's vocabulary, and their scores are Whoosh's BM25F."""
    import random

    from govsearch.search.wordscores import has_words

    reader = sample.reader()
    with reader.searcher() as searcher:
        vocabulary = [w.decode("utf-8") for w in searcher.reader().lexicon("words")]
    assert reader.words().keys.size == len(vocabulary)
    assert all(has_words(reader, vocabulary))
    assert not any(has_words(reader, ["河长制河长制", "zzzz", "的的的"]))
    words = ["发展", "河长制", "的", "经济", *random.Random(9).sample(vocabulary, 200)]
    _assert_scores_equal(reader, words)


def test_facet_counts_equal_a_brute_force_count(sample, sample_paragraphs):
    result = search(sample, "发展 OR 河长制", limit=1, collapse=False)
    everything = search(sample, "发展 OR 河长制", limit=None, facets=False, collapse=False)
    for name, label in (
        ("year", lambda h: str(h.year) if h.year is not None else "unknown"),
        ("region", lambda h: h.region or "unknown"),
        ("level", lambda h: h.level or "unknown"),
        ("type", lambda h: h.doc_type or "unknown"),
    ):
        brute: dict[str, int] = {}
        for h in everything.hits:
            brute[label(h)] = brute.get(label(h), 0) + 1
        assert result.facets[name] == brute, name
    assert sum(result.facets["year"].values()) == result.total == len(everything.hits)
    want = sum(1 for _p, _l, norm in sample_paragraphs if "发展" in norm or "河长制" in norm)
    assert result.total == want


def test_matching_pids_and_doc_numbers(sample, sample_paragraphs):
    reader = sample.reader()
    flat = matching_pids(reader, "河长制", collapse=False)
    folded = matching_pids(reader, parse_query("河长制"))
    assert flat.dtype == pidsets.PID and np.all(np.diff(flat) > 0)
    assert set(folded.tolist()) <= set(flat.tolist())
    assert folded.size == search(sample, "河长制", limit=0).total
    assert flat.size == sum(1 for _p, _l, norm in sample_paragraphs if "河长制" in norm)
    numbers = paragraph_doc_numbers(reader)
    docs = documents(reader)
    for pid in flat.tolist():
        doc = docs[numbers[pid]]
        assert doc.pid_start <= pid < doc.pid_end
        text = reader.norms([pid])[0]
        assert "河长制" in text
    # Near-duplicate copies: the 2010 national report appears twice in the sample.
    both = matching_pids(reader, "year:2010 title:政府工作报告", collapse=False)
    one = matching_pids(reader, "year:2010 title:政府工作报告")
    assert 0 < one.size < both.size


def test_caches_follow_a_new_generation(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("河长制工作\n其他内容\n", encoding="utf-8")
    ix_dir = tmp_path / "ix"
    build_index([src], ix_dir)
    index = open_index(ix_dir)
    assert search(index, "河长制").total == 1
    assert search(index, "湖长制").total == 0
    (src / "b.txt").write_text("湖长制与河长制\n河长制\n", encoding="utf-8")
    build_index([src], ix_dir)
    # The same handle sees the new generation: nothing cached from the old one is used.
    assert search(index, "河长制").total == 3
    assert search(index, "湖长制").total == 1
    assert matching_pids(index, "河长制", collapse=False).size == 3
    (src / "a.txt").unlink()
    build_index([src], ix_dir)
    assert search(index, "河长制").total == 2
    hits = search(index, "河长制", limit=None).hits
    assert sorted(normalize(h.text) for h in hits) == ["河长制", "湖长制与河长制"]
