"""Reading source files: discovery, encoding detection, paragraphs."""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from .formats.blocks import Block


@dataclass
class SourceDoc:
    """A decoded source file: its paragraphs as the format reader found them."""

    path: Path
    format: str
    encoding: str | None
    paragraphs: list[Block]
    title: str | None = None
    warnings: list[str] = field(default_factory=list)


class SkipFile(Exception):
    """This file cannot be indexed; the message says why (shown as a warning)."""


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_bytes(data: bytes) -> tuple[str, str, list[str]]:
    """Decode a text file: BOM, then UTF-8, then GB18030, then a detector; warnings for damage.

    Returns (text, encoding, warnings). Raises SkipFile for binary or undecodable data.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc, []
            except UnicodeDecodeError as exc:
                raise SkipFile(f"damaged {enc} text ({exc.reason} at byte {exc.start})") from None
    if b"\x00" in data[:65536]:
        raise SkipFile("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    # A UTF-8 file with a few bad bytes decodes as GB18030 mojibake without complaint, so
    # recognise "mostly UTF-8" first: GBK text fails UTF-8 on nearly every Han character.
    damaged = _mostly(data, "utf-8")
    if damaged:
        return damaged
    chosen = _gb_or_big5(data)
    if chosen:
        return chosen
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding and best.chaos < 0.2 and _looks_like_text(str(best)):
        return str(best), best.encoding, []
    raise SkipFile("cannot detect the text encoding (not UTF-8, UTF-16, GB18030/GBK or Big5)")


@cache
def _common_chars() -> frozenset[str]:
    text = resources.files("govsearch.indexer").joinpath("data/common_chars.txt").read_text("utf-8")
    return frozenset("".join(line for line in text.splitlines() if not line.startswith("#")))


#: A right decoding of Chinese text is mostly common characters; a wrong one mostly rare ones.
COMMON_SHARE = 0.35
#: Two decodings closer than this in common share cannot be told apart.
CLEAR_LEAD = 0.15


def han_evidence(text: str) -> float:
    """Share of common characters among the Han and private-use characters of a decoding."""
    common = _common_chars()
    han = pua = hits = 0
    for ch in text:
        if "\u4e00" <= ch <= "\u9fff":
            han += 1
            hits += ch in common
        elif "\ue000" <= ch <= "\uf8ff":
            pua += 1  # GB18030's user-defined area: Big5 bytes read as GB land here
    return hits / (han + pua) if han + pua else 0.0


def _gb_or_big5(data: bytes) -> tuple[str, str, list[str]] | None:
    """GB18030 (GBK, GB2312) or Big5, decided by which reading looks like Chinese.

    Both codecs accept most double-byte data, so "which one does not fail" decides nothing:
    each candidate is scored by its share of common characters (simplified or traditional) and
    of private-use code points. A reading without a clear lead is kept with a warning.
    """
    candidates = []
    for encoding in ("gb18030", "cp950"):
        try:
            candidates.append((data.decode(encoding), encoding, []))
        except UnicodeDecodeError:
            # Cut mid-character, or a few stray bytes: keep what decodes.
            damaged = _mostly(data, encoding)
            if damaged:
                candidates.append(damaged)
    if not candidates:
        return None
    scored = sorted(((han_evidence(c[0]), c) for c in candidates), key=lambda x: -x[0])
    share, (text, encoding, warnings) = scored[0]
    name = {"gb18030": "GB18030", "cp950": "Big5"}[encoding]
    if len(scored) > 1 and share - scored[1][0] < CLEAR_LEAD or share < COMMON_SHARE:
        other = [{"gb18030": "GB18030", "cp950": "Big5"}[c[1]] for _s, c in scored[1:]]
        doubt = f" or {other[0]}" if other else ""
        warnings = [
            *warnings,
            f"the encoding is uncertain (read as {name}{doubt}; {share:.0%} common characters): "
            "check the text, or save the file as UTF-8",
        ]
    return text, encoding, warnings


def _mostly(data: bytes, encoding: str) -> tuple[str, str, list[str]] | None:
    """Decode with replacement when the damage is a few bytes in otherwise valid text."""
    lossy = data.decode(encoding, errors="replace")
    bad = lossy.count("\ufffd")
    good = sum(1 for ch in lossy if ord(ch) > 0x7F) - bad
    if not bad or good < 20 * bad:
        return None
    lines = [str(i) for i, ln in enumerate(lossy.split("\n"), 1) if "\ufffd" in ln]
    shown = ", ".join(lines[:5]) + (" …" if len(lines) > 5 else "")
    name = {"utf-8": "UTF-8", "gb18030": "GB18030/GBK", "cp950": "Big5"}[encoding]
    return lossy, encoding, [f"invalid {name} bytes replaced with U+FFFD on line {shown}"]


def _looks_like_text(text: str) -> bool:
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\r\n\t")
    return bool(text) and printable / len(text) > 0.95


_LINE_BREAK = re.compile(r"\r\n|\n|\r")
_MD_HEADING = re.compile(r"^(#{1,6})\s+")
_MD_PREFIX = re.compile(r"^(?:>\s*)+|^(?:[-*+]|\d+\.)\s+(?=\S)")
_MD_RULE = re.compile(r"^(?:[-*_]\s*){3,}$|^\|?\s*:?-{3,}.*$|^```")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|~~|`)")


def _markdown_line(line: str) -> tuple[str, int | None]:
    """Strip Markdown syntax from one line; returns (text, heading level or None)."""
    if _MD_RULE.match(line):
        return "", None
    level = None
    m = _MD_HEADING.match(line)
    if m:
        level = len(m.group(1))
        line = line[m.end() :].rstrip("#").strip()
    else:
        line = _MD_PREFIX.sub("", line)
    line = _MD_LINK.sub(r"\1", line)
    line = _MD_EMPHASIS.sub("", line)
    if line.startswith("|") and line.endswith("|"):
        line = " | ".join(cell.strip() for cell in line.strip("|").split("|"))
    return line.strip(), level


def text_paragraphs(text: str, markdown: bool = False) -> list[Block]:
    """One paragraph per non-empty line, trimmed (U+3000 and BOMs too); 1-based line numbers."""
    out = []
    for lineno, raw in enumerate(_LINE_BREAK.split(text), 1):
        line = raw.strip().strip("\ufeff").strip()
        level = None
        if markdown and line:
            line, level = _markdown_line(line)
        if line:
            col = max(raw.find(line[:8]), 0)
            column = len(raw[:col].encode("utf-8"))
            out.append(Block(line, heading_level=level, line=lineno, column=column))
    return out


def read_document(path: Path, recognize=None) -> SourceDoc:
    """Read and split one file. Raises SkipFile with a reason for anything it cannot index.

    `recognize` recognises scanned pages (build passes the index's OCR cache).
    """
    from . import formats

    try:
        extracted = formats.extract(path, recognize=recognize)
    except (formats.UnsupportedFormat, formats.ExtractionError) as exc:
        raise SkipFile(str(exc)) from None
    except OSError as exc:
        raise SkipFile(f"cannot read: {exc.strerror or exc}") from None
    return SourceDoc(
        path,
        extracted.format,
        extracted.encoding,
        extracted.blocks,
        title=extracted.title,
        warnings=list(extracted.warnings),
    )


def is_candidate(path: Path) -> bool:
    """Whether a file found while walking a directory is worth trying (hidden files are not)."""
    return not path.name.startswith((".", "~$"))


_BAD_NAME = "the file name is not UTF-8 (perhaps GBK from a zip made on Windows); rename it"


def _utf8_name(path: Path) -> bool:
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in the name became lone surrogates
        return False
    return True


def _readable(path: Path) -> Path:
    """The path with a non-UTF-8 name shown as GB18030, for messages."""
    return Path(os.fsencode(path).decode("gb18030", errors="replace"))


def is_inside(path: str, root: str) -> bool:
    """Whether path is root or lies below it."""
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives on Windows
        return False


def discover(
    paths: list[Path], exclude: Path | None = None
) -> Iterator[tuple[Path, Path | None, str | None]]:
    """Files under the given paths as (absolute path, directory argument or None, problem).

    A problem (a broken link, an unreadable directory) is reported instead of raised so that one
    bad entry does not stop the run. Symlinked directories are not followed, so loops end.
    Nothing under `exclude` (the index itself, when it sits inside an indexed folder) is listed.
    """
    seen: set[Path] = set()
    skip = os.path.abspath(exclude) if exclude is not None else None
    for given in paths:
        top = Path(os.path.abspath(given))
        if top.is_dir():
            errors: list[OSError] = []
            for dirpath, dirnames, filenames in os.walk(top, onerror=errors.append):
                if skip is not None and is_inside(dirpath, skip):
                    dirnames[:] = []
                    continue
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    p = Path(dirpath) / name
                    if not is_candidate(p) or p in seen:
                        continue
                    seen.add(p)
                    if not _utf8_name(p):
                        yield _readable(p), top, _BAD_NAME
                    elif p.is_symlink() and not p.exists():
                        yield p, top, "broken symbolic link"
                    else:
                        yield p, top, None
            for err in errors:
                yield Path(err.filename or top), top, f"cannot read directory: {err.strerror}"
        elif top.is_file():
            if top not in seen:
                seen.add(top)
                yield top, None, None
        else:
            yield top, None, "no such file or directory"
