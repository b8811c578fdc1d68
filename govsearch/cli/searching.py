"""The `search` command and its printers: text, json, jsonl, tsv, vimgrep and --explain (csv and
xlsx are written by reports.export_search).

It imports neither flask nor the indexer's build side, so that a scripted search starts fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from govsearch.cli.common import (
    EXIT_HITS,
    EXIT_NO_HITS,
    FILE_NAME,
    QueryCommand,
    check_filter_options,
    display_path,
    ensure_index,
    index_option,
    mark,
    use_color,
    where,
)

FORMATS = ("text", "json", "jsonl", "tsv", "vimgrep", "csv", "xlsx")
#: One line per hit: every hit unless --limit, like csv and xlsx (text and json show a page).
LINE_FORMATS = ("jsonl", "tsv", "vimgrep")
EXCERPT = 240


def excerpt(text: str, matches: list[tuple[int, int]], width: int = EXCERPT) -> tuple[str, list]:
    """A window of the paragraph around its first match, with matches shifted into it."""
    if len(text) <= width:
        return text, matches
    first = matches[0][0] if matches else 0
    start = max(0, min(first - width // 4, len(text) - width))
    end = start + width
    inside = [(s - start, min(e, end) - start) for s, e in matches if s >= start and s < end]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix)
    return prefix + text[start:end] + suffix, [(s + shift, e + shift) for s, e in inside]


def _tsv(value) -> str:
    if value is None:
        return ""
    return str(value).replace("\t", " ").replace("\r", " ").replace("\n", " ")


def vimgrep_column(hit) -> int:
    """1-based byte offset of the first match in the UTF-8 source line, as rg --vimgrep."""
    first = hit.matches[0][0] if hit.matches else 0
    return hit.column + len(hit.text[:first].encode("utf-8")) + 1


# `-污染` (without) is query syntax, not an option; `-x` and `--limt` are mistyped options.
@click.command(name="search", cls=QueryCommand)
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", "-n", type=click.IntRange(min=0), default=10,
              help="Hits to list [default: 10 in text and json; every hit in the other "
              "formats].")  # fmt: skip
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True,
              help="Skip this many hits (for paging).")  # fmt: skip
@click.option("--all", "all_hits", is_flag=True, help="Every hit (ignores --limit).")
@click.option("--year", help="Only this year or range: 2018, 2015..2020.")
@click.option("--region", help="Only this place and the places in it: 深圳, 山东省, 440300.")
@click.option("--sort", type=click.Choice(["relevance", "year"]), default="relevance",
              show_default=True, help="year: newest first.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="vimgrep lists text sources only (it needs a line number).")  # fmt: skip
@click.option("--count", "count_only", is_flag=True, help="Print the number of matching "
              "paragraphs only.")  # fmt: skip
@click.option(
    "--explain",
    is_flag=True,
    help="Show how the query was understood: its parts, what each matches alone, the words "
    "used for ranking, what filters removed, and each hit's score components.",
)
@click.option("--color/--no-color", default=None, help="Colour matches [default: on a terminal].")
# No short -o: `-oa` must stay the query "without oa".
@click.option("--output", type=FILE_NAME,
              help="csv/xlsx: write to this file (xlsx needs one); written completely or not "
              "at all.")  # fmt: skip
@click.option("--force", is_flag=True, help="Replace the --output file if it exists.")
@click.option("--base-url", envvar="GOVSEARCH_BASE_URL", show_envvar=True,
              help="csv/xlsx: link each hit to the web UI at this address "
              "(http://127.0.0.1:5000) instead of to its file.")  # fmt: skip
@index_option
def search_cmd(
    query: tuple[str, ...],
    limit: int,
    offset: int,
    all_hits: bool,
    year: str | None,
    region: str | None,
    sort: str,
    fmt: str,
    count_only: bool,
    explain: bool,
    color: bool | None,
    output: Path | None,
    force: bool,
    base_url: str | None,
    index_dir: Path | None,
) -> None:
    """Search the index; every paragraph that contains the query is found.

    \b
    Query syntax:
      河长制 污染           both (AND)         河长制 OR 湖长制   either
      -扫黑 / NOT 扫黑      without            "土地 整备"        phrase
      (河长制 OR 湖长制) 污染                   grouping
      year:2018  year:2015..2020  region:坪山  title:政府工作报告  section:工作计划
      level:provincial  type:通知  docno:国发〔2025〕11号  date:2024-01..2024-06

    \b
    Examples:
      govsearch search 河长制
      govsearch search 河长制 --year 2015..2020 --format jsonl
      govsearch search '"黑臭水体" region:深圳' --count
      govsearch search 河长制 --format xlsx --output 河长制.xlsx

    jsonl, tsv, vimgrep, csv (UTF-8 with BOM) and xlsx list every hit unless --limit is
    given; text and json show a page of 10.

    Exit status: 0 when something matched, 1 when nothing did, 2 for a bad query.
    """
    from govsearch.search import count, search

    check_filter_options(year=year, region=region)
    if output is not None and fmt not in ("csv", "xlsx"):
        raise click.UsageError("--output works with --format csv or xlsx; redirect the others")
    if output is not None and (count_only or explain):
        option = "--count" if count_only else "--explain"
        raise click.UsageError(f"--output writes hits; {option} prints to stdout: redirect it")
    target = ensure_index(index_dir)
    text = " ".join(query)
    explicit = click.get_current_context().get_parameter_source("limit")
    limit_given = explicit is not None and explicit.name != "DEFAULT"
    if fmt in ("csv", "xlsx") and not (explain or count_only):
        from govsearch.cli.reports import export_search

        total = export_search(
            target, text, fmt=fmt, limit=limit if limit_given and not all_hits else None,
            offset=offset, sort=sort, year=year, region=region, output=output, force=force,
            base_url=base_url,
        )  # fmt: skip
        sys.exit(EXIT_HITS if total else EXIT_NO_HITS)
    if fmt in LINE_FORMATS and not (explain or count_only) and (all_hits or not limit_given):
        total = _print_every_hit(target, text, fmt, offset, sort, year, region)
        sys.exit(EXIT_HITS if total else EXIT_NO_HITS)
    if explain:
        page = {"limit": None if all_hits else limit, "offset": offset, "sort": sort}
        _print_explanation(target, text, year, region, fmt, page)
        return
    if count_only:
        n = count(target, text, year=year, region=region)
        click.echo(str(n))
        sys.exit(EXIT_HITS if n else EXIT_NO_HITS)
    result = search(
        target, text, limit=None if all_hits else limit, offset=offset, sort=sort, year=year,
        region=region, facets=fmt == "json",
    )  # fmt: skip
    _print_result(result, fmt, use_color(color))
    sys.exit(EXIT_HITS if result.total else EXIT_NO_HITS)


def _print_explanation(target: Path, text: str, year, region, fmt: str, page: dict) -> None:
    from govsearch.search import explain

    e = explain(target, text, year=year, region=region, **page)
    if fmt in ("json", "jsonl"):
        click.echo(json.dumps(e.to_dict(), ensure_ascii=False))
    else:
        click.echo(f"query:     {e.query}")
        click.echo(f"parsed as: {e.parsed}")
        for c in e.clauses:
            label = ("NOT " if c.negated else "") + c.kind
            words = f"  ranking words: {' '.join(c.words)}" if c.words else ""
            click.echo(f"  {label:<10} {c.text:<24} {c.paragraphs:>7} paragraphs{words}")
            if c.plan:
                click.echo(f"  {'':<10} {c.plan}")
        click.echo(f"without filters: {e.without_filters} paragraphs")
        click.echo(f"result:          {e.total} paragraphs ({e.folded_duplicates} duplicate copies "
                   "folded into also_in)")  # fmt: skip
        for line in _suggestion_lines(e.suggestions):
            click.echo(line)
        _print_score_details(e.ranking, page["offset"])
    sys.exit(EXIT_HITS if e.total else EXIT_NO_HITS)


def _print_score_details(scores, offset: int) -> None:
    if not scores:
        return
    click.echo("ranking:         score = bm25f + proximity + contiguity")
    for n, s in enumerate(scores, offset + 1):
        words = ", ".join(f"{w} {v:.4f}" for w, v in s.bm25f_words.items())
        line = f"  [{n}] {s.id}  {s.score:.4f} = {s.bm25f:.4f} bm25f"
        line += f" ({words})" if words else " (fragment only)"
        if s.reranked:
            span = {"clause": "one clause", "sentence": "one sentence"}.get(s.span, "apart")
            line += f" + {s.proximity:.4f} proximity ({span})"
            line += f" + {s.contiguity:.4f} contiguity ({s.contiguous_pairs} pairs back to back)"
        else:
            line += " (not re-ranked)"
        click.echo(line)


def _print_every_hit(target: Path, text: str, fmt: str, offset: int, sort: str, year,
                     region) -> int:  # fmt: skip
    """A line-per-hit format without --limit: every hit, built a batch at a time (as csv)."""
    import itertools

    from govsearch.search import iter_hits

    total, hits = iter_hits(target, text, sort=sort, year=year, region=region)
    _print_lines(itertools.islice(hits, min(offset, sys.maxsize), None), fmt)
    return total


def _print_result(result, fmt: str, color: bool) -> None:
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    elif fmt in LINE_FORMATS:
        _print_lines(result.hits, fmt)
    else:
        _print_text(result, color)


def _print_lines(hits, fmt: str) -> None:
    if fmt == "jsonl":
        for hit in hits:
            click.echo(json.dumps(hit.to_dict(), ensure_ascii=False))
    elif fmt == "tsv":
        cols = ("id", "doc_id", "year", "region", "title", "section", "path", "line", "score")
        click.echo("\t".join(cols + ("text",)))
        for hit in hits:
            d = hit.to_dict()
            click.echo("\t".join(_tsv(d[c]) for c in cols + ("text",)))
    else:
        for hit in hits:
            if hit.line is None:
                continue
            click.echo(f"{hit.path}:{hit.line}:{vimgrep_column(hit)}:{_tsv(hit.text)}")


def _print_text(result, color: bool) -> None:
    for n, hit in enumerate(result.hits, result.offset + 1):
        head = " · ".join(
            str(x)
            for x in (hit.title or Path(hit.path).name, hit.year, hit.region, hit.section)
            if x is not None
        )
        located = where(hit.path, hit.line, hit.page, hit.ocr_confidence if hit.ocr else None)
        body, spans = excerpt(hit.text, hit.matches)
        # color=: click drops ANSI codes on a pipe unless told; --color means "keep them".
        click.echo(click.style(f"[{n}] ", bold=True) + head if color else f"[{n}] {head}",
                   color=color)  # fmt: skip
        click.echo(f"    {located}  id {hit.id}")
        click.echo(f"    {mark(body, spans, color)}", color=color)
        for loc in hit.also_in:
            click.echo(f"    also in: {display_path(loc.path)}:{loc.line}  id {loc.id}")
        click.echo("")
    click.echo(summary(result), err=True)
    for line in _suggestion_lines(result.suggestions):
        click.echo(line, err=True)


def summary(result) -> str:
    """The line under the hits: how many match and which of them are shown."""
    shown = len(result.hits)
    took = f"({result.seconds * 1000:.0f} ms)"
    if result.total == 0:
        return f"no paragraph contains {result.query!r}"
    if shown:
        first, last = result.offset + 1, result.offset + shown
        return f"{result.total} paragraphs match; showing {first}–{last} {took}"
    if result.limit == 0:
        return f"{result.total} paragraphs match; none shown (--limit 0) {took}"
    return (
        f"{result.total} paragraphs match; none shown: --offset {result.offset} is past the "
        f"last (use --offset 0 to {result.total - 1}) {took}"
    )


def _why(kind: str, terms: list[str]) -> str:
    """Why a suggestion is offered, after "N paragraphs match"."""
    typed = ", ".join(repr(t) for t in terms)
    if kind == "separator":
        return f"reading {typed} as separate terms"
    if kind == "operator":
        return "reading " + ", ".join(f"{t!r} as {t.upper()}" for t in terms)
    if kind == "homophone":
        return f"with a word that sounds like {typed}"
    return f"without the punctuation of {typed}"


def _suggestion_lines(suggestions) -> list[str]:
    return [
        f"suggestion: {s.query} — {s.total} paragraphs match {_why(s.kind, s.terms)}"
        for s in suggestions
    ]
