"""Resolving a region name to its place in China's administrative hierarchy.

`resolve("深圳市坪山区")` reads the name left to right against the gazetteer, each part below
the one before (广东省 › 深圳市 › 坪山区); short forms (深圳) and former names (襄樊市 → 襄阳市)
count. When a name fits several places (鼓楼区 is in four cities) the document's own mentions of
their parents decide; without such evidence the path stops at the level all candidates share,
never at a guess. A unit the data lacks (a street named XX街道) is kept as given under the parent
the name or the text supports.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from .gazetteer import KINDS, LEVEL_OF_KIND, Gazetteer, gazetteer, short_forms

__all__ = ["NATIONAL", "Resolution", "leader", "mentions", "note_text", "read_place", "resolve"]

NATIONAL_NAMES = frozenset({"全国", "中国", "中华人民共和国", "国家", "中央"})
# Words that end a region name in the names of governments and congresses.
_ORGAN = re.compile(
    r"(?:人民政府办公厅|人民政府办公室|人民政府|政府|人民代表大会常务委员会|人大常委会|人民代表大会"
    r"|办事处)$"
)
# A name the data lacks is kept only when it reads like a street's: a short stem, no particles.
_GIVEN_NAME = re.compile(r"^[\u4e00-\u9fffA-Za-z]{1,6}(?:街道|镇|乡|苏木)$")
_NOT_IN_NAME = re.compile(r"[的和与及在对是了为于等各本全该其之]|建设|城乡")
# A unit the data lacks still says what kind it is.
_GIVEN_KIND = (
    (re.compile(r"(?:街道|镇|乡|苏木)$"), "street"),
    (re.compile(r"(?:区|县|旗)$"), "county"),
    (re.compile(r"(?:市|自治州|地区|盟)$"), "city"),
)
_KIND_DEPTH = {"province": 0, "city": 1, "county": 2, "street": 3}
MAX_NAME = 60
# A parent inferred from mentions alone needs this many of them, and this lead over the next.
MIN_MENTIONS = 3
LEAD = 2.0
MAJORITY = 0.5


@dataclass(frozen=True)
class Resolution:
    """Where a region name sits: names top first, their kinds, the deepest known code."""

    path: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    adcode: str | None = None
    level: str | None = None
    #: How the path was found beyond plain reading: a former name, text mentions, a kept unit.
    notes: tuple[tuple, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)


NATIONAL = Resolution(level="national")


def _clean(name: str) -> str:
    name = unicodedata.normalize("NFKC", name)
    name = re.sub(r"\s+", "", name)
    return _ORGAN.sub("", name) or name


def _chain(g: Gazetteer, s: str, pos: int = 0, shorts_upto: int = 9) -> tuple[list[list[str]], int]:
    """Read units from s[pos:], each below the previous; candidates per step and where it ended.

    Short forms count for units with codes up to `shorts_upto` digits (4: provinces and cities).
    """
    chain: list[list[str]] = []
    while pos < len(s):
        found = None
        for size in range(min(g.max_name, len(s) - pos), 1, -1):
            piece = s[pos : pos + size]
            codes = g.full.get(piece, []) + [
                c for c in g.short.get(piece, ()) if len(c) <= shorts_upto
            ]
            if not codes:
                continue
            if chain:
                codes = [c for c in codes if any(g.is_below(c, p) and c != p for p in chain[-1])]
            if codes:
                found = size, codes
                break
        if found is None:
            break
        size, codes = found
        if chain:
            chain[-1] = [p for p in chain[-1] if any(g.is_below(c, p) for c in codes)]
        chain.append(codes)
        pos += size
    return chain, pos


_NOTES = {
    "unlisted": "{0} is not in the gazetteer",
    "placed_by_text": "{0} is not in the gazetteer; placed by the text's mentions",
    "kept_under": "{0} is not in the gazetteer; kept under {1}",
    "chosen_by_text": "chosen among same-named places by the text's mentions",
    "former_name": "{0} is the former name of {1} ({2})",
    "abolished": "{0} was abolished in {1}; its area is now in {2}",
    "ambiguous": "{0} could be {1}: kept at the level all share",
}


def note_text(note: list | tuple) -> str:
    """A resolution note (kind, *values) as an English sentence."""
    kind, *values = note
    values = ["、".join(v) if isinstance(v, list | tuple) else v for v in values]
    return _NOTES[kind].format(*values) if kind in _NOTES else " ".join(map(str, note))


def read_place(text: str, pos: int = 0) -> str | None:
    """The place name that starts at text[pos] (山东省青岛市 in 山东省青岛市人民政府关于…), if any.

    Short forms count for provinces and cities only: 新华 or 和平 opening a sentence are words.
    """
    g = gazetteer()
    chain, end = _chain(g, text, pos, shorts_upto=4)
    return text[pos:end] if chain else None


def mentions(text: str, codes: list[str], g: Gazetteer | None = None) -> Counter:
    """How often the text names each unit (by full, short or former name)."""
    g = g or gazetteer()
    counts: Counter = Counter()
    for code in codes:
        name = g.rows[code][0]
        names = {name, *short_forms(name)}
        counts[code] = sum(text.count(n) for n in names)
    return counts


def _ancestors(g: Gazetteer, code: str) -> list[str]:
    out = []
    code = g.rows[code][1]
    while code:
        out.append(code)
        code = g.rows[code][1]
    return out


def _pick(g: Gazetteer, candidates: list[str], text: str) -> tuple[list[str], bool]:
    """Narrow same-named candidates by the text's mentions of their parents."""
    if len(candidates) < 2 or not text:
        return candidates, False
    score = {c: sum(mentions(text, _ancestors(g, c), g).values()) for c in candidates}
    best = max(score.values())
    top = [c for c in candidates if score[c] == best]
    if best > 0 and len(top) == 1:
        return top, True
    return candidates, False


