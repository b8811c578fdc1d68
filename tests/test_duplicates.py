"""Near-duplicate folding is a pure function of the documents' contents: the same under every
hash seed, in every process, whatever order the files were indexed in."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from govsearch.indexer import build_index
from govsearch.indexer.duplicates import (
    SAMPLE_EVERY,
    SAMPLE_LEAST,
    Signature,
    choose_originals,
    clause_digest,
    find_pairs,
    signature,
)
from govsearch.search import search

from .conftest import CORPUS, ROOT

REPORT = CORPUS / "0042_19f7d683c7fa4ac2.txt"
#: Seven short lines without a clause opening: only their identical text can pair them.
SHORT = "\n".join(
    ["关于调整会议时间的通知", "各单位：", "原定会议改期", "请相互转告", "特此通知", "办公室",
     "2019年3月1日", ""]
)  # fmt: skip


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def near_copy(lines: list[str]) -> str:
    """The report re-laid out with blank lines, two paragraphs reworded, one dropped."""
    changed = list(lines)
    changed[10] = changed[10] + "（有改动）"
    changed[20] = "此段为转载时新增的编者按。"
    del changed[30]
    return "\n\n".join(changed) + "\n"


def folder(base: Path) -> Path:
    """Byte-identical short files, identical two-liners without any clause, a near-duplicate
    pair of a long report (different layouts, a few edits), and unrelated documents."""
    docs = base / "docs"
    lines = [ln for ln in REPORT.read_text("utf-8").split("\n") if ln.strip()][:80]
    _write(docs / "short-b.txt", SHORT)
    _write(docs / "short-a.txt", SHORT)
    _write(docs / "tiny-1.txt", "通知\n同意\n")
    _write(docs / "tiny-2.txt", "通知\n同意\n")
    _write(docs / "report.txt", "\n".join(lines) + "\n")
    _write(docs / "reprint.txt", near_copy(lines))
    _write(docs / "other.txt", "另一份文件\n推行河长制，加强水污染防治。\n")
    return docs


#: Run in a subprocess: index a folder, print the run's duplicates and what search folds.
PROBE = """
import json, sys
from pathlib import Path
from govsearch.indexer import build_index
from govsearch.search import search
docs, ix = Path(sys.argv[1]), Path(sys.argv[2])
report = build_index([docs], ix)
out = {"duplicates": sorted((Path(d.path).name, Path(d.same_as).name, d.shared)
                            for d in report.duplicates), "queries": {}}
for q in sys.argv[3:]:
    r = search(ix, q, limit=None, facets=False)
    out["queries"][q] = [r.total, sorted((Path(h.path).name, h.line,
                         sorted((Path(a.path).name, a.line) for a in h.also_in)) for h in r.hits)]
print(json.dumps(out, ensure_ascii=False))
"""
QUERIES = ["会议改期", "同意", "经济", "河长制"]


def test_folding_is_the_same_under_every_hash_seed(tmp_path):
    docs = folder(tmp_path)
    seeds = ["0", "1", "2", "3", "42"]
    procs = {}
    for seed in seeds:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        procs[seed] = subprocess.Popen(
            [sys.executable, "-c", PROBE, str(docs), str(tmp_path / f"ix-{seed}"), *QUERIES],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
    outputs = {}
    for seed, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        outputs[seed] = json.loads(out)
    first = outputs[seeds[0]]
    for seed in seeds[1:]:
        assert outputs[seed] == first, seed
    # And what they all agree on is right: every pair found, the earlier path the original.
    assert [d[:2] for d in first["duplicates"]] == [
        ["reprint.txt", "report.txt"],
        ["short-b.txt", "short-a.txt"],
        ["tiny-2.txt", "tiny-1.txt"],
    ]
    assert [d[2] for d in first["duplicates"]][1:] == [1.0, 1.0]
    assert first["queries"]["会议改期"] == [1, [["short-a.txt", 3, [["short-b.txt", 3]]]]]
    assert first["queries"]["同意"] == [1, [["tiny-1.txt", 2, [["tiny-2.txt", 2]]]]]
    hits = first["queries"]["经济"][1]
    # Only the reworded paragraph (the 11th, on line 21 of the reprint) is shown from the copy.
    assert [h for h in hits if h[0] != "report.txt"] == [["reprint.txt", 21, []]]
    assert ["report.txt", 11, []] in hits
    assert sum(1 for h in hits if h[2]) == len(hits) - 2


def _fold_state(ix: Path) -> dict:
    """Per query: each hit's file and line, with its folded copies."""
    out = {}
    for q in QUERIES:
        r = search(ix, q, limit=None, facets=False)
        out[q] = sorted(
            (Path(h.path).name, h.line, sorted((Path(a.path).name, a.line) for a in h.also_in))
            for h in r.hits
        )
    return out


