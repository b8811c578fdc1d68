"""Building and updating indexes: incremental runs, interruptions, the lock, versions."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from govsearch.indexer import (
    IndexLocked,
    IndexNotFound,
    IndexReader,
    IndexVersionError,
    UsageError,
    build_index,
    store,
)
from govsearch.indexer.metadata import make_doc_id
from govsearch.indexer.textnorm import normalize
from govsearch.search import count, search, stats

from .conftest import CORPUS, SEEDS


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_incremental_change_delete_add(tmp_path):
    docs = tmp_path / "docs"
    a = _write(docs / "a.txt", "2019年甲街道工作总结\n推行河长制\n")
    b = _write(docs / "sub" / "b.txt", "乙街道工作计划\n治理黑臭水体\n")
    ix = tmp_path / "ix"
    r1 = build_index([docs], ix)
    assert (r1.files_indexed, r1.files_unchanged, r1.paragraphs, r1.paragraphs_total) == (
        2,
        0,
        4,
        4,
    )

    r2 = build_index([docs], ix)
    assert (r2.files_indexed, r2.files_unchanged, r2.files_removed) == (0, 2, 0)

    a.write_text("2019年甲街道工作总结\n推行湖长制\n新增一段\n", encoding="utf-8")
    r3 = build_index([docs], ix)
    assert (r3.files_indexed, r3.files_unchanged, r3.paragraphs_total) == (1, 1, 5)
    assert count(ix, "河长制") == 0 and count(ix, "湖长制") == 1

    b.unlink()
    c = _write(docs / "c.txt", "丙镇工作报告\n推行河长制\n")
    r4 = build_index([docs], ix)
    assert (r4.files_indexed, r4.files_removed, r4.documents_total, r4.paragraphs_total) == (
        1, 1, 2, 5,
    )  # fmt: skip
    assert count(ix, "黑臭水体") == 0
    assert count(ix, "河长制") == 1
    assert search(ix, "河长制").hits[0].path == str(c)


def test_reindexing_never_duplicates_and_ids_are_stable(tmp_path):
    docs = tmp_path / "docs"
    _write(docs / "a.txt", "推行河长制\n")
    ix = tmp_path / "ix"
    build_index([docs], ix)
    first = search(ix, "河长制").hits[0].id
    build_index([docs], ix)
    build_index([docs / "a.txt"], ix)
    _write(docs / "a.txt", "前言\n推行河长制\n")
    build_index([docs], ix)
    hits = search(ix, "河长制").hits
    assert len(hits) == 1
    assert hits[0].doc_id == first.split(":")[0]
    assert hits[0].id == f"{hits[0].doc_id}:2"


def _paragraphs_with(paths: list[Path], term: str) -> set[tuple[str, int]]:
    return {
        (str(p), n)
        for p in paths
        for n, line in enumerate(p.read_text("utf-8").split("\n"), 1)
        if term in normalize(line)
    }


def test_appending_files_keeps_old_postings(tmp_path):
    ix = tmp_path / "ix"
    build_index([SEEDS[0]], ix)
    assert count(ix, "河长制") == len(_paragraphs_with(SEEDS[:1], "河长制")) == 1
    build_index([SEEDS[1]], ix)
    assert count(ix, "河长制") == len(_paragraphs_with(SEEDS, "河长制")) == 3
    hits = search(ix, "河长制", limit=None).hits
    assert {(h.path, h.line) for h in hits} == _paragraphs_with(SEEDS, "河长制")
    assert stats(ix).documents == 2


SMALL_DOCS = 8


@pytest.fixture(scope="module")
def incremental(tmp_path_factory) -> tuple[Path, list[Path]]:
    """An index grown run by run (add, add, change one file and delete one, add), and the
    files it should hold in the end."""
    smallest = sorted((p for p in CORPUS.glob("0*.txt")), key=lambda p: p.stat().st_size)
    sources = [p for p in smallest if p.stat().st_size > 2000][:SMALL_DOCS]
    docs = tmp_path_factory.mktemp("grown")
    ix = tmp_path_factory.mktemp("grown-index") / "ix"
    copies = [docs / p.name for p in sources]
    for batch in (copies[:2], copies[2:5]):
        for c in batch:
            shutil.copy(CORPUS / c.name, c)
        build_index([docs], ix)
    with open(copies[0], "a", encoding="utf-8") as fh:
        fh.write("增量运行追加的一段：推行河长制。\n")
    copies[1].unlink()
    build_index([docs], ix)
    for c in copies[5:]:
        shutil.copy(CORPUS / c.name, c)
    report = build_index([docs], ix)
    assert report.files_indexed == len(copies[5:]) and report.full_rebuild is False
    return ix, [c for c in copies if c.exists()]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_property_literal_contract_after_incremental_runs(incremental, data):
    """Substrings of the final files, 1–8 characters: found exactly where a scan finds them."""
    ix, files = incremental
    path = data.draw(st.sampled_from(files))
    lines = [ln for ln in path.read_text("utf-8").split("\n") if ln.strip()]
    line = normalize(data.draw(st.sampled_from(lines)).strip())
    size = data.draw(st.integers(1, min(8, len(line))))
    start = data.draw(st.integers(0, len(line) - size))
    term = line[start : start + size]
    assume(term.strip() == term and not any(ch in term for ch in '"()\\') and " " not in term)
    assume(term.upper() not in ("OR", "AND", "NOT") and not term.startswith(("-", "－")))
    result = search(ix, f'"{term}"', limit=None, facets=False)
    found = {(h.path, h.line) for h in result.hits}
    found.update((loc.path, loc.line) for h in result.hits for loc in h.also_in)
    assert found == _paragraphs_with(files, term), term


def test_incremental_index_holds_what_a_clean_build_holds(incremental, tmp_path):
    ix, files = incremental
    clean = tmp_path / "clean"
    build_index(files, clean)
    for term in ("河长制", "的", "发展", "。", "2"):
        grown = {(h.path, h.line) for h in search(ix, term, limit=None, facets=False).hits}
        built = {(h.path, h.line) for h in search(clean, term, limit=None, facets=False).hits}
        assert grown == built, term


def test_rebuild_starts_from_scratch(tmp_path):
    ix = tmp_path / "ix"
    build_index(SEEDS, ix)
    other = _write(tmp_path / "o.txt", "只有这一段\n")
    r = build_index([other], ix, rebuild=True)
    assert (r.documents_total, r.paragraphs_total) == (1, 1)


def test_interrupted_run_leaves_previous_index_intact(tmp_path, monkeypatch):
    ix = tmp_path / "ix"
    build_index([SEEDS[0]], ix)
    before = count(ix, "街道")

    from govsearch.indexer.derived import DerivedWriter

    def explode(*args, **kwargs):
        raise KeyboardInterrupt

    # Late in the run: the flat files are written while Whoosh commits.
    monkeypatch.setattr(DerivedWriter, "finish", explode)
    with pytest.raises(KeyboardInterrupt):
        build_index(SEEDS, ix)
    monkeypatch.undo()
    assert count(ix, "街道") == before
    assert [p.name for p in ix.glob("gen-*")] == [store.current_generation(ix).name]
    r = build_index(SEEDS, ix)
    assert r.documents_total == 2


def test_leftover_unpublished_generation_is_cleaned(tmp_path):
    ix = tmp_path / "ix"
    build_index([SEEDS[0]], ix)
    junk = ix / "gen-000099"
    junk.mkdir()
    (junk / "partial").write_text("x", encoding="utf-8")
    build_index(SEEDS, ix)
    assert not junk.exists()


def test_second_writer_gets_a_clear_lock_error(tmp_path):
    ix = tmp_path / "ix"
    with store.WriteLock(ix, timeout=0.1):
        with pytest.raises(IndexLocked) as err:
            build_index(SEEDS, ix, lock_timeout=0.2)
    assert str(err.value) == (
        f"the index at {ix} is locked by another indexing run; "
        "wait for it to finish, then run this command again"
    )
    assert build_index(SEEDS, ix).documents_total == 2


def test_schema_version_mismatch_names_the_fix(tmp_path):
    ix = tmp_path / "ix"
    build_index([SEEDS[0]], ix)
    gen = store.current_generation(ix)
    meta = json.loads((gen / "meta.json").read_text("utf-8"))
    meta["schema_version"] = 0
    (gen / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(IndexVersionError) as err:
        search(ix, "河长制")
    assert str(err.value) == (
        f"Index at {ix} was built by an older version of govsearch (schema 0, this one reads "
        f"{store.SCHEMA_VERSION}). Run: govsearch index --rebuild PATH..."
    )


def test_missing_index(tmp_path):
    with pytest.raises(IndexNotFound) as err:
        search(tmp_path / "none", "河长制")
    assert str(err.value) == (
        f"no index at {tmp_path / 'none'}. Run: govsearch index PATH... --index {tmp_path / 'none'}"
    )


def test_missing_path_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError) as err:
        build_index([tmp_path / "nope"], tmp_path / "ix")
    assert str(err.value) == f"no such file or directory: {tmp_path / 'nope'}"


def test_bad_files_are_skipped_and_counted(tmp_path):
    docs = tmp_path / "docs"
    _write(docs / "good.txt", "推行河长制\n")
    (docs / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    (docs / "bin.txt").write_bytes(b"\x00\x01\x02binary\x00")
    (docs / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(64))
    _write(docs / "empty.txt", "\n  \n")
    r = build_index([docs], tmp_path / "ix")
    reasons = {Path(s.path).name: s.reason for s in r.skipped}
    assert r.files_indexed == 1 and r.files_skipped == 4
    assert reasons["bin.txt"] == "binary file (contains NUL bytes), not text"
    assert reasons["empty.txt"] == "no text in the file"
    assert reasons["old.doc"] == (
        "old.doc is not a Word 97–2003 or WPS file (its content is binary data of no known kind); "
        "if it should be one, it is damaged: get the file again from where it came from"
    )
    assert reasons["image.png"] == (
        "image.png is a damaged image; get the file again from where it came from, or open it in "
        "an image viewer and save it again"
    )


def test_manifest_metadata_wins_and_limits_directory_walks(tmp_path):
    docs = tmp_path / "docs"
    _write(docs / "r1.txt", "某报告\n推行河长制\n")
    _write(docs / "README.md", "# 说明\n")
    manifest = _write(
        docs / "manifest.jsonl",
        json.dumps({"file": "r1.txt", "title": "甲市2016年政府工作报告", "year": 2016,
                    "region": "甲市", "level": "city"}, ensure_ascii=False) + "\n",
    )  # fmt: skip
    r = build_index([docs], tmp_path / "ix", manifest=manifest)
    assert r.files_indexed == 1
    assert {Path(s.path).name for s in r.skipped} == {"README.md", "manifest.jsonl"}
    hit = search(tmp_path / "ix", "河长制").hits[0]
    assert (hit.title, hit.year, hit.region, hit.level) == (
        "甲市2016年政府工作报告",
        2016,
        "甲市",
        "city",
    )


def test_csv_manifest(tmp_path):
    docs = tmp_path / "docs"
    _write(docs / "r1.txt", "推行河长制\n")
    manifest = _write(tmp_path / "m.csv", "file,title,year,region\nr1.txt,乙县报告,2015,乙县\n")
    build_index([docs], tmp_path / "ix", manifest=manifest)
    hit = search(tmp_path / "ix", "河长制").hits[0]
    assert (hit.title, hit.year, hit.region) == ("乙县报告", 2015, "乙县")


def test_bad_manifest_line(tmp_path):
    from govsearch.indexer.errors import ManifestError

    manifest = _write(tmp_path / "m.jsonl", '{"file": "a.txt"}\nnot json\n')
    with pytest.raises(ManifestError) as err:
        build_index(SEEDS, tmp_path / "ix", manifest=manifest)
    assert str(err.value).startswith(f"{manifest}:2: not valid JSON")


def test_user_dictionary_is_recorded_and_a_change_reindexes(tmp_path):
    docs = tmp_path / "docs"
    _write(docs / "a.txt", "推进微改造工程\n")
    ix = tmp_path / "ix"
    build_index([docs], ix)
    d = _write(tmp_path / "dict.txt", "微改造 5000 n\n")
    r = build_index([docs], ix, user_dict=d)
    assert r.full_rebuild and r.files_indexed == 1
    assert r.warnings == ["the dictionary changed: re-indexing every document"]
    # Without --dict the recorded dictionary stays in force: nothing to redo.
    r2 = build_index([docs], ix)
    assert (r2.files_indexed, r2.files_unchanged) == (0, 1)
    assert search(ix, "微改造").hits[0].score > 0


def test_rebuild_keeps_the_user_dictionary(tmp_path):
    docs = tmp_path / "docs"
    _write(docs / "a.txt", "推进微改造工程\n")
    ix = tmp_path / "ix"
    build_index([docs], ix, user_dict=_write(tmp_path / "dict.txt", "微改造 5000 n\n"))
    words = store.read_meta(store.current_generation(ix))["user_dictionary"]
    assert words == [["微改造", 5000, "n"]]
    # A rebuild starts a new index, not a new dictionary: nothing changed, no warning.
    r = build_index([docs], ix, rebuild=True)
    assert (r.full_rebuild, r.warnings) == (True, [])
    assert store.read_meta(store.current_generation(ix))["user_dictionary"] == words
    # An unreadable meta.json is no reason not to rebuild: the words are lost then.
    (store.current_generation(ix) / "meta.json").write_text("{not json", encoding="utf-8")
    build_index([docs], ix, rebuild=True)
    assert store.read_meta(store.current_generation(ix))["user_dictionary"] == []


def test_bad_user_dictionary(tmp_path):
    from govsearch.indexer.errors import DictionaryError

    d = _write(tmp_path / "dict.txt", "河长制 many n\n")
    with pytest.raises(DictionaryError) as err:
        build_index(SEEDS, tmp_path / "ix", user_dict=d)
    assert str(err.value) == (
        f"{d}:1: frequency must be a whole number, got 'many'. Use lines of the form: 河长制 3000 n"
    )


def test_real_gbk_files_index_like_their_utf8_versions(tmp_path):
    raw = CORPUS.parent / "corpus-raw-encodings"
    info = json.loads((raw / "raw_files.json").read_text("utf-8"))
    for entry in info:
        shutil.copy(raw / entry["file"], tmp_path / entry["file"])
    ix = tmp_path / "ix"
    r = build_index([tmp_path], ix)
    assert r.files_indexed == 3 and r.files_skipped == 0
    for entry in info:
        utf8 = (CORPUS / entry["utf8_corpus_file"]).read_text("utf-8").split("\n")
        hits = search(ix, f'"{utf8[5][:12]}"', limit=None).hits
        assert any(h.text == utf8[5] and Path(h.path).name == entry["file"] for h in hits)
    # 2003 has U+9555 (镕), outside GB2312: it must decode (GBK/GB18030, not GB2312).
    assert count(ix, "镕") >= 1


@pytest.mark.slow
def test_full_corpus_with_manifest(tmp_path):
    ix = tmp_path / "ix"
    r = build_index([CORPUS], ix, manifest=CORPUS / "manifest.jsonl")
    assert (r.documents_total, r.paragraphs_total) == (366, 36476)
    assert {Path(s.path).name for s in r.skipped} == {"README.md", "manifest.jsonl"}
    # 0078–0093 are the gov.cn copies of the national reports 0035–0050.
    pairs = sorted((Path(d.path).name[:4], Path(d.same_as).name[:4]) for d in r.duplicates)
    assert pairs == [(f"{n + 43:04d}", f"{n:04d}") for n in range(35, 51)]
    s = stats(ix)
    assert s.levels == {"national": 167, "provincial": 105, "city": 88, "district": 6}
    assert len(s.regions) == 94
    assert os.path.getsize(ix / "CURRENT") > 0


def test_also_in_names_the_copys_line(tmp_path):
    """A copy laid out with blank lines: its paragraph k sits on line 2k-1, not line k."""
    report = (CORPUS / "0042_19f7d683c7fa4ac2.txt").read_text("utf-8").split("\n")
    lines = [ln for ln in report if ln.strip()][:80]
    a = _write(tmp_path / "docs" / "a.txt", "\n".join(lines) + "\n")
    b = _write(tmp_path / "docs" / "b.txt", "\n\n".join(lines) + "\n")
    rows = [{"file": "a.txt", "title": "甲本", "year": 2010}, {"file": "b.txt", "title": "乙本",
            "year": 2010}]  # fmt: skip
    manifest = _write(tmp_path / "m.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    r = build_index([a, b], tmp_path / "ix", manifest=manifest)
    assert [(Path(d.path).name, Path(d.same_as).name) for d in r.duplicates] == [("b.txt", "a.txt")]
    hits = search(tmp_path / "ix", "经济", limit=None).hits
    assert hits and all(h.path == str(a) for h in hits)
    b_id = search(tmp_path / "ix", "title:乙本", limit=1).hits[0].doc_id
    for hit in hits:
        (copy,) = hit.also_in
        assert (copy.path, copy.line, copy.id) == (
            str(b),
            2 * hit.paragraph - 1,
            f"{b_id}:{hit.paragraph}",
        )
        assert b.read_text("utf-8").split("\n")[copy.line - 1] == hit.text


def test_duplicates_are_reported_by_the_run_that_finds_them(tmp_path):
    source = (CORPUS / "0042_19f7d683c7fa4ac2.txt").read_text("utf-8")
    docs = tmp_path / "docs"
    # The original's id (from its path) sorts after both copies': the original of a group must
    # not depend on how ids sort (it once did, so a copy of a copy could be named the source).
    a = next(
        docs / f"a{n}.txt"
        for n in range(1000)
        if make_doc_id(docs / f"a{n}.txt")
        > max(make_doc_id(docs / "b.txt"), make_doc_id(docs / "d.txt"))
    )
    _write(a, source)
    _write(docs / "b.txt", source.replace("\n", "\n\n"))
    first = build_index([docs], tmp_path / "ix")
    assert [(Path(d.path).name, Path(d.same_as).name) for d in first.duplicates] == [
        ("b.txt", a.name)
    ]
    _write(docs / "c.txt", "另一份文件\n推行河长制\n")
    second = build_index([docs], tmp_path / "ix")
    assert second.files_indexed == 1 and second.duplicates == []  # not news any more
    _write(docs / "d.txt", source)
    third = build_index([docs], tmp_path / "ix")
    assert [(Path(d.path).name, Path(d.same_as).name) for d in third.duplicates] == [
        ("d.txt", a.name)
    ]


def test_skips_are_remembered_across_runs_on_other_paths(tmp_path):
    docs = tmp_path / "docs"
    _write(docs / "a.txt", "推行河长制\n")
    bad = docs / "old.rtf"
    bad.write_bytes(b"{\\rtf1 x}")
    other = _write(tmp_path / "other.txt", "另一份文件\n")
    ix = tmp_path / "ix"
    reason = "RTF format is not supported; save it as .docx"
    first = build_index([docs], ix)
    assert [(s.path, s.reason, s.repeated) for s in first.skipped] == [(str(bad), reason, False)]
    assert build_index([other], ix).skipped == []  # a run elsewhere keeps what it did not see
    again = build_index([docs], ix)
    assert [(s.path, s.repeated) for s in again.skipped] == [(str(bad), True)]
    bad.unlink()
    assert build_index([docs], ix).skipped == []  # gone, and forgotten
    bad.write_bytes(b"{\\rtf1 x}")
    back = build_index([docs], ix)
    assert [(s.path, s.repeated) for s in back.skipped] == [(str(bad), False)]


# -- manifests and the gazetteer are remembered ---------------------------------------------------


def _manifest_folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    _write(docs / "a.txt", "推行河长制\n")
    _write(docs / "b.txt", "治理黑臭水体\n")
    _write(docs / "README.md", "# 说明\n这个文件夹里的报告来自……\n")
    rows = [
        {"file": "a.txt", "title": "2019年甲街道工作总结", "year": 2019, "region": "深圳市"},
        {"file": "b.txt", "title": "乙街道工作计划", "year": 2020, "region": "山东省青岛市"},
    ]
    _write(docs / "manifest.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows))
    return docs


def _docs(ix: Path) -> dict[str, tuple]:
    reader = IndexReader(ix)
    try:
        return {
            Path(d.path).name: (d.title, d.year, d.region, d.region_path, d.meta["sources"])
            for d in reader.docs
        }
    finally:
        reader.close()


def test_a_manifest_is_remembered_by_later_runs(tmp_path):
    docs = _manifest_folder(tmp_path)
    ix = tmp_path / "ix"
    first = build_index([docs], ix, manifest=docs / "manifest.jsonl")
    assert sorted(s.path for s in first.skipped) == [
        str(docs / "README.md"), str(docs / "manifest.jsonl")
    ]  # fmt: skip
    assert first.notes == []
    # Without a level in the manifest, the level follows from its region (still a fact).
    facts = dict.fromkeys(("title", "type", "year", "region", "level"), "manifest")
    assert _docs(ix) == {
        "a.txt": ("2019年甲街道工作总结", 2019, "深圳市", ("广东省", "深圳市"), facts),
        "b.txt": ("乙街道工作计划", 2020, "山东省青岛市", ("山东省", "青岛市"), facts),
    }

    # A later run without --manifest keeps the rows, says so, and still skips the README.
    _write(docs / "a.txt", "推行河长制\n全面落实河长制\n")
    second = build_index([docs], ix)
    assert second.notes == [
        f"using the manifest remembered from an earlier run ({docs / 'manifest.jsonl'}, 2 rows); "
        "pass --manifest none to index without it"
    ]
    assert (second.files_indexed, second.files_unchanged) == (1, 1)
    assert sorted(s.path for s in second.skipped) == [
        str(docs / "README.md"), str(docs / "manifest.jsonl")
    ]  # fmt: skip
    assert _docs(ix)["a.txt"][:3] == ("2019年甲街道工作总结", 2019, "深圳市")
    assert count(ix, "河长制") == 2

    # --manifest none drops it: the metadata comes from the text (here: none), and every file
    # of the folder is a document.
    third = build_index([docs], ix, manifest="none")
    assert third.notes == [
        f"dropped the remembered manifest ({docs / 'manifest.jsonl'}); its documents get their "
        "metadata from their own text"
    ]
    after = _docs(ix)
    assert after["a.txt"][:4] == (None, None, None, ())
    assert "README.md" in after
    assert not (store.current_generation(ix) / "manifest.json").exists()


def test_rebuild_keeps_the_remembered_manifest(tmp_path):
    docs = _manifest_folder(tmp_path)
    ix = tmp_path / "ix"
    build_index([docs], ix, manifest=docs / "manifest.jsonl")
    before = _docs(ix)

    # --rebuild starts a new index, not a new manifest: same rows, README still out.
    rebuilt = build_index([docs], ix, rebuild=True)
    assert rebuilt.notes == [
        f"using the manifest remembered from an earlier run ({docs / 'manifest.jsonl'}, 2 rows); "
        "pass --manifest none to index without it"
    ]
    assert sorted(s.path for s in rebuilt.skipped) == [
        str(docs / "README.md"), str(docs / "manifest.jsonl")
    ]  # fmt: skip
    assert (rebuilt.full_rebuild, rebuilt.documents_total) == (True, 2)
    assert _docs(ix) == before
    assert (store.current_generation(ix) / "manifest.json").exists()

    # It is still remembered after the rebuild, and `--rebuild --manifest none` drops it.
    dropped = build_index([docs], ix, rebuild=True, manifest="none")
    assert dropped.notes == [
        f"dropped the remembered manifest ({docs / 'manifest.jsonl'}); its documents get their "
        "metadata from their own text"
    ]
    assert sorted(_docs(ix)) == ["README.md", "a.txt", "b.txt"]
    assert not (store.current_generation(ix) / "manifest.json").exists()


def test_a_new_manifest_replaces_the_remembered_one(tmp_path):
    docs = _manifest_folder(tmp_path)
    ix = tmp_path / "ix"
    build_index([docs], ix, manifest=docs / "manifest.jsonl")
    other = _write(tmp_path / "other.csv", "file,title,year,region\na.txt,甲的新标题,2021,广东省\n")
    report = build_index([docs / "a.txt"], ix, manifest=other)
    assert report.notes == [f"{other} replaces the manifest remembered from an earlier run"]
    assert _docs(ix)["a.txt"][:4] == ("甲的新标题", 2021, "广东省", ("广东省",))


def test_a_changed_gazetteer_re_resolves_every_document(tmp_path, monkeypatch):
    from govsearch.indexer import plan as plan_module

    ix = tmp_path / "ix"
    build_index(SEEDS, ix)
    assert stats(ix).needs_reindex == 0
    monkeypatch.setattr(plan_module, "gazetteer_version", lambda: "0123456789ab")
    monkeypatch.setattr("govsearch.indexer.gazetteer.data_version", lambda: "0123456789ab")
    # Until the next run, stats counts the documents resolved with the other version.
    assert stats(ix).needs_reindex == 2
    report = build_index(SEEDS, ix)
    assert report.warnings == [
        "the gazetteer of place names changed: re-indexing every document so that their "
        "regions are resolved with it"
    ]
    assert (report.files_indexed, report.full_rebuild) == (2, True)
    assert stats(ix).needs_reindex == 0
    assert stats(ix).gazetteer == "0123456789ab"
