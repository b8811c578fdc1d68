"""The command line as scripts use it: formats, exit codes, errors, help."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

from govsearch.cli import cli, excerpt, mark
from govsearch.indexer.formats import SUPPORTED_SUFFIXES
from govsearch.search import search

from .conftest import ROOT, SEEDS


def run(runner, *args, index: Path | None = None, **kwargs):
    argv = list(args) + (["--index", str(index)] if index is not None else [])
    return runner.invoke(cli, argv, **kwargs)


def test_search_text_format_on_seeds(runner, seed_index):
    result = run(runner, "search", "河长制", index=seed_index, catch_exceptions=False)
    assert result.exit_code == 0
    blocks = [b for b in result.stdout.split("\n\n") if b.strip()]
    assert len(blocks) == 3
    first = blocks[0].splitlines()
    assert first[0] == "[1] 000_d17093189e6c1fbb.txt · 2020 · XX街道"
    assert first[1].endswith(
        f"000_d17093189e6c1fbb.txt:8  id {search(seed_index, '河长制').hits[0].id}"
    )
    assert "【河长制】" in first[2]
    assert result.stderr.startswith("3 paragraphs match; showing 1–3 (")


def test_jsonl_has_the_documented_keys_and_offsets(runner, seed_index):
    result = run(runner, "search", "河长制", "--format", "jsonl", index=seed_index)
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 3
    keys = {"id", "doc_id", "title", "year", "region", "section", "paragraph", "path", "line",
            "text", "matches", "score"}  # fmt: skip
    for row in rows:
        assert keys <= row.keys()
        assert row["matches"] and all(row["text"][s:e] == "河长制" for s, e in row["matches"])
        assert (
            Path(row["path"]).read_text("utf-8").split("\n")[row["line"] - 1].strip() == row["text"]
        )
    assert "河长制" in result.stdout  # Chinese unescaped


def test_json_object_with_facets(runner, seed_index):
    result = run(runner, "search", "河长制", "--format", "json", "--limit", "1", index=seed_index)
    data = json.loads(result.stdout)
    assert (data["query"], data["total"], data["offset"], data["limit"]) == ("河长制", 3, 0, 1)
    assert len(data["hits"]) == 1
    assert data["facets"]["year"] == {"2020": 1, "2018": 2}
    assert data["facets"]["region"] == {"坪山街道": 2, "XX街道": 1}


def test_tsv_format(runner, seed_index):
    result = run(runner, "search", "河长制", "--format", "tsv", index=seed_index)
    lines = result.stdout.splitlines()
    assert lines[0].split("\t") == ["id", "doc_id", "year", "region", "title", "section", "path",
                                    "line", "score", "text"]  # fmt: skip
    assert len(lines) == 4 and all(len(x.split("\t")) == 10 for x in lines)


def test_vimgrep_columns_are_utf8_byte_offsets(runner, tmp_path):
    doc = tmp_path / "v.txt"
    doc.write_text("第一行\n\u3000\u3000全面推行河长制工作\n", encoding="utf-8")
    run(runner, "index", str(doc), index=tmp_path / "ix")
    result = run(runner, "search", "河长制", "--format", "vimgrep", index=tmp_path / "ix")
    line = doc.read_text("utf-8").split("\n")[1]
    column = len(line[: line.index("河长制")].encode("utf-8")) + 1
    assert result.stdout == f"{doc}:2:{column}:全面推行河长制工作\n"
    assert column == 19


def test_count_and_exit_codes(runner, seed_index):
    ok = run(runner, "search", "河长制", "--count", index=seed_index)
    assert (ok.exit_code, ok.stdout) == (0, "3\n")
    none = run(runner, "search", "没有这个词", "--count", index=seed_index)
    assert (none.exit_code, none.stdout) == (1, "0\n")
    miss = run(runner, "search", "没有这个词", "--format", "jsonl", index=seed_index)
    assert (miss.exit_code, miss.stdout) == (1, "")
    bad = run(runner, "search", "year:abc", index=seed_index)
    assert bad.exit_code == 2
    assert bad.stderr == "Error: year:abc — a year is 4 digits, or a range like year:2015..2020\n"
    bad_opt = run(runner, "search", "河长制", "--limit", "-1", index=seed_index)
    assert bad_opt.exit_code == 2


def test_paging_options(runner, sample_index):
    everything = search(sample_index, "发展", limit=30)
    result = run(runner, "search", "发展", "--format", "jsonl", "--limit", "5", "--offset", "10",
                 index=sample_index)  # fmt: skip
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == [
        h.id for h in everything.hits[10:15]
    ]
    all_rows = run(runner, "search", "河长制", "--all", "--format", "jsonl", index=sample_index)
    assert len(all_rows.stdout.splitlines()) == search(sample_index, "河长制").total


def test_year_region_sort_options(runner, sample_index):
    result = run(runner, "search", "发展", "--year", "2015..2018", "--sort", "year", "--format",
                 "jsonl", "--limit", "50", index=sample_index)  # fmt: skip
    years = [json.loads(x)["year"] for x in result.stdout.splitlines()]
    assert years and years == sorted(years, reverse=True) and all(2015 <= y <= 2018 for y in years)
    result = run(runner, "search", "河长制", "--region", "坪山", "--format", "jsonl",
                 index=sample_index)  # fmt: skip
    assert {json.loads(x)["region"] for x in result.stdout.splitlines()} == {"坪山街道"}


def test_default_index_is_built_from_seeds_once(runner, tmp_path, monkeypatch):
    ix = tmp_path / "default"
    monkeypatch.setattr("govsearch.cli.common.default_index_dir", lambda: ix)
    env = {"GOVSEARCH_INDEX": None}
    first = runner.invoke(cli, ["search", "河长制", "--count"], env=env)
    assert first.exit_code == 0 and first.stdout == "3\n"
    assert first.stderr.startswith(f"govsearch: no index at {ix} yet; building it from the bundled")
    second = runner.invoke(cli, ["search", "河长制", "--count"], env=env)
    assert second.stderr == ""


def test_a_named_missing_index_is_an_error_not_a_new_index(runner, tmp_path):
    missing = tmp_path / "nowhere"
    result = run(runner, "search", "河长制", index=missing)
    assert result.exit_code == 3
    assert result.stderr == (
        f"Error: no index at {missing}. Run: govsearch index PATH... --index {missing}\n"
    )
    assert not missing.exists()


def test_index_command_summary_and_json(runner, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("推行河长制\n", encoding="utf-8")
    (docs / "b.bin").write_bytes(b"\x00\x01")
    result = run(runner, "index", str(docs), "--format", "json", index=tmp_path / "ix")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert (report["files_indexed"], report["files_skipped"]) == (1, 1)
    assert f"warning: skipped {docs / 'b.bin'}: " in result.stderr
    assert "indexed 1 files (0 unchanged, 0 removed, 1 skipped), 1 paragraphs in" in result.stderr


def test_index_errors(runner, tmp_path):
    result = run(runner, "index", str(tmp_path / "nope"), index=tmp_path / "ix")
    assert result.exit_code == 2
    assert result.stderr == f"Error: no such file or directory: {tmp_path / 'nope'}\n"
    result = run(runner, "index", index=tmp_path / "ix")
    assert result.exit_code == 2 and "give one or more files or directories" in result.stderr


def test_locked_index_exit_code(runner, tmp_path):
    from govsearch.indexer import store

    with store.WriteLock(tmp_path / "ix", timeout=0.1):
        result = run(runner, "index", str(SEEDS[0]), index=tmp_path / "ix")
    assert result.exit_code == 3
    assert result.stderr.startswith(f"Error: the index at {tmp_path / 'ix'} is locked by another")


def test_show_with_context(runner, seed_index):
    hit = search(seed_index, "河长制").hits[0]
    result = run(runner, "show", hit.id, "-C", "1", "--no-color", "-q", "河长制", index=seed_index)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    markers = [ln[:1] for ln in lines if ln.startswith(("> [", "  ["))]
    assert markers == [" ", ">", " "]
    assert "【河长制】" in result.stdout
    as_json = json.loads(run(runner, "show", hit.id, "--format", "json", index=seed_index).stdout)
    assert [p["text"] for p in as_json["paragraphs"]] == [hit.text]
    missing = run(runner, "show", "ffffffffffff:1", index=seed_index)
    assert missing.exit_code == 1
    assert missing.stderr == (
        "Error: no document with id 'ffffffffffff' in this index; search for it first\n"
    )


def test_stats(runner, seed_index):
    data = json.loads(run(runner, "stats", "--format", "json", index=seed_index).stdout)
    assert (data["documents"], data["paragraphs"]) == (2, 29)
    text = run(runner, "stats", index=seed_index).stdout
    assert "documents:   2\nparagraphs:  29\n" in text


def test_every_command_has_help_with_an_example(runner):
    for name, command in cli.commands.items():
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, name
        assert command.help and "Example" in command.help, name


def test_mark_and_excerpt():
    assert mark("推行河长制工作", [(2, 5)], color=False) == "推行【河长制】工作"
    assert mark("推行河长制", [(2, 5)], color=True) == "推行" + click.style(
        "河长制", fg="red", bold=True
    )
    text = "甲" * 300 + "河长制" + "乙" * 300
    body, spans = excerpt(text, [(300, 303)])
    assert body.startswith("…") and body.endswith("…")
    assert [body[s:e] for s, e in spans] == ["河长制"]


def test_search_does_not_import_flask(seed_index):
    # Nor the indexing side (format readers, OCR, inference): a scripted query starts fast.
    code = (
        "import sys; from govsearch.cli import main; sys.argv=['govsearch','search','河长制',"
        f"'--count','--index',{str(seed_index)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert 'flask' not in sys.modules, 'flask imported'\n"
        "building = [m for m in ('build', 'formats', 'ocrcache', 'inference')\n"
        "            if 'govsearch.indexer.' + m in sys.modules]\n"
        "assert not building, building\nprint('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip().endswith("ok"), out.stderr


def test_utf8_output_whatever_the_locale(seed_index):
    env = {"PATH": "", "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii"}
    out = subprocess.run(
        [sys.executable, "-m", "govsearch", "search", "河长制", "--format", "jsonl", "--limit", "1",
         "--index", str(seed_index)],
        capture_output=True, cwd=ROOT, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "河长制" in out.stdout.decode("utf-8")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("(", "unbalanced parenthesis: add the closing ')'"),
        (")", "unbalanced parenthesis: a ')' has no matching '('"),
        ('"', 'unbalanced quote: add the closing " or remove the opening one'),
        ("OR", "OR needs a term on both sides, e.g. 河长制 OR 湖长制"),
        ("-", "a '-' on its own excludes nothing: write it right before a term (-扫黑), or put "
              'it in quotes to search for the dash: "-"'),
        ("year:", "year: — needs a value, e.g. year:2018, year:2015..2020, year:2015.."),
        ("x" * 1001, "query is too long (1001 characters; the limit is 1000)"),
        ("\x00", "the query contains a NUL character; remove it"),
    ],
)  # fmt: skip
def test_hostile_queries_are_one_line_usage_errors(runner, seed_index, query, message):
    result = run(runner, "search", query, index=seed_index)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"Error: {message}\n")


def test_explain_shows_parts_counts_and_filters(runner, seed_index):
    result = run(runner, "search", "河长制 -湖长制 year:2018", "--explain", index=seed_index)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[1] == "parsed as: (河长制 AND NOT 湖长制 AND year:2018)"
    assert lines[2].split() == ["term", "河长制", "3", "paragraphs", "ranking", "words:", "河长制"]
    assert lines[3].split()[:4] == ["NOT", "term", "湖长制", "1"]
    assert lines[4].split()[:3] == ["filter", "year:2018", "17"]
    assert lines[5] == "without filters: 2 paragraphs"
    assert lines[6].startswith("result:          1 paragraphs")


# -- first-hour fixes ------------------------------------------------------------------------


def test_color_is_kept_in_a_pipe_when_asked(runner, seed_index):
    marked = click.style("河长制", fg="red", bold=True)
    forced = run(runner, "search", "河长制", "--color", index=seed_index)
    assert forced.exit_code == 0
    assert forced.stdout.count(marked) == 4  # every match of the three paragraphs
    assert forced.stdout.startswith(click.style("[1] ", bold=True))
    plain = run(runner, "search", "河长制", index=seed_index)
    assert "\x1b[" not in plain.stdout and plain.stdout.count("【河长制】") == 4
    hit = search(seed_index, "河长制").hits[0]
    shown = run(runner, "show", hit.id, "-q", "河长制", "--color", index=seed_index)
    assert shown.stdout.count(marked) == 2


def test_color_into_a_real_pipe(seed_index):
    out = subprocess.run(
        [sys.executable, "-m", "govsearch", "search", "河长制", "--color", "--limit", "1",
         "--index", str(seed_index)],
        capture_output=True, cwd=ROOT,
    )  # fmt: skip
    assert out.returncode == 0
    assert "\x1b[31m\x1b[1m河长制\x1b[0m".encode() in out.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "abc"], "--year abc — a year is 4 digits, or a range like 2015..2020"),
        (["--year", "2020..2010"], "--year 2020..2010 — the range is empty; write it as low..high"),
        (["--region", ""], "--region '' — needs a value, e.g. 坪山"),
    ],
)
def test_a_bad_filter_option_names_the_option(runner, seed_index, args, message):
    result = run(runner, "search", "河长制", *args, index=seed_index)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"Error: {message}\n")


def _summary(stderr: str) -> str:
    return re.sub(r" \(\d+ ms\)$", "", stderr.strip())


def test_summary_when_nothing_is_shown(runner, seed_index):
    past = run(runner, "search", "河长制", "--offset", "10", index=seed_index)
    assert (past.exit_code, past.stdout) == (0, "")
    assert _summary(past.stderr) == (
        "3 paragraphs match; none shown: --offset 10 is past the last (use --offset 0 to 2)"
    )
    zero = run(runner, "search", "河长制", "--limit", "0", index=seed_index)
    assert (zero.exit_code, zero.stdout) == (0, "")
    assert _summary(zero.stderr) == "3 paragraphs match; none shown (--limit 0)"
    last = run(runner, "search", "河长制", "--offset", "2", index=seed_index)
    assert _summary(last.stderr) == "3 paragraphs match; showing 3–3"
    assert last.stdout.startswith("[3] ")


@pytest.mark.parametrize("bad", ["ID:0", "ID:-1", "3f2a9c1b7d0e:0", "3f2a9c1b7d0e:-1", "x:abc"])
def test_show_malformed_ids_are_usage_errors(runner, seed_index, bad):
    result = run(runner, "show", bad, index=seed_index)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: {bad!r} is not a paragraph id: ids look like 3f2a9c1b7d0e:14 (paragraphs count "
        "from 1), as search prints them\n"
    )
    hit = search(seed_index, "河长制").hits[0]
    past_the_end = run(runner, "show", f"{hit.doc_id}:999", index=seed_index)
    assert past_the_end.exit_code == 1  # well-formed, but no such paragraph


def test_suggestions_in_the_summary_json_and_explain(runner, seed_index):
    text = run(runner, "search", "河长制：", index=seed_index)
    assert (text.exit_code, text.stdout) == (1, "")
    assert text.stderr == (
        "no paragraph contains '河长制：'\n"
        "suggestion: 河长制 — 3 paragraphs match without the punctuation of '河长制：'\n"
    )
    data = json.loads(
        run(runner, "search", "河长制：", "--format", "json", index=seed_index).stdout
    )
    assert (data["total"], data["suggestions"]) == (
        0, [{"query": "河长制", "total": 3, "terms": ["河长制："], "kind": "punctuation"}]
    )  # fmt: skip
    ok = json.loads(run(runner, "search", "河长制", "--format", "json", index=seed_index).stdout)
    assert ok["suggestions"] == []
    explained = run(runner, "search", "河长制：", "--explain", index=seed_index)
    assert explained.stdout.splitlines()[-1] == (
        "suggestion: 河长制 — 3 paragraphs match without the punctuation of '河长制：'"
    )
    as_json = run(runner, "search", "河长制：", "--explain", "--format", "json", index=seed_index)
    assert json.loads(as_json.stdout)["suggestions"] == [
        {"query": "河长制", "total": 3, "terms": ["河长制："], "kind": "punctuation"}
    ]


def test_jsonl_values(runner, tmp_path):
    doc = tmp_path / "notice.txt"
    doc.write_text(
        "深圳市人民政府关于全面推行河长制的通知\n深府〔2024〕7号\n\n各区人民政府：\n"
        "全面推行河长制，落实属地责任。\n深圳市人民政府\n2024年3月5日\n",
        encoding="utf-8",
    )
    row = {"file": "notice.txt", "title": "关于全面推行河长制的通知", "year": 2024,
           "region": "广东省深圳市", "level": "city"}  # fmt: skip
    (tmp_path / "m.jsonl").write_text(json.dumps(row, ensure_ascii=False) + "\n", "utf-8")
    run(runner, "index", str(doc), "--manifest", str(tmp_path / "m.jsonl"), index=tmp_path / "ix")
    result = run(runner, "search", "落实属地", "--format", "jsonl", index=tmp_path / "ix")
    (hit,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert hit["id"] == f"{hit['doc_id']}:4" and hit["paragraph"] == 4 and hit["line"] == 5
    assert (hit["title"], hit["year"], hit["region"], hit["level"]) == (
        "关于全面推行河长制的通知", 2024, "广东省深圳市", "city"
    )  # fmt: skip
    assert (hit["type"], hit["docno"], hit["date"], hit["issuer"]) == (
        "通知", "深府〔2024〕7号", "2024-03-05", "深圳市人民政府"
    )  # fmt: skip
    assert (hit["text"], hit["matches"], hit["format"]) == (
        "全面推行河长制，落实属地责任。", [[8, 12]], "txt"
    )  # fmt: skip
    assert hit["path"] == str(doc) and hit["section"] is None and hit["also_in"] == []
    assert isinstance(hit["score"], float) and hit["score"] > 0


def test_tsv_values_under_their_header(runner, seed_index):
    result = run(runner, "search", "河长制", "--format", "tsv", index=seed_index)
    header, *rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert len(rows) == 3
    by_name = [dict(zip(header, row, strict=True)) for row in rows]
    first = by_name[0]
    assert (first["year"], first["region"], first["title"], first["section"]) == (
        "2020", "XX街道", "", ""
    )  # fmt: skip
    assert (first["path"], first["line"]) == (str(SEEDS[0]), "8")
    assert first["id"] == f"{first['doc_id']}:8"
    assert first["text"] == SEEDS[0].read_text("utf-8").split("\n")[7].strip()
    assert float(first["score"]) > 0
    second = by_name[1]
    assert (second["year"], second["region"], second["line"]) == ("2018", "坪山街道", "14")
    assert second["section"] == "三、2019年工作计划 › (二)聚焦宜居环境,着力提升现代城区品质"


def test_unchanged_bad_files_are_reported_once_then_counted(runner, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("推行河长制\n", encoding="utf-8")
    (docs / "old.rtf").write_bytes(b"{\\rtf1 x}")
    (docs / "data.xyz").write_bytes(b"x")
    ix = tmp_path / "ix"
    formats = ", ".join(sorted(SUPPORTED_SUFFIXES))  # the format table's, text formats included
    assert ".txt" in formats and ".md" in formats
    first = run(runner, "index", str(docs), index=ix)
    assert first.stderr.splitlines()[:2] == [
        f"warning: skipped {docs / 'data.xyz'}: .xyz format is not supported; supported: {formats}",
        f"warning: skipped {docs / 'old.rtf'}: RTF format is not supported; save it as .docx",
    ]
    second = run(runner, "index", str(docs), index=ix)
    assert second.stderr.splitlines()[0] == (
        "note: 2 unchanged files skipped again, as reported before (index --format json lists them)"
    )
    assert "warning" not in second.stderr
    assert "(1 unchanged, 0 removed, 2 skipped)" in second.stderr  # still counted
    (docs / "data.xyz").write_bytes(b"changed")
    third = run(runner, "index", str(docs), "--format", "json", index=ix)
    assert third.stderr.splitlines()[:2] == [
        f"warning: skipped {docs / 'data.xyz'}: .xyz format is not supported; supported: {formats}",
        "note: 1 unchanged file skipped again, as reported before (index --format json lists them)",
    ]
    report = json.loads(third.stdout)
    assert sorted((Path(s["path"]).name, s["repeated"]) for s in report["skipped"]) == [
        ("data.xyz", False), ("old.rtf", True)
    ]  # fmt: skip
    rebuilt = run(runner, "index", str(docs), "--rebuild", index=ix)
    assert rebuilt.stderr.count("warning: skipped") == 2  # a new index hears everything again


def _serve(*args: str) -> subprocess.CompletedProcess:
    """`govsearch serve ...` expected to stop by itself (a server that starts fails the test)."""
    return subprocess.run(
        [sys.executable, "-m", "govsearch", "serve", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip


def test_serve_on_a_port_in_use_says_so_and_serves_nothing(seed_index):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for extra in ([], ["--debug"]):
            result = _serve("--port", str(port), "--index", str(seed_index), *extra)
            assert (result.returncode, result.stdout, result.stderr) == (
                2, "", f"Error: port {port} is in use; pick another with --port\n"
            )  # fmt: skip


def test_serve_with_a_missing_index_exits_3(tmp_path):
    missing = tmp_path / "nowhere"
    result = _serve("--port", str(_free_port()), "--index", str(missing))
    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr == (
        f"Error: no index at {missing}. Run: govsearch index PATH... --index {missing}\n"
    )
    assert not missing.exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _serving(index: Path, *options: str):
    """`govsearch serve` in a subprocess; yields (base URL, a function returning its stderr)."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "govsearch", "serve", "--port", str(port), "--index", str(index),
         *options],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)

        def stderr() -> str:
            proc.terminate()
            return proc.communicate(timeout=10)[1].decode("utf-8")

        yield base, stderr
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _raw_get(base: str, target: bytes) -> bytes:
    """A request with the target's bytes exactly as given (curl sends raw UTF-8 like this)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(b"GET " + target + b" HTTP/1.0\r\nHost: x\r\n\r\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    return data


def test_served_api_takes_raw_utf8_and_logs_each_request(seed_index):
    with _serving(seed_index) as (base, stderr):
        raw = _raw_get(base, "/api/search?q=河长制".encode())
        assert raw.startswith(b"HTTP/1.0 200 OK\r\n") or raw.startswith(b"HTTP/1.1 200 OK\r\n")
        body = json.loads(raw.split(b"\r\n\r\n", 1)[1])
        assert body["total"] == 3
        encoded = _raw_get(base, b"/api/search?q=%E6%B2%B3%E9%95%BF%E5%88%B6")
        assert json.loads(encoded.split(b"\r\n\r\n", 1)[1]) == body
        doc = _raw_get(base, f"/doc/{body['hits'][0]['doc_id']}?q=河长制".encode())
        assert b" 200 OK\r\n" in doc.split(b"\r\n", 1)[0] + b"\r\n"
        err = stderr()
    lines = err.splitlines()
    assert lines[0] == f"govsearch: serving {seed_index} on {base}/ (Ctrl-C to stop)"
    log = re.compile(
        r"127\.0\.0\.1 - - \[\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "
        r'"GET (\S+) HTTP/1\.0" 200 (\d+) \d+ms'
    )
    requests = [log.fullmatch(line) for line in lines[1:4]]
    assert all(requests), lines
    assert [m.group(1) for m in requests[:2]] == ["/api/search?q=河长制"] * 2
    assert requests[0].group(2) == str(len(raw.split(b"\r\n\r\n", 1)[1]))


def test_quiet_serve_logs_nothing_per_request(seed_index):
    with _serving(seed_index, "--quiet") as (base, stderr):
        assert _raw_get(base, b"/api/stats").split(b"\r\n", 1)[0].endswith(b"200 OK")
        err = stderr()
    assert err == f"govsearch: serving {seed_index} on {base}/ (Ctrl-C to stop)\n"


def test_show_says_where_the_metadata_came_from(runner, seed_index):
    hit = next(h for h in search(seed_index, "河长制").hits if h.region == "XX街道")
    result = run(runner, "show", hit.id, "--no-color", index=seed_index, catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[:4] == [
        "2020 · XX街道",
        "  region path: 广东省 › 深圳市 › 龙岗区 › XX街道 (440307)",
        "  sources: year from opening lines, region from opening lines, level from opening lines",
        "  note: XX街道 is not in the gazetteer; placed by the text's mentions",
    ]
    data = json.loads(run(runner, "show", hit.id, "--format", "json", index=seed_index).stdout)
    assert (data["region"], data["region_path"], data["adcode"]) == (
        "XX街道", ["广东省", "深圳市", "龙岗区", "XX街道"], "440307"
    )  # fmt: skip
    assert data["meta"]["sources"] == {
        "year": "opening lines", "region": "opening lines", "level": "opening lines"
    }  # fmt: skip
    assert data["meta"]["region_notes"] == [["placed_by_text", "XX街道"]]


def test_search_json_has_region_levels(runner, seed_index):
    result = run(runner, "search", "region:深圳 河长制", "--format", "json", index=seed_index)
    data = json.loads(result.stdout)
    assert (result.exit_code, data["total"]) == (0, 3)
    assert data["facets"]["province"] == {"广东省": 3}
    assert data["facets"]["city"] == {"广东省深圳市": 3}
    assert data["facets"]["county"] == {"广东省深圳市坪山区": 2, "广东省深圳市龙岗区": 1}
    assert [h["adcode"] for h in data["hits"]] == ["440307", "440310001", "440310001"]


def test_stats_lists_provinces_and_the_gazetteer(runner, seed_index):
    from govsearch.indexer.gazetteer import data_version

    result = run(runner, "stats", index=seed_index, catch_exceptions=False)
    lines = result.stdout.splitlines()
    assert "provinces:   1 (广东省 2)" in lines
    assert any(line.endswith(f"gazetteer {data_version()})") for line in lines)
    assert result.stderr == ""


def test_query_path_and_server_never_load_the_gazetteer(seed_index):
    # Regions are resolved at index time; searching, showing and serving read what was stored.
    code = (
        "import sys; from govsearch.cli import main\n"
        "from govsearch.indexer import gazetteer as g\n"
        "runs = (['search','region:深圳 河长制','--format','json'], ['show','x:1'], ['stats'])\n"
        "for argv in runs:\n"
        f"    sys.argv=['govsearch', *argv, '--index', {str(seed_index)!r}]\n"
        "    try:\n        main()\n    except SystemExit:\n        pass\n"
        "from govsearch.web import create_app\n"
        f"client = create_app({{'INDEX': {str(seed_index)!r}}}).test_client()\n"
        "assert client.get('/?q=河长制&region=广东省').status_code == 200\n"
        "assert g.gazetteer.cache_info().currsize == 0, 'gazetteer parsed'\n"
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip().endswith("ok"), out.stderr


def test_an_internal_error_is_one_escaped_line_with_exit_4(runner, seed_index, monkeypatch):
    from govsearch import search as search_module

    def broken(*args, **kwargs):
        raise RuntimeError("bad\nstate\x1b[31m")

    monkeypatch.delenv("GOVSEARCH_DEBUG", raising=False)
    monkeypatch.setattr(search_module, "search", broken)
    result = runner.invoke(cli, ["search", "河长制", "--index", str(seed_index)])
    assert result.exit_code == 4
    assert result.stderr.splitlines() == [
        "Error: internal error (RuntimeError: bad\\nstate\\x1b[31m). "
        "Set GOVSEARCH_DEBUG=1 to see the traceback and report it."
    ]
