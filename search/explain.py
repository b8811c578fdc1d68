"""Stage 7, explain: how a query was understood and why each hit ranks where it does.

Its parts (terms, phrases, filters) with what each matches alone and the index words that rank
it, what the filters removed, what folding removed, and each hit's score components (base
BM25F per word, proximity and contiguity bonuses). Hands on an Explanation.

Every count is after folding, as `search` and `--count` report it (a paragraph repeated in a
near-duplicate document counts once); how many copies the result folded is given apart.
"""

from __future__ import annotations

import numpy as np

from govsearch.indexer import IndexReader

from . import ranking
from .evaluate import Evaluator
from .folding import fold
from .patterns import pattern_plan, ranking_strings
from .query import And, Field, Node, Not, Or, Pattern, Phrase, Term, leaves
from .rank import Ranker, indexed_words
from .results import Clause, Explanation, HitScore, Suggestion


def explanation(
    reader: IndexReader,
    evaluator: Evaluator,
    query: str,
    node: Node,
    matched: np.ndarray,
    kept: np.ndarray,
    ranker: Ranker,
    page: list[int],
    suggestions: list[Suggestion],
) -> Explanation:
    """The explanation of a query whose matches (before and after folding) and page are known."""
    clauses = []
    for leaf, negated in leaves(node):
        plan = None
        if isinstance(leaf, Field):
            kind, text, norm, words = "filter", f"{leaf.name}:{leaf.value}", "", []
        elif isinstance(leaf, Pattern):
            kind, text = "pattern", f"/{leaf.text}/" if leaf.regex else leaf.text
            norm = pattern_plan(reader, leaf, evaluator.term).describe()
            plan, norm = norm, text
            strings = ranking_strings(reader, leaf, evaluator.term)
            words = list(dict.fromkeys(w for s in strings for w in indexed_words(reader, s)))
        elif isinstance(leaf, Phrase):
            kind, text = "phrase", " ".join(leaf.parts)
            norm = text
            words = [w for p in leaf.parts for w in indexed_words(reader, p)]
        else:
            kind, text, norm = "term", leaf.text, leaf.text
            words = indexed_words(reader, leaf.text)
        count = int(fold(reader, evaluator.eval(leaf)).kept.size)
        clauses.append(Clause(kind, text, norm, negated, count, words, plan))
    unfiltered = _without_fields(node)
    without = kept if unfiltered is None else fold(reader, evaluator.eval(unfiltered)).kept
    folded = int(matched.size - kept.size)
    scores = score_details(reader, ranker, page)
    return Explanation(
        query, render(node), clauses, int(without.size), int(kept.size), folded, suggestions,
        scores,
    )  # fmt: skip


def score_details(reader: IndexReader, ranker: Ranker, page: list[int]) -> list[HitScore]:
    """The score components of one page of hits, ranked by `ranker`."""
    terms = ranker.terms
    words = ranker.word_scores(page)
    rows = reader.fetch(page, "paragraph")
    norms = dict(zip(page, reader.norms(page), strict=True))
    out = []
    for pid in page:
        (paragraph,), norm = rows[pid], norms[pid]
        if pid in ranker.head_base:
            base = ranker.head_base[pid]
            parts = ranking.components(terms, ranking.Candidate(pid, base, norm))
        else:
            parts = ranking.Components(ranker.scores.get(pid, 0.0))
        out.append(
            HitScore(
                id=f"{reader.doc_of(pid).doc_id}:{paragraph}",
                score=round(ranker.scores.get(pid, 0.0), 4),
                bm25f=round(parts.base, 4),
                bm25f_words={w: round(v, 4) for w, v in words[pid].items()},
                proximity=round(parts.proximity, 4),
                contiguity=round(parts.contiguity, 4),
                span=parts.span,
                contiguous_pairs=parts.contiguous_pairs,
                reranked=pid in ranker.head_base,
            )
        )
    return out


def render(node: Node) -> str:
    if isinstance(node, Term):
        return node.text
    if isinstance(node, Pattern):
        return f"/{node.text}/" if node.regex else node.text
    if isinstance(node, Phrase):
        return '"' + " ".join(node.parts) + '"'
    if isinstance(node, Field):
        return f"{node.name}:{node.value}"
    if isinstance(node, Not):
        return f"NOT {render(node.child)}"
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(render(c) for c in node.children) + ")"


def _without_fields(node: Node) -> Node | None:
    if isinstance(node, Field):
        return None
    if isinstance(node, Not):
        child = _without_fields(node.child)
        return None if child is None else Not(child)
    if isinstance(node, And | Or):
        kept = [c for c in (_without_fields(c) for c in node.children) if c is not None]
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else type(node)(tuple(kept))
    return node
