"""What search, --explain and show print: how many hits each format lists, totals that agree
between --explain and --count, and show's whole document with pages and OCR flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govsearch.cli import cli
from govsearch.cli.common import display_path
from govsearch.search import count, explain, search, show


def invoke(runner, index_dir: Path, *argv: str):
    return runner.invoke(cli, [*argv, "--index", str(index_dir)], catch_exceptions=False)


# -- line-per-hit formats --------------------------------------------------------------------


def _ids(fmt: str, stdout: str, hits) -> list[str]:
    """The hit ids a jsonl/tsv/vimgrep output lists, in order."""
    lines = stdout.splitlines()
    if fmt == "jsonl":
        return [json.loads(line)["id"] for line in lines]
    if fmt == "tsv":
        assert lines[0].split("\t")[0] == "id"
        return [line.split("\t")[0] for line in lines[1:]]
    by_place = {f"{h.path}:{h.line}": h.id for h in hits}
    return [by_place[":".join(line.split(":")[:2])] for line in lines]


@pytest.mark.parametrize("fmt", ["jsonl", "tsv", "vimgrep"])
def test_line_formats_list_every_hit_unless_limit_is_given(runner, sample_index, fmt):
    every = search(sample_index, "发展", limit=None, facets=False).hits
    assert len(every) > 30  # well past the page of 10 these formats used to stop at
    listed = [h for h in every if fmt != "vimgrep" or h.line is not None]
    result = invoke(runner, sample_index, "search", "发展", "--format", fmt)
    assert result.exit_code == 0
    assert _ids(fmt, result.stdout, every) == [h.id for h in listed]
    limited = invoke(runner, sample_index, "search", "发展", "--format", fmt, "--limit", "12")
    assert _ids(fmt, limited.stdout, every) == [h.id for h in listed if h in every[:12]]
    skipped = invoke(runner, sample_index, "search", "发展", "--format", fmt, "--offset", "25")
    assert _ids(fmt, skipped.stdout, every) == [h.id for h in listed if h in every[25:]]
    both = invoke(runner, sample_index, "search", "发展", "--format", fmt, "--offset", "25",
                  "--limit", "3", "--all")  # fmt: skip
    assert _ids(fmt, both.stdout, every) == [h.id for h in listed if h in every[25:]]
    none = invoke(runner, sample_index, "search", "没有这个词", "--format", fmt)
    header = "id\tdoc_id\tyear\tregion\ttitle\tsection\tpath\tline\tscore\ttext\n"
    assert (none.exit_code, none.stdout) == (1, header if fmt == "tsv" else "")


def test_text_and_json_still_show_a_page_of_ten(runner, sample_index):
    text = invoke(runner, sample_index, "search", "发展")
    assert [b.split("]")[0] for b in text.stdout.split("\n\n") if b][:10] == [
        f"[{n}" for n in range(1, 11)
    ]
    assert "[11]" not in text.stdout
    page = json.loads(invoke(runner, sample_index, "search", "发展", "--format", "json").stdout)
    assert (page["limit"], page["offset"], len(page["hits"])) == (10, 0, 10)
    assert page["total"] == search(sample_index, "发展", limit=0).total


# -- --explain counts as search counts -------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "leaves", "unfiltered"),
    [
        ("国内生产总值", ["国内生产总值"], "国内生产总值"),
        ("经济 -就业 year:2010", ["经济", "就业", "year:2010"], "经济 -就业"),
        ('"经济 发展" OR 社会', ['"经济 发展"', "社会"], '"经济 发展" OR 社会'),
    ],
)
def test_explain_counts_match_count_and_search(runner, sample_index, query, leaves, unfiltered):
    # The sample holds the 2010 national report twice (0042 and 0085): copies fold.
    total, flat = count(sample_index, query), count(sample_index, query, collapse=False)
    assert 0 < total < flat
    e = explain(sample_index, query)
    assert (e.total, e.folded_duplicates) == (total, flat - total)
    assert e.total == search(sample_index, query, limit=0).total
    assert [c.paragraphs for c in e.clauses] == [count(sample_index, q) for q in leaves]
    assert e.without_filters == count(sample_index, unfiltered)
    text = invoke(runner, sample_index, "search", query, "--explain")
    assert f"result:          {total} paragraphs ({flat - total} duplicate copies folded " in (
        text.stdout
    )
    counted = invoke(runner, sample_index, "search", query, "--count")
    assert counted.stdout == f"{total}\n"
    as_json = json.loads(invoke(runner, sample_index, "search", query, "--explain", "--format",
                                "json").stdout)  # fmt: skip
    assert (as_json["total"], as_json["folded_duplicates"]) == (total, flat - total)


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl"])
def test_explain_of_a_query_without_hits_exits_1(runner, seed_index, fmt):
    result = invoke(runner, seed_index, "search", "zzzz", "--explain", "--format", fmt)
    assert result.exit_code == 1
    if fmt == "text":
        assert "result:          0 paragraphs (0 duplicate copies folded" in result.stdout
    else:
        assert (json.loads(result.stdout)["total"], result.stderr) == (0, "")
    hit = invoke(runner, seed_index, "search", "河长制", "--explain", "--format", fmt)
    assert hit.exit_code == 0


# -- show ------------------------------------------------------------------------------------


def test_show_a_document_id_shows_the_whole_document(runner, seed_index):
    hit = search(seed_index, "河长制").hits[0]
    doc = show(seed_index, hit.doc_id)
    assert doc.paragraph_count > 10
    assert [p.paragraph for p in doc.paragraphs] == list(range(1, doc.paragraph_count + 1))
    result = invoke(runner, seed_index, "show", hit.doc_id, "--no-color")
    assert result.exit_code == 0
    heads = [ln for ln in result.stdout.splitlines() if ln.startswith(("> [", "  ["))]
    path = display_path(hit.path)
    assert heads == [f"  [{p.paragraph}] {_where(path, p)}" for p in doc.paragraphs]
    as_json = json.loads(invoke(runner, seed_index, "show", hit.doc_id, "--format", "json").stdout)
    assert [p["text"] for p in as_json["paragraphs"]] == [p.text for p in doc.paragraphs]
    assert as_json["paragraphs"][hit.paragraph - 1]["text"] == hit.text
    # A paragraph id still shows that paragraph, with --context around it.
    one = invoke(runner, seed_index, "show", hit.id, "--format", "json")
    assert [p["paragraph"] for p in json.loads(one.stdout)["paragraphs"]] == [hit.paragraph]


def _where(name: str, p) -> str:
    return f"{name}:{p.line}" + (f"  {p.section}" if p.section else "")


def test_show_context_with_a_document_id_is_a_usage_error(runner, seed_index):
    doc_id = search(seed_index, "河长制").hits[0].doc_id
    result = invoke(runner, seed_index, "show", doc_id, "--context", "2")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == (
        f"Error: --context needs a paragraph id ({doc_id}:N); a document id alone shows the "
        "whole document"
    )
