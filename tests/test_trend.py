"""Trend counts: exact against a brute-force count over the source files, zeros present,
near-duplicate copies counted once, scope filters, bad input."""

from __future__ import annotations

import importlib
import json
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govsearch.indexer import UsageError, build_index
from govsearch.indexer.textnorm import normalize
from govsearch.search import compare_terms, count, open_index, search
from govsearch.search.trend import MAX_SERIES, parse_series, read_terms_file, trend

trend_module = importlib.import_module("govsearch.search.trend")

POOL = ["河长制", "湖长制", "林长制", "河长", "长制", "黑臭水体", "乡村振兴", "营商环境",
        "发展", "改革", "污染", "的", "2018", "GDP", "哈哈", "一一", "十三五", "脱贫攻坚",
        "zzzz不存在"]  # fmt: skip


@pytest.fixture(scope="module")
def sample(sample_index):
    return open_index(sample_index)


@pytest.fixture(scope="module")
def oracle_docs(sample, sample_paragraphs):
    """Per source file: its metadata as indexed, and its normalised paragraphs from the file.

    The near-duplicate pairs are the index's (document-level detection is not what is tested
    here); which paragraphs of a copy fold into the original is recomputed from the text.
    """
    reader = sample.reader()
    by_path = {d.path: d for d in reader.docs}
    paras: dict[str, list[str]] = defaultdict(list)
    for path, _line, norm in sample_paragraphs:
        paras[path].append(norm)
    originals = reader.duplicate_documents()
    by_id = {d.doc_id: d for d in reader.docs}
    docs = {}
    for path, d in by_path.items():
        root = originals.get(d.doc_id)
        folded = set(paras[by_id[root].path]) if root else set()
        docs[path] = (d, paras[path], folded)
    assert len(docs) == len(paras)
    assert originals, "the sample must hold near-duplicate documents"
    return docs


def brute_occurrences(norm: str, terms: list[str]) -> int:
    """Left to right, the longest term at each place, no overlap."""
    n, i = 0, 0
    longest_first = sorted(terms, key=len, reverse=True)
    while i < len(norm):
        hit = next((t for t in longest_first if norm.startswith(t, i)), None)
        if hit:
            n += 1
            i += len(hit)
        else:
            i += 1
    return n


def brute_trend(docs, terms: list[str], mode: str, dim: str, copies: bool):
    """{bucket: [paragraphs, documents, occurrences, bucket_paragraphs, bucket_documents]}."""
    terms = [normalize(t) for t in terms]
    out: dict = defaultdict(lambda: [0, 0, 0, 0, 0])
    for d, norms, folded in docs.values():
        key = {"year": d.year, "region": d.region, "level": d.level, "doc": d.doc_id}[dim]
        row = out[key]
        counted = [n for n in norms if copies or n not in folded]
        hits = [n for n in counted if (any if mode == "or" else all)(t in n for t in terms)]
        row[0] += len(hits)
        row[1] += 1 if hits else 0
        row[2] += sum(brute_occurrences(n, terms) for n in hits)
        row[3] += len(counted)
        row[4] += 1 if counted else 0
    return out


def as_table(t):
    (s,) = t.series
    return {
        r.bucket[0]: [r.paragraphs, r.documents, r.occurrences, r.bucket_paragraphs,
                      r.bucket_documents]
        for r in s.rows
    }  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    terms=st.lists(st.sampled_from(POOL), min_size=1, max_size=3, unique=True),
    mode=st.sampled_from(["or", "and"]),
    dim=st.sampled_from(["year", "region", "level", "doc"]),
    copies=st.booleans(),
)
def test_counts_equal_a_brute_force_count(sample, oracle_docs, terms, mode, dim, copies):
    query = (" OR " if mode == "or" else " ").join(terms)
    got = as_table(trend(sample, [query], by=[dim], count_copies=copies))
    expected = brute_trend(oracle_docs, terms, mode, dim, copies)
    # Every bucket the index has is present (with zeros); `by year` also fills the years
    # between with empty buckets.
    for key, row in got.items():
        assert row == expected.get(key, [0, 0, 0, 0, 0]), (query, key)
    assert set(expected) <= set(got)


