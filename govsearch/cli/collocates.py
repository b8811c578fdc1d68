"""The `collocates` command: the words near a term, with logDice, G² and MI (text, csv, json,
xlsx). Parses its options, calls search.collocates and formats the result."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from govsearch.cli.common import (
    EXIT_HITS,
    EXIT_NO_HITS,
    check_filter_options,
    check_option,
    display_width,
    emit,
    ensure_index,
    index_option,
    output_option,
    pad,
)

FORMATS = ("text", "csv", "json", "xlsx")


def _named(option: str, parse, value):
    """Check one option's value with the library; its error names the option."""
    from govsearch.indexer import UsageError

    try:
        return parse(value)
    except UsageError as exc:
        raise UsageError(f"{option}: {exc}") from None


# `-扫黑` (without) is query syntax, not an option, as in search.
@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("term", nargs=-1, required=True)
@click.option("--window", "-w", default="5", show_default=True,
              help="Words either side of the term (1–50), or sentence, or paragraph.")  # fmt: skip
@click.option("--measure", "-m", default="log_dice", show_default=True,
              help="Sort by log_dice, g2 (log-likelihood), mi or count.")  # fmt: skip
@click.option("--min-count", type=click.IntRange(min=1), default=3, show_default=True,
              help="Leave out words near the term in fewer paragraphs than this.")  # fmt: skip
@click.option("--top", type=click.IntRange(min=1), default=50, show_default=True,
              help="Words listed.")  # fmt: skip
@click.option("--keep-all", is_flag=True,
              help="Keep function words, numbers and punctuation (left out by default; "
              "docs/collocates.md lists them).")  # fmt: skip
@click.option("--year", help="Only documents of this year or range: 2018, 2015..2020.")
@click.option("--region", help="Only this place and the places in it: 深圳, 山东省, 440300.")
@click.option("--compare", nargs=2, metavar="FIRST SECOND",
              help="Two year ranges that do not overlap, e.g. 2011..2017 2018..2024: how the "
              "collocates changed.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@output_option
@index_option
def collocates(
    term: tuple[str, ...],
    window: str,
    measure: str,
    min_count: int,
    top: int,
    keep_all: bool,
    year: str | None,
    region: str | None,
    compare: tuple[str, str] | None,
    fmt: str,
    output: Path | None,
    force: bool,
    index_dir: Path | None,
) -> None:
    """The words that occur near TERM, and how strongly they are drawn to it.

    Counts are matching paragraphs (as search counts them) with the word within the window of
    a match: never more than `search "TERM WORD" --count`. Each word has its count, the count
    expected by chance, logDice, signed log-likelihood G² and MI, computed against the words'
    paragraph frequencies in the index (docs/collocates.md).

    \b
    Examples:
      govsearch collocates 河长制
      govsearch collocates 河长制 --window sentence --measure g2 --top 20
      govsearch collocates 营商环境 --compare 2015..2019 2020..2025 --format xlsx -o 搭配.xlsx

    Exit status: 0 when words were found, 1 when TERM matches nothing or no word is near it
    often enough, 2 for bad input.
    """
    from govsearch.search import collocates as find_collocates
    from govsearch.search.collocates import parse_measure, parse_window
    from govsearch.search.export import collocate_tables, write_csv, write_xlsx

    check_filter_options(year=year, region=region)
    window_value = _named("--window", parse_window, window)
    _named("--measure", parse_measure, measure)
    for value in compare or ():
        check_option("--compare", "year", value)
    query = " ".join(term)
    target = ensure_index(index_dir)
    result = find_collocates(
        target, query, window=window_value, measure=measure, min_count=min_count, top=top,
        keep_all=keep_all, year=year, region=region, compare=compare,
    )  # fmt: skip
    if not result.paragraphs:
        click.echo(f"no paragraph matches {query}", err=True)
        sys.exit(EXIT_NO_HITS)
    emit(
        fmt, output, force,
        write_text=lambda echo: _print(result, fmt, echo),
        write_csv=lambda stream: write_csv(collocate_tables(result)[0], stream),
        write_xlsx=lambda path: write_xlsx(collocate_tables(result), path),
    )  # fmt: skip
    found = result.changes if result.compare else result.collocates
    sys.exit(EXIT_HITS if found else EXIT_NO_HITS)


def _window_text(window) -> str:
    return f"{window} words either side" if isinstance(window, int) else f"same {window}"


def _print(result, fmt: str, echo) -> None:
    if fmt == "json":
        echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    scope = [f"year {result.year}" if result.year else "", f"region {result.region}"
             if result.region else ""]  # fmt: skip
    head = [result.term, _window_text(result.window), f"by {result.measure}", *filter(None, scope)]
    echo(" · ".join(head))
    if result.compare is None:
        _print_period(result.periods[0], result.min_count, echo)
    else:
        _print_changes(result, echo)


def _print_period(p, min_count: int, echo) -> None:
    echo(f"{p.paragraphs} matching paragraphs of {p.scope_paragraphs} · {p.candidates} words "
         f"near the term in {min_count}+ paragraphs")  # fmt: skip
    if not p.collocates:
        echo(f"(no word is near the term in {min_count} or more paragraphs; try --min-count 1 "
             "or a wider --window)")  # fmt: skip
        return
    width = max(4, *(display_width(c.word) for c in p.collocates))
    echo(f"{pad('word', width)}  {'count':>6}  {'expected':>9}  {'log_dice':>8}  {'g2':>9}  "
         f"{'mi':>6}  {'frequency':>9}")  # fmt: skip
    for c in p.collocates:
        echo(f"{pad(c.word, width)}  {c.count:>6}  {c.expected:>9.2f}  {c.log_dice:>8.2f}  "
             f"{c.g2:>9.2f}  {c.mi:>6.2f}  {c.frequency:>9}")  # fmt: skip


def _print_changes(result, echo) -> None:
    first, second = result.periods
    name = result.measure
    echo(f"{first.year}: {first.paragraphs} matching paragraphs of {first.scope_paragraphs} · "
         f"{second.year}: {second.paragraphs} of {second.scope_paragraphs}")  # fmt: skip
    if not result.changes:
        echo(f"(no word is near the term in {result.min_count} or more paragraphs of either "
             "period)")  # fmt: skip
        return
    width = max(4, *(display_width(c.word) for c in result.changes))
    echo(f"{pad('word', width)}  {'count':>13}  {name:>17}  {'change':>7}")
    labels = {"both": "", "new": "  new", "gone": "  gone"}
    for c in result.changes:
        counts = f"{_n(c.first, 'count'):>5} → {_n(c.second, 'count'):<5}"
        values = f"{_f(c.first, name):>7} → {_f(c.second, name):<7}"
        change = f"{c.change:+7.2f}" if c.change is not None else " " * 7
        echo(f"{pad(c.word, width)}  {counts}  {values}  {change}{labels[c.status]}")


def _n(side, name: str) -> str:
    return str(getattr(side, name)) if side is not None else "0"


def _f(side, name: str) -> str:
    return f"{side.measure(name):.2f}" if side is not None else "–"