def test_originals_do_not_depend_on_the_order_of_indexing(tmp_path):
    docs = folder(tmp_path)
    clean = _fold_state(_built(tmp_path / "clean", [docs]))
    # Copies first, originals later, one run each: the first-indexed copy must not stay the
    # original once the document that sorts first arrives.
    order = ["reprint.txt", "short-b.txt", "tiny-2.txt", "other.txt", "report.txt",
             "short-a.txt", "tiny-1.txt"]  # fmt: skip
    staged = tmp_path / "staged"
    for name in order:
        build_index([docs / name], staged)
    assert _fold_state(staged) == clean
    # The same files named in another order in one run.
    assert _fold_state(_built(tmp_path / "reversed", [docs / n for n in order])) == clean
    assert clean["会议改期"] == [("short-a.txt", 3, [("short-b.txt", 3)])]


def _built(ix: Path, paths: list[Path]) -> Path:
    build_index(paths, ix)
    return ix


def test_the_earlier_year_is_the_original_whatever_the_paths(tmp_path):
    docs = tmp_path / "docs"
    text = REPORT.read_text("utf-8")
    _write(docs / "a-later.txt", text)
    _write(docs / "b-earlier.txt", text)
    rows = [{"file": "a-later.txt", "title": "甲", "year": 2011},
            {"file": "b-earlier.txt", "title": "乙", "year": 2010}]  # fmt: skip
    manifest = _write(tmp_path / "m.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    report = build_index([docs], tmp_path / "ix", manifest=manifest)
    # Identical texts pair whatever their years; the original is the earlier year's.
    assert [(Path(d.path).name, Path(d.same_as).name, d.shared) for d in report.duplicates] == [
        ("a-later.txt", "b-earlier.txt", 1.0)
    ]
    hits = search(tmp_path / "ix", "经济", limit=None).hits
    assert hits and {h.path for h in hits} == {str(docs / "b-earlier.txt")}


def test_a_short_document_is_always_sampled():
    lines = ["第一条，本办法适用于全市各类企业。", "第二条，市场监管部门负责组织实施。"]
    sig = signature("k", "p", None, lines)
    assert len(sig.sample) == 2  # both clause openings, though neither digest ends in 00
    edited = signature("k2", "q", None, [*lines, "第三条，本办法自发布之日起施行。"])
    # A near-duplicate short document: 2 of its 3 sampled openings are shared.
    assert find_pairs([sig, edited]) == {("k", "k2"): 2 / 3}


def _sig(key: str, year: int | None, sample: set[int], digest: bytes = b"") -> Signature:
    return Signature(key, f"/docs/{key}.txt", year, frozenset(sample), digest or key.encode())


def test_a_copy_of_a_copy_points_at_the_first_ranked_document():
    shared = set(range(0, 40, 4))
    docs = [_sig("c", 2020, shared), _sig("b", 2020, shared), _sig("a", None, shared)]
    copies = choose_originals(docs, find_pairs(docs))
    # The unknown year ranks last; b's path sorts before c's.
    assert copies == {"c": ("b", 1.0), "a": ("b", 1.0)}


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    samples=st.lists(st.sets(st.integers(0, 30), max_size=12), min_size=2, max_size=7),
)
def test_pairs_and_originals_do_not_depend_on_the_order_given(data, samples):
    docs = [
        _sig(f"d{i}", data.draw(st.sampled_from([None, 2019, 2020])), s, b"same" if i < 2 else b"")
        for i, s in enumerate(samples)
    ]
    shuffled = data.draw(st.permutations(docs))
    assert find_pairs(shuffled) == find_pairs(docs)
    assert choose_originals(shuffled, find_pairs(shuffled)) == choose_originals(
        docs, find_pairs(docs)
    )
    # Identical texts always pair, whatever their samples and years.
    assert ("d0", "d1") in find_pairs(docs) or ("d1", "d0") in find_pairs(docs)


