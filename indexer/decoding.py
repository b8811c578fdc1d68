"""Text decoding: which encoding a text file's bytes are in, and the text they hold.

BOM, then UTF-8, then GB18030 or Big5 (decided by which reading looks like Chinese), then a
detector. Damage of a few bytes is replaced and reported, not refused.
"""

from __future__ import annotations

import codecs
from functools import cache
from importlib import resources


class NotText(Exception):
    """The bytes are not text in any encoding we read; the message says why."""


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_bytes(data: bytes) -> tuple[str, str, list[str]]:
    """Decode a text file: BOM, then UTF-8, then GB18030, then a detector; warnings for damage.

    Returns (text, encoding, warnings). Raises NotText for binary or undecodable data.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc, []
            except UnicodeDecodeError as exc:
                raise NotText(f"damaged {enc} text ({exc.reason} at byte {exc.start})") from None
    if b"\x00" in data[:65536]:
        raise NotText("binary file (contains NUL bytes), not text")
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
    raise NotText("cannot detect the text encoding (not UTF-8, UTF-16, GB18030/GBK or Big5)")


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
