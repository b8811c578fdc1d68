"""An index grown by any sequence of runs answers exactly like a fresh build of the final folder.

A hypothesis state machine adds, changes and removes documents of a small pool, runs
incremental index runs (the merge policy set so that merges happen every few runs) and
`--optimize`, and after each run compares every query with a fresh build of the folder as it
is then: the same paragraphs in the same order, scores equal to 1e-9, the same totals, facets,
highlights and folded copies (also_in).

Whoosh, updated by the same runs through its own writer, is checked as well: it must hold the
same words, weights and field lengths, so that its BM25F scores equal ours computed with its
collection statistics (_assert_whoosh_agrees). Those statistics are exactly ours (a fresh
build's) until Whoosh has deleted paragraphs pending, which it counts in N, the document
frequencies and the total field length until it merges them away, or has merged segments,
after which its total field length is the sum of its one-byte approximations of each length
(whoosh.writing.add_reader copies the approximations): where they are equal the scores are
compared directly.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from govsearch.indexer import IndexReader, build_index, merge, schema
from govsearch.indexer.analysis import word_key
from govsearch.search import collocates, diffusion, kwic, search, stats, trend, variants
from govsearch.search.service import _Query

from .conftest import CORPUS
from .test_retrieval import _assert_scores_equal, _whoosh_scores

REPORT = [ln for ln in (CORPUS / "0042_19f7d683c7fa4ac2.txt").read_text("utf-8").split("\n") if ln]
SHARED = "全面推进河长制落实，加强水污染防治工作。"


def _doc(title: str, lines: list[str]) -> list[str]:
    return [title, *lines]


#: name → (year, [variant 0 lines, variant 1 lines]). Ties on purpose: SHARED in several
#: documents of several years; c is a's text (a copy whatever its year), d repeats most of b.
POOL: dict[str, tuple[int | None, list[list[str]]]] = {
    "a.txt": (2019, [_doc("甲市工作报告", [SHARED, *REPORT[3:9]]),
                     _doc("甲市工作报告", [SHARED, *REPORT[3:9], "新增：推行湖长制。"])]),
    "b.txt": (2021, [_doc("乙省工作报告", [*REPORT[20:30], SHARED]),
                     _doc("乙省工作报告", [*REPORT[20:29], SHARED, "发展经济，河长制。"])]),
    "c.txt": (2020, [_doc("甲市工作报告", [SHARED, *REPORT[3:9]]),
                     _doc("丙县工作报告", [SHARED, *REPORT[40:44]])]),
    "d.txt": (None, [_doc("乙省工作报告（转载）", [*REPORT[20:28], "编者按：有删节。", SHARED]),
                     _doc("乙省工作报告（转载）", [*REPORT[20:30], SHARED])]),
    "e.txt": (2021, [_doc("戊镇通知", [SHARED, "发展经济", "水污染防治"]),
                     _doc("戊镇通知", ["发展经济", SHARED, *REPORT[36:40]])]),
    # Headings: （一）… and （二）… open sections.
    "f.txt": (2018, [_doc("己区报告", REPORT[9:15]), _doc("己区报告", REPORT[18:24])]),
    "sub/g.txt": (2019, [_doc("庚市报告", [SHARED, SHARED, "推行河长制"]),
                         _doc("庚市报告", REPORT[71:76])]),
}  # fmt: skip
QUERIES = ["河长制", "发展", "的", "长制", "经济 发展", "河长制 OR 湖长制", "水污染 -经济",
           '"河长制 落实"', "year:2019..2020 工作", "title:报告 发展", "湖长制",
           "section:宏观调控 经济", "section:经济结构 OR 投资", "section:民生"]  # fmt: skip
#: The research views (kwic, collocates, diffusion, trend) are compared for these.
RESEARCH = ["河长制", "发展", "河长制 OR 湖长制"]
#: Tiers of 4, 12, 36 … paragraphs, three segments to a tier: merges every few runs.
FACTOR, FLOOR = 3, 4


def _exact(ix: Path, q: str) -> list[tuple]:
    """Every hit in order as (id, score to full precision, text, matches, also_in ids)."""
    query = _Query(ix, q, [], None, None, True)
    order = query.ranked("relevance", None)
    hits = query.hits(order)
    return [
        (h.id, query.ranker.scores.get(pid, 0.0), h.text, h.matches, [a.id for a in h.also_in])
        for pid, h in zip(order, hits, strict=True)
    ]


def assert_same_answers(grown: Path, fresh: Path) -> None:
    for q in QUERIES:
        ours, theirs = _exact(grown, q), _exact(fresh, q)
        assert [h[0] for h in ours] == [h[0] for h in theirs], q
        for a, b in zip(ours, theirs, strict=True):
            assert abs(a[1] - b[1]) <= 1e-9, (q, a[0], a[1], b[1])
            assert a[2:] == b[2:], (q, a[0])
        r1, r2 = search(grown, q, limit=5), search(fresh, q, limit=5)
        assert (r1.total, r1.facets) == (r2.total, r2.facets), q
        assert [list(f) for f in r1.facets.values()] == [list(f) for f in r2.facets.values()]
        assert [h.to_dict() for h in r1.hits] == [h.to_dict() for h in r2.hits], q
    views = (
        lambda ix, q: kwic(ix, q, limit=None),
        lambda ix, q: kwic(ix, q, limit=2),
        lambda ix, q: kwic(ix, q, limit=None, sort="left"),
        lambda ix, q: collocates(ix, q, min_count=1, top=10**6, keep_all=True),
        lambda ix, q: collocates(ix, q, window="sentence", min_count=1, top=10**6),
        lambda ix, q: diffusion(ix, q, by="province"),
    )
    for q in RESEARCH:
        for view in views:
            assert view(grown, q).to_dict() == view(fresh, q).to_dict(), q
    by = ("year", "province")
    assert trend(grown, RESEARCH, by=by).to_dict() == trend(fresh, RESEARCH, by=by).to_dict()
    assert variants(grown, "?长制").to_dict() == variants(fresh, "?长制").to_dict()
    s1, s2 = stats(grown), stats(fresh)
    assert (s1.documents, s1.paragraphs, s1.years, s1.regions) == (
        s2.documents, s2.paragraphs, s2.years, s2.regions,
    )  # fmt: skip


def _assert_whoosh_agrees(reader: IndexReader, words: list[str]) -> None:
    """Whoosh's own scores equal ours computed with Whoosh's statistics; and, where those are
    ours (nothing deleted or merged in Whoosh), ours as the query path computes them."""
    with reader.searcher() as s:
        n, total = s.doc_count_all(), s.field_length("words")
        df = {w: s.doc_frequency("words", w) for w in words}
    if (n, total) == reader.word_statistics():
        _assert_scores_equal(reader, words)
    whoosh = _whoosh_scores(reader, words)
    model = schema.weighting()
    k1, b = model.K1, model.B
    for word in words:
        handle = reader.words().find(word_key(word))
        pids, weights = reader.words().postings(handle) if handle >= 0 else (np.empty(0), None)
        assert set(pids.tolist()) == set(whoosh[word]), word
        if not pids.size:
            continue
        idf = math.log(n / (df[word] + 1)) + 1
        lengths = reader.length_table()[reader.length_bytes()[pids]]
        ours = idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / (total / n))))
        for pid, score in zip(pids.tolist(), ours.tolist(), strict=True):
            assert abs(score - whoosh[word][pid]) < 1e-9, (word, pid)


class GrowingIndex(RuleBasedStateMachine):
    """A folder of POOL documents, changed step by step, and its incrementally built index."""

    def __init__(self):
        super().__init__()
        self.base = Path(tempfile.mkdtemp(prefix="govsearch-grow-"))
        self._policy = merge.MERGE_FACTOR, merge.FLOOR
        merge.MERGE_FACTOR, merge.FLOOR = FACTOR, FLOOR
        self.folder = self.base / "docs"
        self.ix = self.base / "ix"
        self.present: dict[str, int] = {}
        self.fresh: dict[tuple, Path] = {}
        self.runs = 0

    def teardown(self):
        merge.MERGE_FACTOR, merge.FLOOR = self._policy
        shutil.rmtree(self.base, ignore_errors=True)

    @initialize(docs=st.lists(st.sampled_from(sorted(POOL)), min_size=1, max_size=4, unique=True))
    def start(self, docs):
        shutil.rmtree(self.folder, ignore_errors=True)
        shutil.rmtree(self.ix, ignore_errors=True)
        self.folder.mkdir(parents=True)
        rows = [{"file": n, "title": POOL[n][1][0][0], "year": POOL[n][0]} for n in POOL]
        self.manifest = self.base / "manifest.jsonl"
        self.manifest.write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8"
        )
        for name in docs:
            self._write(name, 0)
        build_index([self.folder], self.ix, manifest=self.manifest)
        self._check()

    def _write(self, name: str, variant: int) -> None:
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(POOL[name][1][variant]) + "\n", encoding="utf-8")
        self.present[name] = variant

    @rule(name=st.sampled_from(sorted(POOL)), variant=st.integers(0, 1))
    def put(self, name, variant):
        """Add a document, or change one (a different variant)."""
        self._write(name, variant)

    @precondition(lambda self: self.present)
    @rule(data=st.data())
    def remove(self, data):
        name = data.draw(st.sampled_from(sorted(self.present)))
        (self.folder / name).unlink()
        del self.present[name]

    def remove_named(self, name: str) -> None:
        (self.folder / name).unlink()
        del self.present[name]

    @rule()
    def index(self):
        build_index([self.folder], self.ix)
        self._check()

    @rule()
    def optimize(self):
        build_index([self.folder], self.ix, optimize=True)
        reader = IndexReader(self.ix)
        try:
            assert len(reader.segments) <= 1 and reader.deleted_paragraphs == 0
        finally:
            reader.close()
        self._check()

    @invariant()
    def few_segments(self):
        if (self.ix / "CURRENT").exists():
            # Three segments to a tier at most, and tiers grow threefold: O(log n).
            assert stats(self.ix).segments <= 2 * 3 + 1

    def _fresh(self) -> Path:
        key = tuple(sorted(self.present.items()))
        if key not in self.fresh:
            path = self.base / f"fresh-{len(self.fresh)}"
            build_index([self.folder], path, manifest=self.manifest)
            self.fresh[key] = path
        return self.fresh[key]

    def _check(self) -> None:
        self.runs += 1
        fresh = self._fresh()
        assert_same_answers(self.ix, fresh)
        reader = IndexReader(self.ix)
        try:
            if reader.docs:
                _assert_whoosh_agrees(reader, ["发展", "河长制", "经济", "工作", "的", "推进"])
        finally:
            reader.close()


TestGrowingIndex = GrowingIndex.TestCase
TestGrowingIndex.settings = settings(
    max_examples=12,
    stateful_step_count=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def _replay(steps) -> None:
    """Run a fixed sequence of the machine's steps (the cases it found, kept as examples)."""
    machine = GrowingIndex()
    try:
        for name, kwargs in steps:
            getattr(machine, name)(**kwargs)
            machine.few_segments()
    finally:
        machine.teardown()


