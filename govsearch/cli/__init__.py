"""The govsearch command line: parse options, call indexer/search, format the result.

This package is the only part of govsearch that imports indexer, search and web. One module per
command family, each importing the shared pieces from common.py and nothing from its siblings'
private names:

    common.py     exit codes, error handling, --index and the index location, option checks,
                  output helpers
    indexing.py   index
    searching.py  search (text, json, jsonl, tsv, vimgrep, --explain)
    documents.py  show, stats
    serving.py    serve (the only one that imports web (Flask), so a scripted search starts fast)
    reports.py    trend, terms, variants, and search's csv/xlsx exports
    collocates.py collocates
    research.py   kwic, diffusion

This module builds the click group from them and holds the console entry point.
"""

from __future__ import annotations

import sys

import click

from govsearch.cli.collocates import collocates
from govsearch.cli.common import (
    EXIT_ENV,
    EXIT_HITS,
    EXIT_INTERNAL,
    EXIT_NO_HITS,
    EXIT_USAGE,
    FILE_NAME,
    ErrorHandlingGroup,
    default_index_dir,
    mark,
    one_line,
)
from govsearch.cli.documents import provenance_lines, show, stats
from govsearch.cli.indexing import index
from govsearch.cli.reports import terms, trend, variants
from govsearch.cli.research import diffusion, kwic
from govsearch.cli.searching import FORMATS, excerpt, search_cmd, summary, vimgrep_column
from govsearch.cli.serving import serve

__all__ = [
    "EXIT_ENV",
    "EXIT_HITS",
    "EXIT_INTERNAL",
    "EXIT_NO_HITS",
    "EXIT_USAGE",
    "FILE_NAME",
    "FORMATS",
    "cli",
    "default_index_dir",
    "excerpt",
    "main",
    "mark",
    "one_line",
    "provenance_lines",
    "summary",
    "vimgrep_column",
]


@click.group(cls=ErrorHandlingGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
    (missing, locked, damaged, too old, not writable), 4 internal error.
    """


cli.add_command(index)
cli.add_command(search_cmd)
cli.add_command(show)
cli.add_command(stats)
cli.add_command(serve)
cli.add_command(trend)
cli.add_command(terms)
cli.add_command(variants)
cli.add_command(collocates)
cli.add_command(kwic)
cli.add_command(diffusion)


def main() -> None:
    """Console entry point: UTF-8 output whatever the locale."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    cli(prog_name="govsearch")
