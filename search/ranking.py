"""The final order of the best candidates: what ranking knows beyond the index's word scores.

Retrieval (service.py) finds the exact matching set and the best RERANK_DEPTH candidates by the
base score (BM25F over indexed words; 0 for a paragraph that holds the query only as a fragment
of other words). `rerank` then re-scores those candidates with features read from their text,
and the page is cut from its order. Keeping this a pure function of plain values lets ranking be
evaluated (bench/eval_ranking.py) and changed without touching the retrieval path.

The features reward a multi-term query whose terms stand together in the paragraph:

- proximity: the closest occurrence of the query's terms (one of each) lies inside one clause
  (no ，；： or sentence end between them), or at least inside one sentence (no 。！？);
- contiguity: consecutive query terms occur back to back in the query's order (河长制 落实 in
  …河长制落实…), counted per adjacent pair.

Each feature multiplies the base score: final = base × (1 + proximity + contiguity). So a
fragment-only candidate (base 0) stays at 0, below every whole-word match, and the components
of a score (base, base × proximity, base × contiguity) add up to it. Bonuses never lower a
score, so candidates below the re-scored head stay below it.

For the retrieval side: `reorders(terms)` is false for fewer than two distinct terms, and then
`rerank` would return the base scores unchanged; skip fetching the candidates' text (and
retrieving more than the page) in that case. `components` gives one candidate's parts (for
--explain).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from .query import Alternatives, Phrase, Term, term_pattern

#: How many of the best base-score candidates are re-scored (the rest keep the base order).
RERANK_DEPTH = 100


@dataclass(frozen=True)
class Candidate:
    """A matching paragraph as retrieval found it."""

    pid: int
    #: Base score from the word index; 0.0 when no query word is an indexed word of it.
    score: float
    #: The paragraph's normalised text (indexer.textnorm.normalize of its text).
    norm: str


@dataclass(frozen=True)
class Weights:
    """Bonus fractions of the base score, tuned on the known-item questions (bench/tune_ranking.py).

    One sentence but not one clause earned nothing there (0 was as good as any bonus tried).
    """

    #: All present query terms within one clause.
    clause: float = 0.5
    #: All present query terms within one sentence, not one clause.
    sentence: float = 0.0
    #: All adjacent query-term pairs back to back (a share of it for some of the pairs).
    contiguity: float = 0.8


WEIGHTS = Weights()
#: Marks that end a clause or a sentence, in normalised text (NFKC turns ，；：！？ into their
#: ASCII forms; 。 stays). The enumeration comma 、 lists items inside one clause, and "." is
#: left out because it is mostly a decimal point (3.5%).
CLAUSE_BREAKS = frozenset(",;:。!?\n，；：！？")
SENTENCE_BREAKS = frozenset("。!?\n！？")


@dataclass(frozen=True)
class Components:
    """A candidate's final score, split into the parts that add up to it."""

    base: float
    proximity: float = 0.0
    contiguity: float = 0.0
    #: "clause", "sentence" or "" : where the query's terms were found together.
    span: str = ""
    #: Adjacent query-term pairs found back to back, out of len(terms) - 1.
    contiguous_pairs: int = 0

    @property
    def total(self) -> float:
        return self.base + self.proximity + self.contiguity


@lru_cache(maxsize=256)
def _compiled(
    terms: tuple[Term | Phrase | Alternatives, ...],
) -> tuple[list[re.Pattern], list[re.Pattern]]:
    """One pattern per distinct query term or phrase in query order, and one per adjacent pair
    of them back to back (only whitespace between)."""
    units = [term_pattern(t) for t in dict.fromkeys(terms)]
    pairs = [re.compile(f"(?:{a.pattern})\\s*(?:{b.pattern})") for a, b in pairwise(units)]
    return units, pairs


def _occurrences(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Every (overlapping) occurrence of a unit as [start, end) offsets."""
    out, pos = [], 0
    while True:
        m = pattern.search(text, pos)
        if m is None:
            return out
        out.append(m.span())
        pos = m.start() + 1


def _tightest(spans: list[list[tuple[int, int]]]) -> tuple[int, int]:
    """The shortest window of the text holding one occurrence of every unit."""
    events = sorted((s, e, u) for u, occ in enumerate(spans) for s, e in occ)
    need = len(spans)
    last: dict[int, tuple[int, int]] = {}
    best = (0, 1 << 62)
    for s, e, u in events:
        last[u] = (s, e)
        if len(last) == need:
            lo = min(a for a, _b in last.values())
            hi = max(b for _a, b in last.values())
            if hi - lo < best[1] - best[0]:
                best = (lo, hi)
    return best


def _span_kind(norm: str, window: tuple[int, int]) -> str:
    inside = set(norm[window[0] : window[1]])
    if not inside & CLAUSE_BREAKS:
        return "clause"
    if not inside & SENTENCE_BREAKS:
        return "sentence"
    return ""


def components(
    terms: list[Term | Phrase | Alternatives], candidate: Candidate, weights: Weights | None = None
) -> Components:
    """The parts of a candidate's final score."""
    w = weights or WEIGHTS
    base = candidate.score
    units, pair_patterns = _compiled(tuple(terms))
    if base <= 0 or len(units) < 2:
        return Components(base)
    norm = candidate.norm
    spans = [occ for occ in (_occurrences(u, norm) for u in units) if occ]
    span = _span_kind(norm, _tightest(spans)) if len(spans) >= 2 else ""
    near = w.clause if span == "clause" else w.sentence if span == "sentence" else 0.0
    pairs = sum(1 for p in pair_patterns if p.search(norm))
    return Components(
        base,
        proximity=base * near,
        contiguity=base * w.contiguity * pairs / (len(units) - 1),
        span=span,
        contiguous_pairs=pairs,
    )


def reorders(terms: list[Term | Phrase | Alternatives]) -> bool:
    """Whether `rerank` can change anything for these terms (two or more distinct ones).

    Retrieval skips fetching the candidates' text when it cannot.
    """
    return len(set(terms)) >= 2


def rerank(
    terms: list[Term | Phrase | Alternatives], candidates: list[Candidate]
) -> dict[int, float]:
    """Final score per candidate pid; higher ranks first (ties: year, newest first, then pid).

    A candidate with base score 0 (fragment-only match) must stay below every candidate with a
    positive base score: whole-word matches rank above fragments.
    """
    return {c.pid: components(terms, c).total for c in candidates}