def test_merging_segments_without_sections_and_whoosh_merged_lengths():
    # Found by the machine: merging a segment none of whose paragraphs has a heading crashed
    # (an empty section map); and after Whoosh merged its segments its total field length is
    # the sum of its one-byte approximations (1236 here, 1215 exactly), so its statistics are
    # compared as its own.
    _replay(
        [
            ("start", {"docs": ["sub/g.txt", "b.txt", "c.txt"]}),
            ("put", {"name": "a.txt", "variant": 0}),
            ("index", {}),
            ("index", {}),
            ("optimize", {}),
        ]
    )


def test_a_removed_original_hands_its_copy_back():
    # c is a's copy (the same text, a later year); removing a leaves c an original, putting a
    # back folds c again; b and d pair while both are there. Merges on the way.
    _replay(
        [
            ("start", {"docs": ["a.txt", "c.txt", "b.txt", "d.txt"]}),
            ("put", {"name": "e.txt", "variant": 0}),
            ("index", {}),
            ("remove_named", {"name": "a.txt"}),
            ("index", {}),
            ("put", {"name": "a.txt", "variant": 0}),
            ("put", {"name": "d.txt", "variant": 1}),
            ("index", {}),
            ("put", {"name": "f.txt", "variant": 1}),
            ("index", {}),
            ("optimize", {}),
        ]
    )


