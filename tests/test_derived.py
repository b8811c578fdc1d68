"""The flat files of a generation: codecs, the posting-list writer, gram keys, text patches, and
incremental runs that carry the files over (compared with a clean build of the same files)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from govsearch.indexer import IndexReader, build_index, postings, store
from govsearch.indexer.analysis import gram_key, gram_postings, literal_grams
from govsearch.indexer.textnorm import apply_patch, normalize, text_patch

from .conftest import SEEDS

pid_lists = st.lists(st.integers(0, 70_000), max_size=2000).map(lambda v: np.unique(v))


@settings(max_examples=200, deadline=None)
@given(pids=pid_lists, data=st.data())
def test_posting_codecs_round_trip(pids, data):
    blob = postings.encode_pids(pids.astype(np.int32))
    assert postings.decode_pids(blob).tolist() == pids.tolist()
    weights = np.array(
        data.draw(
            st.lists(
                st.sampled_from([1.0, 0.5, 1.5, 2.0, 3.5, 127.5, 200.0, 1.3, 0.25]),
                min_size=pids.size,
                max_size=pids.size,
            )
        ),
        dtype=np.float32,
    )
    back = postings.decode_weights(postings.encode_weights(weights), pids.size)
    assert back.tolist() == weights.astype(np.float64).tolist()


# Postings of several batches: key → sorted pids (and a weight per pid).
batches = st.lists(
    st.dictionaries(st.integers(0, 40), st.lists(st.integers(0, 2), min_size=1, max_size=6)),
    min_size=1,
    max_size=5,
)


def _read_all(path: Path, kind: str, limit: int) -> dict[int, list[tuple[int, float]]]:
    f = postings.PostingsFile(path, kind, limit)
    out = {}
    for i, key in enumerate(f.keys.tolist()):
        pids = f.pids(i)
        weights = f.weights(i, pids.size) if f.weighted else np.ones(pids.size)
        out[key] = list(zip(pids.tolist(), weights.tolist(), strict=True))
    return out


@settings(max_examples=60, deadline=None)
@given(old=batches, new=batches, dropped=st.sets(st.integers(0, 400)), chunk=st.integers(1, 50))
def test_postings_writer_equals_a_dictionary(tmp_path_factory, old, new, dropped, chunk):
    """Batches spilled as runs, merged a few postings at a time, with the previous file carried
    over without its dropped ids: the same lists as a plain dictionary."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(postings, "MERGE_POSTINGS", chunk)
        _check_writer(tmp_path_factory.mktemp("postings"), old, new, dropped)


def _check_writer(work: Path, old, new, dropped) -> None:
    want: dict[int, list[tuple[int, float]]] = {}

    def feed(writer, batch_list, first_pid):
        pid = first_pid
        for batch in batch_list:
            keys, pids, weights = [], [], []
            for key, offsets in sorted(batch.items(), reverse=True):  # any key order
                for off in sorted(set(offsets)):
                    keys.append(key * 7919)
                    pids.append(pid + off)
                    weights.append(0.5 * (off + 1))
            writer.add_batch(np.array(keys, np.uint64), np.array(pids), np.array(weights))
            pid += 3
        return pid

    first = postings.PostingsWriter(work, "w", weighted=True)
    next_pid = feed(first, old, 0)
    first.write(work / "old.flat", "test")
    live = np.ones(next_pid + 20 * 3, dtype=bool)
    live[[d for d in dropped if d < live.size]] = False
    for key, items in _read_all(work / "old.flat", "test", next_pid).items():
        kept = [(p, w) for p, w in items if live[p]]
        if kept:
            want[key] = kept
    second = postings.PostingsWriter(work, "w2", weighted=True)
    previous = postings.PostingsFile(work / "old.flat", "test", next_pid)
    # Carried over as a merge does: dropped ids map to -1, kept ones keep their order.
    remap = np.where(live[:next_pid], np.arange(next_pid), -1)
    end = feed(second, new, next_pid)
    for batch_no, batch in enumerate(new):
        for key, offsets in batch.items():
            for off in sorted(set(offsets)):
                want.setdefault(key * 7919, []).append(
                    (next_pid + 3 * batch_no + off, 0.5 * (off + 1))
                )
    second.write(work / "new.flat", "test", [(previous, remap)])
    got = _read_all(work / "new.flat", "test", end)
    assert got == {k: sorted(v) for k, v in want.items()}
    assert not list(work.glob("scratch-*"))


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.text(alphabet="河长制 \u3000a1，。\t發ab\U0001f600", max_size=12), max_size=6)
)
def test_gram_keys_are_the_literal_grams(texts):
    norms = [normalize(t) for t in texts]
    keys, pids = gram_postings(norms, 5)
    got: dict[int, set[int]] = {}
    for key, pid in zip(keys.tolist(), pids.tolist(), strict=True):
        got.setdefault(pid, set()).add(key)
    for i, norm in enumerate(norms):
        assert got.get(5 + i, set()) == {gram_key(g) for g in literal_grams(norm)}


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=40))
def test_text_patch_gives_the_source_text_back(text):
    norm = normalize(text)
    assert apply_patch(norm, text_patch(text, norm)) == text


