"""Our query syntax parsed into literal strings, and the substring oracle that defines correctness.

Syntax (the subset the benchmark uses): whitespace-separated terms are ANDed; `a OR b` makes one
alternative group; `-term` excludes; `"a b"` is a phrase = the terms joined with no space;
`year:2018`, `year:2015..2020` and `region:山东省` filter on manifest metadata.
Contract: a paragraph matches when its normalised text contains every (normalised) term.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')


@dataclass(frozen=True)
class Lit:
    text: str
    phrase: bool = False


@dataclass(frozen=True)
class Query:
    text: str  # as typed
    category: str
    groups: tuple[tuple[Lit, ...], ...]  # every group must match; a group matches if any Lit does
    exclude: tuple[Lit, ...] = ()
    years: tuple[int, int] | None = None
    region: str | None = None

    def normalised(self, norm: Callable[[str], str]) -> Query:
        def n(lit: Lit) -> Lit:
            return Lit(norm(lit.text), lit.phrase)

        return replace(
            self,
            groups=tuple(tuple(n(x) for x in g) for g in self.groups),
            exclude=tuple(n(x) for x in self.exclude),
        )

    def meta_ok(self, meta: dict) -> bool:
        if self.years and not (meta.get("year") and self.years[0] <= meta["year"] <= self.years[1]):
            return False
        # Region names are hierarchical (山东省, 山东省青岛市): a filter covers the sub-regions.
        return not self.region or meta.get("region", "").startswith(self.region)

    def text_ok(self, text: str) -> bool:
        return all(any(x.text in text for x in g) for g in self.groups) and not any(
            x.text in text for x in self.exclude
        )

    @property
    def literals(self) -> list[str]:
        return [x.text for g in self.groups for x in g]


def parse(text: str, category: str = "") -> Query:
    groups: list[list[Lit]] = []
    exclude: list[Lit] = []
    years = region = None
    join_next = False
    for m in _TOKEN.finditer(text):
        neg, quoted, word = m.groups()
        if word == "OR":
            join_next = bool(groups)
            continue
        if quoted is not None:
            lit = Lit("".join(quoted.split()), phrase=True)
        elif word.startswith("year:"):
            lo, _, hi = word[5:].partition("..")
            years = (int(lo), int(hi or lo))
            continue
        elif word.startswith("region:"):
            region = word[7:]
            continue
        elif word.startswith("-") and len(word) > 1:
            neg, lit = "-", Lit(word[1:])
        else:
            lit = Lit(word)
        if neg:
            exclude.append(lit)
        elif join_next:
            groups[-1].append(lit)
        else:
            groups.append([lit])
        join_next = False
    return Query(text, category, tuple(tuple(g) for g in groups), tuple(exclude), years, region)


def load_queries(path: Path) -> list[Query]:
    """One query per line; `## name` lines start a category; other `#` lines are comments."""
    queries, category = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("##"):
            category = line.lstrip("#").strip()
        elif line and not line.startswith("#"):
            queries.append(parse(line, category))
    return queries


def evaluate(q: Query, paras) -> set:
    """Keys of the paragraphs (a corpus.Paragraphs) matching q, by substring scan.

    Pass normalised paragraphs and q.normalised() for the oracle, raw ones for plain brute force.
    """
    keys, texts = paras.keys, paras.texts
    idx = range(len(texts))
    if q.years or q.region:
        ok = [q.meta_ok(m) for m in paras.file_meta]
        idx = [i for i in idx if ok[paras.file_of[i]]]
    for g in q.groups:
        if len(g) == 1:
            s = g[0].text
            idx = [i for i in idx if s in texts[i]]
        else:
            alts = [x.text for x in g]
            idx = [i for i in idx if any(a in texts[i] for a in alts)]
    for x in q.exclude:
        s = x.text
        idx = [i for i in idx if s not in texts[i]]
    return {keys[i] for i in idx}
