"""Research views: `kwic` (a concordance of the matches) and `diffusion` (first year per region).

Each parses its options, calls one function of govsearch.search and formats the result.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import click

from govsearch.cli.common import (
    EXIT_HITS,
    EXIT_NO_HITS,
    check_filter_options,
    display_width,
    emit,
    ensure_index,
    index_option,
    output_option,
    pad,
    pad_left,
    use_color,
)

KWIC_FORMATS = ("text", "csv", "json", "jsonl", "xlsx")
DIFFUSION_FORMATS = ("text", "csv", "json", "xlsx")


def _flat(text: str) -> str:
    """Context on one terminal line: line breaks, tabs and other control characters as spaces."""
    return "".join(" " if unicodedata.category(ch)[0] in "CZ" and ch != "\u3000" else ch
                   for ch in text)  # fmt: skip


# -- kwic ----------------------------------------------------------------------------------


# `-污染` (without) is query syntax, not an option: unknown dash-words stay in the query.
@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, required=True)
@click.option("--width", "-w", type=click.IntRange(0, 1000), default=20, show_default=True,
              help="Characters of context either side of the match.")  # fmt: skip
@click.option("--sort", type=click.Choice(["position", "left", "right"]), default="position",
              show_default=True, help="position: document order (path, paragraph); left/right: "
              "by the context nearest the match first (1L, 2L… / 1R, 2R…).")  # fmt: skip
@click.option("--limit", "-n", type=click.IntRange(min=0), default=100, show_default=True,
              help="Lines to show (csv and xlsx: every line unless given).")  # fmt: skip
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True,
              help="Skip this many lines.")  # fmt: skip
@click.option("--all", "all_lines", is_flag=True, help="Every line (ignores --limit).")
@click.option("--year", help="Only this year or range: 2018, 2015..2020.")
@click.option("--region", help="Only this place and the places in it: 深圳, 山东省, 440300.")
@click.option("--format", "fmt", type=click.Choice(KWIC_FORMATS), default="text",
              show_default=True)  # fmt: skip
@click.option("--color/--no-color", default=None, help="Colour matches [default: on a terminal].")
@output_option
@index_option
def kwic(
    query: tuple[str, ...],
    width: int,
    sort: str,
    limit: int,
    offset: int,
    all_lines: bool,
    year: str | None,
    region: str | None,
    fmt: str,
    color: bool | None,
    output: Path | None,
    force: bool,
    index_dir: Path | None,
) -> None:
    """Every match of a query with the text around it, one line each (a concordance).

    The lines are the matches search highlights, in the paragraphs search finds (a paragraph
    repeated in a near-duplicate document once). Each line starts with its paragraph id, for
    `govsearch show ID`; jsonl and csv give start and end, the match's offsets in the
    paragraph's text as written.

    \b
    Examples:
      govsearch kwic 河长制
      govsearch kwic 河长制 --sort left --width 10
      govsearch kwic '"生态 环境"' --year 2015..2020 --format jsonl
      govsearch kwic 河长制 --format xlsx --output 河长制语境.xlsx

    Exit status: 0 when something matched, 1 when nothing did, 2 for a bad query.
    """
    from govsearch.search import kwic as concordance
    from govsearch.search.export import kwic_table, write_csv, write_xlsx

    check_filter_options(year=year, region=region)
    if fmt in ("csv", "xlsx"):
        explicit = click.get_current_context().get_parameter_source("limit")
        if explicit is None or explicit.name == "DEFAULT":
            all_lines = True
    target = ensure_index(index_dir)
    text = " ".join(query)
    result = concordance(target, text, width=width, sort=sort, limit=None if all_lines else limit,
                         offset=offset, year=year, region=region)  # fmt: skip
    emit(
        fmt, output, force,
        write_text=lambda echo: _print_kwic(result, fmt, use_color(color) and output is None,
                                            echo),
        write_csv=lambda stream: write_csv(kwic_table(result), stream),
        write_xlsx=lambda path: write_xlsx([kwic_table(result)], path),
    )  # fmt: skip
    if fmt == "text" and output is None:
        click.echo(kwic_summary(result), err=True)
    sys.exit(EXIT_HITS if result.paragraphs else EXIT_NO_HITS)


def _print_kwic(result, fmt: str, color: bool, echo) -> None:
    if fmt == "json":
        echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    if fmt == "jsonl":
        for line in result.lines:
            echo(json.dumps(line.to_dict(), ensure_ascii=False))
        return
    if not result.lines:
        return
    ids = max(len(x.id) for x in result.lines)
    lefts = [_flat(x.left) for x in result.lines]
    left_width = max(display_width(x) for x in lefts)
    for x, left in zip(result.lines, lefts, strict=True):
        match = _flat(x.match)
        shown = click.style(f" {match} ", fg="red", bold=True) if color else f"【{match}】"
        # color=: click drops ANSI codes on a pipe unless told; --color means "keep them".
        echo(f"{x.id:<{ids}}  {pad_left(left, left_width)}{shown}{_flat(x.right)}".rstrip(),
             **({"color": True} if color else {}))  # fmt: skip


def kwic_summary(result) -> str:
    """The line under a concordance: how many lines, in how many paragraphs, which shown."""
    took = f"({result.seconds * 1000:.0f} ms)"
    if not result.paragraphs:
        return f"no paragraph contains {result.query!r}"
    shown = len(result.lines)
    order = {"position": "in document order", "left": "sorted by left context",
             "right": "sorted by right context"}[result.sort]  # fmt: skip
    paras = f"{result.paragraphs} paragraph" + ("" if result.paragraphs == 1 else "s")
    if result.total is None:
        return (f"showing lines {result.offset + 1}–{result.offset + shown} {order}; "
                f"{paras} match (--all shows every line) {took}")  # fmt: skip
    lines = f"{result.total} line" + ("" if result.total == 1 else "s")
    if shown == result.total:
        return f"{lines} in {paras}, {order} {took}"
    if not shown:
        return f"{lines} in {paras}; none shown (--offset {result.offset}, --limit) {took}"
    return (f"{lines} in {paras}; showing {result.offset + 1}–{result.offset + shown} {order} "
            f"{took}")  # fmt: skip


# -- diffusion -----------------------------------------------------------------------------

#: The widest adoption bar, in characters.
BAR = 40


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, required=True)
@click.option("--by", type=click.Choice(["province", "city", "county"]), default="province",
              show_default=True, help="The level of the regions compared.")  # fmt: skip
@click.option("--year", help="Only documents of this year or range: 2010..2025.")
@click.option("--region", help="Only this place and the places in it: 山东省.")
@click.option("--format", "fmt", type=click.Choice(DIFFUSION_FORMATS), default="text",
              show_default=True)  # fmt: skip
@output_option
@index_option
def diffusion(
    query: tuple[str, ...],
    by: str,
    year: str | None,
    region: str | None,
    fmt: str,
    output: Path | None,
    force: bool,
    index_dir: Path | None,
) -> None:
    """When each region first had a document containing the query, and how it spread.

    Per region: the first year, that document (title and the paragraph id of its first
    match), the matching documents and paragraphs. National documents form a 全国 row; the
    adoption curve counts, per year, the regions new that year and so far. Matches are
    search's (a paragraph repeated in a near-duplicate document once).

    \b
    Examples:
      govsearch diffusion 河长制
      govsearch diffusion 河长制 --by city --format csv > 河长制扩散.csv
      govsearch diffusion '"生态 补偿"' --year 2000.. --format xlsx -o 扩散.xlsx

    Exit status: 0 when some document matched, 1 when none did, 2 for bad input.
    """
    from govsearch.search import diffusion as spread
    from govsearch.search.export import diffusion_tables, write_csv, write_xlsx

    check_filter_options(year=year, region=region)
    target = ensure_index(index_dir)
    result = spread(target, " ".join(query), by=by, year=year, region=region)
    emit(
        fmt, output, force,
        write_text=lambda echo: _print_diffusion(result, fmt, echo),
        write_csv=lambda stream: write_csv(diffusion_tables(result)[0], stream),
        write_xlsx=lambda path: write_xlsx(diffusion_tables(result), path),
    )  # fmt: skip
    sys.exit(EXIT_HITS if result.documents else EXIT_NO_HITS)


def _print_diffusion(result, fmt: str, echo) -> None:
    if fmt == "json":
        echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    if not result.documents:
        echo(f"no paragraph contains {result.query!r}")
        return
    adopters = result.adopters
    level = result.by if len(adopters) == 1 else _plural(result.by)
    head = [f"{result.query} by {result.by}", f"{len(adopters)} {level}"]
    if adopters:
        first, last = adopters[0].first_year, adopters[-1].first_year
        head[-1] += f", first {first}" if first == last else f", first {first}–{last}"
    head.append(f"{result.documents} documents, {result.paragraphs} paragraphs")
    echo(" · ".join(head))
    names = [r.region for r in result.regions]
    width = max(display_width(n) for n in [result.by, *names])
    echo("")
    echo(f"first  {pad(result.by, width)}  docs  paras  first document")
    ids = max((len(r.first_id) for r in result.regions if r.first_id), default=0)
    for r, name in zip(result.regions, names, strict=True):
        year = str(r.first_year) if r.first_year is not None else "–"
        first = (f"{r.first_id:<{ids}}  {r.first_title or ''}".rstrip() if r.first_id
                 else "(undated only)")  # fmt: skip
        echo(f"{year:<5}  {pad(name, width)}  {r.documents:>4}  {r.paragraphs:>5}  {first}")
    if result.adoption:
        echo("")
        echo("adoption (regions new that year, so far)")
        top = result.adoption[-1].regions_so_far
        for a in result.adoption:
            bar = "█" * max(1, round(a.regions_so_far / top * BAR))
            echo(f"{a.year}  {a.new_regions:>3}  {a.regions_so_far:>4}  {bar}")
    notes = []
    if result.undated:
        notes.append(f"{result.undated} matching documents have no year")
    if result.unplaced:
        notes.append(
            f"{result.unplaced} matching documents have no {result.by}-level region "
            "(documents of a higher level, or places not known at that level)"
        )
    for note in notes:
        echo(f"note: {note}")


def _plural(level: str) -> str:
    return {"province": "provinces", "city": "cities", "county": "counties"}[level]
