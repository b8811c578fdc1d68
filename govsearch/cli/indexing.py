"""The `index` command and the progress bar it draws on a terminal."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from govsearch.cli.common import index_option, resolve_index


@click.command()
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
@click.option(
    "--rebuild",
    is_flag=True,
    help="Start a new index from scratch; the remembered manifest and --dict words are still "
    "used (`--manifest none` drops the manifest).",
)
@click.option(
    "--optimize", is_flag=True,
    help="Merge the index into one segment at the end of the run, dropping deleted paragraphs "
    "(runs merge small segments by themselves); without PATHS, only that.",
)  # fmt: skip
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="json: print the run's report as one JSON object on stdout.",
)  # fmt: skip
@index_option
def index(
    paths: tuple[Path, ...],
    manifest: Path | None,
    user_dict: Path | None,
    rebuild: bool,
    optimize: bool,
    fmt: str,
    index_dir: Path | None,
) -> None:
    """Index files and directories (recursively): .txt .md .html .docx .pdf .doc .wps .ofd,
    and scans (.png .jpg .tif, image-only PDF pages) with the ocr extra.

    Re-running indexes only what changed (in time and memory that follow the change, not
    the index), drops files that disappeared from an indexed directory, and never duplicates
    a paragraph. An interrupted run leaves the previous index intact.

    \b
    Example:
      govsearch index ../shared/corpus --manifest ../shared/corpus/manifest.jsonl
    """
    from govsearch.indexer import build_index

    if not paths and not optimize:
        raise click.UsageError("give one or more files or directories to index")
    target = resolve_index(index_dir)
    progress = ProgressBar() if sys.stderr.isatty() else None
    try:
        report = build_index(
            list(paths), target, manifest=manifest, user_dict=user_dict, rebuild=rebuild,
            progress=progress, optimize=optimize,
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


class ProgressBar:
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
