"""Commands that count and export: `trend`, `terms`, `variants`, and the csv/xlsx formats of
`search`.

Each parses its options, calls one function of govsearch.search and formats the result; files
are written beside their destination and renamed into place only when complete.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import click

from govsearch.cli.common import (
    EXIT_HITS,
    EXIT_NO_HITS,
    FILE_NAME,
    QueryCommand,
    check_filter_options,
    check_option,
    display_width,
    emit,
    ensure_index,
    index_option,
    output_option,
    pad,
)

TREND_FORMATS = ("text", "csv", "json", "xlsx")
BARS = "▁▂▃▄▅▆▇█"
#: Buckets listed per series in text output (the rest are counted in a closing line).
TEXT_BUCKETS = 25
PER_NAMES = {
    "none": "matching paragraphs",
    "10k-paragraphs": "matching paragraphs per 10,000 paragraphs of the bucket",
    "share-of-documents": "share of the bucket's documents that mention the series",
}


# -- trend ---------------------------------------------------------------------------------


@click.command(cls=QueryCommand)
@click.argument("queries", nargs=-1)
@click.option("--terms-file", "-f", type=FILE_NAME,
              help="One series per line (label=QUERY or QUERY); # starts a comment.")  # fmt: skip
@click.option("--by", "by", multiple=True, type=click.Choice(
              ["year", "region", "province", "city", "county", "level", "type", "doc"]),
              help="Bucket by this; repeat for a cross table (--by year --by level) "
              "[default: year].")  # fmt: skip
@click.option("--year", help="Only documents of this year or range: 2015..2025.")
@click.option("--region", help="Only this region and the places in it, as search --region: 山东省.")
@click.option("--per", type=click.Choice(["none", "10k-paragraphs", "share-of-documents"]),
              default="none", show_default=True,
              help="What the text output draws: matching paragraphs, per 10,000 paragraphs of "
              "the bucket, or the share of its documents.")  # fmt: skip
@click.option("--count-copies", is_flag=True, help="Count paragraphs repeated in near-duplicate "
              "documents once per copy (default: once, as search shows them).")  # fmt: skip
@click.option("--variants", "variant_count", type=click.IntRange(min=1), metavar="N",
              help="A series with a wildcard or /regex/ becomes the N variants it matched most "
              "(see govsearch variants).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(TREND_FORMATS), default="text",
              show_default=True)  # fmt: skip
@output_option
@index_option
def trend(
    queries: tuple[str, ...],
    terms_file: Path | None,
    by: tuple[str, ...],
    year: str | None,
    region: str | None,
    per: str,
    count_copies: bool,
    variant_count: int | None,
    fmt: str,
    output: Path | None,
    force: bool,
    index_dir: Path | None,
) -> None:
    """Count how often each query appears per year (or region, level, type, document).

    Each QUERY is one series, in the search query language; `label=QUERY` names it. Counts
    are exact and follow search: matching paragraphs (a paragraph repeated in a
    near-duplicate document counts once), documents, occurrences, and each bucket's own
    totals so that counts can be normalised. Every bucket is listed, zeros included.

    \b
    Examples:
      govsearch trend 河长制 湖长制 林长制
      govsearch trend '河湖=河长制 OR 湖长制' --by year --year 2015..2025 --format csv
      govsearch trend -f terms.txt --by region --format xlsx -o trend.xlsx
      govsearch trend '?长制' --variants 8

    Exit status: 0 when some series matched, 1 when none did, 2 for bad input.
    """
    from govsearch.search import trend as count_trend
    from govsearch.search.export import trend_tables, write_csv, write_xlsx
    from govsearch.search.trend import read_terms_file

    check_filter_options(year=year, region=region)
    series = list(queries)
    if terms_file is not None:
        series += read_terms_file(terms_file)
    if not series:
        raise click.UsageError("give one or more queries, or --terms-file FILE")
    target = ensure_index(index_dir)
    result = count_trend(
        target, series, by=by or ("year",), year=year, region=region, count_copies=count_copies,
        variants=variant_count,
    )  # fmt: skip
    for warning in result.warnings:
        click.echo(f"note: {warning}", err=True)
    emit(
        fmt, output, force,
        write_text=lambda echo: _print_trend(result, per, fmt, echo),
        write_csv=lambda stream: write_csv(trend_tables(result)[0], stream),
        write_xlsx=lambda path: write_xlsx(trend_tables(result), path),
    )  # fmt: skip
    sys.exit(EXIT_HITS if result.total else EXIT_NO_HITS)


def _print_trend(result, per: str, fmt: str, echo) -> None:
    if fmt == "json":
        echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    scope = " · ".join(x for x in (result.year and f"year {result.year}",
                                   result.region and f"region {result.region}") if x)  # fmt: skip
    copies = "every copy counted" if result.count_copies else "near-duplicate copies counted once"
    echo(f"by {' × '.join(result.by)}{' · ' + scope if scope else ''} · {PER_NAMES[per]} "
         f"({copies})")  # fmt: skip
    width = max(display_width(s.label) for s in result.series)
    if result.by == ("year",):
        _print_sparklines(result, per, width, echo)
    else:
        for s in result.series:
            echo("")
            echo(_series_head(s))
            _print_bars(result, s, per, echo)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _series_head(s, width: int = 0, peak: str = "") -> str:
    parts = [_plural(s.paragraphs, "paragraph"), _plural(s.documents, "document")]
    if s.occurrences is not None:
        parts.append(_plural(s.occurrences, "occurrence"))
    if s.first_year is not None:
        same = s.first_year == s.last_year
        parts.append(str(s.first_year) if same else f"{s.first_year}–{s.last_year}")
    if peak:
        parts.append(peak)
    query = f"  ({s.query})" if s.query != s.label else ""
    return f"{pad(s.label, width)}  {' · '.join(parts)}{query}"


def _fmt(value, per: str) -> str:
    if value is None:
        return "–"
    if per == "share-of-documents":
        return f"{value:.1%}"
    if per == "10k-paragraphs":
        return f"{value:.1f}"
    return str(value)


def sparkline(values: list[float | None], top: float) -> str:
    """One character per bucket: a space where the bucket holds no document (None), · for
    zero, else a bar of eight heights on the shared scale `top`."""
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        elif v <= 0 or top <= 0:
            out.append("·")
        else:
            out.append(BARS[max(0, min(len(BARS), math.ceil(v / top * len(BARS))) - 1)])
    return "".join(out)


def _print_sparklines(result, per: str, width: int, echo) -> None:
    years = [b.key[0] for b in result.buckets]
    dated = [i for i, y in enumerate(years) if y is not None]
    values = {
        s.label: [s.rows[i].value(per) if s.rows[i].bucket_documents else None for i in dated]
        for s in result.series
    }
    top = max((v for vs in values.values() for v in vs if v is not None), default=0)
    if dated:
        first, last = str(years[dated[0]]), str(years[dated[-1]])
        indent = " " * (width + 2)
        if len(dated) > len(first) + len(last):
            echo(f"{indent}{first}{last.rjust(len(dated) - len(first))}")
    for s in result.series:
        echo(f"{pad(s.label, width)}  {sparkline(values[s.label], top)}")
    echo(f"(one column per year, one scale for every series: █ = {_fmt(top, per)})")
    echo("")
    for s in result.series:
        peak = max(
            (r for r in s.rows if r.bucket[0] is not None and r.value(per)),
            key=lambda r: r.value(per),
            default=None,
        )
        at = f"peak {peak.bucket[0]}: {_fmt(peak.value(per), per)}" if peak else ""
        echo(_series_head(s, width, at))


def _print_bars(result, s, per: str, echo) -> None:
    rows = [r for r in s.rows if r.value(per)]
    rows.sort(key=lambda r: -r.value(per))
    if not rows:
        echo("  (no matching paragraph)")
        return
    top = rows[0].value(per)
    names = [" · ".join(_key_text(k) for k in r.bucket) for r in rows[:TEXT_BUCKETS]]
    names = [n if display_width(n) <= 28 else n[:13] + "…" for n in names]
    name_width = max(display_width(n) for n in names)
    for name, r in zip(names, rows, strict=False):
        cells = max(1, round(r.value(per) / top * 30))
        echo(f"  {pad(name, name_width)}  {'█' * cells} {_fmt(r.value(per), per)}")
    hidden = len(rows) - TEXT_BUCKETS
    zero = len(s.rows) - len(rows)
    notes = []
    if hidden > 0:
        notes.append(f"{hidden} more buckets")
    if zero > 0:
        notes.append(f"{zero} buckets with 0")
    if notes:
        echo(f"  ({' and '.join(notes)} not shown; --format csv lists every row)")


def _key_text(value) -> str:
    return "unknown" if value is None else str(value)


# -- terms ---------------------------------------------------------------------------------


@click.command()
@click.option("--compare", nargs=2, metavar="FIRST SECOND", required=True,
              help="Two years or ranges: 2024 2025, or 2011..2015 2016..2020.")  # fmt: skip
@click.option("--region", help="Only this region and the places in it, as search --region: 全国.")
@click.option("--top", type=click.IntRange(min=1), default=20, show_default=True,
              help="Terms per list.")  # fmt: skip
@click.option("--min-count", type=click.IntRange(min=1), default=3, show_default=True,
              help="A term must be in at least this many paragraphs of one period.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(TREND_FORMATS), default="text",
              show_default=True)  # fmt: skip
@output_option
@index_option
def terms(
    compare: tuple[str, str],
    region: str | None,
    top: int,
    min_count: int,
    fmt: str,
    output: Path | None,
    force: bool,
    index_dir: Path | None,
) -> None:
    """Terms whose share rose or fell most between two periods, and terms new in the second.

    Candidates are the words the index's segmenter finds (policy dictionary included), without
    stop words, numbers and single characters; their counts are exact paragraph counts as
    search gives them; the rank is the log-likelihood G² and the size a log2 ratio.

    \b
    Examples:
      govsearch terms --compare 2024 2025 --region 全国
      govsearch terms --compare 2011..2015 2016..2020 --top 50 --format xlsx -o 词语.xlsx
    """
    from govsearch.search import compare_terms
    from govsearch.search.export import terms_table, write_csv, write_xlsx

    check_filter_options(region=region)
    for value in compare:
        check_option("--compare", "year", value)
    target = ensure_index(index_dir)
    first, second = compare
    result = compare_terms(target, first, second, region=region, top=top, min_count=min_count)
    emit(
        fmt, output, force,
        write_text=lambda echo: _print_terms(result, fmt, echo),
        write_csv=lambda stream: write_csv(terms_table(result), stream),
        write_xlsx=lambda path: write_xlsx([terms_table(result)], path),
    )  # fmt: skip
    found = result.rising or result.falling or result.new
    sys.exit(EXIT_HITS if found else EXIT_NO_HITS)


def _print_terms(result, fmt: str, echo) -> None:
    if fmt == "json":
        echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    where = f" · region {result.region}" if result.region else ""
    sizes = f"{result.paragraphs_first} vs {result.paragraphs_second} paragraphs"
    echo(f"{result.first} → {result.second}{where} · {sizes} · {result.candidates} candidate words")
    width = max((display_width(c.term) for n in ("rising", "falling", "new")
                 for c in getattr(result, n)), default=4)  # fmt: skip
    titles = {
        "rising": "rising (paragraphs first → second, per 10,000 paragraphs, G², log2 ratio)",
        "falling": "falling",
        "new": f"new in {result.second} (no paragraph of the scope before it)",
    }
    for name, title in titles.items():
        echo("")
        echo(title)
        changes = getattr(result, name)
        if not changes:
            echo("  (none)")
        for c in changes:
            echo(f"  {pad(c.term, width)}  {c.first:>5} → {c.second:<5}  "
                 f"{c.per_10k_first:>7.1f} → {c.per_10k_second:<7.1f}  "
                 f"G² {c.log_likelihood:>8.1f}  {c.log_ratio:+.2f}")  # fmt: skip


# -- variants ------------------------------------------------------------------------------


@click.command(cls=QueryCommand)
@click.argument("pattern", nargs=-1, required=True)
@click.option("--year", help="Only documents of this year or range: 2015..2025.")
@click.option("--region", help="Only this region and the places in it, as search --region.")
@click.option("--min-count", type=click.IntRange(min=1), default=1, show_default=True,
              help="Leave out variants found in fewer paragraphs.")  # fmt: skip
@click.option("--top", type=click.IntRange(min=1), help="Only the N variants found in the "
              "most paragraphs.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(TREND_FORMATS), default="text",
              show_default=True)  # fmt: skip
@output_option
@index_option
def variants(
    pattern: tuple[str, ...],
    year: str | None,
    region: str | None,
    min_count: int,
    top: int | None,
    fmt: str,
    output: Path | None,
    force: bool,
    index_dir: Path | None,
) -> None:
    """List the distinct strings a wildcard or regular expression matches.

    Each variant comes with the counts `search VARIANT --count` gives (the same filters,
    near-duplicate copies once): paragraphs, documents, occurrences, the first and last year
    and the number of provinces. Rows are sorted by paragraphs.

    \b
    Examples:
      govsearch variants '?长制'
      govsearch variants '*长制' --year 2015.. --min-count 2
      govsearch variants '/[一二三四五六七八九十]是/' --format csv > 列举.csv

    Exit status: 0 when the pattern matched, 1 when it did not, 2 for a bad pattern.
    """
    from govsearch.search.export import variants_table, write_csv, write_xlsx
    from govsearch.search.variants import variants as list_variants

    check_filter_options(year=year, region=region)
    target = ensure_index(index_dir)
    result = list_variants(target, " ".join(pattern), year=year, region=region,
                           min_count=min_count, top=top)  # fmt: skip
    for warning in result.warnings:
        click.echo(f"note: {warning}", err=True)
    emit(
        fmt, output, force,
        write_text=lambda echo: _print_variants(result, fmt, echo),
        write_csv=lambda stream: write_csv(variants_table(result), stream),
        write_xlsx=lambda path: write_xlsx([variants_table(result)], path),
    )  # fmt: skip
    sys.exit(EXIT_HITS if result.variants else EXIT_NO_HITS)


def _print_variants(result, fmt: str, echo) -> None:
    if fmt == "json":
        echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    if not result.variants:
        echo(f"no variant of {result.pattern!r}")
        return
    width = max(display_width(v.text) for v in result.variants)
    width = max(width, len("variant"))
    echo(f"{pad('variant', width)}  paragraphs  documents  occurrences  years      provinces")
    for v in result.variants:
        years = "" if v.first_year is None else (
            str(v.first_year) if v.first_year == v.last_year else f"{v.first_year}–{v.last_year}"
        )  # fmt: skip
        echo(f"{pad(v.text, width)}  {v.paragraphs:>10}  {v.documents:>9}  {v.occurrences:>11}"
             f"  {years:<9}  {v.provinces:>9}")  # fmt: skip
    shown = len(result.variants)
    echo(f"({shown} of {result.distinct} distinct strings; counts as search VARIANT --count)")


# -- search exports ------------------------------------------------------------------------


def export_search(
    target: Path, text: str, *, fmt: str, limit: int | None, offset: int, sort: str,
    year: str | None, region: str | None, output: Path | None, force: bool,
    base_url: str | None = None,
) -> int:  # fmt: skip
    """`search --format csv|xlsx`: every hit (or --limit of them) streamed into a table."""
    import itertools

    from govsearch.search import iter_hits
    from govsearch.search.export import file_link, hit_table, web_link, write_csv, write_xlsx

    def table():
        total, hits = iter_hits(target, text, sort=sort, year=year, region=region)
        # islice takes offsets up to sys.maxsize; a larger one is past any result anyway.
        start = min(offset, sys.maxsize)
        end = None if limit is None else min(offset + limit, sys.maxsize)
        link = web_link(base_url, text) if base_url else file_link
        return total, hit_table(itertools.islice(hits, start, end), link)

    totals = []

    def csv_out(stream):
        total, t = table()
        totals.append(total)
        write_csv(t, stream)

    def xlsx_out(path):
        total, t = table()
        totals.append(total)
        write_xlsx([t], path)

    emit(fmt, output, force, write_text=None, write_csv=csv_out, write_xlsx=xlsx_out)
    return totals[0]
