"""Tables for spreadsheets: search hits, trends, term comparisons, concordances and diffusion
as CSV or XLSX.

Both writers take rows from an iterator and never hold a whole table: CSV goes out line by
line, XLSX through XlsxWriter's constant_memory mode (each row is flushed to a temporary file
as the next one starts).

Government documents are opened by people in Excel and WPS, so a text cell that a spreadsheet
would read as a formula (one starting with = + - @, a tab or a carriage return) is neutralised:
in CSV it gets a leading apostrophe, in XLSX it is a text cell with Excel's quote prefix (shown
as written, never evaluated, not even after editing).
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from govsearch.indexer import UsageError

from .collocates import CHANGE_COLUMNS, COLLOCATE_COLUMNS, Collocates, change_row
from .diffusion import ADOPTION_KEYS, REGION_KEYS, Diffusion
from .kwic import LINE_KEYS, Concordance
from .results import Hit
from .terms import TermComparison
from .trend import TREND_MEASURES, Trend
from .variants import VariantList

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Excel's limits: characters in a cell, rows in a sheet, links in a sheet, link length.
MAX_CELL_CHARS = 32_767
MAX_ROWS = 1_048_576
MAX_LINKS = 65_530
MAX_URL = 2_079
TRUNCATED = "…"
EXPORT_FORMATS = ("csv", "xlsx")

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    """A sheet: its name, column names and rows (an iterable, consumed once)."""

    name: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Cell]]
    #: Columns whose text is a URL (an http(s) one is a clickable link in XLSX; XlsxWriter
    #: rewrites file:// links into Windows paths, so those stay text).
    links: tuple[str, ...] = ()
    #: Column widths in characters, by name (XLSX only).
    widths: dict[str, int] | None = None


def neutralise(value: str) -> str:
    """A CSV cell that no spreadsheet reads as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


# -- CSV ---------------------------------------------------------------------------------


def _csv_cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    return value


def csv_chunks(table: Table, rows_per_chunk: int = 200) -> Iterator[str]:
    """The table as CSV text in pieces: a BOM (Excel and WPS then read UTF-8), the header,
    then the rows; lines end in CRLF as RFC 4180 says."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([_csv_cell(c) for c in table.columns])
    for n, row in enumerate(table.rows, 1):
        writer.writerow([_csv_cell(c) for c in row])
        if n % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_csv(table: Table, stream: IO[bytes]) -> None:
    """Write the table as UTF-8 CSV with a BOM to a binary stream."""
    for chunk in csv_chunks(table):
        stream.write(chunk.encode("utf-8"))


# -- XLSX --------------------------------------------------------------------------------


def write_xlsx(tables: Sequence[Table], target: str | Path | IO[bytes]) -> None:
    """Write the tables as sheets of one workbook (a file name or a binary file object).

    A table longer than a sheet continues on the next one, header repeated.
    """
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        target if not isinstance(target, Path) else str(target),
        {
            "constant_memory": True,
            # Text is text: no formula, number or link is ever inferred from a string.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    header = workbook.add_format({"bold": True, "bg_color": "#E8EEF4", "bottom": 1})
    quoted = workbook.add_format({"quote_prefix": True})
    try:
        for table in tables:
            _write_sheets(workbook, table, header, quoted)
    finally:
        workbook.close()


def _write_sheets(workbook, table: Table, header, quoted) -> None:
    links = {i for i, c in enumerate(table.columns) if c in table.links}
    part = 0
    sheet = None
    row_no = MAX_ROWS
    written_links = 0
    last_col = len(table.columns) - 1
    for row in table.rows:
        if row_no >= MAX_ROWS:
            if sheet is not None:
                sheet.autofilter(0, 0, row_no - 1, last_col)
            part += 1
            name = table.name if part == 1 else f"{table.name} ({part})"
            sheet = workbook.add_worksheet(name[:31])
            for i, c in enumerate(table.columns):
                width = (table.widths or {}).get(c)
                if width:
                    sheet.set_column(i, i, width)
            sheet.freeze_panes(1, 0)
            for i, c in enumerate(table.columns):
                sheet.write_string(0, i, c, header)
            row_no, written_links = 1, 0
        for i, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                value = str(value)
                if len(value) > MAX_CELL_CHARS:
                    value = value[: MAX_CELL_CHARS - len(TRUNCATED)] + TRUNCATED
                if (
                    i in links
                    and value.startswith(("http://", "https://"))
                    and written_links < MAX_LINKS
                    and len(value) <= MAX_URL
                ):
                    sheet.write_url(row_no, i, value, string=value)  # type: ignore[union-attr]
                    written_links += 1
                elif value.startswith(FORMULA_START):
                    sheet.write_string(row_no, i, value, quoted)  # type: ignore[union-attr]
                else:
                    sheet.write_string(row_no, i, value)  # type: ignore[union-attr]
            else:
                sheet.write_number(row_no, i, value)  # type: ignore[union-attr]
        row_no += 1
    if sheet is None:  # no rows at all: the header alone
        sheet = workbook.add_worksheet(table.name[:31])
        for i, c in enumerate(table.columns):
            sheet.write_string(0, i, c, header)
        row_no = 1
    sheet.autofilter(0, 0, max(row_no - 1, 0), last_col)


# -- files -------------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_output(path: Path, *, force: bool = False) -> Iterator[Path]:
    """A temporary path beside `path` that replaces it only when the block succeeds.

    A failed or interrupted export leaves nothing behind (and an existing file untouched).
    """
    path = Path(path)
    if "\0" in str(path):
        raise UsageError(f"cannot write {str(path)!r}: a file name cannot contain a NUL character")
    if path.is_dir():
        raise UsageError(f"{path} is a directory; give a file name for the output")
    if path.exists() and not force:
        raise UsageError(f"{path} already exists; add --force to replace it")
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        # mkstemp makes a private file (0600): give the export the mode a new file gets here.
        os.chmod(tmp, 0o666 & ~_umask())
        yield Path(tmp)
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _umask() -> int:
    """The process's file-creation mask (read by setting it, then setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# -- tables of results -------------------------------------------------------------------