def test_substrings_of_the_corpus_count_exactly(sample, oracle_docs, sample_paragraphs):
    import random

    rng = random.Random(7)
    pieces = []
    while len(pieces) < 25:
        _p, _l, norm = rng.choice(sample_paragraphs)
        size = rng.choice([1, 2, 3, 4, 6])
        start = rng.randrange(0, max(1, len(norm) - size))
        piece = norm[start : start + size]
        if piece.strip() == piece and piece and not any(c in piece for c in ' "()-'):
            if piece not in ("OR", "AND", "NOT") and ":" not in piece:
                pieces.append(piece)
    t = trend(sample, [f"s{i}={p}" for i, p in enumerate(pieces)], by=["doc"])
    for piece, s in zip(pieces, t.series, strict=True):
        expected = brute_trend(oracle_docs, [piece], "and", "doc", False)
        got = {r.bucket[0]: [r.paragraphs, r.documents, r.occurrences] for r in s.rows}
        assert got == {k: v[:3] for k, v in expected.items()}, piece


def test_each_year_point_is_the_search_count(sample):
    t = trend(sample, ["河长制", "发展 OR 改革"])
    for s in t.series:
        for r in s.rows:
            assert r.paragraphs == count(sample, s.query, year=str(r.bucket[0]))
        assert s.paragraphs == count(sample, s.query)


def test_worked_example_rows_and_totals(sample):
    t = trend(sample, ["河长制", "湖长制", "林长制"])
    years = [b.key[0] for b in t.buckets]
    assert years == list(range(min(years), max(years) + 1))  # no holes in the time axis
    for s in t.series:
        assert len(s.rows) == len(t.buckets)
        hit_years = [r.bucket[0] for r in s.rows if r.paragraphs]
        assert (s.first_year, s.last_year) == (min(hit_years), max(hit_years))
        for r in s.rows:
            assert r.per_10k_paragraphs == (
                round(r.paragraphs * 10_000 / r.bucket_paragraphs, 4)
                if r.bucket_paragraphs
                else None
            )
            assert r.share_of_documents == (
                round(r.documents / r.bucket_documents, 6) if r.bucket_documents else None
            )
    assert t.paragraphs == sum(b.paragraphs for b in t.buckets)
    assert [b.paragraphs for b in t.buckets] == [r.bucket_paragraphs for r in t.series[0].rows]


def test_scope_by_year_and_region(sample):
    t = trend(sample, ["河长制"], year="2016..2020", region="山东")
    assert [b.key[0] for b in t.buckets] == [2016, 2017, 2018, 2019, 2020]
    (s,) = t.series
    for r in s.rows:
        assert r.paragraphs == count(sample, "河长制", year=str(r.bucket[0]), region="山东")
        hits = search(sample, "", year=str(r.bucket[0]), region="山东", limit=0)
        assert r.bucket_paragraphs == hits.total


def test_duplicates_fold_into_one_count_unless_copies_are_counted(sample):
    reader = sample.reader()
    original_pid = int(reader.dup_of()[1][0])
    text = reader.norms([original_pid])[0]
    probe = text[:12].strip()
    folded = trend(sample, [probe]).series[0]
    every = trend(sample, [probe], count_copies=True).series[0]
    assert folded.paragraphs == count(sample, probe)
    assert every.paragraphs == count(sample, probe, collapse=False)
    assert every.paragraphs > folded.paragraphs


def test_labels_and_duplicate_series():
    assert parse_series("河湖=河长制 OR 湖长制").label == "河湖"
    assert parse_series("河湖=河长制 OR 湖长制").query == "河长制 OR 湖长制"
    assert parse_series("河长制") == parse_series("河长制 ")
    assert parse_series('"a=b"').label == '"a=b"'  # a quoted = is text, not a label