def test_merged_segments_keep_each_paragraphs_section():
    # Three segments, each with its own headings (section ids 1.. in each), merged into one:
    # the merged store numbers the headings anew, and each paragraph must follow its own.
    _replay(
        [
            ("start", {"docs": ["f.txt"]}),
            ("put", {"name": "sub/g.txt", "variant": 1}),
            ("index", {}),
            ("put", {"name": "e.txt", "variant": 1}),
            ("index", {}),
            ("optimize", {}),
        ]
    )


def test_research_views_list_documents_by_path_not_by_indexing_order():
    # Found by the machine once kwic and the other research views were compared: a.txt indexed
    # after b.txt listed b's kwic line first, where a fresh build lists a's (document order).
    _replay(
        [
            ("start", {"docs": ["b.txt"]}),
            ("put", {"name": "a.txt", "variant": 0}),
            ("index", {}),
        ]
    )


def test_collocate_frequencies_leave_deleted_paragraphs_out():
    # e.txt's words stay in its segment's posting lists after it is removed (tombstoned, not
    # rewritten): a collocate's frequency must count only the live paragraphs.
    _replay(
        [
            ("start", {"docs": ["a.txt", "e.txt", "b.txt"]}),
            ("remove_named", {"name": "e.txt"}),
            ("put", {"name": "sub/g.txt", "variant": 0}),
            ("index", {}),
        ]
    )