HIT_COLUMNS = (
    "rank", "id", "doc_id", "title", "year", "region", "level", "type", "docno", "section",
    "paragraph", "location", "path", "line", "page", "text", "matched", "score", "also_in",
    "ocr_confidence", "link",
)  # fmt: skip
HIT_WIDTHS = {"id": 18, "title": 30, "region": 12, "section": 24, "location": 30, "text": 80,
              "matched": 14, "also_in": 24, "link": 30}  # fmt: skip


def location(hit: Hit) -> str:
    """file:line for text sources, file#page=N for PDF pages, else the file."""
    if hit.line is not None:
        return f"{hit.path}:{hit.line}"
    if hit.page is not None:
        return f"{hit.path}#page={hit.page}"
    return hit.path


def web_link(base_url: str, query: str) -> Callable[[Hit], str]:
    """Links into the web UI at base_url: the hit's paragraph in its document, query marked."""
    from urllib.parse import quote

    base = base_url.rstrip("/")
    q = quote(query, safe="")
    return lambda hit: f"{base}/doc/{hit.doc_id}?q={q}#p-{hit.paragraph}"


def file_link(hit: Hit) -> str:
    """A file:// URI of the hit's source (a link that opens the document where it lives)."""
    return _file_uri(hit.path)


@functools.lru_cache(maxsize=4096)
def _file_uri(path: str) -> str:
    try:
        return Path(path).as_uri()
    except ValueError:  # not an absolute path
        return path


def hit_table(hits: Iterable[Hit], link: Callable[[Hit], str] = file_link) -> Table:
    """Every hit with its metadata, location, text, the matched strings and a link."""

    def rows() -> Iterator[list[Any]]:
        for rank, h in enumerate(hits, 1):
            matched = " | ".join(dict.fromkeys(h.text[s:e] for s, e in h.matches))
            also = " | ".join(f"{a.path}:{a.line}" if a.line else a.path for a in h.also_in)
            yield [
                rank, h.id, h.doc_id, h.title, h.year, h.region, h.level, h.doc_type, h.docno,
                h.section, h.paragraph, location(h), h.path, h.line, h.page, h.text,
                matched or None, h.score, also or None, h.ocr_confidence, link(h),
            ]  # fmt: skip

    return Table("结果", HIT_COLUMNS, rows(), links=("link",), widths=HIT_WIDTHS)


def trend_columns(trend: Trend) -> tuple[str, ...]:
    """series,query,<by columns>,paragraphs,… — the tidy table's header."""
    by = [c for c in trend.columns for c in ((c, "title") if c == "doc_id" else (c,))]
    return ("series", "query", *by, *TREND_MEASURES)


SERIES_COLUMNS = ("series", "query", "paragraphs", "documents", "occurrences", "first_year",
                  "last_year")  # fmt: skip


