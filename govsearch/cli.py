"""The govsearch command line: parse options, call indexer/search, format the result.

Only this module and reports.py (trend, terms and the csv/xlsx exports) import indexer, search
and web; web (Flask) is imported by `serve` alone so that a scripted `search` starts fast.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

import click

EXIT_HITS, EXIT_NO_HITS, EXIT_USAGE, EXIT_ENV, EXIT_INTERNAL = 0, 1, 2, 3, 4
FORMATS = ("text", "json", "jsonl", "tsv", "vimgrep", "csv", "xlsx")
EXCERPT = 240


def default_index_dir() -> Path:
    """Per-user data directory (platformdirs), e.g. ~/.local/share/govsearch/index."""
    import platformdirs

    return Path(platformdirs.user_data_dir("govsearch", appauthor=False)) / "index"


def _index_option(f):
    return click.option(
        "--index",
        "index_dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="GOVSEARCH_INDEX",
        show_envvar=True,
        help="Index directory [default: the per-user data directory].",
    )(f)


class _FileName(click.ParamType):
    """A path to write or read, checked by the library (click.Path stats it, which fails on a
    NUL in the name with a traceback)."""

    name = "file"

    def convert(self, value, param, ctx) -> Path:
        return value if isinstance(value, Path) else Path(value)


FILE_NAME = _FileName()


def _resolve_index(index_dir: Path | None) -> Path:
    return index_dir if index_dir is not None else default_index_dir()


def _seed_files() -> list[Path]:
    from importlib import resources

    root = resources.files("govsearch.seeds")
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(".txt"))


def _ensure_index(index_dir: Path | None) -> Path:
    """The index to use; at the default location it is built from the bundled seeds first.

    An index named with --index or GOVSEARCH_INDEX is never created behind the user's back:
    a missing one is an error that names the command to build it.
    """
    from govsearch.indexer.store import current_generation

    if index_dir is not None:
        return index_dir
    index_dir = default_index_dir()
    if current_generation(index_dir) is not None:
        return index_dir
    from govsearch.indexer import build_index

    click.echo(
        f"govsearch: no index at {index_dir} yet; building it from the bundled sample reports "
        "(seeds/). Index your own files with: govsearch index PATH...",
        err=True,
    )
    build_index(_seed_files(), index_dir)
    return index_dir


def one_line(message: str) -> str:
    """A message on one line: control characters from user input are shown escaped."""
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in message
    )


class _Group(click.Group):
    """Turns library errors into one-line messages with meaningful exit codes."""

    def invoke(self, ctx: click.Context):
        from govsearch.indexer import GovsearchError

        try:
            return super().invoke(ctx)
        except GovsearchError as exc:
            click.echo(f"Error: {one_line(str(exc))}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted; the index is unchanged.", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # Output piped into `head` and closed early: not an error for the user.
            sys.stderr.close()
            ctx.exit(EXIT_HITS)
        except Exception as exc:  # the last line of defence: never a traceback
            if os.environ.get("GOVSEARCH_DEBUG"):
                raise
            click.echo(
                f"Error: internal error ({type(exc).__name__}: {one_line(str(exc))}). "
                "Set GOVSEARCH_DEBUG=1 to see the traceback and report it.",
                err=True,
            )
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="govsearch")
def cli() -> None:
    """Full-text search for Chinese government documents, paragraph by paragraph.

    \b
    Quick start:
      govsearch search 河长制              (indexes the bundled samples on first use)
      govsearch index ~/reports --manifest ~/reports/manifest.jsonl
      govsearch search '河长制 year:2018..2020' --format jsonl
      govsearch show 3f2a9c1b7d0e:14 --context 2
      govsearch serve                      (web UI on http://127.0.0.1:5000)

    Exit codes: 0 hits found, 1 no hits, 2 bad usage or query, 3 index problem
    (missing, locked, damaged, too old), 4 internal error.
    """


# -- index ---------------------------------------------------------------------------------


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSONL or CSV with columns file,title,year,region[,level]; with it, a directory "
    "walk indexes only the files the manifest lists. Kept in the index: later runs reuse it; "
    "`--manifest none` drops it.",
)
@click.option(
    "--dict",
    "user_dict",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Extra words for segmentation, one `word [freq] [tag]` per line. Kept in the index; "
    "changing it re-indexes everything.",
)
@click.option("--rebuild", is_flag=True, help="Start a new index from scratch.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="json: print the run's report as one JSON object on stdout.",
)  # fmt: skip
@_index_option
def index(
    paths: tuple[Path, ...],
    manifest: Path | None,
    user_dict: Path | None,
    rebuild: bool,
    fmt: str,
    index_dir: Path | None,
) -> None:
    """Index files and directories (recursively): .txt .md .html .docx .pdf .doc .wps .ofd,
    and scans (.png .jpg .tif, image-only PDF pages) with the ocr extra.

    Re-running indexes only what changed, drops files that disappeared from an indexed
    directory, and never duplicates a paragraph. An interrupted run leaves the previous
    index intact.

    \b
    Example:
      govsearch index ../shared/corpus --manifest ../shared/corpus/manifest.jsonl
    """
    from govsearch.indexer import build_index

    if not paths:
        raise click.UsageError("give one or more files or directories to index")
    target = _resolve_index(index_dir)
    progress = _progress_bar() if sys.stderr.isatty() else None
    try:
        report = build_index(
            list(paths), target, manifest=manifest, user_dict=user_dict, rebuild=rebuild,
            progress=progress,
        )  # fmt: skip
    finally:
        if progress is not None:
            progress.close()
    for skipped in report.skipped:
        if not skipped.repeated:
            click.echo(f"warning: skipped {skipped.path}: {skipped.reason}", err=True)
    again = sum(1 for skipped in report.skipped if skipped.repeated)
    if again:
        click.echo(
            f"note: {again} unchanged file{'s' if again > 1 else ''} skipped again, as reported "
            "before (index --format json lists them)",
            err=True,
        )
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    for dup in report.duplicates:
        click.echo(
            f"note: {dup.path} repeats {dup.same_as} ({dup.shared:.0%} of its clauses); "
            "identical paragraphs are shown once, with the copy under also_in",
            err=True,
        )
    if fmt == "json":
        from dataclasses import asdict

        click.echo(json.dumps(asdict(report), ensure_ascii=False))
    click.echo(
        f"indexed {report.files_indexed} files ({report.files_unchanged} unchanged, "
        f"{report.files_removed} removed, {report.files_skipped} skipped), "
        f"{report.paragraphs} paragraphs in {report.seconds:.1f} s; the index now holds "
        f"{report.documents_total} documents, {report.paragraphs_total} paragraphs",
        err=True,
    )


class _progress_bar:
    """tqdm on stderr, fed by the indexer's per-file progress callback."""

    def __init__(self) -> None:
        self.bar = None
        self.ocr_bar = None

    def __call__(self, p) -> None:
        from tqdm import tqdm

        if p.stage == "ocr":
            if self.ocr_bar is None:
                self.ocr_bar = tqdm(
                    total=p.pages_total, unit="page", desc="OCR", file=sys.stderr, leave=False
                )
            self.ocr_bar.n = p.pages_done
            self.ocr_bar.set_postfix_str(Path(p.path).name, refresh=False)
            self.ocr_bar.refresh()
            return
        if self.bar is None:
            self.bar = tqdm(total=p.files_total, unit="file", file=sys.stderr, leave=False)
        if p.stage == "committing":
            self.bar.set_description("writing index")
        self.bar.n = p.files_done
        self.bar.set_postfix(paragraphs=p.paragraphs, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        for bar in (self.ocr_bar, self.bar):
            if bar is not None:
                bar.close()


# -- search --------------------------------------------------------------------------------


def _use_color(color: bool | None) -> bool:
    if color is not None:
        return color
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def mark(text: str, matches: list[tuple[int, int]], color: bool) -> str:
    """Text with each match wrapped: ANSI bold red on a terminal, 【…】 otherwise."""
    out, pos = [], 0
    for s, e in matches:
        out.append(text[pos:s])
        out.append(click.style(text[s:e], fg="red", bold=True) if color else f"【{text[s:e]}】")
        pos = e
    out.append(text[pos:])
    return "".join(out)


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


def _display_path(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return rel if not rel.startswith("..") else path


def _tsv(value) -> str:
    if value is None:
        return ""
    return str(value).replace("\t", " ").replace("\r", " ").replace("\n", " ")


def vimgrep_column(hit) -> int:
    """1-based byte offset of the first match in the UTF-8 source line, as rg --vimgrep."""
    first = hit.matches[0][0] if hit.matches else 0
    return hit.column + len(hit.text[:first].encode("utf-8")) + 1


# `-污染` (without) is query syntax, not an option: unknown dash-words stay in the query.
@cli.command(name="search", context_settings={"ignore_unknown_options": True})
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", "-n", type=click.IntRange(min=0), default=10, show_default=True,
              help="Hits per page.")  # fmt: skip
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
@_index_option
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

    csv (UTF-8 with BOM) and xlsx list every hit unless --limit is given.

    Exit status: 0 when something matched, 1 when nothing did, 2 for a bad query.
    """
    from govsearch.search import count, search

    _check_filter_options(year=year, region=region)
    if output is not None and fmt not in ("csv", "xlsx"):
        raise click.UsageError("--output works with --format csv or xlsx; redirect the others")
    if output is not None and (count_only or explain):
        option = "--count" if count_only else "--explain"
        raise click.UsageError(f"--output writes hits; {option} prints to stdout: redirect it")
    target = _ensure_index(index_dir)
    text = " ".join(query)
    if fmt in ("csv", "xlsx") and not (explain or count_only):
        from govsearch.reports import export_search

        explicit = click.get_current_context().get_parameter_source("limit")
        limit_given = explicit is not None and explicit.name != "DEFAULT"
        total = export_search(
            target, text, fmt=fmt, limit=limit if limit_given and not all_hits else None,
            offset=offset, sort=sort, year=year, region=region, output=output, force=force,
            base_url=base_url,
        )  # fmt: skip
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
    _print_result(result, fmt, _use_color(color))
    sys.exit(EXIT_HITS if result.total else EXIT_NO_HITS)


def _check_filter_options(**options: str | None) -> None:
    """A bad --year names the option, not the year: filter it would become."""
    for name, value in options.items():
        if value is not None:
            _check_option(f"--{name}", name, value)


def _check_option(option: str, field: str, value: str) -> None:
    """A value given to `option` must make a valid `field:` filter; the message names option."""
    from govsearch.indexer import UsageError
    from govsearch.search import FilterValueError, make_field

    try:
        make_field(field, value)
    except FilterValueError as exc:
        raise UsageError(f"{option} {shlex.quote(value)} — {exc.option_reason}") from None


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


def _print_result(result, fmt: str, color: bool) -> None:
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    elif fmt == "jsonl":
        for hit in result.hits:
            click.echo(json.dumps(hit.to_dict(), ensure_ascii=False))
    elif fmt == "tsv":
        cols = ("id", "doc_id", "year", "region", "title", "section", "path", "line", "score")
        click.echo("\t".join(cols + ("text",)))
        for hit in result.hits:
            d = hit.to_dict()
            click.echo("\t".join(_tsv(d[c]) for c in cols + ("text",)))
    elif fmt == "vimgrep":
        for hit in result.hits:
            if hit.line is None:
                continue
            click.echo(f"{hit.path}:{hit.line}:{vimgrep_column(hit)}:{_tsv(hit.text)}")
    else:
        _print_text(result, color)


def _print_text(result, color: bool) -> None:
    for n, hit in enumerate(result.hits, result.offset + 1):
        head = " · ".join(
            str(x)
            for x in (hit.title or Path(hit.path).name, hit.year, hit.region, hit.section)
            if x is not None
        )
        where = f"{_display_path(hit.path)}:{hit.line}" if hit.line else _display_path(hit.path)
        if hit.page:
            where += f" (page {hit.page})"
        if hit.ocr:
            # Recognised text may hold misread characters: say so where the hit is named.
            where += f"  [OCR {hit.ocr_confidence:.0%}]"
        body, spans = excerpt(hit.text, hit.matches)
        # color=: click drops ANSI codes on a pipe unless told; --color means "keep them".
        click.echo(click.style(f"[{n}] ", bold=True) + head if color else f"[{n}] {head}",
                   color=color)  # fmt: skip
        click.echo(f"    {where}  id {hit.id}")
        click.echo(f"    {mark(body, spans, color)}", color=color)
        for loc in hit.also_in:
            click.echo(f"    also in: {_display_path(loc.path)}:{loc.line}  id {loc.id}")
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


def _suggestion_lines(suggestions) -> list[str]:
    return [
        f"suggestion: {s.query} — {s.total} paragraphs match without the punctuation of "
        + ", ".join(repr(t) for t in s.terms)
        for s in suggestions
    ]


# -- show / stats ---------------------------------------------------------------------------


@cli.command()
@click.argument("paragraph_id")
@click.option("--context", "-C", type=click.IntRange(min=0), default=0, show_default=True,
              help="Paragraphs to show before and after.")  # fmt: skip
@click.option("--query", "-q", help="Mark this query's matches in the paragraphs.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)  # fmt: skip
@click.option("--color/--no-color", default=None, help="Colour matches [default: on a terminal].")
@_index_option
def show(
    paragraph_id: str,
    context: int,
    query: str | None,
    fmt: str,
    color: bool | None,
    index_dir: Path | None,
) -> None:
    """Show a paragraph by its id (from search output), with context.

    \b
    Example:
      govsearch show 3f2a9c1b7d0e:14 --context 2
    """
    from govsearch.search import parse_paragraph_id
    from govsearch.search import show as show_paragraph

    _doc_id, para = parse_paragraph_id(paragraph_id)
    target = _ensure_index(index_dir)
    doc = show_paragraph(target, paragraph_id, context=context, query=query)
    if fmt == "json":
        click.echo(json.dumps(doc.to_dict(), ensure_ascii=False, indent=1))
        return
    use_color = _use_color(color)
    meta = " · ".join(str(x) for x in (doc.title, doc.year, doc.region) if x is not None)
    click.echo(meta or Path(doc.path).name)
    for line in provenance_lines(doc):
        click.echo(f"  {line}")
    for p in doc.paragraphs:
        where = f"{_display_path(doc.path)}:{p.line}" if p.line else _display_path(doc.path)
        marker = ">" if p.paragraph == para else " "
        click.echo(f"{marker} [{p.paragraph}] {where}" + (f"  {p.section}" if p.section else ""))
        click.echo(f"    {mark(p.text, p.matches, use_color)}", color=use_color)


SOURCE_FIELDS = ("title", "year", "region", "level", "type")


def provenance_lines(doc) -> list[str]:
    """Where the region sits, and where each metadata field came from (a fact or a guess)."""
    lines = []
    if doc.region_path:
        code = f" ({doc.adcode})" if doc.adcode else ""
        lines.append(f"region path: {' › '.join(doc.region_path)}{code}")
    sources = doc.meta.get("sources", {})
    given = [f"{name} from {sources[name]}" for name in SOURCE_FIELDS if name in sources]
    if given:
        lines.append("sources: " + ", ".join(given))
    from govsearch.indexer.regions import note_text

    lines.extend(f"note: {note_text(n)}" for n in doc.meta.get("region_notes", []))
    return lines


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)  # fmt: skip
@_index_option
def stats(fmt: str, index_dir: Path | None) -> None:
    """Documents, paragraphs, years, regions and size of the index.

    \b
    Example:
      govsearch stats --format json
    """
    from govsearch.search import stats as index_stats

    target = _ensure_index(index_dir)
    s = index_stats(target)
    if fmt == "json":
        click.echo(json.dumps(s.to_dict(), ensure_ascii=False, indent=1))
        return
    years = [y for y in s.years if y != "unknown"]
    span = f"{min(years)}–{max(years)} ({len(years)} distinct)" if years else "none"
    top_regions = ", ".join(f"{r} {n}" for r, n in list(s.regions.items())[:8])
    click.echo(f"index:       {s.index_dir}")
    click.echo(f"documents:   {s.documents}")
    click.echo(f"paragraphs:  {s.paragraphs}")
    click.echo(f"years:       {span}")
    click.echo(f"regions:     {len(s.regions)} ({top_regions})")
    top_provinces = ", ".join(f"{r} {n}" for r, n in list(s.provinces.items())[:8])
    click.echo(f"provinces:   {len(s.provinces)} ({top_provinces})")
    click.echo(f"levels:      {', '.join(f'{k} {v}' for k, v in s.levels.items())}")
    click.echo(f"size:        {s.size_bytes / 1e6:.1f} MB")
    click.echo(
        f"schema:      {s.schema_version} (segmenter {s.segmenter}, dictionary {s.dictionary}, "
        f"gazetteer {s.gazetteer})"
    )
    click.echo(f"updated:     {s.updated}")
    if s.needs_reindex:
        click.echo(
            f"warning: {s.needs_reindex} documents need re-indexing: their regions were resolved "
            "with another version of the gazetteer. Run: govsearch index PATH...",
            err=True,
        )


# -- serve ---------------------------------------------------------------------------------


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="GOVSEARCH_HOST",
              help="Interface to listen on; 0.0.0.0 exposes the UI to your network.")  # fmt: skip
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535),
              envvar="GOVSEARCH_PORT")  # fmt: skip
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads of the WSGI server.")  # fmt: skip
@click.option("--debug", is_flag=True, help="Flask's development server with reload and debugger.")
@click.option("--quiet", "-q", is_flag=True, help="No access log (one line per request on stderr).")
@click.option(
    "--public",
    is_flag=True,
    envvar="GOVSEARCH_PUBLIC",
    show_envvar=True,
    help="Hide the server's file paths from pages and the API (file names only): for a port "
    "others can reach.",
)
@_index_option
def serve(
    host: str,
    port: int,
    threads: int,
    debug: bool,
    quiet: bool,
    public: bool,
    index_dir: Path | None,
) -> None:
    """Serve the web UI and JSON API (waitress, a production WSGI server).

    \b
    Example:
      govsearch serve --port 8080
      govsearch serve --host 0.0.0.0 --public --quiet
    """
    from govsearch.search import open_index
    from govsearch.web import create_app, server

    target = _ensure_index(index_dir)
    open_index(target)  # a missing or damaged index is exit 3 now, not a 503 page later
    app = create_app({"INDEX": str(target), "PUBLIC": public, "ACCESS_LOG": not quiet})
    loopback = host in ("127.0.0.1", "localhost", "::1")
    if debug and not loopback:
        click.echo(
            "warning: --debug with a non-loopback host lets anyone who reaches this port run "
            "code on this machine",
            err=True,
        )
    if not public and not loopback:
        click.echo(
            "note: pages and the API show this server's file paths; add --public to hide them",
            err=True,
        )
    if not quiet:
        _log_requests_to_stderr()
    if debug:
        server.check_port_free(host, port)  # Flask binds late: ask before announcing
        _say_serving(target, host, port)
        app.run(host=host, port=port, debug=True)
        return
    wsgi = server.create_server(app, host, port, threads)
    _say_serving(target, host, port)
    wsgi.run()


def _say_serving(target: Path, host: str, port: int) -> None:
    click.echo(f"govsearch: serving {target} on http://{host}:{port}/ (Ctrl-C to stop)", err=True)


def _log_requests_to_stderr() -> None:
    import logging

    from govsearch.web import access_log

    if any(getattr(h, "govsearch_stderr", False) for h in access_log.handlers):
        return  # serve invoked again in one process (tests): one line per request still
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.govsearch_stderr = True  # type: ignore[attr-defined]
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False


def _add_report_commands() -> None:
    from govsearch import reports

    cli.add_command(reports.trend)
    cli.add_command(reports.terms)


_add_report_commands()


def main() -> None:
    """Console entry point: UTF-8 output whatever the locale."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    cli(prog_name="govsearch")