def test_stats_shows_segments_deletions_and_the_last_merge(tmp_path):
    import re

    from click.testing import CliRunner

    from govsearch.cli import cli

    from .conftest import SEEDS

    docs = tmp_path / "docs"
    docs.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, docs / seed.name)
    ix = tmp_path / "ix"
    build_index([docs], ix)
    first = stats(ix)
    assert (first.segments, first.deleted_paragraphs, first.last_merge) == (1, 0, None)
    # 12 of the segment's 29 paragraphs go (not enough for it to be rewritten by itself).
    (docs / SEEDS[0].name).write_text("只剩一段\n", encoding="utf-8")
    build_index([docs], ix)
    second = stats(ix)
    assert (second.segments, second.deleted_paragraphs, second.last_merge) == (2, 12, None)
    runner = CliRunner()
    text = runner.invoke(cli, ["stats", "--index", str(ix)]).stdout
    assert "segments:    2 (12 deleted paragraphs; no merge yet)\n" in text
    result = runner.invoke(cli, ["index", "--optimize", "--index", str(ix)])
    assert result.exit_code == 0, result.stderr
    shown = json.loads(runner.invoke(cli, ["stats", "--format", "json", "--index", str(ix)]).stdout)
    assert (shown["segments"], shown["deleted_paragraphs"], shown["paragraphs"]) == (1, 0, 18)
    merge_info = shown["last_merge"]
    assert {k: merge_info[k] for k in ("segments", "paragraphs", "dropped", "optimize")} == {
        "segments": 2, "paragraphs": 18, "dropped": 12, "optimize": True,
    }  # fmt: skip
    text = runner.invoke(cli, ["stats", "--index", str(ix)]).stdout
    assert re.search(
        r"^segments:    1 \(0 deleted paragraphs; last merge \d{4}-\d\d-\d\dT[\d:+]+: 2 into 1, "
        r"12 deleted paragraphs dropped\)$",
        text,
        re.M,
    ), text