def test_the_sample_is_every_fourth_digest_and_the_least_ones():
    lines = [f"第{i}条，{i:03d}本办法适用于全市。" for i in range(60)]
    digests = {clause_digest(f"{i:03d}本办法适用于全") for i in range(60)}
    want = {d for d in digests if d % SAMPLE_EVERY == 0} | set(sorted(digests)[:SAMPLE_LEAST])
    assert signature("k", "p", None, lines).sample == want
    assert len(want) > SAMPLE_LEAST


def test_identical_files_copied_with_shutil_fold(tmp_path):
    """Byte-identical files (a .doc saved again as .wps, say) are one document shown once."""
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copyfile(REPORT, docs / "x1.txt")
    shutil.copyfile(REPORT, docs / "x2.txt")
    report = build_index([docs], tmp_path / "ix")
    assert [(Path(d.path).name, Path(d.same_as).name, d.shared) for d in report.duplicates] == [
        ("x2.txt", "x1.txt", 1.0)
    ]


# -- incremental updates equal the pure function -------------------------------------------

_docs = st.tuples(
    st.sets(st.integers(0, 12), max_size=5),
    st.sampled_from([None, 2019, 2020]),
    st.sampled_from(["same", "other", None]),
)


#: Nine documents hold opening 0 (boilerplate); two also share opening 1 (half of each
#: sample: not a pair). Removing one of the other seven makes 0 count again: now they are.
_BOILERPLATE_RETURNS = [
    ("add", [({0, 1}, None, None), ({0, 1}, None, None), *[({0}, None, None)] * 7]),
    ("remove", [4]),
]


#: Eight hold opening 0, two of them share opening 1 too (a pair); a ninth makes 0 boilerplate.
_BECOMES_BOILERPLATE = [
    ("add", [({0, 1}, None, None), ({0, 1}, None, None), *[({0}, None, None)] * 6]),
    ("add", [({0}, None, None)]),
]


@example(steps=_BOILERPLATE_RETURNS)
@example(steps=_BECOMES_BOILERPLATE)
@settings(max_examples=150, deadline=None)
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("add"), st.lists(_docs, min_size=1, max_size=8)),
            st.tuples(st.just("remove"), st.lists(st.integers(0, 40), min_size=1, max_size=4)),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_pairs_updated_run_by_run_equal_the_pairs_of_all_documents(tmp_path_factory, steps):
    """Adding and removing documents segment by segment (remove_documents, add_documents over
    the segments' signature files) gives exactly find_pairs over the live documents, however
    many clause openings pass from evidence to boilerplate (more than 8 holders) and back."""
    import hashlib

    import numpy as np

    from govsearch.indexer.duplicates import (
        SigFile,
        SigIndex,
        SigPart,
        SigWriter,
        add_documents,
        remove_documents,
    )

    work = tmp_path_factory.mktemp("sigs")
    parts: list[SigPart] = []
    sigs: dict[str, Signature] = {}
    where: dict[str, tuple[int, int]] = {}
    pairs: dict[tuple[str, str], float] = {}
    for step, (kind, payload) in enumerate(steps):
        if kind == "add":
            writer, added = SigWriter(), []
            for sample, year, text in payload:
                key = f"d{len(sigs):03d}"
                seed = text if text is not None else key
                digest = hashlib.blake2b(seed.encode(), digest_size=16).digest()
                sig = Signature(key, f"/docs/{key}.txt", year, frozenset(sample), digest)
                writer.add(len(added) * 3, sample, digest)
                where[key] = (len(parts), len(added))
                sigs[key] = sig
                added.append(sig)
            writer.write(work / f"{step}.flat")
            parts.append(
                SigPart(
                    SigFile(work / f"{step}.flat"),
                    [s.key for s in added],
                    [s.path for s in added],
                    [s.year for s in added],
                    np.ones(len(added), dtype=bool),
                )
            )
            pairs = add_documents(pairs, SigIndex(parts), added)
        else:
            live = [k for k, (p, d) in where.items() if parts[p].live[d]]
            gone = sorted({live[i % len(live)] for i in payload}) if live else []
            for key in gone:
                p, d = where[key]
                parts[p].live[d] = False
            pairs = remove_documents(pairs, SigIndex(parts), [sigs[k] for k in gone])
        live_sigs = [sigs[k] for k, (p, d) in where.items() if parts[p].live[d]]
        assert pairs == find_pairs(live_sigs), step
