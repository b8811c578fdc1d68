"""Document and paragraph metadata: manifest files, heuristics from the text, heading paths."""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .errors import ManifestError

MANIFEST_FIELDS = ("title", "year", "region", "level")

# -- manifest -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Manifest:
    """Metadata rows keyed by the path they name (relative to the manifest) and by file name."""

    base: Path
    by_path: dict[str, dict]
    by_name: dict[str, dict]
    #: The file it was read from (kept in the index, shown when a later run reuses it).
    source: str = ""
    rows: tuple[dict, ...] = ()

    @functools.cached_property
    def _prefix(self) -> str | None:
        """The base as a prefix of the absolute paths below it (None if the base is relative)."""
        base = os.path.normpath(self.base)
        return os.path.join(base, "") if os.path.isabs(base) else None

    def lookup(self, path: Path) -> dict | None:
        """The row for a source file, matched by relative path first, then by file name."""
        text, prefix = str(path), self._prefix
        rel: str | None = None
        if prefix is not None and text.startswith(prefix):
            # The common case, a file of the manifest's folder already normalised, without
            # relpath's work (a run looks up every file of the folder: thousands of calls).
            rel = text[len(prefix) :].replace(os.sep, "/")
            if any(part in ("", ".", "..") for part in rel.split("/")):
                rel = None
        if rel is None:
            try:
                rel = Path(os.path.relpath(path, self.base)).as_posix()
            except ValueError:  # another drive on Windows
                rel = None
        if rel is not None and rel in self.by_path:
            return self.by_path[rel]
        return self.by_name.get(path.name)


def _clean_row(row: dict, where: str) -> dict:
    if not row.get("file"):
        raise ManifestError(f"{where}: missing the 'file' column; each row names its file")
    out = {"file": str(row["file"]).strip()}
    for key in MANIFEST_FIELDS:
        value = row.get(key)
        if value in (None, ""):
            continue
        if key == "year":
            try:
                value = int(str(value).strip())
            except ValueError:
                raise ManifestError(f"{where}: year must be a number, got {value!r}") from None
        else:
            value = str(value).strip()
        out[key] = value
    return out


def load_manifest(path: Path) -> Manifest:
    """Read a JSONL or CSV manifest with columns file, title, year, region, level."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"cannot read manifest {path}: {exc}") from exc
    rows = []
    if path.suffix.lower() == ".csv":
        for i, row in enumerate(csv.DictReader(text.splitlines()), 2):
            rows.append(_clean_row(row, f"{path}:{i}"))
    else:
        for i, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise ManifestError(
                    f"{path}:{i}: not valid JSON ({exc.msg}); a manifest has one JSON object "
                    "per line, or is a .csv file"
                ) from None
            if not isinstance(row, dict):
                raise ManifestError(f"{path}:{i}: each line must be a JSON object")
            rows.append(_clean_row(row, f"{path}:{i}"))
    return make_manifest(rows, path.resolve().parent, str(path.resolve()))


def make_manifest(rows: list[dict], base: Path, source: str) -> Manifest:
    """A Manifest over cleaned rows whose file names are relative to base."""
    by_path = {Path(r["file"]).as_posix(): r for r in rows}
    names: dict[str, list[dict]] = {}
    for r in rows:
        names.setdefault(Path(r["file"]).name, []).append(r)
    by_name = {name: rs[0] for name, rs in names.items() if len(rs) == 1}
    return Manifest(Path(base), by_path, by_name, source, tuple(rows))


def manifest_to_json(manifest: Manifest) -> str:
    """The manifest as stored in an index generation (manifest.json)."""
    payload = {"source": manifest.source, "base": str(manifest.base), "rows": list(manifest.rows)}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True)


def manifest_from_json(text: str) -> Manifest:
    """Inverse of manifest_to_json."""
    payload = json.loads(text)
    return make_manifest(payload["rows"], Path(payload["base"]), payload["source"])


# -- ids ------------------------------------------------------------------------------------


def make_doc_id(path: Path) -> str:
    """A document id that stays the same while the file stays where it is."""
    key = os.path.normcase(os.path.abspath(path))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def nfkc(text: str) -> str:
    """Width-fold text for pattern matching (full-width digits and brackets become ASCII)."""
    return unicodedata.normalize("NFKC", text)


# -- headings -------------------------------------------------------------------------------

_CN = "一二三四五六七八九十百千零〇两"
# (rank, pattern): a lower rank is a higher heading. Matched against NFKC text, so （一） and
# (一), full-width digits and ASCII ones look the same.
_HEADINGS = (
    (5, re.compile(rf"^第[{_CN}\d]+编")),
    (10, re.compile(rf"^第[{_CN}\d]+章")),
    (15, re.compile(rf"^第[{_CN}\d]+节")),
    (20, re.compile(rf"^[{_CN}]+[、.]")),
    (30, re.compile(rf"^\([{_CN}]+\)")),
    (40, re.compile(r"^\d{1,2}[.、](?!\d)")),
    (50, re.compile(r"^\(\d{1,2}\)")),
    (60, re.compile(rf"^第[{_CN}\d]+条")),
)
_ARTICLE_RANK = 60
_MAX_HEADING = 80


def heading_of(text: str) -> tuple[int, str] | None:
    """(rank, heading text) when a paragraph is or opens with a heading, else None.

    A heading that opens a paragraph ends at its first 。; an article (第一条) is named by its
    number only.
    """
    folded = nfkc(text)
    for rank, pattern in _HEADINGS:
        m = pattern.match(folded)
        if not m:
            continue
        if rank == _ARTICLE_RANK:
            return rank, text[: m.end()]
        end = text.find("。")
        head = text if end < 0 else text[:end]
        if end < 0 and len(head) > _MAX_HEADING:
            return None  # a long numbered sentence, not a heading
        if len(head) > _MAX_HEADING:
            head = head[:_MAX_HEADING] + "…"
        return rank, head.strip()
    return None


class SectionTracker:
    """Keeps the heading path while walking a document's paragraphs in order."""

    SEPARATOR = " › "

    def __init__(self, title: str | None = None):
        self.stack: list[tuple[int, str]] = []
        self.title = title

    def feed(self, text: str, explicit_level: int | None = None) -> str | None:
        """Update the path with this paragraph; returns the path it sits under."""
        found = heading_of(text)
        if found is None and explicit_level is not None:
            if explicit_level == 1 and self.title and text.strip() == self.title.strip():
                found = None  # the document title repeated as a heading
            else:
                found = (explicit_level * 10 - 10, text.strip()[:_MAX_HEADING])
        if found is not None and _ARTICLE_RANK > found[0] > 15:
            # Inside an article (第三条), (一) / 1. / (1) number the article's items: not headings.
            if any(r == _ARTICLE_RANK for r, _h in self.stack):
                found = None
        if found is not None:
            rank, head = found
            while self.stack and self.stack[-1][0] >= rank:
                self.stack.pop()
            self.stack.append((rank, head))
        if not self.stack:
            return None
        return self.SEPARATOR.join(h for _r, h in self.stack)