def _common(g: Gazetteer, candidates: list[str]) -> list[str]:
    """The deepest unit all candidates lie under (possibly none)."""
    paths = [[u.code for u in g.path(c)] for c in candidates]
    common: list[str] = []
    for level in zip(*paths, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    return common


def leader(counts: Counter, minimum: int = MIN_MENTIONS) -> str | None:
    """The unit named most, if named at least `minimum` times and LEAD times the next one."""
    ranked = counts.most_common(2)
    if not ranked or ranked[0][1] < minimum:
        return None
    if len(ranked) > 1 and ranked[0][1] < LEAD * ranked[1][1]:
        return None
    return ranked[0][0]


def _given_kind(name: str) -> str | None:
    if not _GIVEN_NAME.match(name) or _NOT_IN_NAME.search(name):
        return None
    for pattern, kind in _GIVEN_KIND:
        if pattern.search(name):
            return kind
    return None


def _county_mentions(g: Gazetteer, text: str) -> Counter:
    """Counties and cities named in full in the text (坪山区, 龙岗区, 深圳市 …)."""
    counts: Counter = Counter()
    for m in re.finditer(r"[\u4e00-\u9fff]{1,12}?(?:区|县|市|旗|州|盟)", text):
        word = m.group(0)
        for start in range(len(word) - 1):
            codes = [c for c in g.full.get(word[start:], ()) if 4 <= len(c) <= 6]
            if len(codes) == 1:
                counts[codes[0]] += 1
                break
    return counts


def _place_by_text(g: Gazetteer, text: str, under: str | None, kind: str) -> list[str]:
    """The parent the text supports for a unit of `kind` the data lacks, as a code path."""
    counts = _county_mentions(g, text[:200000])
    want = {"street": (6, 4), "county": (4,), "city": (2,)}.get(kind, ())
    for size in want:
        # Credit each unit with its own mentions and those of the units below it.
        total: Counter = Counter()
        for code, n in counts.items():
            if len(code) >= size:
                for anc in [code, *_ancestors(g, code)]:
                    if len(anc) == size:
                        total[anc] += n
        if under:
            total = Counter({c: n for c, n in total.items() if g.is_below(c, under)})
        best = leader(total)
        # A document that names many places is about all of them: the parent must hold most
        # of the mentions, not just lead a crowd.
        if best is None or total[best] < MAJORITY * sum(counts.values()):
            continue
        return [u.code for u in g.path(best)]
    return []


def _result(g: Gazetteer, codes: list[str], extra: str | None, extra_kind: str | None,
            notes: list[tuple], warnings: list[str]) -> Resolution:  # fmt: skip
    units = [g.unit(c) for c in codes]
    path = [u.name for u in units]
    kinds = [u.kind for u in units]
    if extra and extra_kind:
        path.append(extra)
        kinds.append(extra_kind)
    adcode = units[-1].adcode if units else None
    level = LEVEL_OF_KIND[kinds[-1]] if kinds else None
    return Resolution(tuple(path), tuple(kinds), adcode, level, tuple(notes), tuple(warnings))


def resolve(name: str | None, text: str = "", g: Gazetteer | None = None) -> Resolution:
    """Resolve a region name (山东省青岛市, 坪山街道, 襄樊市) to its path in the hierarchy.

    `text` (the document) supplies mentions that pick among same-named places or place a unit
    the data lacks. Never raises: problems come back as warnings with a certain-level result.
    """
    if name is None or not name.strip():
        return Resolution()
    raw = name.strip()
    if len(raw) > MAX_NAME:
        return Resolution(warnings=(f"region {raw[:20]}… is too long to be a place name",))
    s = _clean(raw)
    if s in NATIONAL_NAMES:
        return NATIONAL
    if not re.search(r"[\u4e00-\u9fff]", s):
        return Resolution(warnings=(f"region {raw!r} is not a Chinese place name",))
    g = g or gazetteer()
    chain, end = _chain(g, s)
    rest = s[end:]
    notes: list[tuple] = []
    warnings: list[str] = []
    if rest:
        other, _ = _chain(g, rest)
        if (
            chain
            and other
            and not any(g.is_below(a, b) or g.is_below(b, a) for a in chain[-1] for b in other[0])
        ):
            names = [g.rows[c[0]][0] for c in (chain[0], other[0])]
            warnings.append(
                f"region {raw!r} names two places ({names[0]}, {names[1]}) that do not contain "
                "each other; only what both share is kept"
            )
            return Resolution(warnings=tuple(warnings))
    if not chain:
        kind = _given_kind(s)
        if kind is None:
            return Resolution(warnings=(f"region {raw!r} names no known place",))
        codes = _place_by_text(g, text, None, kind)
        if codes:
            notes.append(("placed_by_text", s))
        else:
            notes.append(("unlisted", s))
        if codes and _KIND_DEPTH[kind] > _KIND_DEPTH[g.unit(codes[-1]).kind]:
            return _result(g, codes, s, kind, notes, warnings)
        return Resolution((s,), (kind,), None, LEVEL_OF_KIND[kind], tuple(notes))
    last, picked = _pick(g, chain[-1], text)
    if picked:
        notes.append(("chosen_by_text",))
    if len(last) == 1:
        codes = [u.code for u in g.path(last[0])]
        former = [
            ("former_name", alias, g.rows[c][0], year)
            for (c, alias), year in g.renamed.items()
            if c in codes and alias in s
        ]
        notes.extend(former)
        if g.rows[last[0]][2]:
            year, _, successor = g.rows[last[0]][2].partition(">")
            successor_path = "".join(u.name for u in g.path(successor))
            notes.append(("abolished", g.rows[last[0]][0], year, successor_path))
    else:
        codes = _common(g, last)
        kinds = {len(c) for c in last}
        names = sorted({"".join(u.name for u in g.path(c)) for c in last})
        notes.append(("ambiguous", s, names[:4]))
        if not codes and len(kinds) == 1:
            kind = KINDS[kinds.pop()]
            return Resolution((), (), None, LEVEL_OF_KIND[kind], tuple(notes))
    extra_kind = _given_kind(rest) if rest else None
    deepest = _KIND_DEPTH[g.unit(codes[-1]).kind] if codes else -1
    if rest and extra_kind and codes and _KIND_DEPTH[extra_kind] > deepest:
        notes.append(("kept_under", rest, g.rows[codes[-1]][0]))
        return _result(g, codes, rest, extra_kind, notes, warnings)
    return _result(g, codes, None, None, notes, warnings)