def test_duplicate_and_conflicting_series(sample):
    t = trend(sample, ["河长制", "河长制", "zzzz不存在"])
    assert [s.label for s in t.series] == ["河长制", "zzzz不存在"]
    assert t.warnings == [
        "series '河长制' is given more than once; counted once",
        "series 'zzzz不存在' matches no paragraph",
    ]
    none = t.series[1]
    assert none.paragraphs == 0 and none.first_year is None and none.last_year is None
    assert len(none.rows) == len(t.buckets) and not any(r.paragraphs for r in none.rows)
    with pytest.raises(UsageError) as err:
        trend(sample, ["水=河长制", "水=湖长制"])
    assert str(err.value) == (
        "two series are labelled '水' ('河长制' and '湖长制'); give each its own label, "
        "e.g. 河湖=河长制 OR 湖长制"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"queries": []}, "no series to count: give one or more queries, e.g. 河长制 湖长制"),
        ({"queries": ["河长制"], "by": ["colour"]},
         "cannot count by 'colour'; use one of: year, region, province, city, county, level, "
         "type, doc"),
        ({"queries": ["河长制"], "by": ["year", "year"]},
         "--by year year names a dimension twice; give each once"),
        ({"queries": ["河长制", "坏=(河长制"]},
         "series '坏' ('(河长制'): unbalanced parenthesis: add the closing ')'"),
        ({"queries": [f"t{i}" for i in range(10_000)]},
         f"10000 series; the limit is {MAX_SERIES} per run: split them into several runs"),
        ({"queries": ["河长制"], "year": "20x"},
         "year:20x — a year is 4 digits, or a range like year:2015..2020"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_error(sample, kwargs, message):
    with pytest.raises(UsageError) as err:
        trend(sample, **kwargs)
    assert str(err.value) == message


def test_too_many_rows_are_refused(sample, monkeypatch):
    monkeypatch.setattr(trend_module, "MAX_CELLS", 1000)
    buckets = len(trend(sample, ["河长制"], by=["doc"]).buckets)
    with pytest.raises(UsageError) as err:
        trend(sample, [f"t{i}" for i in range(50)], by=["doc"])
    assert str(err.value) == (
        f"50 series × {buckets} buckets is {50 * buckets:,} rows; the limit is 1,000: use fewer "
        "series, a coarser --by, or narrow with --year/--region"
    )


def test_terms_file(tmp_path):
    f = tmp_path / "terms.txt"
    f.write_text("\ufeff# 河湖\n河长制\n\n湖长制 OR 河湖长制\n", "utf-8")
    assert read_terms_file(f) == ["河长制", "湖长制 OR 河湖长制"]
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n", "utf-8")
    with pytest.raises(UsageError) as err:
        read_terms_file(empty)
    assert str(err.value) == f"{empty} holds no series: write one query per line, e.g. 河长制"
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("河长制\n".encode("gbk"))
    with pytest.raises(UsageError) as err:
        read_terms_file(gbk)
    assert str(err.value) == f"cannot read {gbk}: it is not UTF-8 text; save it as UTF-8"
    with pytest.raises(UsageError) as err:
        read_terms_file(tmp_path / "missing.txt")
    assert str(err.value) == f"cannot read terms file {tmp_path / 'missing.txt'}: " + (
        "No such file or directory"
    )


def test_json_shape(sample):
    d = trend(sample, ["河长制"], by=["level"]).to_dict()
    assert list(d) == ["schema_version", "by", "year", "region", "count_copies", "paragraphs",
                       "documents", "buckets", "series", "warnings"]  # fmt: skip
    (s,) = d["series"]
    assert list(s) == ["series", "query", "paragraphs", "documents", "occurrences",
                       "first_year", "last_year", "rows"]  # fmt: skip
    assert list(s["rows"][0]) == ["level", "paragraphs", "documents", "occurrences",
                                  "bucket_paragraphs", "bucket_documents", "per_10k_paragraphs",
                                  "share_of_documents"]  # fmt: skip
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d


def test_a_copy_whose_original_is_out_of_scope_is_counted_like_search(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # Many distinct clauses: near-duplicate detection samples a quarter of them by hash, and
    # a few clauses could leave a run (its hash seed) without evidence of the pair.
    text = "".join(
        f"第{i}段：推行河长制，落实第{i}项治水措施，开展第{i}轮巡河护河行动，"
        f"整治第{i}条黑臭水体河段，完成第{i}批河道清淤疏浚工程。\n"
        for i in range(12)
    )
    rows = [{"file": "a.txt", "year": 2020, "region": "深圳市"},
            {"file": "b.txt", "year": 2020, "region": "广州市"}]  # fmt: skip
    for row in rows:
        (corpus / row["file"]).write_text(text, "utf-8")
    manifest = corpus / "m.jsonl"
    manifest.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    build_index([corpus], tmp_path / "index", manifest=manifest)
    index = open_index(tmp_path / "index")
    assert index.reader().dup_of()[0].size == 12  # one file is the other's copy
    for region in ("广州", "深圳", None):
        (s,) = trend(index, ["河长制"], by=("region",), region=region).series
        assert s.paragraphs == count(index, "河长制", region=region)
        # Without a scope the copy folds into its original: 12 paragraphs in all.
        everything = 12 if region is None else search(index, "", region=region, limit=0).total
        assert everything == 12
        assert sum(r.bucket_paragraphs for r in s.rows) == everything
        assert sum(r.bucket_documents for r in s.rows) == 1  # a copy folded whole counts 0
        if region is not None:
            c = compare_terms(index, "2020", "2020", region=region, min_count=1)
            assert (c.paragraphs_first, c.paragraphs_second) == (12, 12)


# -- cases the corpus lacks: overlapping terms, empty trailing years ------------------------

LAUGHS = {
    "a.txt": (2015, "哈哈哈哈\n呵呵哈哈哈\n"),
    "b.txt": (2016, "哈哈哈\n"),
    "c.txt": (2017, "没有笑声\n"),
}


@pytest.fixture(scope="module")
def laughs(tmp_path_factory):
    """2015: 哈哈哈哈 and 呵呵哈哈哈; 2016: 哈哈哈; 2017: neither. No document after 2017."""
    corpus = tmp_path_factory.mktemp("laughs")
    rows = []
    for name, (year, text) in LAUGHS.items():
        (corpus / name).write_text(text, "utf-8")
        rows.append(json.dumps({"file": name, "year": year}, ensure_ascii=False))
    (corpus / "m.jsonl").write_text("\n".join(rows) + "\n", "utf-8")
    build_index([corpus], corpus / "index", manifest=corpus / "m.jsonl")
    return open_index(corpus / "index")


def test_occurrences_never_overlap(laughs):
    t = trend(laughs, ["哈哈", "笑=哈哈 OR 呵呵"], by=["doc"])
    haha, either = t.series
    # 哈哈哈哈 holds 哈哈 twice (not three times), 哈哈哈 once (not twice), as str.count does.
    assert [r.occurrences for r in haha.rows] == [2 + 1, 1, 0]
    assert haha.occurrences == 4
    # With two terms the longest at each place, left to right: 呵呵|哈哈|哈.
    assert [r.occurrences for r in either.rows] == [2 + 2, 1, 0]
    assert [r.paragraphs for r in haha.rows] == [2, 1, 0]


def test_a_year_range_has_every_year_even_when_the_last_are_empty(laughs):
    t = trend(laughs, ["哈哈"], year="2015..2020")
    assert [b.key[0] for b in t.buckets] == [2015, 2016, 2017, 2018, 2019, 2020]
    (s,) = t.series
    assert [(r.bucket[0], r.paragraphs, r.bucket_documents) for r in s.rows] == [
        (2015, 2, 1), (2016, 1, 1), (2017, 0, 1), (2018, 0, 0), (2019, 0, 0), (2020, 0, 0),
    ]  # fmt: skip
    before = trend(laughs, ["哈哈"], year="2013..2016")
    assert [b.key[0] for b in before.buckets] == [2013, 2014, 2015, 2016]
    # Without a range: the years the index holds, first to last.
    assert [b.key[0] for b in trend(laughs, ["哈哈"]).buckets] == [2015, 2016, 2017]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pid_seed=st.integers(min_value=0, max_value=10**6),
    piece=st.sampled_from(["哈哈", "一一", "的", "。", "20", "00", "发展", "河长制", "a", "，，"]),
    step=st.integers(min_value=1, max_value=400),
)
def test_occurrences_on_the_stored_bytes_equal_str_count(sample, pid_seed, piece, step):
    """TextFile.count (bytes, never decoded) is str.count, overlapping terms (哈哈) included."""
    reader = sample.reader()
    pids = reader.all_pids()[pid_seed % step :: step]
    counts = reader.texts().count(pids, piece)
    assert counts.tolist() == [norm.count(piece) for norm in reader.norms(pids.tolist())]


def test_overlapping_terms_count_without_overlaps(tmp_path):
    (tmp_path / "a.txt").write_text("哈哈哈哈哈。\n一一一，哈\n哈哈\n", "utf-8")
    index = tmp_path / "index"
    build_index([tmp_path / "a.txt"], index)
    t = trend(index, ["哈哈", "一一", "哈"], by=["doc"])
    assert [s.occurrences for s in t.series] == [2 + 1, 1, 5 + 1 + 2]


def test_without_occurrences_nothing_is_counted(sample, monkeypatch):
    full = trend(sample, ["河长制", "发展 OR 改革", "title:报告"], by=["year"])
    texts = type(sample.reader().texts())
    for name in ("count", "norms"):
        monkeypatch.setattr(texts, name, lambda *a: pytest.fail("occurrences were counted"))
    bare = trend(sample, ["河长制", "发展 OR 改革", "title:报告"], by=["year"], occurrences=False)
    assert [s.occurrences for s in bare.series] == [None, None, None]
    assert {r.occurrences for r in bare.rows} == {None}
    for a, b in zip(full.series, bare.series, strict=True):
        assert (a.paragraphs, a.documents, a.first_year, a.last_year) == (
            b.paragraphs, b.documents, b.first_year, b.last_year
        )  # fmt: skip
        assert [(r.bucket, r.paragraphs, r.documents, r.per_10k_paragraphs,
                 r.share_of_documents) for r in a.rows] == [
            (r.bucket, r.paragraphs, r.documents, r.per_10k_paragraphs, r.share_of_documents)
            for r in b.rows
        ]  # fmt: skip
