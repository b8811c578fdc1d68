"""The final order of the best candidates: what ranking knows beyond the index's word scores.

Retrieval (service.py) finds the exact matching set and the best RERANK_DEPTH candidates by the
base score (BM25F over indexed words; 0 for a paragraph that holds the query only as a fragment
of other words). `rerank` then re-scores those candidates with features read from their text,
and the page is cut from its order. Keeping this a pure function of plain values lets ranking be
evaluated (bench/eval_ranking.py) and changed without touching the retrieval path.
"""

from __future__ import annotations

from dataclasses import dataclass

from .query import Phrase, Term

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


def rerank(terms: list[Term | Phrase], candidates: list[Candidate]) -> dict[int, float]:
    """Final score per candidate pid; higher ranks first (ties: year, newest first, then pid).

    A candidate with base score 0 (fragment-only match) must stay below every candidate with a
    positive base score: whole-word matches rank above fragments.
    """
    return {c.pid: c.score for c in candidates}