def trend_tables(trend: Trend) -> list[Table]:
    """The tidy table (one row per series and bucket) and a sheet of series totals."""
    titles = [b.title for b in trend.buckets]
    with_title = "doc" in trend.by

    def rows() -> Iterator[list[Cell]]:
        for s in trend.series:
            for r, title in zip(s.rows, titles, strict=True):
                key: list[Cell] = []
                for column, value in zip(trend.columns, r.bucket, strict=True):
                    key.append(value)
                    if column == "doc_id" and with_title:
                        key.append(title)
                yield [
                    r.series, r.query, *key, r.paragraphs, r.documents, r.occurrences,
                    r.bucket_paragraphs, r.bucket_documents, r.per_10k_paragraphs,
                    r.share_of_documents,
                ]  # fmt: skip

    summary = ([s.summary()[c] for c in SERIES_COLUMNS] for s in trend.series)
    return [
        Table("趋势", trend_columns(trend), rows(), widths={"query": 24, "title": 30}),
        Table("系列", SERIES_COLUMNS, summary, widths={"query": 24}),
    ]


TERM_COLUMNS = ("list", "term", "first", "second", "per_10k_first", "per_10k_second",
                "log_ratio", "log_likelihood")  # fmt: skip


def terms_table(comparison: TermComparison) -> Table:
    """Rising, falling and new terms in one table, the list named in the first column."""
    rows = (
        [name, c.term, c.first, c.second, c.per_10k_first, c.per_10k_second, c.log_ratio,
         c.log_likelihood]
        for name in ("rising", "falling", "new")
        for c in getattr(comparison, name)
    )  # fmt: skip
    return Table("词语", TERM_COLUMNS, rows, widths={"term": 16})


VARIANT_COLUMNS = ("text", "paragraphs", "documents", "occurrences", "first_year", "last_year",
                   "provinces")  # fmt: skip


def variants_table(result: VariantList) -> Table:
    """One row per variant, in the order `variants` lists them."""
    rows = ([getattr(v, c) for c in VARIANT_COLUMNS] for v in result.variants)
    return Table("变体", VARIANT_COLUMNS, rows, widths={"text": 16})


#: Paragraph ids listed in a collocate's cell; the JSON output has all of them.
TABLE_IDS = 50


def _id_cell(ids: tuple[str, ...]) -> str:
    more = f" …(+{len(ids) - TABLE_IDS})" if len(ids) > TABLE_IDS else ""
    return " ".join(ids[:TABLE_IDS]) + more


def collocate_tables(result: Collocates) -> list[Table]:
    """The collocates (one row per word), or with compare the changes and each period's list."""
    widths = {"word": 14, "query": 24, "ids": 40}

    def period_table(name: str, period) -> Table:
        rows = (
            [rank, *(getattr(c, col) for col in COLLOCATE_COLUMNS), _id_cell(c.ids)]
            for rank, c in enumerate(period.collocates, 1)
        )
        return Table(name, ("rank", *COLLOCATE_COLUMNS, "ids"), rows, widths=widths)

    if result.compare is None:
        return [period_table("搭配词", result.periods[0])]
    changes = ([change_row(c)[col] for col in CHANGE_COLUMNS] for c in result.changes)
    return [
        Table("搭配变化", CHANGE_COLUMNS, changes, widths={"word": 14}),
        *(period_table(f"搭配词 {p.year}", p) for p in result.periods),
    ]


KWIC_WIDTHS = {"id": 18, "title": 30, "region": 10, "left": 40, "match": 12, "right": 40}


def kwic_table(concordance: Concordance) -> Table:
    """One row per concordance line: its paragraph, the contexts and the match's offsets."""
    rows = ([getattr(x, k) for k in LINE_KEYS] for x in concordance.lines)
    return Table("语境", LINE_KEYS, rows, widths=KWIC_WIDTHS)


def diffusion_tables(result: Diffusion) -> list[Table]:
    """The regions (first year, first document, counts) and the adoption curve."""
    regions = (
        [" › ".join(r.path) if k == "path" else getattr(r, k) for k in REGION_KEYS]
        for r in result.regions
    )
    adoption = ([a.year, a.new_regions, a.regions_so_far] for a in result.adoption)
    return [
        Table("扩散", REGION_KEYS, regions, widths={"path": 30, "first_title": 36, "first_id": 18}),
        Table("采纳曲线", ADOPTION_KEYS, adoption),
    ]