@pytest.mark.parametrize(
    "text",
    [
        "Ａ" + "中" * 200 + "Ｂ" + "文" * 5000 + "Ｃ",  # gaps of two and three varint bytes
        "，" * 300,  # more changed characters than one varint byte counts
        "河長制，" * 40 + "x" * 130 + "Ｙ",
    ],
)
def test_text_patch_round_trips_long_gaps_and_many_changes(text):
    norm = normalize(text)
    assert apply_patch(norm, text_patch(text, norm)) == text


def test_text_patch_is_small_for_chinese_punctuation():
    text = "全面推行河长制，落实“一河一策”（2018年）。"
    patch = text_patch(text, normalize(text))
    assert patch is not None and len(patch) < len(text.encode()) // 2


# -- incremental runs -----------------------------------------------------------------------


def _content(index_dir: Path) -> dict:
    """Everything the flat files say, keyed by (file name, line) instead of paragraph id, as the
    reader presents them over all segments (deleted paragraphs left out)."""
    reader = IndexReader(index_dir)
    try:
        where = {
            pid: (Path(path).name, line)
            for pid, line, path in reader.scan_paragraphs(
                "line, (SELECT path FROM docs d WHERE d.doc_id = paras.doc_id)"
            )
        }
        pids = sorted(where)
        # Section ids differ between runs (numbered as first seen); their paths do not.
        sections = reader.fetch(pids, "(SELECT path FROM sections s WHERE s.sid = paras.sid)")

        def length(pid: int) -> int:
            k, local = reader.locate(pid)
            return int(reader.segments[k].words().flat["lengths"][local])

        by_para = {
            where[p]: (norm, sections[p][0], length(p))
            for p, norm in zip(pids, reader.norms(pids), strict=True)
        }
        words, grams = reader.words(), reader.grams()
        word_lists = {}
        for key in words.keys.tolist():
            ids, weights = words.postings(key)
            if ids.size:
                word_lists[key] = sorted(
                    zip([where[p] for p in ids.tolist()], weights.tolist(), strict=True)
                )
        gram_lists = {}
        for key in grams.keys.tolist():
            ids = grams.pids(key)
            if ids.size:
                gram_lists[key] = sorted(where[p] for p in ids.tolist())
        return {
            "paragraphs": by_para,
            "words": word_lists,
            "grams": gram_lists,
            "stats": reader.word_statistics(),
        }
    finally:
        reader.close()


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_incremental_runs_read_like_a_clean_build(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(SEEDS[0], docs / "a.txt")
    _write(docs / "b.txt", "一、河长制\n全面推行河长制，治理黑臭水体。\n发展经济\n")
    _write(docs / "c.txt", "丙镇工作报告\n推行湖长制\n")
    _write(docs / "e.txt", "戊县报告\n一、总体要求\n推进河长制\n二、主要任务\n治理水体\n")
    ix = tmp_path / "ix"
    build_index([docs], ix)
    # Change one document, remove one, add one: every list loses and gains paragraphs.
    _write(docs / "b.txt", "一、河长制\n全面推行河长制。\n新增：發展經濟\n")
    (docs / "c.txt").unlink()
    shutil.copy(SEEDS[1], docs / "d.txt")
    build_index([docs], ix)
    clean = tmp_path / "clean"
    build_index([docs], clean)
    assert _content(ix) == _content(clean)


def test_scores_equal_whooshs_after_an_incremental_run(tmp_path):
    from .test_retrieval import _assert_scores_equal

    ix = tmp_path / "ix"
    build_index([SEEDS[0]], ix)
    build_index([SEEDS[1]], ix)
    reader = IndexReader(ix)
    try:
        _assert_scores_equal(reader, ["发展", "河长制", "街道", "的", "坪山"])
    finally:
        reader.close()


@pytest.mark.parametrize("name", ["texts.flat", "grams.flat", "words.flat", "sigs.flat"])
def test_a_damaged_previous_file_stops_an_update_with_the_fix(tmp_path, name):
    ix = tmp_path / "ix"
    build_index([SEEDS[0]], ix)
    (segment,) = (ix / "segments").iterdir()
    data = (segment / name).read_bytes()
    (segment / name).write_bytes(data[:-100] + b"\0" * 100)  # same size: only its trailer is gone
    from govsearch.indexer import IndexCorrupt

    # A small file fails its checksum, a large one its trailer: either names the fix.
    fix = (
        rf"damaged \({re.escape(name)} in {segment.name}[ :].*\)\. "
        r"Run: govsearch index --rebuild PATH\.\.\.$"
    )
    with pytest.raises(IndexCorrupt, match=fix):
        build_index([SEEDS[1]], ix)
    report = build_index(SEEDS, ix, rebuild=True)
    assert report.paragraphs_total == _content(ix)["stats"][0]


def test_many_short_paragraphs_are_gram_batched_by_count(tmp_path):
    # 140,000 one-character paragraphs hold far fewer characters than a batch's budget but
    # more paragraphs than one batch can number: the build must still write every posting.
    from govsearch.indexer.analysis import GRAM_BATCH_LIMIT
    from govsearch.indexer.derived import DerivedWriter

    n = GRAM_BATCH_LIMIT + 8_928
    writer = DerivedWriter(tmp_path)
    for pid in range(n):
        writer.add(pid, "第" if pid % 2 else "条", None, [["第" if pid % 2 else "条"], [], []])
    writer.finish(n)
    grams = postings.PostingsFile(tmp_path / store.GRAMS, store.GRAMS_KIND, n)
    assert np.array_equal(grams.pids(grams.find(gram_key("第"))), np.arange(1, n, 2))
    assert np.array_equal(grams.pids(grams.find(gram_key("条"))), np.arange(0, n, 2))


@pytest.mark.parametrize("trailer", [b"[1, 2]", b'"kind"', b"{not json", b"\xff\xfe"])
def test_a_flat_file_with_a_bad_trailer_is_damaged_with_the_fix(tmp_path, trailer):
    from govsearch.indexer import IndexCorrupt, flatfile

    path = tmp_path / "gen" / "x.flat"
    path.parent.mkdir()
    path.write_bytes(b"\0" * 16 + trailer + flatfile._TAIL.pack(len(trailer), flatfile.MAGIC))
    damaged = r"is damaged \(x\.flat: .*Run: govsearch index --rebuild"
    with pytest.raises(IndexCorrupt, match=damaged):
        flatfile.FlatFile(path, "test")
    path.unlink()  # not held open by a map (Windows cannot remove a mapped file)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_texts_read_in_blocks_equal_each_paragraphs_own_bytes(seed_index, data):
    from govsearch.indexer import flatfile, textfile

    gen = IndexReader(seed_index).segments[0].dir
    texts = textfile.TextFile(gen / textfile.NAME)
    limit = len(texts.sids)
    pids = data.draw(st.lists(st.integers(0, limit - 1), max_size=60))
    if data.draw(st.booleans()):
        pids.sort()
    mm, base, offsets = texts.flat.buffer, texts.base, texts.offsets
    want = [mm[base + int(offsets[p]) : base + int(offsets[p + 1])] for p in pids]
    gap = data.draw(st.sampled_from([0, 64, textfile.READ_GAP]))
    block = data.draw(st.sampled_from([1, 512, textfile.READ_BLOCK]))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(textfile, "READ_GAP", gap)
        mp.setattr(textfile, "READ_BLOCK", block)
        assert list(texts.raw(np.array(pids, dtype=np.int64))) == want
        # Where there is no pread (Windows), the map is sliced: the same bytes.
        mp.setattr(flatfile, "_PREAD", False)
        mapped = textfile.TextFile(gen / textfile.NAME)
        assert list(mapped.raw(np.array(pids, dtype=np.int64))) == want


def test_the_space_table_is_str_isspace_over_every_code_point():
    from govsearch.indexer.analysis import _space_table

    table = _space_table()
    assert np.flatnonzero(table).tolist() == [c for c in range(0x110000) if chr(c).isspace()]
