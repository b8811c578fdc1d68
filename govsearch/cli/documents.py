"""The commands that read what the index holds: `show` (a paragraph with its context and
provenance) and `stats` (the index as a whole)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from govsearch.cli.common import ensure_index, index_option, mark, use_color, where


@click.command()
@click.argument("paragraph_id")
@click.option("--context", "-C", type=click.IntRange(min=0), default=0, show_default=True,
              help="Paragraphs to show before and after (with a paragraph id).")  # fmt: skip
@click.option("--query", "-q", help="Mark this query's matches in the paragraphs.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)  # fmt: skip
@click.option("--color/--no-color", default=None, help="Colour matches [default: on a terminal].")
@index_option
def show(
    paragraph_id: str,
    context: int,
    query: str | None,
    fmt: str,
    color: bool | None,
    index_dir: Path | None,
) -> None:
    """Show a paragraph by its id (from search output), with context; a document id alone
    (the part before the colon) shows the whole document.

    \b
    Examples:
      govsearch show 3f2a9c1b7d0e:14 --context 2
      govsearch show 3f2a9c1b7d0e
    """
    from govsearch.search import parse_paragraph_id
    from govsearch.search import show as show_paragraph

    _doc_id, para = parse_paragraph_id(paragraph_id)
    if para is None and context:
        raise click.UsageError(
            f"--context needs a paragraph id ({paragraph_id}:N); a document id alone shows the "
            "whole document"
        )
    target = ensure_index(index_dir)
    doc = show_paragraph(target, paragraph_id, context=context, query=query)
    if fmt == "json":
        click.echo(json.dumps(doc.to_dict(), ensure_ascii=False, indent=1))
        return
    colored = use_color(color)
    meta = " · ".join(str(x) for x in (doc.title, doc.year, doc.region) if x is not None)
    click.echo(meta or Path(doc.path).name)
    for line in provenance_lines(doc):
        click.echo(f"  {line}")
    for p in doc.paragraphs:
        located = where(doc.path, p.line, p.page, p.ocr_confidence)
        marker = ">" if p.paragraph == para else " "
        click.echo(f"{marker} [{p.paragraph}] {located}" + (f"  {p.section}" if p.section else ""))
        click.echo(f"    {mark(p.text, p.matches, colored)}", color=colored)


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


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)  # fmt: skip
@index_option
def stats(fmt: str, index_dir: Path | None) -> None:
    """Documents, paragraphs, years, regions and size of the index.

    \b
    Example:
      govsearch stats --format json
    """
    from govsearch.search import stats as index_stats

    target = ensure_index(index_dir)
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
    merge = s.last_merge
    last = (
        f"last merge {merge['time']}: {merge['segments']} into 1, {merge['dropped']} deleted "
        "paragraphs dropped"
        if merge
        else "no merge yet"
    )
    click.echo(f"segments:    {s.segments} ({s.deleted_paragraphs} deleted paragraphs; {last})")
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
